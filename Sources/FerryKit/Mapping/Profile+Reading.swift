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
    /// Reads one record into a canonical Customer. Values that fail their checks are dropped, kept
    /// or make the record rejected, as the rule says; every such case is an issue. Returns false when
    /// the record is rejected.
    public func read(
        _ record: RecordView, columns: [String], binding: inout SourceBinding,
        into customer: inout Customer, issues: inout [RecordIssue]
    ) -> Bool {
        customer = Customer()
        for index in binding.slots.indices { binding.slots[index] = -1 }
        let fields = record.fields
        var position = Int32(fields.startIndex)
        for field in fields {
            let column = Int(field.column)
            if column < binding.slots.count, binding.slots[column] < 0 { binding.slots[column] = position }
            position += 1
        }
        var accepted = true
        func issue(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action
        ) {
            issues.append(
                RecordIssue(
                    record: record.number, line: record.line, column: column, field: field, value: value,
                    message: reason.message, detail: reason.detail, action: action))
            if action == .rejected { accepted = false }
        }
        /// The text of an input column, nil when absent, null or blank.
        func text(_ index: Int) -> (String, ValueKind)? {
            guard index >= 0, index < binding.slots.count, binding.slots[index] >= 0 else { return nil }
            let slot = record.batch.fields[Int(binding.slots[index])]
            if slot.kind == .null || slot.start == slot.end { return nil }
            let value = record.batch.string(slot)
            if value.utf8.allSatisfy(Trim.isSpace) { return nil }
            return (value, slot.kind)
        }

        for (rule, indices) in zip(rules, binding.ruleColumns) where rule.constant == nil {
            let columnName = rule.displayName
            var raw: String?
            var rawKind = ValueKind.string
            if indices.count == 1 {
                if let (value, kind) = text(indices[0]) { (raw, rawKind) = (value, kind) }
            } else {
                let parts = indices.compactMap { text($0)?.0 }
                raw = parts.isEmpty ? nil : parts.joined(separator: rule.join ?? " ")
            }
            if raw == nil { raw = rule.defaultValue }
            if rule.fields.isEmpty {
                // A column the system has but the canonical model does not: kept in extras by name.
                if let raw, indices.first.map({ $0 >= 0 }) == true {
                    customer.extras.append(Customer.Extra(name: rule.columns[0], value: raw, kind: rawKind))
                }
                continue
            }
            guard let original = raw else {
                if rule.required { issue(columnName, rule.fields.first, nil, .requiredValueMissing, .rejected) }
                continue
            }
            if let lookup = rule.lookup, lookup.isEmpty {
                customer.extras.append(Customer.Extra(name: columnName, value: original))
                continue
            }
            var value = original
            var failed: ValidationFailure?
            for transform in rule.transforms {
                switch transform.read(value) {
                case .success(let next): value = next
                case .failure(let failure): failed = failure
                }
                if failed != nil { break }
            }
            if failed == nil, let lookup = rule.lookup {
                if let canonical = lookup.toCanonical[value]
                    ?? lookup.toCanonical.first(where: { $0.key.lowercased() == value.lowercased() })?.value
                {
                    value = canonical
                } else {
                    failed = ValidationFailure(
                        "not in the table `\(lookup.name)`; add a row for it",
                        detail: "`\(value)` is not in the table `\(lookup.name)`; add a row for it")
                }
            }
            if failed == nil, value.isEmpty {
                if rule.required { issue(columnName, rule.fields.first, original, .requiredValueMissing, .rejected) }
                continue
            }
            var parts = [value]
            if failed == nil, rule.split == .surnames {
                let split = SpanishName.splitSurnames(value)
                parts = [split.first, split.second ?? ""]
                if !split.certain {
                    issue(
                        columnName, .familyName1, original,
                        ValidationFailure(
                            "the surnames could be split in more than one way; check the split",
                            detail:
                                "the surnames could be split in more than one way; read as '\(split.first)' + '\(split.second ?? "")'"
                        ),
                        .noted)
                }
            }
            for position in rule.fields.indices {
                let field = rule.fields[position], part = parts[min(position, parts.count - 1)]
                if part.isEmpty && failed == nil { continue }
                if failed == nil {
                    switch rule.codecs[position].read(part) {
                    case .success(let typed):
                        customer[field] = typed
                        continue
                    case .failure(let failure):
                        failed = failure
                    }
                }
                let reason = failed!
                switch rule.invalid {
                case .reject: issue(columnName, field, original, reason, .rejected)
                case .drop: issue(columnName, field, original, reason, .dropped)
                case .keep:
                    issue(
                        columnName, field, original,
                        ValidationFailure(
                            reason.message + "; kept unchecked", detail: reason.detail.map { $0 + "; kept unchecked" }),
                        .kept)
                    customer[field] = FieldRule.unchecked(field, part)
                }
                failed = nil
            }
        }
        if binding.extrasIndex >= 0, let (object, _) = text(binding.extrasIndex) {
            if let members = JSONText.objectMembers(object) {
                for member in members where member.kind != .null {
                    customer.extras.append(Customer.Extra(name: member.key, value: member.value, kind: member.kind))
                }
            } else {
                issue(
                    extrasColumn, nil, object, ValidationFailure("`extras` is not a JSON object; kept as one extra"),
                    .noted)
                customer.extras.append(Customer.Extra(name: extrasColumn ?? "extras", value: object))
            }
        }
        for (index, isClaimed) in binding.claimed.enumerated() where !isClaimed {
            if let (value, kind) = text(index) {
                customer.extras.append(Customer.Extra(name: columns[index], value: value, kind: kind))
            }
        }
        complete(&customer, record: record, issue: issue)
        return accepted
    }

    /// Fills what the record implies (the tax id's type, the province of a postal code, the country)
    /// and notes contradictions between columns.
    func complete(
        _ customer: inout Customer, record: RecordView,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        if let id = customer.taxId, id.kind != .other {
            if customer.taxIdType == nil { customer.taxIdType = id.kind }
            if customer.kind == nil { customer.kind = id.kind == .cif ? .company : .person }
        }
        if let postalCode = customer.postalCode, postalCode.utf8.count == 5 {
            let fromPostalCode = PostalCode.provinceCode(of: postalCode)
            if let stated = customer.provinceCode {
                if stated != fromPostalCode {
                    issue(
                        "postalCode", .provinceCode, postalCode,
                        ValidationFailure(
                            "the postal code is in another province than the one given; both kept, check the address",
                            detail:
                                "postal code \(postalCode) is in \(Province.name(ofCode: fromPostalCode) ?? fromPostalCode), but the province given is \(Province.name(ofCode: stated) ?? stated); both kept, check the address"
                        ),
                        .noted)
                }
            } else {
                customer.provinceCode = fromPostalCode
            }
        }
        if let mobile = customer.mobilePhone, mobile.kind == .landline {
            issue(
                "mobilePhone", .mobilePhone, mobile.e164,
                ValidationFailure("this is a landline number in the mobile column; kept, but SMS will not reach it"),
                .noted)
        }
        if customer.province == nil, let code = customer.provinceCode {
            customer.province = Province.name(ofCode: code)
        }
        if customer.countryCode == nil { customer.countryCode = "ES" }
    }
}

extension FieldRule {
    /// A value kept without its checks (`invalid: keep`), in the field's own type.
    static func unchecked(_ field: CustomerField, _ text: String) -> CanonicalValue {
        switch field.valueType {
        case .taxId: .taxId(TaxID(unverified: text))
        case .phone: .phone(PhoneNumber(unverified: text))
        default: .text(text)
        }
    }
}
