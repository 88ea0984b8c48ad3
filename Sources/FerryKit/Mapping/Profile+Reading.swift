/// A source profile bound to one input's columns: which input column each rule reads, and which
/// columns no rule claims (they go to `extras`). Rebound when a JSON input meets new keys.
public struct SourceBinding: Sendable {
    public let profile: Profile
    private(set) var columnCount = 0
    /// Per rule, the input column index of each of its columns (-1 when the input lacks it).
    private(set) var ruleColumns: [[Int]] = []
    private(set) var claimed: [Bool] = []
    private(set) var extrasIndex = -1
    /// Column positions by input column, reused for each record.
    var slots: [Int32] = []

    public init(profile: Profile) { self.profile = profile }

    /// Matches the profile's columns to the input's; returns notes about columns the input lacks.
    public mutating func bind(columns: [String]) -> [Diagnostic] {
        guard columns.count != columnCount || ruleColumns.isEmpty else { return [] }
        let firstTime = ruleColumns.isEmpty
        columnCount = columns.count
        var exact: [String: Int] = [:], folded: [String: Int] = [:]
        for (index, name) in columns.enumerated() {
            if exact[name] == nil { exact[name] = index }
            let key = Trim.trimmed(name).lowercased()
            if folded[key] == nil { folded[key] = index }
        }
        func index(of column: String) -> Int { exact[column] ?? folded[Trim.trimmed(column).lowercased()] ?? -1 }
        claimed = Array(repeating: false, count: columns.count)
        ruleColumns = profile.rules.map { rule in rule.columns.map(index(of:)) }
        for (rule, indices) in zip(profile.rules, ruleColumns) where !(rule.lookup?.isEmpty ?? false) {
            for index in indices where index >= 0 { claimed[index] = true }
        }
        extrasIndex = profile.extrasColumn.map(index(of:)) ?? -1
        if extrasIndex >= 0 { claimed[extrasIndex] = true }
        slots = Array(repeating: -1, count: columns.count)
        guard firstTime else { return [] }
        var notes: [Diagnostic] = []
        for (rule, indices) in zip(profile.rules, ruleColumns)
        where rule.required && rule.constant == nil && rule.defaultValue == nil {
            for (column, index) in zip(rule.columns, indices) where index < 0 {
                notes.append(
                    Diagnostic(
                        "the input has no column `\(column)`, which \(profile.name) requires: every record will be rejected",
                        at: Location(file: profile.file, line: rule.line)))
            }
        }
        return notes
    }
}

extension Profile {
    /// Reads one record into a canonical Customer, through the mapping plan (source half only).
    /// Values that fail their checks are dropped, kept or make the record rejected, as the rule
    /// says; every such case is an issue. Returns false when the record is rejected.
    public func read(
        _ record: RecordView, columns: [String], binding: inout SourceBinding,
        into customer: inout Customer, issues: inout [RecordIssue]
    ) -> Bool {
        _ = binding.bind(columns: columns)
        var plan = MappingPlan(source: self, target: nil, binding: binding, columns: columns)
        return record.batch.bytes.withUnsafeBufferPointer { bytes in
            record.batch.fields.withUnsafeBufferPointer { fields in
                let accepted = plan.read(
                    record.slot, fields: fields, bytes: bytes, issues: &issues)
                customer = plan.customer(input: bytes)
                return accepted
            }
        }
    }
}

extension FieldRule {
    /// The general code for one value of this rule, on `String`s: its transforms, lookup table,
    /// surname split and each field's check, and `invalid:` for what fails. The mapping plan hands
    /// it the values its byte code cannot take. `set` receives each field's value, `issue` each issue.
    func read(
        _ original: String, set: (CustomerField, CanonicalValue) -> Void,
        issue: (CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        var value = original
        var failed: ValidationFailure?
        for transform in transforms {
            switch transform.read(value) {
            case .success(let next): value = next
            case .failure(let failure): failed = failure
            }
            if failed != nil { break }
        }
        if failed == nil, let lookup {
            if let canonical = lookup.translate(value, reading: true) {
                value = canonical
            } else {
                failed = lookup.missing(value, reading: true)
            }
        }
        if failed == nil, value.isEmpty {
            if required { issue(fields.first, original, .requiredValueMissing, .rejected) }
            return
        }
        // The given name, until the record says it is a company's (`MappingPlan.complete`).
        var parts = split == .personOrCompany && failed == nil ? [value, ""] : [value]
        if failed == nil, split == .surnames {
            let split = SpanishName.splitSurnames(value)
            parts = [split.first, split.second ?? ""]
            if !split.certain {
                issue(
                    .familyName1, original,
                    ValidationFailure(
                        "the surnames could be split in more than one way; check the split",
                        detail:
                            "the surnames could be split in more than one way; read as '\(split.first)' + '\(split.second ?? "")'"
                    ),
                    .noted)
            }
        }
        for position in fields.indices {
            let field = fields[position], part = parts[min(position, parts.count - 1)]
            if part.isEmpty && failed == nil { continue }
            if failed == nil {
                switch codecs[position].read(part) {
                case .success(let typed):
                    if case .taxId(let id) = typed, id.kind == .other {
                        issue(field, original, TaxID.foreignNote, .noted)
                    }
                    set(field, typed)
                    continue
                case .failure(let failure):
                    failed = failure
                }
            }
            failure(failed!, field: field, original: original, part: part, set: set, issue: issue)
            failed = nil
        }
    }

    /// What `invalid:` says to do with a value that failed: reject the record, drop the value, or
    /// keep `part` (the value after the transforms) unchecked. `original` is the column's text.
    func failure(
        _ reason: ValidationFailure, field: CustomerField, original: String, part: String,
        set: (CustomerField, CanonicalValue) -> Void,
        issue: (CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        switch invalid {
        case .reject: issue(field, original, reason, .rejected)
        case .drop: issue(field, original, reason, .dropped)
        case .keep:
            issue(
                field, original,
                ValidationFailure(
                    reason.message + "; kept unchecked", detail: reason.detail.map { $0 + "; kept unchecked" }),
                .kept)
            set(field, FieldRule.unchecked(field, part))
        }
    }

    /// A value kept without its checks (`invalid: keep`), in the field's own type.
    static func unchecked(_ field: CustomerField, _ text: String) -> CanonicalValue {
        switch field.valueType {
        case .taxId: .taxId(TaxID(unverified: text))
        case .phone: .phone(PhoneNumber(unverified: text))
        default: .text(text)
        }
    }
}
