import Foundation

/// Work done on a few threads and handed back in the order it was given: the calling thread submits
/// jobs numbered 0, 1, 2... and takes the results by number, so a conversion reads and writes on
/// one thread while the mapping in between uses every core. At most `limit` jobs are in flight,
/// so memory stays bounded whatever the input's size.
final class OrderedWork<Job, Done>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(number: Int, job: Job)] = []
    private var queueStart = 0
    private var done: [Int: Done] = [:]
    private var closed = false
    private var running: Int
    private(set) var submitted = 0
    private(set) var taken = 0
    let limit: Int

    /// Starts `workers` threads; `work` gets the worker's number (0..<workers) and a job.
    init(workers: Int, limit: Int, work: @escaping @Sendable (Int, Job) -> Done) {
        self.limit = max(limit, workers)
        running = workers
        for worker in 0..<workers {
            let thread = Thread { [self] in
                while let (number, job) = self.nextJob() {
                    let result = work(worker, job)
                    self.condition.lock()
                    self.done[number] = result
                    self.condition.broadcast()
                    self.condition.unlock()
                }
                self.condition.lock()
                self.running -= 1
                self.condition.broadcast()
                self.condition.unlock()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    private func nextJob() -> (Int, Job)? {
        condition.lock()
        defer { condition.unlock() }
        while queueStart == queue.count && !closed { condition.wait() }
        guard queueStart < queue.count else { return nil }
        let next = queue[queueStart]
        queueStart += 1
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        return next
    }

    /// True when `limit` jobs are in flight: take one before submitting more.
    var isFull: Bool { submitted - taken >= limit }
    /// True while some submitted job's result has not been taken.
    var hasPending: Bool { taken < submitted }

    /// Adds a job; it is number `submitted` (before the call).
    func submit(_ job: Job) {
        condition.lock()
        queue.append((submitted, job))
        submitted += 1
        condition.signal()
        condition.unlock()
    }

    /// The next result in order, waiting for it when `wait`; nil when it is not ready (or none is pending).
    func take(wait: Bool) -> Done? {
        guard hasPending else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while done[taken] == nil {
            guard wait else { return nil }
            condition.wait()
        }
        let result = done.removeValue(forKey: taken)!
        taken += 1
        return result
    }

    /// No more jobs: the threads end once the queue is empty. Waits for them.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
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
