/// One entry of a mapping, checked and compiled: which columns, which canonical fields, and every
/// step between them in both directions.
/// A class, so the per-record loops share one rule instead of copying its many fields.
final class FieldRule: Sendable {
    /// What to do with a value that fails its checks.
    enum InvalidAction: String, Sendable, CaseIterable {
        case reject, drop, keep
    }

    /// How one column holds several fields.
    enum Split: String, Sendable, CaseIterable {
        /// Both surnames in one text, split with Spanish particles (`García de la Fuente`).
        case surnames
        /// A person's given name or a company's name in one column (Movin's `name`): `fields:
        /// [givenName, companyName]`, the company's name written for a company.
        case personOrCompany = "person_or_company"
    }

    /// A lookup table: canonical value ↔ system value.
    struct Lookup: Sendable {
        var name: String
        var toColumn: [String: String]
        var toCanonical: [String: String]
        /// An empty table (the user has not filled it in): the field is neither read nor written.
        var isEmpty: Bool { toColumn.isEmpty }

        /// The canonical value of a system's value (`reading`), or the system's of a canonical one:
        /// as written, else the row whose key differs only in case.
        func translate(_ value: String, reading: Bool) -> String? {
            let table = reading ? toCanonical : toColumn
            return table[value] ?? table.first(where: { $0.key.lowercased() == value.lowercased() })?.value
        }

        /// The row that would translate `value`, `...` standing for the side only the user knows.
        static func row(for value: String, reading: Bool) -> String {
            reading ? "...: \(JSONText.quoted(value))" : "\(JSONText.quoted(value)): ..."
        }

        /// Why `value` (the system's, when `reading`) could not be translated, with the row to add:
        /// the table's rows are `canonical: system`.
        func missing(_ value: String, reading: Bool) -> ValidationFailure {
            let row = Lookup.row(for: value, reading: reading)
            return ValidationFailure(
                "not in the table `\(name)`; add a row for it",
                detail: "`\(value)` is not in the table `\(name)`; add `\(row)` to it")
        }
    }

    let line: Int
    let columns: [String]
    let fields: [CustomerField]
    let codecs: [FieldCodec]
    let transforms: [any Transform]
    let lookup: Lookup?
    let split: Split?
    let join: String?
    let constant: String?
    let defaultValue: String?
    let required: Bool
    let readOnly: Bool
    /// `write_only: true`: the column is written from its field but never read (Koibox's
    /// `is_envios_sms`, which follows the SMS consent read from another column).
    let writeOnly: Bool
    let allowsHealthData: Bool
    let sensitive: Bool
    let invalid: InvalidAction
    let systemDefault: Bool?
    /// The JSON kind to write a constant or default with, and what transforms produce.
    let writtenKind: ValueKind?
    /// `type: integer`: numbers are written only when whole.
    let wholeNumber: Bool
    /// `fallback_column:`: where a value goes, as text, when this column cannot take it (Koibox's
    /// `manual_code` for a `code` that is not a whole number).
    let fallbackColumn: String?
    /// Whether a create the API refuses because of this column's value alone is sent again with
    /// the value in `fallbackColumn` (`on_clash: fallback`, the default with a fallback column).
    let clashFallback: Bool
    let note: String?
    /// `extra:` for a column without a field: the name its value travels under (nil: the column's).
    let extra: String?
    /// `list:` the separator of the items the column holds.
    let list: String?
    /// `type: array`: the items are written as a JSON array.
    let isArray: Bool
    /// `object:` the members of the JSON object the column holds, each from an extra.
    let members: [Member]?

    /// `for:` the kind of customer the entry is written for; nil: every customer.
    let forKind: Customer.Kind?

    /// A member of an `object:` entry.
    struct Member: Sendable {
        /// What gives a member its value.
        enum Source: Sendable, Equatable {
            /// An extra, by name.
            case extra(String)
            /// A canonical field's text (`field:`).
            case field(CustomerField)
            /// The id the target gave, earlier in the same migration, to the company the record's
            /// `companyName` names (`created: company`).
            case createdCompany
        }

        var key: String
        var source: Source
        var lookup: Lookup?
        var kind: ValueKind
        var wholeNumber: Bool

        /// The extra that gives its value, when one does.
        var extra: String? {
            if case .extra(let name) = source { name } else { nil }
        }
    }

    init(
        line: Int, columns: [String], fields: [CustomerField], codecs: [FieldCodec], transforms: [any Transform],
        lookup: Lookup?, split: Split?, join: String?, constant: String?, defaultValue: String?, required: Bool,
        readOnly: Bool, writeOnly: Bool = false, allowsHealthData: Bool, sensitive: Bool, invalid: InvalidAction,
        systemDefault: Bool?,
        writtenKind: ValueKind?, wholeNumber: Bool = false, fallbackColumn: String? = nil, clashFallback: Bool = false,
        note: String?, extra: String? = nil, list: String? = nil, isArray: Bool = false, members: [Member]? = nil,
        forKind: Customer.Kind? = nil
    ) {
        self.line = line
        self.columns = columns
        self.fields = fields
        self.codecs = codecs
        self.transforms = transforms
        self.lookup = lookup
        self.split = split
        self.join = join
        self.constant = constant
        self.defaultValue = defaultValue
        self.required = required
        self.readOnly = readOnly
        self.writeOnly = writeOnly
        self.allowsHealthData = allowsHealthData
        self.sensitive = sensitive
        self.invalid = invalid
        self.systemDefault = systemDefault
        self.writtenKind = writtenKind
        self.wholeNumber = wholeNumber
        self.fallbackColumn = fallbackColumn
        self.clashFallback = clashFallback
        self.note = note
        self.extra = extra
        self.list = list
        self.isArray = isArray
        self.members = members
        self.forKind = forKind
    }

    /// The canonical fields an `object:` entry's members take (`field:`).
    var memberFields: [CustomerField] {
        (members ?? []).compactMap { member in
            if case .field(let field) = member.source { field } else { nil }
        }
    }

    /// Every canonical field the entry's values come from or go to: its own and its members'.
    var valueFields: [CustomerField] { fields + memberFields }

    /// Whether the entry writes the id of a company created earlier in the run (`created: company`).
    var refersToCreatedCompany: Bool { members?.contains { $0.source == .createdCompany } ?? false }

    /// A consent the system takes as yes when it is not sent (`system_default: true`): an absent
    /// one is written as the system's no.
    var sendsNoForAbsentConsent: Bool { systemDefault == true && fields.first?.isConsent == true }

    /// Whether such a no counts among the consents sent as no: not again for a `write_only` column,
    /// which follows a consent another column carries (Koibox's `is_envios_sms`).
    var countsConsentSentAsNo: Bool { sendsNoForAbsentConsent && !writeOnly }

    /// Whether reading takes a value from the column (not for a constant or a `write_only` entry).
    var readsColumn: Bool { constant == nil && !writeOnly }

    /// The column (or columns, joined by `+`) as messages name it.
    var displayName: String { columns.count == 1 ? columns[0] : columns.joined(separator: "+") }

    /// What writing this rule cannot give back, for `plan` and the round-trip tests.
    var losses: [String] {
        var losses: [String] = []
        for transform in transforms { if case .lossy(let text) = transform.inverse { losses.append(text) } }
        for codec in codecs { if let loss = codec.loss { losses.append(loss) } }
        if split == .surnames {
            losses.append("a surname of several words without a particle may be split at the wrong word")
        }
        if columns.count > 1 {
            losses.append("the columns are joined with '\(join ?? " ")'; a value containing it splits differently")
        }
        return losses
    }
}
