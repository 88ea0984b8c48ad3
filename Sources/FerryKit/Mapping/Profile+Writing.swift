extension Profile {
    /// Writes a Customer as one record of this system into `batch` (columns index `writtenColumns`),
    /// through the mapping plan (target half only). A value the system cannot hold is dropped with
    /// an issue, or rejects the record when the rule is required; a rejected record leaves nothing
    /// in the batch. Returns false when rejected.
    public func write(
        _ customer: Customer, number: Int, line: Int, into batch: inout RecordBatch,
        issues: inout [RecordIssue], stats: inout WriteStats
    ) -> Bool {
        var plan = MappingPlan(source: nil, target: self, binding: SourceBinding(profile: self), columns: [])
        plan.load(customer)
        return plan.write(
            number: number, line: line, input: UnsafeBufferPointer(start: nil, count: 0), into: &batch,
            issues: &issues, stats: &stats)
    }
}

extension FieldRule {
    /// The general code for writing this rule's value, on `String`s: the codec's written form, the
    /// lookup table, the transforms backwards and the split into several columns. The mapping plan
    /// hands it what its byte code cannot write. `value` gives the record's canonical values; `put`
    /// writes a column's text (a column already written keeps its first text).
    func write(
        value: (CustomerField) -> CanonicalValue?, stats: inout WriteStats, put: (String, String, ValueKind) -> Void,
        issue: (CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        // The canonical text of the rule's value, or nil when the customer has none.
        var text: String?
        var kind = ValueKind.string
        var failure: (CustomerField, String, ValidationFailure)?
        if split == .surnames {
            text = SpanishName.joinSurnames(value(fields[0])?.description, value(fields[1])?.description)
        } else if let given = value(fields[0]) {
            switch codecs[0].write(given) {
            case .success(let out): (text, kind) = (out.text, out.kind)
            case .failure(let reason): failure = (fields[0], given.description, reason)
            }
        } else if sendsNoForAbsentConsent {
            // The target assumes yes when the consent is not sent; the source did not say yes.
            if case .success(let out) = codecs[0].write(.bool(false)) { (text, kind) = (out.text, out.kind) }
            if countsConsentSentAsNo { stats.consentWrittenAsNo(fields[0]) }
        }
        if failure == nil, let written = text, let lookup {
            // As for extras and for reading: as written, else the row that differs only in case.
            if let mapped = lookup.translate(written, reading: false) {
                text = mapped
                kind = codecs[0].jsonKind ?? .string
            } else {
                failure = (fields[0], written, lookup.missing(written, reading: false))
            }
        }
        if let (field, written, message) = failure {
            issue(field, written, message, required ? .rejected : .dropped)
            return
        }
        guard var written = text ?? defaultValue else {
            if required { issue(fields.first, nil, .requiredValueMissing, .rejected) }
            return
        }
        if text == nil { kind = writtenKind ?? .string }
        for transform in transforms.reversed() {
            written = transform.write(written)
            if let produced = transform.writtenKind { kind = produced }
        }
        // What is written as a JSON number or boolean must be one, or the output is not JSON.
        guard JSONText.fits(written, kind: kind, wholeNumber: wholeNumber) else {
            if let fallbackColumn {
                put(fallbackColumn, written, .string)
                let misfit = JSONText.misfit(kind: kind, wholeNumber: wholeNumber).message
                issue(fields.first, written, ValidationFailure(misfit + "; kept as text in `\(fallbackColumn)`"), .kept)
                return
            }
            issue(
                fields.first, written, JSONText.misfit(kind: kind, wholeNumber: wholeNumber),
                required ? .rejected : .dropped)
            return
        }
        if columns.count == 1 {
            put(columns[0], written, kind)
        } else {
            let separator = join ?? " "
            let pieces =
                separator.isEmpty
                ? [written]
                : written.split(separator: separator, maxSplits: columns.count - 1, omittingEmptySubsequences: false)
                    .map(String.init)
            for (column, piece) in zip(columns, pieces) where !piece.isEmpty { put(column, piece, kind) }
        }
    }
}

/// Which output columns a record has written, without allocating for the usual widths.
struct ColumnSet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var rest: Set<Int>?

    init(count: Int) { if count > 128 { rest = [] } }

    /// Whether a column is there.
    func contains(_ index: Int) -> Bool {
        if index < 64 { return low & (1 << UInt64(index)) != 0 }
        if index < 128 { return high & (1 << UInt64(index - 64)) != 0 }
        return rest!.contains(index)
    }

    /// Adds a column; false when it was already there.
    mutating func insert(_ index: Int) -> Bool {
        if index < 64 {
            let bit: UInt64 = 1 << UInt64(index)
            defer { low |= bit }
            return low & bit == 0
        }
        if index < 128 {
            let bit: UInt64 = 1 << UInt64(index - 64)
            defer { high |= bit }
            return high & bit == 0
        }
        return rest!.insert(index).inserted
    }
}
