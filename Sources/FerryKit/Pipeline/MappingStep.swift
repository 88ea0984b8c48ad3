/// One batch through both mappings: source records become canonical Customers, Customers become
/// target records. `convert`, `plan` and `migrate` share it, so they judge every record alike.
struct MappingStep {
    let source: Profile
    let target: Profile
    private(set) var binding: SourceBinding
    private(set) var notes: [Diagnostic]
    private(set) var log = IssueLog()
    private(set) var stats = WriteStats()
    private var customer = Customer()
    private var issues: [RecordIssue] = []
    /// The byte-level path for this input's columns (nil when the mappings need the ordinary one).
    private var compiled: CompiledMapping?
    private var compiledColumnCount = -1
    /// Whether `mapWithoutCustomers` may use the compiled path (tests compare it with the ordinary one).
    var usesCompiledMapping = true
    /// With this set, issues wait in `unloggedIssues` for the caller to log in input order (a
    /// worker of a parallel conversion), instead of going to `log`.
    var keepsIssuesApart = false
    var unloggedIssues: [RecordIssue] = []
    /// Records the compiled path mapped.
    private(set) var compiledRecords = 0

    init(source: Profile, target: Profile) {
        self.source = source
        self.target = target
        binding = SourceBinding(profile: source)
        notes = source.notes + target.notes
    }

    /// Maps every record of `input` (read with `columns`), appending the accepted ones to `output`.
    /// `accepted` gets each accepted record's index in `input` and its Customer; `rejected` each
    /// refused record's index, the record and its reasons. The report, when given, sees every record.
    mutating func map(
        _ input: RecordBatch, columns: [String], into output: inout RecordBatch, report: ReportCollector?,
        accepted: (Int, Customer) throws -> Void, rejected: (Int, RecordView, [RecordIssue]) throws -> Void
    ) rethrows {
        notes += binding.bind(columns: columns)
        report?.observeInput(input, columns: columns, binding: binding)
        for index in 0..<input.count {
            try mapOne(
                input, index, columns: columns, into: &output, report: report, accepted: accepted, rejected: rejected)
        }
    }

    /// `map` for a conversion that needs no Customers and no report: records go through the
    /// compiled mapping (bytes in, bytes out) when it can take them, the rest the ordinary way, in
    /// input order either way. `accepted` gets the index of each record written; `observe`, when
    /// given, what a report counts of each record and how many issues wait in `unloggedIssues` after it.
    mutating func mapWithoutCustomers(
        _ input: RecordBatch, columns: [String], into output: inout RecordBatch,
        observe: ((Int, RecordObservation, Int) -> Void)? = nil,
        accepted: (Int) throws -> Void, rejected: (Int, RecordView, [RecordIssue]) throws -> Void
    ) rethrows {
        notes += binding.bind(columns: columns)
        if compiledColumnCount != columns.count {
            compiledColumnCount = columns.count
            compiled =
                usesCompiledMapping
                ? CompiledMapping(source: source, target: target, binding: binding, columns: columns) : nil
        }
        /// A record the ordinary way, observed from its Customer.
        func ordinary(_ index: Int, _ step: inout MappingStep) throws {
            try step.mapOne(
                input, index, columns: columns, into: &output, report: nil, accepted: { at, _ in try accepted(at) },
                rejected: rejected)
            observe?(index, RecordObservation(step.customer), step.unloggedIssues.count)
        }
        guard var compiled else {
            for index in 0..<input.count { try ordinary(index, &self) }
            return
        }
        defer { self.compiled = compiled }
        try input.bytes.withUnsafeBufferPointer { bytes in
            try input.fields.withUnsafeBufferPointer { fields in
                for index in 0..<input.count {
                    if compiled.map(input.records[index], fields: fields, bytes: bytes, into: &output, stats: &stats)
                        == .written
                    {
                        compiledRecords += 1
                        observe?(index, compiled.observation(input: bytes), unloggedIssues.count)
                        try accepted(index)
                    } else {
                        try ordinary(index, &self)
                    }
                }
            }
        }
    }

    /// One record the ordinary way: into a Customer, checked, and out with the target mapping.
    private mutating func mapOne(
        _ input: RecordBatch, _ index: Int, columns: [String], into output: inout RecordBatch, report: ReportCollector?,
        accepted: (Int, Customer) throws -> Void, rejected: (Int, RecordView, [RecordIssue]) throws -> Void
    ) rethrows {
        let record = input[index]
        issues.removeAll(keepingCapacity: true)
        var ok = source.read(record, columns: columns, binding: &binding, into: &customer, issues: &issues)
        if ok {
            ok = target.write(
                customer, number: record.number, line: record.line, into: &output, issues: &issues, stats: &stats)
        }
        if keepsIssuesApart { unloggedIssues += issues } else { for issue in issues { log.add(issue) } }
        report?.observe(record, customer: customer, issues: issues, output: ok ? output[output.count - 1] : nil)
        if ok {
            try accepted(index, customer)
        } else {
            try rejected(index, record, issues.filter { $0.action == .rejected })
        }
    }

    /// Records an issue found after mapping (a target's refusal, a lost answer).
    mutating func add(_ issue: RecordIssue) { log.add(issue) }
}
