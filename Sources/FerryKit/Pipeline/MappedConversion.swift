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
    /// `run` with the mapping on `workers` threads (`MappingWorkers`): the input is read (or cut into
    /// chunks) on this thread, the workers map and encode the batches, and a writing thread writes
    /// the results, rejects, issues and report in input order, so the output is the same whatever
    /// the number of workers. A writer with no `BatchEncoder` writes the mapped batches itself, on
    /// the writing thread.
    private func runInOrder(
        input: OpenedInput, writer: any RecordWriter, rejects: RejectsFile?,
        report: ReportCollector?, progress: ((RunProgress) -> Void)?, started: Double
    ) throws -> MappedConversionResult {
        let encoder = writer.makeEncoder()
        let keepsOutput = report != nil || encoder == nil
        let columns = target.writtenColumns
        let reader = input.reader
        let workers = MappingWorkers(source: source, target: target, workers: workers, reporting: report != nil)
        let pool = workers.pool
        let work: @Sendable (Int, ReadBatch) -> MappedBatch = { worker, job in
            var batch = workers.map(worker, job)
            if let encoder {
                batch.encoded = pool.bytes()
                encoder.encode(batch.output, &batch.encoded)
            }
            if !keepsOutput { pool.give(&batch.output) }
            return batch
        }
        // Kept by the writing thread, read here once it has stopped.
        var totals = RunTotals()
        var ledger = MappingLedger(source: source, target: target)
        let read = try readInOrder(input, workers: workers.count, pool: pool, work: work) { batch, offset in
            batch.renumber(offset)
            ledger.take(batch, report: report)
            if encoder != nil {
                try writer.writeEncoded(batch.encoded, records: batch.written)
            } else {
                try writer.write(batch.output, columns: columns)
            }
            totals.written += batch.written
            totals.rejected += batch.rejected.count
            for (index, reasons) in batch.rejected {
                rejects?.add(batch.input[index], reasons: reasons.map(\.rejectReason))
            }
            try rejects?.flush(inputColumns: batch.columns)
            var progressTotals = totals
            progressTotals.read = totals.settled
            progress?(RunProgress(totals: progressTotals, fraction: batch.fraction))
            workers.recycle(&batch)
        }
        totals.read = read
        guard totals.balances else {
            throw FerryError(
                .output,
                "the accounting does not balance (\(totals.accountingLine)); this is a bug in Ferry, please report it")
        }
        try rejects?.finish(inputColumns: reader.columns)
        try writer.finish()
        return MappedConversionResult(
            totals: totals, inputDescription: input.description, issues: ledger.log, stats: workers.stats,
            notes: ledger.notes, diagnostics: reader.diagnostics, seconds: monotonicSeconds() - started)
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
