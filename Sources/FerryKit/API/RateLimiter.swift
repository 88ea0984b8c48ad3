/// One pace for all workers of a migration. At most `rate` requests a second (`--rate`); when the
/// server answers 429 every worker waits out its `Retry-After`, and when refusals become a real share
/// of the answers (a fifth of the last 50) the pace is halved, at most once a second. Each second
/// with successes and no halving raises it by a quarter, up to `--rate` (or back to no limit). A few
/// scattered 429s thus cost a pause each; a server that is really overloaded gets a slower client,
/// which speeds up again once the server copes.
actor RateLimiter {
    /// The `--rate` ceiling, or nil.
    let ceiling: Double?
    /// The pace in force, or nil for none.
    private(set) var rate: Double?
    private var nextSlot = 0.0
    private var pausedUntil = 0.0
    private var lastLowered = -Double.infinity
    private var lastChanged = -Double.infinity
    /// The last answers, true for a 429.
    private var recent = [Bool](repeating: false, count: 50)
    private var recentIndex = 0
    /// Requests started in the current one-second window, to know the pace when none is set.
    private var windowStart = 0.0
    private var windowCount = 0
    private var measured = 0.0
    /// How many 429 answers came, and how many times the pace was lowered, for the summary.
    private(set) var slowdowns = 0
    private(set) var lowered = 0

    /// Ends every wait when the run is asked to stop.
    private let stop: StopRequest?

    init(rate: Double?, stop: StopRequest? = nil) {
        ceiling = rate
        self.rate = rate
        self.stop = stop
    }

    /// Waits for this worker's turn, or until the run is asked to stop (the caller then sends nothing).
    func acquire() async {
        let now = monotonicSeconds()
        if now - windowStart >= 1 {
            measured = Double(windowCount) / max(1, now - windowStart)
            windowStart = now
            windowCount = 0
        }
        windowCount += 1
        var start = max(now, pausedUntil)
        if let rate {
            start = max(start, nextSlot)
            nextSlot = start + 1 / rate
        }
        while stop?.isRequested != true {
            let wait = start - monotonicSeconds()
            if wait <= 0 { break }
            try? await Task.sleep(nanoseconds: UInt64(min(wait, 0.1) * 1e9))
        }
    }

    /// The server answered 429: pause everyone for `retryAfter` (1 s when it does not say), and
    /// halve the pace if refusals are frequent.
    func slowDown(retryAfter: Double?) {
        slowdowns += 1
        remember(refused: true)
        let now = monotonicSeconds()
        pausedUntil = max(pausedUntil, now + min(max(0, retryAfter ?? 1), 120))
        let share = Double(recent.filter { $0 }.count) / Double(recent.count)
        guard share >= 0.2, now - lastLowered >= 1 else { return }
        lastLowered = now
        lastChanged = now
        lowered += 1
        rate = max(1, (rate ?? max(measured, Double(windowCount))) / 2)
    }

    /// A request went through.
    func succeeded() {
        remember(refused: false)
        guard let current = rate, ceiling.map({ current < $0 }) ?? true else { return }
        let now = monotonicSeconds()
        guard now - lastChanged >= 1 else { return }
        lastChanged = now
        let raised = current * 1.25
        if let ceiling { rate = min(ceiling, raised) } else { rate = raised > max(2 * measured, 50) ? nil : raised }
    }

    private func remember(refused: Bool) {
        recent[recentIndex] = refused
        recentIndex = (recentIndex + 1) % recent.count
    }
}
