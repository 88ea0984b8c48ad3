#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a run did, for the summary and the accounting line.
public struct RunTotals: Sendable, Equatable {
    public var read = 0
    public var written = 0
    public var rejected = 0
    public var skipped = 0
    public var uncertain = 0

    public init() {}

    /// Records whose fate is known: written, rejected, skipped or uncertain.
    public var settled: Int { written + rejected + skipped + uncertain }

    /// `read = written + rejected + skipped (+ uncertain)` holds.
    public var balances: Bool { read == settled }

    /// The accounting line every run ends with.
    public var accountingLine: String {
        var line = "read \(read) = written \(written) + rejected \(rejected) + skipped \(skipped)"
        if uncertain > 0 { line += " + uncertain \(uncertain)" }
        return line
    }
}

/// The outcome of a conversion.
public struct ConversionResult: Sendable {
    public var totals: RunTotals
    public var inputDescription: String
    public var columns: [String]
    public var diagnostics: [Diagnostic]
    public var seconds: Double
}

/// Reads every record of an input and writes it with a writer: the file-to-file pipeline.
public struct Conversion {
    public let inputPath: String
    public let readOptions: ReadOptions

    /// Threads that encode batches while one reads and one writes.
    public var workers = availableProcessors()

    public init(inputPath: String, readOptions: ReadOptions = ReadOptions()) {
        self.inputPath = inputPath
        self.readOptions = readOptions
    }

    /// Runs the conversion; `progress` is called after each batch. On any error the writer's output
    /// is abandoned, so no partial file remains.
    public func run(into writer: any RecordWriter, progress: ((RunProgress) -> Void)? = nil) throws -> ConversionResult
    {
        let started = monotonicSeconds()
        var path = inputPath
        var spooled: String?
        defer { if let spooled { InputFile.removeSpool(spooled) } }
        do {
            var columns: [String]?
            if writer.needsColumnsUpFront && mayMeetNewColumns {
                // A CSV header must name every column before the first record (standard input is
                // kept in a temporary file, to be read again). When the output can start over, the
                // keys of the first window are taken for all of them and the input is read once; a
                // record with another key starts the output over, after a pass that finds them all.
                if path == "-" {
                    spooled = try InputFile.spoolStandardInput()
                    path = spooled!
                }
                if writer.canStartOver, let first = try? firstColumns(path) {
                    do {
                        return try convert(path, columns: first, guessed: true, into: writer, progress, since: started)
                    } catch is ColumnsGrew {
                        try writer.startOver()
                    }
                }
                columns = try allColumns(path)
            }
            return try convert(path, columns: columns, guessed: false, into: writer, progress, since: started)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The columns of the first batch of records `path` holds.
    private func firstColumns(_ path: String) throws -> [String] {
        let input = try InputFile.open(path, options: readOptions)
        var batch = RecordBatch()
        _ = try input.reader.read(into: &batch)
        return input.reader.columns
    }

    /// Every column of `path`, from a reading of the whole input.
    private func allColumns(_ path: String) throws -> [String] {
        let input = try InputFile.open(path, options: readOptions)
        let pool = BufferPool(keep: 2 * workers + 4)
        _ = try readInOrder(
            input, workers: max(1, workers), pool: pool, work: { _, batch in batch },
            put: { batch, _ in pool.give(&batch.records) })
        return input.reader.columns
    }

    /// A header taken from the first records turned out to lack a column.
    private struct ColumnsGrew: Error {}

    /// Reads `path` into `writer`, begun with `columns` (the reader's own when nil). `guessed`: the
    /// columns are those of the first records, and a record with another one throws `ColumnsGrew`.
    private func convert(
        _ path: String, columns: [String]?, guessed: Bool, into writer: any RecordWriter,
        _ progress: ((RunProgress) -> Void)?, since started: Double
    ) throws -> ConversionResult {
        let input = try InputFile.open(path, options: readOptions)
        let reader = input.reader
        try writer.begin(columns: columns ?? reader.columns)
        // Columns fixed from the start (a CSV header, or every key of a JSON input found by the
        // first pass, which the second numbers alike): the workers can encode batches ahead.
        // Otherwise the writing thread writes each batch with the columns known when it was read.
        let encoder = mayMeetNewColumns && columns == nil ? nil : writer.makeEncoder()
        let width = (columns ?? reader.columns).count
        let pool = BufferPool(keep: 2 * workers + 4)
        var written = 0
        let read = try readInOrder(
            input, workers: max(1, workers), pool: pool,
            work: { _, batch in
                var bytes = pool.bytes()
                // A batch with more columns than the header is never written (see `put`).
                if batch.columns.count <= width { encoder?.encode(batch.records, &bytes) }
                return (batch, bytes)
            },
            put: { (done: inout (batch: ReadBatch, bytes: [UInt8]), _) in
                if encoder != nil {
                    if done.batch.columns.count > width {
                        if guessed { throw ColumnsGrew() }
                        throw FerryError(
                            .output,
                            "the input's columns grew after the header was written; this is a bug in Ferry, please report it"
                        )
                    }
                    try writer.writeEncoded(done.bytes, records: done.batch.records.count)
                } else {
                    try writer.write(done.batch.records, columns: columns ?? done.batch.columns)
                }
                written += done.batch.records.count
                var totals = RunTotals()
                (totals.read, totals.written) = (written, written)
                progress?(RunProgress(totals: totals, fraction: done.batch.fraction))
                pool.give(&done.batch.records)
                pool.give(&done.bytes)
            })
        if guessed && reader.columns.count > width { throw ColumnsGrew() }
        var totals = RunTotals()
        (totals.read, totals.written) = (read, written)
        guard totals.balances else {
            throw FerryError(
                .output,
                "the accounting does not balance (\(totals.accountingLine)); this is a bug in Ferry, please report it"
            )
        }
        try writer.finish()
        return ConversionResult(
            totals: totals, inputDescription: input.description, columns: columns ?? reader.columns,
            diagnostics: reader.diagnostics, seconds: monotonicSeconds() - started)
    }

    private var mayMeetNewColumns: Bool { InputFile.mayMeetNewColumns(inputPath, options: readOptions) }
}

/// `3.07 s`, for summaries and reports.
public func formatSeconds(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) s"
}

/// Seconds on a clock that only moves forward.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
