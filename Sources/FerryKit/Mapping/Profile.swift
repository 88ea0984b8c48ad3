/// A mapping, checked and ready: how one system's records become canonical Customers and how
/// Customers become that system's records. Built-in systems (`Mappings/*.yaml`) and a user's file
/// are read by the same code; nothing here knows any system by name.
///
/// ```swift
/// let koibox = try ProfileCatalog.load("koibox")
/// let movin = try ProfileCatalog.load("movin")
/// ```
public struct Profile: Sendable {
    /// The mapping's name (`koibox`), or the file's name.
    public let name: String
    public let description: String?
    /// Where it was read from.
    public let file: String
    let rules: [FieldRule]
    /// The column that holds `extras` as a JSON object (the canonical profile), if any.
    let extrasColumn: String?
    /// Notes about the mapping itself (an empty lookup table, an unwritable field).
    public let notes: [Diagnostic]
    /// The columns this profile writes, in order.
    public let writtenColumns: [String]
    /// Positions in `writtenColumns` by name.
    let columnIndex: [String: Int]
    /// How the system's API is called (`api:`), when it has one Ferry can migrate into.
    public let api: APIDescription?
    /// Whether some rule lets clinicalNotes through (`sensitive: allow`); decided once, not per record.
    let writesHealthData: Bool
    /// Where numbers without a country code and records without evidence of a country are from
    /// (`region:`, ES by default).
    let region: String
    /// In a migration's second phase, the companies its first created: where a person's
    /// `created: company` member finds its id. Nil elsewhere, and the member is left out.
    var createdCompanies: CreatedCompanies?

    /// Checks a mapping document against the canonical model; every problem is a mapping error
    /// with the file's line.
    init(document: MappingDocument, base: MappingDocument?) throws(FerryError) {
        // A user's entry replaces every entry of the base for the same columns (Koibox's two
        // `provincia` entries, a pass-through the user gives a field), in the first one's place; a
        // later entry of the same file for the same columns and fields replaces the earlier one.
        // Found by dictionaries, so a mapping loads in time linear in its entries.
        var slots: [MappingDocument.Entry?] = base?.entries ?? []
        func columnsKey(_ entry: MappingDocument.Entry) -> String { entry.columns.joined(separator: "\u{1F}") }
        func key(_ entry: MappingDocument.Entry) -> String {
            columnsKey(entry) + "\u{1E}" + entry.fields.map(\.value).joined(separator: "\u{1F}")
        }
        var baseSlots: [String: [Int]] = [:]
        for (index, entry) in slots.enumerated() { baseSlots[columnsKey(entry!), default: []].append(index) }
        // The places of replaced base entries that the user's entries for those columns fill in order.
        var freed: [String: ArraySlice<Int>] = [:]
        var ownSlots: [String: Int] = [:]
        for entry in document.entries {
            let columns = columnsKey(entry)
            if let earlier = ownSlots[key(entry)] {
                slots[earlier] = entry
                continue
            }
            if let replaced = baseSlots.removeValue(forKey: columns) {
                for index in replaced { slots[index] = nil }
                freed[columns] = replaced[...]
            }
            if let place = freed[columns]?.popFirst() {
                slots[place] = entry
                ownSlots[key(entry)] = place
            } else {
                ownSlots[key(entry)] = slots.count
                slots.append(entry)
            }
        }
        let entries = slots.compactMap { $0 }
        var tables = base?.tables ?? [:]
        for (name, table) in document.tables { tables[name] = table }
        name = document.name ?? base?.name ?? document.file
        description = document.description ?? base?.description
        file = document.file
        extrasColumn = document.extrasColumn ?? base?.extrasColumn
        api = document.api ?? base?.api

        let file = document.file
        func fail(_ message: String, line: Int) -> FerryError { document.fail(message, line: line) }
        let region = document.region?.value ?? base?.region?.value ?? "ES"
        var defaultDates = DateFormat.iso
        if let pattern = document.dateFormat ?? base?.dateFormat {
            do { defaultDates = try DateFormat(pattern.value) } catch { throw fail(error.message, line: pattern.line) }
        }
        func booleanStyle(_ located: MappingDocument.Located<String>?) throws(FerryError) -> BooleanStyle? {
            guard let located else { return nil }
            guard let style = BooleanStyle(rawValue: located.value) else {
                throw fail(
                    "unknown boolean style `\(located.value)`; the styles are \(BooleanStyle.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "))",
                    line: located.line)
            }
            return style
        }
        func phoneStyle(_ located: MappingDocument.Located<String>?) throws(FerryError) -> PhoneNumber.Style? {
            guard let located else { return nil }
            guard let style = PhoneNumber.Style(rawValue: located.value) else {
                throw fail(
                    "unknown phone style `\(located.value)`; the styles are \(PhoneNumber.Style.allCases.map(\.rawValue).joined(separator: ", "))",
                    line: located.line)
            }
            return style
        }
        let defaultBooleans = try booleanStyle(document.booleans ?? base?.booleans) ?? .json
        let defaultPhones = try phoneStyle(document.phones ?? base?.phones) ?? .e164
        let today = CalendarDate.today()

        /// A table under `tables:`, both ways; each system value must stand for one canonical value.
        func lookupTable(_ located: MappingDocument.Located<String>) throws(FerryError) -> FieldRule.Lookup {
            guard let table = tables[located.value] else {
                let known = tables.keys.sorted()
                throw fail(
                    "the lookup table `\(located.value)` is not defined under `tables:`"
                        + (known.isEmpty ? "" : " (tables: \(known.joined(separator: ", ")))"), line: located.line)
            }
            var toColumn: [String: String] = [:], toCanonical: [String: String] = [:]
            for row in table.value {
                if let earlier = toCanonical[row.value] {
                    throw fail(
                        "table `\(located.value)` gives `\(row.value)` to both `\(earlier)` and `\(row.key)`; each system value must stand for one canonical value so the table works both ways",
                        line: row.line)
                }
                toColumn[row.key] = row.value
                toCanonical[row.value] = row.key
            }
            return FieldRule.Lookup(name: located.value, toColumn: toColumn, toCanonical: toCanonical)
        }
        /// `type:` in words → how a value is written in JSON.
        func jsonType(_ located: MappingDocument.Located<String>, arrays: Bool) throws(FerryError) -> (
            kind: ValueKind, wholeNumber: Bool
        ) {
            switch located.value {
            case "string": return (.string, false)
            case "number": return (.number, false)
            case "integer": return (.number, true)
            case "boolean": return (.bool, false)
            case "array" where arrays: return (.json, false)
            default:
                throw fail(
                    "`type:` is `string`, `number`, `integer`, `boolean`\(arrays ? " or `array`" : "") (how the value is written in JSON)",
                    line: located.line)
            }
        }
        var rules: [FieldRule] = []
        var notes: [Diagnostic] = []
        for entry in entries {
            var fields: [CustomerField] = []
            for located in entry.fields {
                guard let field = CustomerField(rawValue: located.value) else {
                    let close = CustomerField.allCases.filter { $0.rawValue.lowercased() == located.value.lowercased() }
                        .map(\.rawValue)
                    throw fail(
                        "unknown canonical field `\(located.value)`"
                            + (close.isEmpty
                                ? "; the fields are \(CustomerField.allCases.map(\.rawValue).joined(separator: ", "))"
                                : "; did you mean `\(close[0])`?"),
                        line: located.line)
                }
                fields.append(field)
            }
            if fields.count > 1, entry.split == nil {
                throw fail(
                    "an entry with several `fields:` needs `split:` to say how the column holds them (\(FieldRule.Split.allCases.map(\.rawValue).joined(separator: ", ")))",
                    line: entry.line)
            }
            var split: FieldRule.Split?
            if let located = entry.split {
                guard let kind = FieldRule.Split(rawValue: located.value) else {
                    throw fail(
                        "unknown split `\(located.value)`; the splits are \(FieldRule.Split.allCases.map(\.rawValue).joined(separator: ", "))",
                        line: located.line)
                }
                switch kind {
                case .surnames where fields.count != 2:
                    throw fail("`split: surnames` takes `fields: [familyName1, familyName2]`", line: located.line)
                case .personOrCompany where fields != [.givenName, .companyName]:
                    throw fail(
                        "`split: person_or_company` takes `fields: [givenName, companyName]`", line: located.line)
                default: break
                }
                split = kind
            }
            if entry.columns.count > 1, fields.count > 1 {
                throw fail(
                    "an entry joins several columns into one field, or splits one column into several fields, not both",
                    line: entry.line)
            }
            var transforms: [any Transform] = []
            for located in entry.transforms {
                switch Transforms.make(located.value.name, argument: located.value.argument) {
                case .success(let transform): transforms.append(transform)
                case .failure(let failure): throw fail(failure.message, line: located.line)
                }
            }
            var lookup: FieldRule.Lookup?
            // A column without a field travels in extras: under its own name or `extra:`'s, each item
            // of a `list:` apart, through a `lookup:` table when it has one.
            for (key, located) in [("extra", entry.extra), ("list", entry.list)] {
                guard let located, !fields.isEmpty else { continue }
                throw fail(
                    "`\(key):` belongs on an entry without `field:` (a column that travels in extras); this one has a field",
                    line: located.line)
            }
            var members: [FieldRule.Member]?
            if let object = entry.object {
                guard fields.isEmpty, entry.extra == nil, entry.list == nil, entry.lookup == nil,
                    entry.columns.count == 1
                else {
                    throw fail(
                        "`object:` builds one column's JSON object from extras: it belongs on an entry of one column without `field:`, `extra:`, `list:` or `lookup:`",
                        line: entry.line)
                }
                members = []
                for member in object {
                    let declared = try member.jsonType.map { located throws(FerryError) in
                        try jsonType(located, arrays: false)
                    }
                    let source: FieldRule.Member.Source
                    switch (member.extra, member.field, member.created) {
                    case (let extra, nil, nil): source = .extra(extra ?? member.key)
                    case (nil, let located?, nil):
                        guard let field = CustomerField(rawValue: located.value), field.valueType == .text,
                            !field.isHealthData
                        else {
                            throw fail(
                                "`field: \(located.value)` in a member of `object:` names a canonical text field, such as companyName, street or city",
                                line: located.line)
                        }
                        source = .field(field)
                    case (nil, nil, let located?):
                        guard located.value == "company" else {
                            throw fail(
                                "`created:` takes `company`: the id the target gave the company this customer's companyName names",
                                line: located.line)
                        }
                        guard entry.forKind?.value == "person" else {
                            throw fail(
                                "a member `created: company` refers a person to their company; its entry needs `for: person`",
                                line: located.line)
                        }
                        source = .createdCompany
                    default:
                        throw fail(
                            "a member of `object:` takes its value from one of `extra:`, `field:` or `created:`",
                            line: member.line)
                    }
                    members!.append(
                        FieldRule.Member(
                            key: member.key, source: source,
                            lookup: try member.lookup.map { located throws(FerryError) in try lookupTable(located) },
                            kind: declared?.kind ?? .string, wholeNumber: declared?.wholeNumber ?? false))
                }
            }
            var forKind: Customer.Kind?
            if let located = entry.forKind {
                guard let kind = Customer.Kind(rawValue: located.value) else {
                    throw fail("`for:` is `person` or `company`", line: located.line)
                }
                guard fields.isEmpty, entry.constant == nil, entry.columns.count == 1, !entry.readOnly else {
                    throw fail(
                        "`for:` belongs on a written entry of one column without `field:` or `value:` (a column that travels in extras, or an `object:`)",
                        line: located.line)
                }
                forKind = kind
            }
            if let located = entry.extra, entry.columns.count != 1 || entry.constant != nil {
                throw fail("`extra:` names the value of one column; this entry has none or several", line: located.line)
            }
            if let located = entry.lookup {
                let table = tables[located.value]
                lookup = try lookupTable(located)
                if lookup!.isEmpty, let table, !entry.readOnly {
                    // Where the table is: this file, or the base's when this file does not give it.
                    let tableFile = document.tables[located.value] == nil ? base?.file ?? file : file
                    notes.append(
                        Diagnostic(
                            "table `\(located.value)` is empty: `\(entry.columns[0])` is not written until you fill it in (an `extends:` file can add the rows)",
                            at: Location(file: tableFile, line: table.line)))
                }
            }
            // `type:`: how the entry's values are written in JSON, whether they come from a field, a
            // `value:` or a `default:`.
            var declared: (kind: ValueKind, wholeNumber: Bool)?
            if let located = entry.jsonType {
                declared = try jsonType(located, arrays: true)
                if located.value == "array", !fields.isEmpty || entry.constant != nil || entry.defaultValue != nil {
                    throw fail(
                        "`type: array` is for a column without `field:` whose items are written as a JSON array (Movin's `profiles`), without `value:` or `default:`",
                        line: located.line)
                }
                for (key, text) in [("value", entry.constant), ("default", entry.defaultValue)] {
                    guard let text, let declared,
                        !JSONText.fits(text, kind: declared.kind, wholeNumber: declared.wholeNumber)
                    else { continue }
                    throw fail(
                        "`\(key): \(text)` is not \(JSONText.name(of: declared.kind, wholeNumber: declared.wholeNumber)) as JSON writes it, but `type:` is `\(located.value)`",
                        line: located.line)
                }
            }
            var codecs: [FieldCodec] = []
            for field in fields {
                let codec = FieldCodec(field: field)
                codec.today = today
                codec.region = region
                codec.booleans = try booleanStyle(entry.booleans) ?? defaultBooleans
                codec.phones = try phoneStyle(entry.phones) ?? defaultPhones
                codec.dateFormat = defaultDates
                if let pattern = entry.dateFormat {
                    do { codec.dateFormat = try DateFormat(pattern.value) } catch {
                        throw fail(error.message, line: pattern.line)
                    }
                }
                codec.decimalComma = entry.decimalComma ?? false
                if let values = entry.values {
                    guard case .choice(let allowed) = field.valueType else {
                        throw fail(
                            "`values:` translates a choice field (kind, lifecycle, taxIdType, gender); `\(field.rawValue)` is not one — use `lookup:` for free values",
                            line: entry.line)
                    }
                    for value in values where !allowed.contains(value.canonical) {
                        throw fail(
                            "`\(value.canonical)` is not a value of \(field.rawValue); its values are \(allowed.joined(separator: ", "))",
                            line: value.line)
                    }
                    codec.values = values.map { ($0.canonical, $0.column) }
                }
                codec.jsonKind = declared?.kind
                codecs.append(codec)
            }
            var invalid: FieldRule.InvalidAction = entry.required ? .reject : .drop
            if let located = entry.invalid {
                guard let action = FieldRule.InvalidAction(rawValue: located.value) else {
                    throw fail("`invalid:` is `reject`, `drop` or `keep`", line: located.line)
                }
                if action == .keep,
                    let field = fields.first(where: {
                        ![.text, .taxId, .phone, .email, .postalCode].contains($0.valueType.keepable)
                    })
                {
                    throw fail(
                        "`invalid: keep` cannot hold an unchecked value in \(field.rawValue), which is a \(field.valueType.kindName); use `drop` or `reject`",
                        line: located.line)
                }
                invalid = action
            }
            var allowsHealthData = false, sensitive = fields.contains { $0.isHealthData }
            if let located = entry.sensitive {
                switch located.value {
                case "allow": allowsHealthData = true; sensitive = true
                case "true", "yes": sensitive = true
                case "false", "no":
                    guard !sensitive else {
                        throw fail(
                            "clinicalNotes is health data and always sensitive; to move it write `sensitive: allow`",
                            line: located.line)
                    }
                default:
                    throw fail(
                        "`sensitive:` is `true` (mask in reports) or `allow` (let health data through)",
                        line: located.line)
                }
            }
            if entry.writeOnly {
                if entry.readOnly {
                    throw fail("an entry is `read_only:` or `write_only:`, not both", line: entry.line)
                }
                if fields.isEmpty {
                    throw fail(
                        "`write_only:` writes a canonical field into one more column; give the entry its `field:`",
                        line: entry.line)
                }
            }
            if entry.systemDefault != nil, !(fields.count == 1 && fields[0].valueType == .boolean) {
                throw fail(
                    "`system_default:` describes a yes/no field whose value the system assumes when it is not sent",
                    line: entry.line)
            }
            var clashFallback = false
            if let located = entry.onClash {
                guard entry.fallbackColumn != nil else {
                    throw fail(
                        "`on_clash:` says what happens when the API refuses this column's value; it needs `fallback_column:`",
                        line: located.line)
                }
                switch located.value {
                case "fallback": clashFallback = true
                case "reject": clashFallback = false
                default:
                    throw fail(
                        "`on_clash:` is `fallback` (send the record again with the value in the fallback column) or `reject`",
                        line: located.line)
                }
            } else {
                clashFallback = entry.fallbackColumn != nil
            }
            if let located = entry.fallbackColumn {
                if entry.readOnly || entry.columns.count != 1 || located.value == entry.columns[0] {
                    throw fail(
                        "`fallback_column:` names another column that keeps, as text, what this one cannot take; it belongs on a written entry of one column",
                        line: located.line)
                }
                guard
                    entries.contains(where: {
                        !$0.readOnly && $0.columns == [located.value] && $0.constant == nil
                    })
                else {
                    throw fail(
                        "`fallback_column: \(located.value)` is not a written column of this mapping; add an entry `- column: \(located.value)`",
                        line: located.line)
                }
            }
            rules.append(
                FieldRule(
                    line: entry.line, columns: entry.columns, fields: fields, codecs: codecs, transforms: transforms,
                    lookup: lookup, split: split, join: entry.join, constant: entry.constant,
                    defaultValue: entry.defaultValue, required: entry.required, readOnly: entry.readOnly,
                    writeOnly: entry.writeOnly,
                    allowsHealthData: allowsHealthData, sensitive: sensitive, invalid: invalid,
                    systemDefault: entry.systemDefault,
                    writtenKind: declared?.kind ?? transforms.last?.writtenKind,
                    wholeNumber: declared?.wholeNumber ?? false,
                    fallbackColumn: entry.fallbackColumn?.value, clashFallback: clashFallback,
                    note: entry.note, extra: entry.extra?.value, list: entry.list?.value,
                    isArray: entry.jsonType?.value == "array", members: members, forKind: forKind))
        }
        self.rules = rules
        self.notes = notes
        var written: [String] = []
        var writtenSet: Set<String> = []
        for rule in rules where !rule.readOnly {
            for column in rule.columns where writtenSet.insert(column).inserted { written.append(column) }
        }
        if let extrasColumn, writtenSet.insert(extrasColumn).inserted { written.append(extrasColumn) }
        writtenColumns = written
        self.region = region
        writesHealthData = rules.contains { !$0.readOnly && $0.allowsHealthData && $0.fields.contains(.clinicalNotes) }
        columnIndex = Dictionary(written.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The canonical fields this profile reads.
    public var fieldsRead: Set<CustomerField> {
        Set(rules.filter { !$0.writeOnly }.flatMap(\.valueFields))
    }

    /// Whether this target refers people read from `source` to their companies (`created:
    /// company`): the source gives company names, and the target writes a company's id from them.
    /// A migration then creates the companies first, and reports show the order.
    func refersPeopleToCompanies(from source: Profile) -> Bool {
        rules.contains(where: \.refersToCreatedCompany) && source.fieldsRead.contains(.companyName)
    }

    /// The canonical fields this profile writes.
    public var fieldsWritten: Set<CustomerField> {
        Set(rules.filter { !$0.readOnly && !($0.lookup?.isEmpty ?? false) }.flatMap(\.valueFields))
    }

    /// The columns whose value alone may make the API refuse a create, each with the column that
    /// then keeps it as text when the record is sent again (`fallback_column:`, `on_clash:`).
    var clashFallbacks: [(column: String, fallback: String)] {
        rules.compactMap { rule in
            rule.clashFallback ? rule.fallbackColumn.map { (rule.columns[0], $0) } : nil
        }
    }

    /// The system's columns that must have a value (`required: true`).
    public var requiredColumns: [String] { rules.filter(\.required).flatMap(\.columns) }

    /// What writing with this profile cannot give back, field by field (`plan` shows it).
    public var losses: [(field: String, loss: String)] {
        var result: [(String, String)] = []
        for rule in rules where !rule.readOnly {
            let name =
                rule.fields.isEmpty
                ? rule.columns.joined(separator: "+") : rule.fields.map(\.rawValue).joined(separator: "+")
            for loss in rule.losses { result.append((name, loss)) }
        }
        return result
    }
}

extension CustomerField.ValueType {
    /// The shape of a type for `invalid: keep`: only text-like values can be kept unchecked.
    var keepable: CustomerField.ValueType {
        switch self {
        case .text, .taxId, .phone, .email, .postalCode: self
        default: .date
        }
    }

    var kindName: String {
        switch self {
        case .text: "text"
        case .choice: "choice"
        case .taxId: "tax id"
        case .phone: "phone number"
        case .email: "e-mail address"
        case .postalCode: "postal code"
        case .provinceCode: "province code"
        case .countryCode: "country code"
        case .language: "language code"
        case .date: "date"
        case .boolean: "yes/no value"
        case .integer: "whole number"
        case .decimal: "number"
        }
    }
}
