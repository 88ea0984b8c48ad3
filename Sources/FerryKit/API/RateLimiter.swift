/// One pace for all workers of a migration: at most `rate` requests a second (`--rate`), and when the
/// server answers 429 everyone waits out its `Retry-After` and the pace is halved, then recovers
/// slowly as requests succeed. Without `--rate` there is no limit until the first 429.
actor RateLimiter {
    /// The `--rate` ceiling, or nil.
    let ceiling: Double?
    /// The pace in force, or nil for none.
    private(set) var rate: Double?
    private var nextSlot = 0.0
    private var pausedUntil = 0.0
    /// Requests in the current one-second window, to know the pace when none is set.
    private var windowStart = 0.0
    private var windowCount = 0
    private var lastWindowRate = 0.0
    private var successesSinceSlowdown = 0
    /// How many times the server asked to slow down, for the summary.
    private(set) var slowdowns = 0

    init(rate: Double?) {
        ceiling = rate
        self.rate = rate
    }

    /// Waits for this worker's turn.
    func acquire() async {
        let now = monotonicSeconds()
        if now - windowStart >= 1 {
            lastWindowRate = Double(windowCount) / max(1, now - windowStart)
            windowStart = now
            windowCount = 0
        }
        windowCount += 1
        var start = max(now, pausedUntil)
        if let rate {
            start = max(start, nextSlot)
            nextSlot = start + 1 / rate
        }
        let wait = start - now
        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
    }

    /// The server answered 429: pause everyone and halve the pace.
    func slowDown(retryAfter: Double?) {
        slowdowns += 1
        successesSinceSlowdown = 0
        let now = monotonicSeconds()
        pausedUntil = max(pausedUntil, now + min(retryAfter ?? 1, 120))
        let current = rate ?? max(lastWindowRate, Double(windowCount))
        rate = max(0.5, current / 2)
    }

    /// A request went through: after 20 in a row, raise the pace by a tenth, up to the ceiling
    /// (or back to unlimited when there is none and the pace has recovered well past the last one).
    func succeeded() {
        guard let current = rate else { return }
        successesSinceSlowdown += 1
        guard successesSinceSlowdown >= 20 else { return }
        successesSinceSlowdown = 0
        let raised = current * 1.1
        if let ceiling { rate = min(ceiling, raised) } else { rate = raised > 1000 ? nil : raised }
    }
}
