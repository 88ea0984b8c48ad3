import Foundation

/// Where chunks of a JSON file, parsed on several threads, join the file in order: each worker
/// waits here for its chunk's turn, so the columns are numbered as one reader would number them
/// (in the order their keys first appear), and a line the scanner took for a record that was none
/// is found in file order, with the chunks cut after it set aside (`stale`).
final class JSONChunkGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var next = 0
    private var cancelled = false
    private var columnIndex: [String: Int] = [:]
    /// Set only inside `pass`, where it is read too.
    private(set) var columns: [String] = []
    private(set) var repeatedKeys = JSONRecordFiller.RepeatedKeys()
    private var generation = 0
    private var resumePoint: JSONResumePoint?

    /// Waits for chunk `index`'s turn (chunks are numbered from 0 in file order), runs `body`, and
    /// lets the next chunk through; nil when the work was cancelled.
    func pass<R>(_ index: Int, _ body: () -> R) -> R? {
        condition.lock()
        defer { condition.unlock() }
        while next != index && !cancelled { condition.wait() }
        guard !cancelled else { return nil }
        let result = body()
        next += 1
        condition.broadcast()
        return result
    }

    /// Inside `pass`: whether a chunk of `generation` was cut after a line taken for a record that
    /// was none, and must be read again.
    func isStale(_ generation: Int) -> Bool { generation < self.generation }

    /// Inside `pass`: adds `keys` (new to the filler that read a chunk, in the order it met them)
    /// to the columns; the number each got.
    func merge(_ keys: ArraySlice<String>) -> [Int] {
        keys.map { key in
            if let known = columnIndex[key] { return known }
            columnIndex[key] = columns.count
            columns.append(key)
            return columns.count - 1
        }
    }

    /// Inside `pass`: the repeated keys of a chunk, in file order.
    func add(_ repeated: JSONRecordFiller.RepeatedKeys) { repeatedKeys.add(repeated) }

    /// Inside `pass`: reading goes back to `point`; chunks cut so far after it are stale.
    func goBack(to point: JSONResumePoint) {
        generation += 1
        resumePoint = point
    }

    /// Waits until `count` chunks have passed; false when the work was cancelled.
    func waitUntilPassed(_ count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while next < count && !cancelled { condition.wait() }
        return !cancelled
    }

    /// Whether reading must go back: the generation to read on with, and the place.
    func takeResumePoint() -> (generation: Int, point: JSONResumePoint)? {
        condition.lock()
        defer { condition.unlock() }
        guard let point = resumePoint else { return nil }
        resumePoint = nil
        return (generation, point)
    }

    var wantsToGoBack: Bool {
        condition.lock()
        defer { condition.unlock() }
        return resumePoint != nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// What became of a chunk at the gate.
private enum Joined {
    case joined([String])
    case failed
    case stale
}

/// A chunk parsed and worked on: what `work` made of its records (numbered as in the file).
private struct WorkedJSONChunk<Done>: @unchecked Sendable {
    var done: Done?
    var records = 0
    var failure: (any Error)?
    /// Cut after a line taken for a record that was none: its records are read again.
    var stale = false
}

/// A JSON file with every core: this thread scans the file for records (`JSONReader.nextChunk`) and
/// hands each window of them to a worker, which parses them with its own simdjson parser, passes
/// the gate in file order (columns numbered as one reader numbers them) and hands the records to
/// `work`; a writing thread gives the results to `put` in file order. A line the scanner took for
/// a record that is none (an object over several lines that happens to look like one line) sends
/// the reading back to it once every chunk before it has passed, and the file is read from there
/// on without the shortcut; the chunks cut after it are dropped unwritten.
func workOnJSONChunks<Done>(
    _ reader: JSONReader, workers: Int, pool: BufferPool,
    work: @escaping @Sendable (Int, ReadBatch) -> Done, put: @escaping (inout Done, InputOffset) throws -> Void
) throws -> Int {
    let fillers = (0..<workers).map { _ in
        Handoff(JSONRecordFiller(name: reader.inputName, maxFieldBytes: reader.maxFieldBytes))
    }
    let gate = JSONChunkGate()
    let spares = reader.spareBuffers
    let ordered = OrderedWork<(index: Int, chunk: JSONChunk), WorkedJSONChunk<Done>>(
        workers: workers, limit: workers + 1
    ) { worker, job in
        let filler = fillers[worker].value
        let chunk = job.chunk
        var records = pool.batch()
        var worked = WorkedJSONChunk<Done>()
        var wrongGuess: Int?
        do {
            wrongGuess = try filler.fill(chunk.spans, of: chunk.window, firstRecord: chunk.firstRecord, into: &records)
        } catch {
            worked.failure = error
        }
        spares.give(chunk.buffer)
        let repeated = filler.takeRepeatedKeys()
        let joined =
            gate.pass(job.index) { () -> Joined in
                if gate.isStale(chunk.generation) || worked.failure != nil {
                    filler.adopt(gate.columns, remap: nil)
                    return gate.isStale(chunk.generation) ? .stale : .failed
                }
                let first = filler.adopted
                let remap = gate.merge(filler.columns[first...])
                if remap.enumerated().contains(where: { $0.element != first + $0.offset }) {
                    for field in records.fields.indices where Int(records.fields[field].column) >= first {
                        records.setColumn(ofField: field, to: remap[Int(records.fields[field].column) - first])
                    }
                }
                filler.adopt(gate.columns, remap: remap)
                gate.add(repeated)
                if let wrongGuess { gate.goBack(to: chunk.resumePoint(at: wrongGuess)) }
                return .joined(gate.columns)
            } ?? .stale
        guard case .joined(let columns) = joined else {
            if case .stale = joined {
                worked.stale = true
                worked.failure = nil
            }
            pool.give(&records)
            return worked
        }
        worked.records = records.count
        if records.isEmpty {
            pool.give(&records)
        } else {
            worked.done = work(worker, ReadBatch(records: records, columns: columns, fraction: chunk.fraction))
        }
        return worked
    }
    let writing = Handoff((records: 0, put: put, failure: (any Error)?.none, parseFailed: false))
    let thread = JoinableThread {
        while var worked = ordered.next() {
            if worked.stale { continue }
            if let failure = worked.failure {
                writing.value.failure = failure
                writing.value.parseFailed = true
                ordered.cancel()
                gate.cancel()
                return
            }
            do {
                if worked.done != nil { try writing.value.put(&worked.done!, InputOffset()) }
            } catch {
                writing.value.failure = error
                ordered.cancel()
                gate.cancel()
                return
            }
            writing.value.records += worked.records
        }
    }
    var readFailure: (any Error)?
    var index = 0
    var generation = 0
    reading: while true {
        do {
            while let chunk = try reader.nextChunk(generation: generation) {
                guard ordered.submit((index, chunk)) else { break reading }
                index += 1
                if gate.wantsToGoBack { break }
            }
        } catch {
            readFailure = error
        }
        // The end, an error, or a record to go back to: every chunk handed out passes the gate first.
        guard gate.waitUntilPassed(index), let (next, point) = gate.takeResumePoint() else { break }
        readFailure = nil
        generation = next
        do {
            try reader.rewind(to: point)
        } catch {
            readFailure = error
            break
        }
    }
    ordered.finishSubmitting()
    thread.join()
    ordered.close()
    // A chunk's error lies before the place the scanning stopped at.
    if writing.value.parseFailed, let failure = writing.value.failure { throw failure }
    if let failure = readFailure ?? writing.value.failure { throw failure }
    reader.finishReadInChunks(records: writing.value.records, columns: gate.columns, repeatedKeys: gate.repeatedKeys)
    return writing.value.records
}
