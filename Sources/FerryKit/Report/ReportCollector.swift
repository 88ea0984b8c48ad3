/// Gathers a run's report while records stream through `MappedConversion`: counts per column and
/// per reason, a few samples, consents, duplicates. Memory is bounded except for the duplicate
/// finder's 28 bytes a record.
public final class ReportCollector {
    public let kind: RunReport.Kind
    let source: Profile
    let target: Profile
    /// How many samples each target column keeps, and how many records are looked at for them.
    static let samplesPerColumn = 3
    static let recordsSampled = 5_000
    /// How many issues and duplicate groups the report lists in full.
    public static let issuesListed = 200
    public static let groupsListed = 200

    /// Per target column: the rule that writes it.
    private let targetRules: [FieldRule?]
    /// Per target column: indices into `source.rules` of the rules that fill its fields.
    private let sourceRulesOfColumn: [[Int]]
    private var inputColumns: [String] = []
    private var binding: SourceBinding
    private var inputFilled: [Int] = []
    private var outputFilled: [Int]
    private var samples: [[RunReport.Sample]]
    private var unchangedSamples: [[RunReport.Sample]]
    private var recordsObserved = 0
    /// Records the target mapping wrote (for a migration, what was sent or would have been).
    private var recordsOutput = 0
    /// Per consent (in `WriteStats.consents` order): yes and no answers seen.
    private var consentYes = [Int](repeating: 0, count: WriteStats.consents.count)
    private var consentNo = [Int](repeating: 0, count: WriteStats.consents.count)
    private var customersWithHealthData = 0
    private var reasonCounts: [ReasonKey: Int] = [:]
    private var duplicates = DuplicateFinder()
    private var fixFinder = FixFinder()
    /// For a target that refers people to their companies: the companies written (by their name's
    /// key), and per company key, how many people name it.
    private let ordersCompanies: Bool
    private var companyRecords = 0
    private var companyKeys: Set<UInt64> = []
    private var referring: [UInt64: Int] = [:]

    private struct ReasonKey: Hashable {
        var field: CustomerField?
        var column: String?
        var message: String
        var action: RecordIssue.Action
    }

    public init(kind: RunReport.Kind, source: Profile, target: Profile) {
        self.kind = kind
        self.source = source
        self.target = target
        let columns = target.writtenColumns
        targetRules = columns.map { column in target.rules.first { !$0.readOnly && $0.columns.contains(column) } }
        sourceRulesOfColumn = targetRules.map { rule in
            guard let rule else { return [] }
            return source.rules.indices.filter { index in
                let sourceRule = source.rules[index]
                if rule.fields.isEmpty {
                    return sourceRule.fields.isEmpty && sourceRule.columns == rule.columns
                        || sourceRule.readsColumn && !Set(sourceRule.fields).isDisjoint(with: rule.memberFields)
                }
                return sourceRule.readsColumn && !Set(sourceRule.fields).isDisjoint(with: rule.fields)
            }
        }
        binding = SourceBinding(profile: source)
        ordersCompanies = target.refersPeopleToCompanies(from: source)
        outputFilled = Array(repeating: 0, count: columns.count)
        samples = Array(repeating: [], count: columns.count)
        unchangedSamples = Array(repeating: [], count: columns.count)
    }

    /// Counts the filled values of a batch of input records.
    func observeInput(_ batch: RecordBatch, columns: [String], binding: SourceBinding) {
        inputColumns = columns
        self.binding = binding
        while inputFilled.count < columns.count { inputFilled.append(0) }
        for field in batch.fields where field.hasValue {
            inputFilled[Int(field.column)] += 1
        }
    }

    /// One record's way through: what the mapping plan saw of it (`MappingPlan.observation`), its
    /// issues, and what the target wrote (nil when the record was rejected).
    func observe(
        _ record: RecordView, seen: RecordObservation, issues: some Collection<RecordIssue>, output: RecordView?
    ) {
        recordsObserved += 1
        for issue in issues {
            reasonCounts[
                ReasonKey(
                    field: issue.field, column: issue.field == nil ? issue.column : nil,
                    message: issue.message, action: issue.action), default: 0] += 1
            fixFinder.add(issue)
        }
        if seen.consentBits != 0 {
            for position in consentYes.indices {
                switch seen.consent(position) {
                case true?: consentYes[position] += 1
                case false?: consentNo[position] += 1
                case nil: break
                }
            }
        }
        if seen.hasClinicalNotes { customersWithHealthData += 1 }
        duplicates.add(record: record.number, line: record.line, keys: seen.keys)
        guard let output else { return }
        recordsOutput += 1
        if ordersCompanies {
            if seen.isCompany {
                companyRecords += 1
                if seen.companyKey != 0 { companyKeys.insert(seen.companyKey) }
            } else if seen.companyKey != 0 {
                referring[seen.companyKey, default: 0] += 1
            }
        }
        for field in output.fields where field.hasValue {
            outputFilled[Int(field.column)] += 1
        }
        if recordsObserved <= Self.recordsSampled { takeSamples(record, output: output) }
    }

    /// What the target made of a record after it was mapped (`migrate`): a refusal, a lost answer.
    func observeOutcome(_ issue: RecordIssue) {
        reasonCounts[
            ReasonKey(
                field: issue.field, column: issue.field == nil ? issue.column : nil,
                message: issue.message, action: issue.action), default: 0] += 1
    }

    private func takeSamples(_ record: RecordView, output: RecordView) {
        for column in samples.indices where samples[column].count < Self.samplesPerColumn {
            guard let rule = targetRules[column], rule.constant == nil else { continue }
            guard let after = output.string(column: column), !after.isEmpty else { continue }
            var parts: [String] = []
            for ruleIndex in sourceRulesOfColumn[column] {
                let pieces = binding.ruleColumns[ruleIndex].compactMap { index in
                    index >= 0 ? record.string(column: index).flatMap { $0.isEmpty ? nil : $0 } : nil
                }
                if !pieces.isEmpty { parts.append(pieces.joined(separator: " ")) }
            }
            let sample = RunReport.Sample(before: parts.joined(separator: " | "), after: after)
            if sample.before != sample.after {
                if !samples[column].contains(sample) { samples[column].append(sample) }
            } else if unchangedSamples[column].count < Self.samplesPerColumn, !unchangedSamples[column].contains(sample)
            {
                unchangedSamples[column].append(sample)
            }
        }
    }

    /// The report, masked unless `showPII`.
    public func report(result: MappedConversionResult, inputPath: String, showPII: Bool, createdAt: String) -> RunReport
    {
        let masked = !showPII
        // Fill rates are of the records the mapping wrote: for a migration, of the payloads built,
        // whatever the API then made of them.
        let written = recordsOutput
        // Most frequent first; ties in a fixed order, so two reports of the same input are the same.
        let reasons = reasonCounts.map { key, count in (key, count) }
            .sorted { a, b in
                (b.1, a.0.message, a.0.field?.rawValue ?? a.0.column ?? "", a.0.action.rawValue)
                    < (a.1, b.0.message, b.0.field?.rawValue ?? b.0.column ?? "", b.0.action.rawValue)
            }
        func reasonEntry(_ key: ReasonKey, _ count: Int) -> RunReport.Reason {
            RunReport.Reason(
                reason: key.message, action: key.action.rawValue, count: count, field: key.field?.rawValue ?? key.column
            )
        }

        // Per target column.
        var fields: [RunReport.Field] = []
        for (column, name) in target.writtenColumns.enumerated() {
            let rule = targetRules[column]
            let ruleFields = rule?.fields ?? []
            var origins = sourceRulesOfColumn[column].map { index in
                let sourceRule = source.rules[index]
                let missing = zip(sourceRule.columns, binding.ruleColumns[index]).filter { $0.1 < 0 }.map(\.0)
                return RunReport.Origin(
                    columns: sourceRule.columns, transforms: sourceRule.transforms.map(\.name) + sourceRule.codecNames,
                    fields: sourceRule.fields.map(\.rawValue), missingColumns: missing, derivedFrom: nil)
            }
            for field in ruleFields where !origins.contains(where: { $0.fields.contains(field.rawValue) }) {
                if let from = Profile.derivation(of: field, reading: source.fieldsRead) {
                    origins.append(
                        RunReport.Origin(
                            columns: [], transforms: [], fields: [field.rawValue], missingColumns: [], derivedFrom: from
                        ))
                }
            }
            if let rule, rule.refersToCreatedCompany, ordersCompanies {
                origins.append(
                    RunReport.Origin(
                        columns: [], transforms: [], fields: [], missingColumns: [],
                        derivedFrom: "companyName: the id \(target.name) gives the company, created first (migrate)"))
            }
            if let rule, rule.fields.isEmpty, origins.isEmpty || rule.members != nil {
                // An extra: the source entries that name it, or input columns of its name no entry reads.
                for extra in rule.extraNames {
                    let readers = source.rules.filter { $0.fields.isEmpty && $0.readsColumn && $0.extraName == extra }
                    for reader in readers {
                        origins.append(
                            RunReport.Origin(
                                columns: reader.columns,
                                transforms: reader.transforms.map(\.name) + (reader.list.map { ["list \($0)"] } ?? [])
                                    + (reader.extra.map { ["extra \($0)"] } ?? []),
                                fields: [], missingColumns: [], derivedFrom: nil))
                    }
                    if readers.isEmpty, let index = inputColumns.firstIndex(of: extra), index < binding.claimed.count,
                        !binding.claimed[index] || extra == name
                    {
                        origins.append(
                            RunReport.Origin(
                                columns: [extra], transforms: [], fields: [], missingColumns: [], derivedFrom: nil))
                    }
                }
            }
            let ownReasons = reasons.filter { key, _ in key.field.map(ruleFields.contains) ?? false }
            var losses = rule?.losses ?? []
            for index in sourceRulesOfColumn[column] {
                for transform in source.rules[index].transforms {
                    if case .lossy(let text) = transform.inverse, !losses.contains(text) { losses.append(text) }
                }
            }
            let sensitive =
                (rule?.sensitive ?? false) || sourceRulesOfColumn[column].contains { source.rules[$0].sensitive }
            let chosen = (samples[column] + unchangedSamples[column]).prefix(Self.samplesPerColumn)
            fields.append(
                RunReport.Field(
                    column: name, fields: ruleFields.map(\.rawValue), from: origins,
                    transforms: rule?.transforms.map(\.name) ?? [],
                    constant: rule?.constant, defaultValue: rule?.defaultValue, required: rule?.required ?? false,
                    filled: outputFilled[column],
                    fillRate: written == 0 ? 0 : Double(outputFilled[column]) / Double(written),
                    failed: ownReasons.filter { $0.0.action != .noted }.reduce(0) { $0 + $1.1 },
                    reasons: ownReasons.prefix(5).map(reasonEntry),
                    samples: chosen.map { sample in
                        guard masked else { return sample }
                        // Values from the mapping's own tables (Movin's ids) are no one's personal data.
                        let fromTables = rule?.writesOnlyTableValues ?? false
                        return RunReport.Sample(
                            before: maskSample(sample.before, fields: ruleFields, sensitive: sensitive),
                            after: fromTables
                                ? sample.after : maskSample(sample.after, fields: ruleFields, sensitive: sensitive))
                    },
                    lossy: !losses.isEmpty, losses: losses, sensitive: sensitive,
                    absentSentAsNo: rule?.sendsNoForAbsentConsent ?? false
                ))
        }

        // What stays behind.
        let claimed = binding.claimed
        let targetKeepsExtras = target.extrasColumn != nil
        let unused = inputColumns.indices.filter { $0 < claimed.count && !claimed[$0] }.map { index in
            RunReport.SourceColumn(
                column: inputColumns[index], filled: index < inputFilled.count ? inputFilled[index] : 0,
                written: targetKeepsExtras || target.receivesExtra(named: inputColumns[index]))
        }
        let available = source.fieldsFilled
        let readNotWritten = inputColumns.indices.compactMap { index -> RunReport.StaysBehind? in
            let filled = index < inputFilled.count ? inputFilled[index] : 0
            guard filled > 0 else { return nil }
            return Self.staysBehind(inputColumns[index], filled: filled, source: source, target: target)
        }
        var requiredWithoutSource: [RunReport.TargetColumn] = []
        var optionalWithoutSource: [RunReport.TargetColumn] = []
        var readOnly: [RunReport.TargetColumn] = []
        var listed = Set<String>()
        for rule in target.rules where listed.insert(rule.displayName).inserted {
            let entry = RunReport.TargetColumn(
                column: rule.displayName, fields: rule.fields.map(\.rawValue), required: rule.required)
            if rule.readOnly { readOnly.append(entry); continue }
            guard rule.constant == nil, rule.defaultValue == nil, !(rule.lookup?.isEmpty ?? false),
                rule.systemDefault != true
            else { continue }
            let unfilled =
                rule.fields.isEmpty
                ? rule.extraNames.allSatisfy { name in
                    !inputColumns.contains(name)
                        && !source.rules.contains { $0.fields.isEmpty && $0.extraNames.contains(name) }
                } && rule.memberFields.allSatisfy { !available.contains($0) }
                : rule.fields.allSatisfy { !available.contains($0) }
            if unfilled {
                if rule.required { requiredWithoutSource.append(entry) } else { optionalWithoutSource.append(entry) }
            }
        }
        var sensitive: [RunReport.SensitiveField] = []
        let sensitiveFields = Set((source.rules + target.rules).filter(\.sensitive).flatMap(\.fields))
        for field in CustomerField.allCases where sensitiveFields.contains(field) {
            let columns = source.rules.filter { $0.fields.contains(field) }.flatMap(\.columns)
            let moves = field.isHealthData ? target.writesHealthData : target.fieldsWritten.contains(field)
            sensitive.append(
                RunReport.SensitiveField(
                    field: field.rawValue, sourceColumns: columns,
                    records: field.isHealthData ? customersWithHealthData : 0, moves: moves))
        }

        // Duplicates.
        let found = duplicates.summary(listing: Self.groupsListed)

        let issues = result.issues.kept.prefix(Self.issuesListed).map { issue in
            RunReport.Issue(
                record: issue.record, line: issue.line, column: issue.column, field: issue.field?.rawValue,
                value: issue.value.map { masked ? PIIMask.mask($0, field: issue.field) : $0 },
                reason: issue.reason(masked: masked), action: issue.action.rawValue)
        }
        let consentFields = CustomerField.allCases.filter(\.isConsent).filter {
            available.contains($0) || target.fieldsWritten.contains($0)
        }
        let totals = result.totals
        let warnings = result.issues.total - (result.issues.byAction[.rejected] ?? 0)
        return RunReport(
            kind: kind, createdAt: createdAt, masked: masked,
            input: RunReport.Input(path: inputPath, description: result.inputDescription, columns: inputColumns),
            source: RunReport.Side(name: source.name, file: source.file),
            target: RunReport.Side(name: target.name, file: target.file),
            totals: RunReport.Totals(
                read: totals.read, written: totals.written, rejected: totals.rejected, skipped: totals.skipped,
                uncertain: totals.uncertain, warnings: warnings, duplicateRecords: found.duplicateRecords,
                balances: totals.balances, accounting: totals.accountingLine),
            seconds: result.seconds,
            duplicates: RunReport.Duplicates(
                groups: Dictionary(uniqueKeysWithValues: found.groups.map { ($0.key.rawValue, $0.value) }),
                records: Dictionary(uniqueKeysWithValues: found.records.map { ($0.key.rawValue, $0.value) }),
                list: found.listed.map { RunReport.DuplicateGroup(key: $0.key.rawValue, records: $0.records) },
                notListed: found.notListed),
            fields: fields,
            leftBehind: RunReport.LeftBehind(
                unusedColumns: unused, readNotWritten: readNotWritten, requiredWithoutSource: requiredWithoutSource,
                optionalWithoutSource: optionalWithoutSource, readOnly: readOnly,
                sensitive: sensitive, extrasNotWritten: result.stats.extrasNotWritten),
            consents: consentFields.map { field in
                let position = WriteStats.consents.firstIndex(of: field)!
                let counts = (yes: consentYes[position], no: consentNo[position])
                return RunReport.Consent(
                    field: field.rawValue, yes: counts.yes, no: counts.no,
                    absent: recordsObserved - counts.yes - counts.no,
                    writtenAsNo: result.stats.consentsWrittenAs(no: field))
            },
            outcomes: reasons.map(reasonEntry),
            issues: Array(issues),
            issuesNotListed: max(0, result.issues.total - issues.count),
            notes: (result.notes + result.diagnostics).map(\.description),
            mappingNotes: Self.mappingNotes(source: source, target: target, inputColumns: inputColumns),
            order: ordersCompanies && (companyRecords > 0 || !referring.isEmpty) ? creationOrder : nil,
            fixes: fixFinder.suggestions(source: source, target: target) { column in
                inputColumns.firstIndex(of: column).map { $0 < inputFilled.count ? inputFilled[$0] : 0 } ?? 0
            })
    }

    private var creationOrder: RunReport.CreationOrder {
        let named = referring.filter { companyKeys.contains($0.key) }
        return RunReport.CreationOrder(
            companies: companyRecords, others: recordsOutput - companyRecords,
            referring: referring.values.reduce(0, +), referringToInput: named.values.reduce(0, +),
            companiesReferred: named.count)
    }

    /// The `note:`s of the source's entries that read a column of the input and of the target's
    /// written entries, in the files' order.
    static func mappingNotes(source: Profile, target: Profile, inputColumns: [String]) -> [RunReport.MappingNote] {
        let read = source.rules.filter { $0.readsColumn && $0.columns.contains(where: inputColumns.contains) }
        let written = target.rules.filter { !$0.readOnly }
        return [(source, read), (target, written)].flatMap { profile, rules in
            rules.compactMap { rule in
                rule.note.map { RunReport.MappingNote(mapping: profile.name, column: rule.displayName, note: $0) }
            }
        }
    }

    /// Why the values of a source column the mapping reads do not reach the target, or nil when
    /// some do: through one of its fields (or a field derived from them), or, for a column without
    /// a field, a target column of the same name or the target's extras column.
    static func staysBehind(_ column: String, filled: Int, source: Profile, target: Profile) -> RunReport.StaysBehind? {
        let readers = source.rules.filter { !$0.writeOnly && $0.columns.contains(column) }
        guard !readers.isEmpty else { return nil }
        let fields = readers.flatMap(\.fields)
        func left(_ reason: String, _ detail: String?) -> RunReport.StaysBehind {
            RunReport.StaysBehind(
                column: column, fields: fields.map(\.rawValue), filled: filled, reason: reason, detail: detail)
        }
        if fields.isEmpty {
            let names = readers.map(\.extraName)
            if target.extrasColumn != nil || names.contains(where: target.receivesExtra) { return nil }
            let writers = target.rules.filter { $0.fields.isEmpty && names.contains($0.extraName) }
            if let emptyTable = writers.first(where: { !$0.readOnly && $0.lookup?.isEmpty == true }) {
                return left("empty table", emptyTable.lookup!.name)
            }
            return writers.isEmpty ? left("no place", nil) : left("read-only", writers[0].displayName)
        }
        // The fields these values reach the target through: their own, and those derived from them.
        let sourceFields = source.fieldsRead
        let reached = Set(fields).union(
            CustomerField.allCases.filter { derived in
                fields.contains { Profile.derivation(of: derived, reading: sourceFields) == $0.rawValue }
            })
        let targetRules = target.rules.filter { !Set($0.valueFields).isDisjoint(with: reached) }
        let writing = targetRules.filter { !$0.readOnly }
        if writing.contains(where: {
            !($0.lookup?.isEmpty ?? false) && (!$0.fields.contains(where: \.isHealthData) || $0.allowsHealthData)
        }) {
            return nil
        }
        if let emptyTable = writing.first(where: { $0.lookup?.isEmpty ?? false }) {
            return left("empty table", emptyTable.lookup!.name)
        }
        if let health = writing.first { return left("sensitive", health.displayName) }
        if !targetRules.isEmpty {
            var names: [String] = []
            for name in targetRules.map(\.displayName) where !names.contains(name) { names.append(name) }
            return left("read-only", names.joined(separator: ", "))
        }
        return left("no place", nil)
    }

    private func maskSample(_ text: String, fields: [CustomerField], sensitive: Bool) -> String {
        let parts = text.components(separatedBy: " | ")
        if parts.count > 1 {
            return parts.map { maskSample($0, fields: fields, sensitive: sensitive) }.joined(separator: " | ")
        }
        if fields.contains(where: \.isHealthData) { return PIIMask.mask(text, as: .healthData) }
        if let kind = fields.lazy.compactMap(PIIMask.kind(of:)).first { return PIIMask.mask(text, as: kind) }
        if fields.isEmpty { return PIIMask.mask(text, as: PIIMask.guessKind(text)) }
        return sensitive ? PIIMask.mask(text, as: .freeText) : text
    }
}

extension Profile {
    /// Whether some written column takes the extra of this name (a column without a field, not
    /// switched off by an empty table).
    func receivesExtra(named name: String) -> Bool {
        rules.contains {
            !$0.readOnly && $0.fields.isEmpty && $0.extraNames.contains(name) && $0.lookup?.isEmpty != true
        }
    }

    /// The canonical fields reading with this profile can fill, counting those `complete` derives.
    var fieldsFilled: Set<CustomerField> {
        var fields = Set(rules.filter { !$0.writeOnly && !($0.lookup?.isEmpty ?? false) }.flatMap(\.fields))
        // In the order of `allCases`, so a derived field (provinceCode) can derive the next (province).
        for field in CustomerField.allCases where Profile.derivation(of: field, reading: fields) != nil {
            fields.insert(field)
        }
        return fields
    }

    /// What `complete` works a field out from when the source does not have it, for reports.
    static func derivation(of field: CustomerField, reading fields: Set<CustomerField>) -> String? {
        if fields.contains(field) { return nil }
        switch field {
        case .taxIdType, .kind: return fields.contains(.taxId) ? "taxId" : nil
        case .provinceCode: return fields.contains(.postalCode) ? "postalCode" : nil
        case .province:
            return fields.contains(.provinceCode) ? "provinceCode" : fields.contains(.postalCode) ? "postalCode" : nil
        case .countryCode:
            let phones = fields.intersection([.mobilePhone, .landlinePhone, .otherPhone])
            return phones.isEmpty ? "region" : "\(phones.map(\.rawValue).sorted().joined(separator: ", ")) or region"
        default: return nil
        }
    }
}

extension FieldRule {
    /// The checks a rule's codecs make, named for the report's transform chains.
    var codecNames: [String] {
        codecs.compactMap(\.checkName)
    }
}

/// What a report counts of one record: its consents, whether it holds health data, and
/// the hashes of its duplicate keys.
struct RecordObservation: Sendable {
    /// Per consent (in `WriteStats.consents` order), two bits: 0 absent, 1 no, 2 yes.
    var consentBits: UInt16 = 0
    var hasClinicalNotes = false
    /// For a target that refers people to their companies: whether the record is a company's, and
    /// a hash of its company name as names are compared (`CreatedCompanies.folded`); 0 for none.
    var isCompany = false
    var companyKey: UInt64 = 0
    var keys = DuplicateFinder.Keys()

    init() {}

    mutating func setConsent(_ position: Int, _ given: Bool) {
        consentBits |= UInt16(given ? 2 : 1) << UInt16(2 * position)
    }

    func consent(_ position: Int) -> Bool? {
        switch consentBits >> UInt16(2 * position) & 3 {
        case 1: false
        case 2: true
        default: nil
        }
    }
}
