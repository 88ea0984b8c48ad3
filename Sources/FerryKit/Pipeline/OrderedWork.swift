import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Work done on a few threads and handed back in the order it was given: one thread submits jobs,
/// the workers do them in any order, and another thread takes the results in submission order, so
/// a conversion reads on one thread and writes on another while the mapping uses every core. At
/// most `limit` jobs are in flight, so memory stays bounded whatever the input's size.
final class OrderedWork<Job, Done>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Jobs waiting, taken out (set to nil) as workers take them, so no copy of a taken job stays here.
    private var queue: [(number: Int, job: Job)?] = []
    private var queueStart = 0
    private var done: [Int: Done] = [:]
    private var closed = false
    private var finished = false
    private var cancelled = false
    private var threads: [JoinableThread] = []
    private var submitted = 0
    private var taken = 0
    let limit: Int

    /// Starts `workers` threads; `work` gets the worker's number (0..<workers) and a job, which it
    /// owns: what it takes out of the job (a buffer to give back) is referred to from nowhere else.
    init(workers: Int, limit: Int, work: @escaping @Sendable (Int, inout Job) -> Done) {
        self.limit = max(limit, workers)
        threads = (0..<workers).map { worker in
            JoinableThread { [self] in
                lowerThreadPriority()
                while case (let number, var job)? = nextJob() {
                    let result = work(worker, &job)
                    condition.lock()
                    done[number] = result
                    condition.broadcast()
                    condition.unlock()
                }
            }
        }
    }

    private func nextJob() -> (Int, Job)? {
        condition.lock()
        defer { condition.unlock() }
        while queueStart == queue.count && !closed { condition.wait() }
        guard queueStart < queue.count else { return nil }
        let next = queue[queueStart].take()!
        queueStart += 1
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        return next
    }

    /// Adds a job, numbered in order from 0; waits while `limit` jobs are in flight. False when the
    /// work was cancelled (the job is dropped).
    @discardableResult
    func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while submitted - taken >= limit && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append((submitted, job))
        submitted += 1
        condition.broadcast()
        return true
    }

    /// No more jobs will be submitted: `next` returns nil once every result is taken.
    func finishSubmitting() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the work: `submit` refuses more jobs and `next` returns nil.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next result in order, waiting for it; nil when all are taken and no more will come. The
    /// result is moved out: nothing here refers to it any more.
    func next() -> Done? {
        condition.lock()
        defer { condition.unlock() }
        while done[taken] == nil {
            if cancelled || finished && taken == submitted { return nil }
            condition.wait()
        }
        let result = done.removeValue(forKey: taken)!
        taken += 1
        condition.broadcast()
        return result
    }

    /// No more jobs: the threads end once the queue is empty. Waits for them.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        for thread in threads { thread.join() }
    }
}

/// A value handed to another thread that only that thread uses meanwhile.
final class Handoff<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// How many threads map in parallel: the processors this process may use.
func availableProcessors() -> Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// A thread that runs `body` once; `join` waits for it to end.
final class JoinableThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var ended = false

    init(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            condition.lock()
            ended = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    func join() {
        condition.lock()
        while !ended { condition.wait() }
        condition.unlock()
    }
}

/// Batches and byte buffers handed back after writing, so the next batches reuse their storage
/// instead of growing fresh memory on every thread.
///
/// `give` takes the buffer out of the caller's variable (leaving it empty): an array emptied while
/// another copy of it lives is not emptied but replaced by fresh memory, which the kernel then
/// faults in page by page (1M rows: 285,000 page faults and a third of the run's time in the
/// kernel, before the buffers were moved rather than copied on their way back here).
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [RecordBatch] = []
    private var buffers: [[UInt8]] = []
    private let keep: Int

    init(keep: Int) { self.keep = keep }

    func batch() -> RecordBatch {
        lock.lock()
        defer { lock.unlock() }
        guard var batch = batches.popLast() else { return RecordBatch() }
        batch.removeAll()
        return batch
    }

    func bytes() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        guard var bytes = buffers.popLast() else { return [] }
        bytes.removeAll(keepingCapacity: true)
        return bytes
    }

    func give(_ batch: inout RecordBatch) {
        var taken = RecordBatch()
        swap(&taken, &batch)
        lock.lock()
        if batches.count < keep { batches.append(taken) }
        lock.unlock()
    }

    func give(_ bytes: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        lock.lock()
        if buffers.count < keep { buffers.append(taken) }
        lock.unlock()
    }
}

/// Lets the reading and writing threads go first: a worker that waits costs little, a reader that
/// waits holds up every worker (1M rows on 2 cores: 1.74 s → 1.45 s).
private func lowerThreadPriority() {
    #if os(Linux)
        // Linux gives each thread its own nice value; under NPTL, 0 names the calling thread alone.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
    #endif
}

/// A batch read from an input, on its way to a worker.
struct ReadBatch: @unchecked Sendable {
    var records: RecordBatch
    var columns: [String]
    var fraction: Double?
}

/// Where a batch's records lie in the input: what to add to the record and line numbers a worker
/// saw (the numbers from its chunk's start) to have the file's.
struct InputOffset: Sendable {
    var records = 0
    var lines = 0
}

/// Reads `input` and hands each batch to `work` on `workers` threads, and gives the results to
/// `put` on a writing thread in input order, with the offset of the batch's numbers. `pool`
/// recycles batches (`put` may give them back). A CSV file is cut into chunks on this thread and
/// each worker parses its chunk and works on it at once (`workOnChunks`); a JSON file is scanned
/// on this thread and each worker parses a window of its records (`workOnJSONChunks`); anything
/// else is read on this thread, with the file's numbers (offset zero). Returns how many records were read; the
/// first error of any side is thrown once all threads have stopped.
func readInOrder<Done>(
    _ input: OpenedInput, workers: Int, pool: BufferPool,
    work: @escaping @Sendable (Int, ReadBatch) -> Done, put: @escaping (inout Done, InputOffset) throws -> Void
) throws -> Int {
    if let (chunks, csv) = try input.chunks() {
        return try workOnChunks(chunks, of: csv, workers: workers, pool: pool, work: work, put: put)
    }
    if let json = input.jsonChunks() {
        return try workOnJSONChunks(json, workers: workers, pool: pool, work: work, put: put)
    }
    let reader = input.reader
    let ordered = OrderedWork<ReadBatch, Done>(workers: workers, limit: workers + 1) { worker, job in
        work(worker, job)
    }
    let writing = Handoff((put: put, failure: (any Error)?.none))
    let thread = JoinableThread {
        do {
            while var done = ordered.next() { try writing.value.put(&done, InputOffset()) }
        } catch {
            writing.value.failure = error
            ordered.cancel()
        }
    }
    var read = 0
    var readFailure: (any Error)?
    do {
        while true {
            var batch = pool.batch()
            guard try reader.read(into: &batch) else { break }
            read += batch.count
            guard ordered.submit(ReadBatch(records: batch, columns: reader.columns, fraction: input.fractionRead))
            else { break }
        }
    } catch {
        readFailure = error
        ordered.cancel()
    }
    ordered.finishSubmitting()
    thread.join()
    ordered.close()
    if let failure = readFailure ?? writing.value.failure { throw failure }
    return read
}

/// A chunk parsed and worked on by a worker: what `work` made of its records, numbered from the
/// chunk's start, and how many records and lines it held.
private struct WorkedChunk<Done>: @unchecked Sendable {
    var done: Done?
    var records = 0
    var lines = 0
    var blankLines = 0
    var textAfterQuote = TextAfterQuote()
    var failure: (any Error)?
}

/// A CSV file with every core: this thread cuts it into chunks at record ends (`CSVChunks`), each of
/// `workers` threads parses a chunk with its own libcsv parser and hands the records to `work` at
/// once, while they are in its cache, and a writing thread takes the results in file order and gives
/// them to `put` with the offset of the chunk in the file. What a chunk's parser throws is thrown
/// with the file's numbers, in file order, as reading it straight through would.
private func workOnChunks<Done>(
    _ chunks: CSVChunks, of reader: CSVReader, workers: Int, pool: BufferPool,
    work: @escaping @Sendable (Int, ReadBatch) -> Done, put: @escaping (inout Done, InputOffset) throws -> Void
) throws -> Int {
    let parsers = (0..<workers).map { _ in Handoff(CSVReader(chunkOf: reader)) }
    let columns = reader.columns
    let ordered = OrderedWork<(index: Int, chunk: CSVChunk), WorkedChunk<Done>>(
        workers: workers, limit: workers + 1
    ) { worker, job in
        let parser = parsers[worker].value
        var worked = WorkedChunk<Done>()
        var records = pool.batch()
        do {
            worked.lines = try job.chunk.bytes.withUnsafeBytes {
                try parser.parse(chunk: $0, first: job.index == 0, last: job.chunk.last, into: &records)
            }
            worked.blankLines = parser.blankLines
            worked.textAfterQuote = parser.textAfterQuote
        } catch {
            worked.failure = error
        }
        pool.give(&job.chunk.bytes)
        worked.records = records.count
        if worked.failure == nil, !records.isEmpty {
            worked.done = work(worker, ReadBatch(records: records, columns: columns, fraction: job.chunk.fraction))
        } else {
            pool.give(&records)
        }
        return worked
    }
    let writing = Handoff(
        (
            offset: InputOffset(), blankLines: 0, textAfterQuote: TextAfterQuote(), put: put,
            failure: (any Error)?.none, parseFailed: false
        ))
    let thread = JoinableThread {
        while var worked = ordered.next() {
            let offset = writing.value.offset
            if let failure = worked.failure {
                writing.value.failure = renumbered(failure, afterRecords: offset.records, lines: offset.lines)
                writing.value.parseFailed = true
                ordered.cancel()
                return
            }
            do {
                if worked.done != nil { try writing.value.put(&worked.done!, offset) }
            } catch {
                writing.value.failure = error
                ordered.cancel()
                return
            }
            writing.value.offset.records += worked.records
            writing.value.offset.lines += worked.lines
            writing.value.blankLines += worked.blankLines
            writing.value.textAfterQuote.add(worked.textAfterQuote, afterRecords: offset.records, lines: offset.lines)
        }
    }
    var readFailure: (any Error)?
    do {
        var index = 0
        while let chunk = try chunks.next(buffer: pool.bytes) {
            guard ordered.submit((index, chunk)) else { break }
            index += 1
        }
    } catch {
        readFailure = error
    }
    ordered.finishSubmitting()
    thread.join()
    ordered.close()
    // A chunk's error lies before the place the cutting stopped at.
    if writing.value.parseFailed, let failure = writing.value.failure { throw failure }
    if let failure = readFailure ?? writing.value.failure { throw failure }
    reader.finishReadInChunks(
        records: writing.value.offset.records, blankLines: writing.value.blankLines,
        textAfterQuote: writing.value.textAfterQuote)
    return writing.value.offset.records
}

/// An error placed in a chunk, placed in the file.
private func renumbered(_ error: any Error, afterRecords records: Int, lines: Int) -> any Error {
    guard var error = error as? FerryError, var location = error.location else { return error }
    location.record = location.record.map { $0 + records }
    location.line = location.line.map { $0 + lines }
    error.location = location
    return error
}

/// Batches made on threads and taken by a task, in the order they were sent: how `migrate`'s task
/// group takes the work of the shared driver. `send` waits while `capacity` batches wait to be
/// taken, so the threads stay at most that far ahead.
final class BatchChannel<Batch: Sendable>: @unchecked Sendable {
    /// Thrown by `send` once the taker has stopped.
    struct Stopped: Error {}

    private let condition = NSCondition()
    private let capacity: Int
    private var waiting: [Batch] = []
    private var stopped = false
    private var end: Result<Void, any Error>?
    private var taker: CheckedContinuation<Batch?, any Error>?
    private var endWaiter: CheckedContinuation<Void, Never>?

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Hands a batch to the taker (on a thread; it may wait). Throws `Stopped` when the taker stopped.
    func send(_ batch: Batch) throws {
        condition.lock()
        while waiting.count >= capacity && !stopped { condition.wait() }
        guard !stopped else {
            condition.unlock()
            throw Stopped()
        }
        if let taker {
            self.taker = nil
            condition.unlock()
            taker.resume(returning: batch)
        } else {
            waiting.append(batch)
            condition.unlock()
        }
    }

    /// No more batches: `next` returns nil once the waiting ones are taken, or throws `failure`.
    func finish(_ failure: (any Error)?) {
        condition.lock()
        end = failure.map { .failure($0) } ?? .success(())
        let taker = waiting.isEmpty ? self.taker : nil
        if taker != nil { self.taker = nil }
        let endWaiter = self.endWaiter
        self.endWaiter = nil
        condition.broadcast()
        condition.unlock()
        if let taker {
            if let failure { taker.resume(throwing: failure) } else { taker.resume(returning: nil) }
        }
        endWaiter?.resume()
    }

    /// The next batch, waiting for it; nil when the sender finished.
    func next() async throws -> Batch? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Batch?, any Error>) in
            condition.lock()
            if !waiting.isEmpty {
                let batch = waiting.removeFirst()
                condition.broadcast()
                condition.unlock()
                continuation.resume(returning: batch)
            } else if let end {
                condition.unlock()
                continuation.resume(with: end.map { nil })
            } else {
                taker = continuation
                condition.unlock()
            }
        }
    }

    /// Takes no more batches and waits until the sender has finished.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopped = true
            waiting.removeAll()
            condition.broadcast()
            if end == nil {
                endWaiter = continuation
                condition.unlock()
            } else {
                condition.unlock()
                continuation.resume()
            }
        }
    }
}
