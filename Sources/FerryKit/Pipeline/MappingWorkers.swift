/// One batch as a mapping worker leaves it: the records read, those mapped from them, and what the
/// ordered side needs to account for each record in input order.
struct MappedBatch: @unchecked Sendable {
    var input: RecordBatch
    var columns: [String]
    var fraction: Double?
    /// The accepted records, mapped, in input order.
    var output = RecordBatch()
    /// The output encoded by the writer's `BatchEncoder`, when the run has one.
    var encoded: [UInt8] = []
    var written = 0
    /// Refused records: their index in `input` and why.
    var rejected: [(index: Int, reasons: [RecordIssue])] = []
    var issues: [RecordIssue] = []
    var notes: [Diagnostic] = []
    /// For a report: per input record what the report counts, where its issues end in `issues`, and
    /// its place in `output` (−1 when rejected).
    var seen: [RecordObservation] = []
    var issuesEnd: [Int32] = []
    var outputIndex: [Int32] = []

    /// The worker numbered records from its chunk's start: the file's numbers, `offset` further on.
    mutating func renumber(_ offset: InputOffset) {
        guard offset.records != 0 || offset.lines != 0 else { return }
        input.renumber(afterRecords: offset.records, lines: offset.lines)
        output.renumber(afterRecords: offset.records, lines: offset.lines)
        for index in issues.indices {
            issues[index].record += offset.records
            issues[index].line += offset.lines
        }
        for index in rejected.indices {
            for reason in rejected[index].reasons.indices {
                rejected[index].reasons[reason].record += offset.records
                rejected[index].reasons[reason].line += offset.lines
            }
        }
    }
}

/// The mapping of a run on every core: each worker thread maps whole batches with its own
/// `MappingStep`, so `convert`, `plan` and `migrate` map alike and at the same speed.
final class MappingWorkers: @unchecked Sendable {
    private let steps: [Handoff<MappingStep>]
    private let reporting: Bool
    let pool: BufferPool
    let count: Int

    /// `reporting`: each batch carries what a report needs of its records.
    init(source: Profile, target: Profile, workers: Int, reporting: Bool) {
        count = max(1, workers)
        steps = (0..<count).map { _ in Handoff(MappingStep(source: source, target: target)) }
        self.reporting = reporting
        pool = BufferPool(keep: 2 * count + 4)
    }

    /// Maps `job` on worker `worker`. `accepted`, when given, gets each accepted record's index and a
    /// way to have its Customer, in input order.
    func map(_ worker: Int, _ job: ReadBatch, accepted: ((Int, () -> Customer) -> Void)? = nil) -> MappedBatch {
        var batch = MappedBatch(input: job.records, columns: job.columns, fraction: job.fraction)
        let step = steps[worker]
        let notesBefore = step.value.notes.count
        var output = pool.batch()
        if reporting {
            let count = batch.input.count
            batch.seen = Array(repeating: RecordObservation(), count: count)
            batch.issuesEnd = Array(repeating: 0, count: count)
            batch.outputIndex = Array(repeating: -1, count: count)
        }
        let reporting = reporting
        step.value.map(
            batch.input, columns: batch.columns, into: &output,
            observe: reporting
                ? { index, seen, issues in
                    batch.seen[index] = seen
                    batch.issuesEnd[index] = Int32(issues)
                } : nil
        ) { index, customer in
            if reporting { batch.outputIndex[index] = Int32(batch.written) }
            batch.written += 1
            accepted?(index, customer)
        } rejected: { index, _, reasons in
            batch.rejected.append((index, reasons))
        }
        // Moved, not copied: a copy would retain every issue's strings, and emptying the step's
        // list while the batch shares it would allocate a new one anyway.
        swap(&batch.issues, &step.value.unloggedIssues)
        step.value.unloggedIssues.reserveCapacity(batch.issues.count)
        batch.notes = Array(step.value.notes[notesBefore...])
        batch.output = output
        return batch
    }

    /// What the workers' targets wrote, together; read once they have stopped.
    var stats: WriteStats {
        var stats = WriteStats()
        for step in steps { stats.add(step.value.stats) }
        return stats
    }

    /// Gives a batch's storage back for the next batches (what was given back already is empty),
    /// leaving `batch` without it.
    func recycle(_ batch: inout MappedBatch) {
        pool.give(&batch.input)
        if batch.output.records.capacity > 0 { pool.give(&batch.output) }
        if batch.encoded.capacity > 0 { pool.give(&batch.encoded) }
    }
}

/// The ordered side's account of mapped batches: every issue and note in input order, and the
/// report shown every record as a single thread would show them.
struct MappingLedger {
    private(set) var log = IssueLog()
    private(set) var notes: [Diagnostic]
    private var reportBinding: SourceBinding

    init(source: Profile, target: Profile) {
        notes = source.notes + target.notes
        reportBinding = SourceBinding(profile: source)
    }

    /// Takes a batch in input order (its records already numbered as in the file).
    mutating func take(_ batch: MappedBatch, report: ReportCollector?) {
        if let report {
            _ = reportBinding.bind(columns: batch.columns)
            report.observeInput(batch.input, columns: batch.columns, binding: reportBinding)
            var issueStart = 0
            for index in 0..<batch.input.count {
                let issueEnd = Int(batch.issuesEnd[index])
                let place = Int(batch.outputIndex[index])
                report.observe(
                    batch.input[index], seen: batch.seen[index], issues: batch.issues[issueStart..<issueEnd],
                    output: place >= 0 ? batch.output[place] : nil)
                issueStart = issueEnd
            }
        }
        for issue in batch.issues { log.add(issue) }
        for note in batch.notes where !notes.contains(where: { $0.description == note.description }) {
            notes.append(note)
        }
    }

    /// Records an issue found after mapping (a target's refusal, a lost answer).
    mutating func add(_ issue: RecordIssue) { log.add(issue) }
}
