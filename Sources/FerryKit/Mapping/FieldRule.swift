/// One entry of a mapping, checked and compiled: which columns, which canonical fields, and every
/// step between them in both directions.
struct FieldRule: Sendable {
    /// What to do with a value that fails its checks.
    enum InvalidAction: String, Sendable, CaseIterable {
        case reject, drop, keep
    }

    /// How one column holds several fields.
    enum Split: String, Sendable, CaseIterable {
        /// Both surnames in one text, split with Spanish particles (`García de la Fuente`).
        case surnames
    }

    /// A lookup table: canonical value ↔ system value.
    struct Lookup: Sendable {
        var name: String
        var toColumn: [String: String]
        var toCanonical: [String: String]
        /// An empty table (the user has not filled it in): the field is neither read nor written.
        var isEmpty: Bool { toColumn.isEmpty }
    }

    var line: Int
    var columns: [String]
    var fields: [CustomerField]
    var codecs: [FieldCodec]
    var transforms: [any Transform]
    var lookup: Lookup?
    var split: Split?
    var join: String?
    var constant: String?
    var defaultValue: String?
    var required: Bool
    var readOnly: Bool
    var allowsHealthData: Bool
    var sensitive: Bool
    var invalid: InvalidAction
    var systemDefault: Bool?
    /// The JSON kind to write a constant or default with, and what transforms produce.
    var writtenKind: ValueKind?
    var note: String?

    /// What writing this rule cannot give back, for `plan` and the round-trip tests.
    var losses: [String] {
        var losses: [String] = []
        for transform in transforms { if case .lossy(let text) = transform.inverse { losses.append(text) } }
        for codec in codecs { if let loss = codec.loss { losses.append(loss) } }
        if split == .surnames { losses.append("a surname of several words without a particle may be split at the wrong word") }
        if columns.count > 1 { losses.append("the columns are joined with '\(join ?? " ")'; a value containing it splits differently") }
        return losses
    }
}
