extension Profile {
    /// Writes a Customer as one record of this system into `batch` (columns index `writtenColumns`).
    /// A value the system cannot hold is dropped with an issue, or rejects the record when the rule
    /// is required; a rejected record leaves nothing in the batch. Returns false when rejected.
    public func write(
        _ customer: Customer, number: Int, line: Int, into batch: inout RecordBatch,
        issues: inout [RecordIssue], stats: inout WriteStats
    ) -> Bool {
        var accepted = true
        var written = ColumnSet(count: writtenColumns.count)
        var extrasUsed = Set<String>()
        func issue(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action
        ) {
            issues.append(
                RecordIssue(
                    record: number, line: line, column: column, field: field, value: value,
                    message: reason.message, detail: reason.detail, action: action))
            if action == .rejected { accepted = false }
        }
        batch.beginRecord()
        func put(_ column: String, _ text: String, _ kind: ValueKind) {
            guard let index = columnIndex[column], written.insert(index) else { return }
            var text = text
            text.withUTF8 { batch.appendField(column: index, kind: kind, UnsafeRawBufferPointer($0)) }
        }
        for rule in rules where !rule.readOnly {
            if let constant = rule.constant {
                put(rule.columns[0], constant, rule.writtenKind ?? .string)
                continue
            }
            if rule.fields.isEmpty {
                if let extra = customer.extras.first(where: { $0.name == rule.columns[0] }) {
                    put(rule.columns[0], extra.value, extra.kind)
                    extrasUsed.insert(extra.name)
                }
                continue
            }
            if rule.lookup?.isEmpty == true { continue }
            if rule.fields.contains(where: \.isHealthData), !rule.allowsHealthData { continue }
            // The canonical text of the rule's value, or nil when the customer has none.
            var text: String?
            var kind = ValueKind.string
            var failure: (CustomerField, String, ValidationFailure)?
            if rule.split == .surnames {
                text = SpanishName.joinSurnames(
                    customer[rule.fields[0]]?.description, customer[rule.fields[1]]?.description)
            } else if let value = customer[rule.fields[0]] {
                switch rule.codecs[0].write(value) {
                case .success(let out): (text, kind) = (out.text, out.kind)
                case .failure(let reason): failure = (rule.fields[0], value.description, reason)
                }
            } else if rule.systemDefault == true, rule.fields[0].isConsent {
                // The target assumes yes when the consent is not sent; the source did not say yes.
                if case .success(let out) = rule.codecs[0].write(.bool(false)) { (text, kind) = (out.text, out.kind) }
                stats.consentWrittenAsNo(rule.fields[0])
            }
            if failure == nil, let value = text, let lookup = rule.lookup {
                if let mapped = lookup.toColumn[value] {
                    text = mapped
                    kind = rule.codecs[0].jsonKind ?? .string
                } else {
                    failure = (
                        rule.fields[0], value,
                        ValidationFailure(
                            "not in the table `\(lookup.name)`; add a row for the value",
                            detail: "not in the table `\(lookup.name)`; add `\(value): ...` to it")
                    )
                }
            }
            if let (field, value, message) = failure {
                issue(rule.displayName, field, value, message, rule.required ? .rejected : .dropped)
                continue
            }
            guard var value = text ?? rule.defaultValue else {
                if rule.required { issue(rule.displayName, rule.fields.first, nil, .requiredValueMissing, .rejected) }
                continue
            }
            if text == nil { kind = rule.writtenKind ?? .string }
            for transform in rule.transforms.reversed() {
                value = transform.write(value)
                if let produced = transform.writtenKind { kind = produced }
            }
            if rule.columns.count == 1 {
                put(rule.columns[0], value, kind)
            } else {
                let separator = rule.join ?? " "
                let pieces =
                    separator.isEmpty
                    ? [value]
                    : value.split(
                        separator: separator, maxSplits: rule.columns.count - 1, omittingEmptySubsequences: false
                    ).map(String.init)
                for (column, piece) in zip(rule.columns, pieces) where !piece.isEmpty { put(column, piece, kind) }
            }
        }
        if customer.clinicalNotes != nil && !writesHealthData { stats.healthDataWithheld += 1 }
        let unused = customer.extras.filter { !extrasUsed.contains($0.name) }
        if !unused.isEmpty {
            if let extrasColumn {
                put(extrasColumn, JSONText.object(unused.map { ($0.name, $0.value, $0.kind) }), .json)
            } else {
                stats.extrasNotWritten += 1
            }
        }
        guard accepted else {
            batch.discardOpenRecord()
            return false
        }
        batch.endRecord(number: number, line: line)
        return true
    }
}

/// Which output columns a record has written, without allocating for the usual widths.
struct ColumnSet {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var rest: Set<Int>?

    init(count: Int) { if count > 128 { rest = [] } }

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
