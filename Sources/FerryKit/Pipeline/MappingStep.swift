/// One batch through both mappings: source records become canonical values, and those become
/// target records, all through one `MappingPlan`. `convert`, `plan` and `migrate` share it, so they
/// judge every record alike.
struct MappingStep {
    let source: Profile
    let target: Profile
    private(set) var binding: SourceBinding
    private(set) var notes: [Diagnostic]
    private(set) var stats = WriteStats()
    /// The plan for this input's columns, compiled again when they change.
    private var plan: MappingPlan?
    private var planColumnCount = -1
    /// The issues of the records mapped, waiting for the caller to log them in input order.
    var unloggedIssues: [RecordIssue] = []

    init(source: Profile, target: Profile) {
        self.source = source
        self.target = target
        binding = SourceBinding(profile: source)
        notes = source.notes + target.notes
    }

    /// Maps every record of `input` (read with `columns`), appending the accepted ones to `output`,
    /// in input order. `accepted` gets each accepted record's index in `input` and a way to have
    /// its Customer; `rejected` each refused record's index, the record and its reasons. `observe`,
    /// when given, gets what a report counts of each record and how many issues wait in
    /// `unloggedIssues` after it.
    mutating func map(
        _ input: RecordBatch, columns: [String], into output: inout RecordBatch,
        observe: ((Int, RecordObservation, Int) -> Void)? = nil,
        accepted: (Int, () -> Customer) throws -> Void, rejected: (Int, RecordView, [RecordIssue]) throws -> Void
    ) rethrows {
        notes += binding.bind(columns: columns)
        if planColumnCount != columns.count {
            planColumnCount = columns.count
            plan = MappingPlan(source: source, target: target, binding: binding, columns: columns)
        }
        // Taken out while the records go through it, so the loop may change `self` meanwhile.
        var plan = plan!
        self.plan = nil
        defer { self.plan = plan }
        try input.bytes.withUnsafeBufferPointer { bytes in
            try input.fields.withUnsafeBufferPointer { fields in
                for index in 0..<input.count {
                    let firstIssue = unloggedIssues.count
                    let ok = plan.map(
                        input.records[index], fields: fields, bytes: bytes, into: &output, issues: &unloggedIssues,
                        stats: &stats)
                    if let observe { observe(index, plan.observation(input: bytes), unloggedIssues.count) }
                    if ok {
                        try accepted(index, { plan.customer(input: bytes) })
                    } else {
                        try rejected(
                            index, input[index], unloggedIssues[firstIssue...].filter { $0.action == .rejected })
                    }
                }
            }
        }
    }
}
