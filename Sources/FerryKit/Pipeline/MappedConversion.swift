/// Every issue of a run, counted, with the first ones kept in full for the summary and reports.
public struct IssueLog: Sendable {
    /// How many issues are kept in full.
    public let capacity: Int
    public private(set) var kept: [RecordIssue] = []
    public private(set) var total = 0
    /// Counts by action.
    public private(set) var byAction: [RecordIssue.Action: Int] = [:]
    /// Counts by field (or column) and action, for "email: 12 dropped".
    public private(set) var byField: [String: [RecordIssue.Action: Int]] = [:]

    public init(capacity: Int = 1000) { self.capacity = capacity }

    mutating func add(_ issue: RecordIssue) {
        total += 1
        byAction[issue.action, default: 0] += 1
        byField[issue.field?.rawValue ?? issue.column ?? "record", default: [:]][issue.action, default: 0] += 1
        if kept.count < capacity { kept.append(issue) }
    }
}

/// How far a run has come, for progress bars.
public struct RunProgress: Sendable {
    public var totals: RunTotals
    /// The share of the work done, when the input's size is known (a regular file).
    public var fraction: Double?

    public init(totals: RunTotals, fraction: Double?) {
        self.totals = totals
        self.fraction = fraction
    }

    /// Records whose fate is settled: all those read, except in a migration, where records read
    /// wait for their answers.
    public var done: Int { totals.settled }
}

/// The outcome of a conversion through mappings.
public struct MappedConversionResult: Sendable {
    public var totals: RunTotals
    public var inputDescription: String
    public var issues: IssueLog
    public var stats: WriteStats
    /// Notes about the mappings and the input's columns.
    public var notes: [Diagnostic]
    public var diagnostics: [Diagnostic]
    public var seconds: Double
}

/// Reads records with a source profile into canonical Customers and writes them with a target
/// profile: `ferry convert --from SOURCE --to TARGET`.
public struct MappedConversion {
    public let inputPath: String
    public let readOptions: ReadOptions
    public let source: Profile
    public let target: Profile

    /// Threads that map batches while one thread reads and another writes.
    public var workers = availableProcessors()

    public init(inputPath: String, readOptions: ReadOptions = ReadOptions(), source: Profile, target: Profile) {
        self.inputPath = inputPath
        self.readOptions = readOptions
        self.source = source
        self.target = target
    }

    /// Runs the conversion; rejected records go to `rejects` when given, and every record is shown
    /// to `report` when given. `progress` is called after each batch with the totals so far. On an
    /// error the outputs are abandoned, so no partial file remains.
    public func run(
        into writer: any RecordWriter, rejects: RejectsFile? = nil, report: ReportCollector? = nil,
        progress: ((RunProgress) -> Void)? = nil
    ) throws -> MappedConversionResult {
        let started = monotonicSeconds()
        do {
            let input = try InputFile.open(inputPath, options: readOptions)
            try writer.begin(columns: target.writtenColumns)
            return try runInOrder(
                input: input, writer: writer, rejects: rejects, report: report, progress: progress, started: started)
        } catch {
            writer.abandon()
            rejects?.abandon()
            throw error
        }
    }
}

extension MappedConversion {
    /// One batch, mapped (and encoded, when the writer can) by a worker.
    private struct MappedBatch {
        var input: RecordBatch
        var columns: [String]
        var fraction: Double?
        var encoded: [UInt8] = []
        var written = 0
        var rejected: [(index: Int, reasons: [String])] = []
        var issues: [RecordIssue] = []
        var notes: [Diagnostic] = []
        /// For a report: the mapped records, and per input record what the report counts, where its
        /// issues end in `issues`, and its place in `output` (−1 when rejected).
        var output = RecordBatch()
        var seen: [RecordObservation] = []
        var issuesEnd: [Int32] = []
        var outputIndex: [Int32] = []
    }

    /// `run` with the mapping on `workers` threads: this thread reads batches and hands them out,
    /// the workers map and encode them (each with its own `MappingStep`), and a writing thread
    /// writes the results, rejects, issues and report in input order, so the output is the same
    /// whatever the number of workers. A writer with no `BatchEncoder` writes the mapped batches
    /// itself, on the writing thread.
    private func runInOrder(
        input: OpenedInput, writer: any RecordWriter, rejects: RejectsFile?,
        report: ReportCollector?, progress: ((RunProgress) -> Void)?, started: Double
    ) throws -> MappedConversionResult {
        let encoder = writer.makeEncoder()
        let keepsOutput = report != nil || encoder == nil
        let reporting = report != nil
        let workers = max(1, workers)
        let columns = target.writtenColumns
        let reader = input.reader
        let steps = (0..<workers).map { _ in
            var step = MappingStep(source: source, target: target)
            step.keepsIssuesApart = true
            return Handoff(step)
        }
        let pool = BufferPool(keep: 2 * workers + 4)
        let work: @Sendable (Int, ReadBatch) -> MappedBatch = { worker, job in
            var batch = MappedBatch(input: job.records, columns: job.columns, fraction: job.fraction)
            let state = steps[worker]
            let notesBefore = state.value.notes.count
            var output = pool.batch()
            if reporting {
                let count = batch.input.count
                batch.seen = Array(repeating: RecordObservation(), count: count)
                batch.issuesEnd = Array(repeating: 0, count: count)
                batch.outputIndex = Array(repeating: -1, count: count)
                state.value.map(batch.input, columns: batch.columns, into: &output) { index, seen, issues in
                    batch.seen[index] = seen
                    batch.issuesEnd[index] = Int32(issues)
                } accepted: { index, _ in
                    batch.outputIndex[index] = Int32(batch.written)
                    batch.written += 1
                } rejected: { index, _, reasons in
                    batch.rejected.append((index, reasons.map(\.rejectReason)))
                }
            } else {
                state.value.map(batch.input, columns: batch.columns, into: &output) { _, _ in
                    batch.written += 1
                } rejected: { index, _, reasons in
                    batch.rejected.append((index, reasons.map(\.rejectReason)))
                }
            }
            batch.issues = state.value.unloggedIssues
            state.value.unloggedIssues.removeAll(keepingCapacity: true)
            batch.notes = Array(state.value.notes[notesBefore...])
            if let encoder {
                batch.encoded = pool.bytes()
                encoder.encode(output, &batch.encoded)
            }
            if keepsOutput { batch.output = output } else { pool.give(output) }
            return batch
        }
        // Kept by the writing thread, read here once it has stopped.
        var totals = RunTotals()
        var log = IssueLog()
        var notes = source.notes + target.notes
        var reportBinding = SourceBinding(profile: source)
        let read = try readInOrder(input, workers: workers, pool: pool, work: work) { mapped, offset in
            // The worker numbered records from its chunk's start; the file's numbers from here on.
            var batch = mapped
            batch.input.renumber(afterRecords: offset.records, lines: offset.lines)
            batch.output.renumber(afterRecords: offset.records, lines: offset.lines)
            if offset.records != 0 || offset.lines != 0 {
                for index in batch.issues.indices {
                    batch.issues[index].record += offset.records
                    batch.issues[index].line += offset.lines
                }
            }
            if let report {
                // The report sees every record in input order, as a single thread shows them.
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
            if encoder != nil {
                try writer.writeEncoded(batch.encoded, records: batch.written)
            } else {
                try writer.write(batch.output, columns: columns)
            }
            totals.written += batch.written
            totals.rejected += batch.rejected.count
            for (index, reasons) in batch.rejected { rejects?.add(batch.input[index], reasons: reasons) }
            try rejects?.flush(inputColumns: batch.columns)
            for issue in batch.issues { log.add(issue) }
            for note in batch.notes where !notes.contains(where: { $0.description == note.description }) {
                notes.append(note)
            }
            var progressTotals = totals
            progressTotals.read = totals.settled
            progress?(RunProgress(totals: progressTotals, fraction: batch.fraction))
            pool.give(batch.input)
            pool.give(batch.encoded)
            if keepsOutput { pool.give(batch.output) }
        }
        totals.read = read
        guard totals.balances else {
            throw FerryError(
                .output,
                "the accounting does not balance (\(totals.accountingLine)); this is a bug in Ferry, please report it")
        }
        try rejects?.finish(inputColumns: reader.columns)
        try writer.finish()
        var stats = WriteStats()
        for step in steps { stats.add(step.value.stats) }
        return MappedConversionResult(
            totals: totals, inputDescription: input.description, issues: log, stats: stats,
            notes: notes, diagnostics: reader.diagnostics, seconds: monotonicSeconds() - started)
    }
}

extension RecordIssue {
    /// The reason as written in the rejects file: which column, which value, what is wrong.
    var rejectReason: String {
        var text = column.map { "\($0): " } ?? ""
        if let field, field.rawValue != column { text += "(\(field.rawValue)) " }
        text += detail ?? message
        if let value { text += " ('\(value)')" }
        return text
    }
}
