import Crypto
import Foundation
import NIOConcurrencyHelpers

/// How `ferry migrate` calls the target API.
public struct MigrationOptions: Sendable {
    /// The API's base URL (`https://api.koibox.cloud`, or the sandbox's `http://127.0.0.1:PORT`).
    public var endpoint: String
    /// The journal file; see `Migration.defaultJournalPath`.
    public var journalPath: String
    /// Requests in flight at once.
    public var concurrency = 4
    /// Requests a second for all workers together; nil for no limit until the API answers 429.
    public var rate: Double?
    /// Send again records whose earlier answer was lost, when the API has no lookup (Movin).
    public var retryUncertain = false
    /// Look every customer up before creating it and skip those already there.
    public var skipExisting = false
    /// Send records changed since an earlier run created them with the target's update call.
    public var update = false
    /// Requests for one record before it is given up for this run.
    public var maxAttempts = 8
    /// Seconds to wait for one answer.
    public var requestTimeout = 30.0
    /// Seconds one record may take, retries included.
    public var recordDeadline = 300.0
    /// Seconds the endpoint may refuse connections before the run stops (resumably); until then an
    /// outage costs time, not attempts.
    public var maxOutage = 120.0
    /// Where the credentials are read (the process environment).
    public var environment: [String: String]
    /// Asked to stop (Ctrl-C): nothing more is sent, the requests on their way are answered and journaled.
    public var stop: StopRequest?

    public init(
        endpoint: String, journalPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.endpoint = endpoint
        self.journalPath = journalPath
        self.environment = environment
    }
}

/// What a migration did, beyond the accounting.
public struct MigrationResult: Sendable {
    /// Totals, issues and notes, in the shape reports take.
    public var conversion: MappedConversionResult
    /// Requests sent (creates and lookups), and how many of them were retries.
    public var requests = 0
    public var retries = 0
    /// Lost answers settled by finding the customer in the target.
    public var found = 0
    /// Records an earlier run settled, not sent again.
    public var settledEarlier = 0
    /// Of those, records an earlier run created whose values have changed since: not sent again.
    public var changedSinceCreated = 0
    /// Records changed since an earlier run created them, updated in the target (`--update`).
    public var updated = 0
    /// Customers found already in the target (`--skip-existing`).
    public var existing = 0
    public var tokensObtained = 0
    /// Times the API asked to slow down (429), and times the shared pace was lowered because of it.
    public var slowdowns = 0
    public var paceLowered = 0
    /// The uncertain records: what to check for each.
    public var uncertain: [Journal.Entry] = []
    public var journalPath: String
}

/// Moves records into a system's API: reads and maps them like `convert`, then creates each one
/// through the target mapping's `api:` with bounded concurrency, one shared pace, retries, and a
/// journal that makes the run resumable without duplicates.
public final class Migration {
    public let inputPath: String
    public let readOptions: ReadOptions
    public let source: Profile
    public let target: Profile
    public let options: MigrationOptions

    public init(
        inputPath: String, readOptions: ReadOptions = ReadOptions(), source: Profile, target: Profile,
        options: MigrationOptions
    ) {
        self.inputPath = inputPath
        self.readOptions = readOptions
        self.source = source
        self.target = target
        self.options = options
    }

    /// Whether the target refers people to their companies (`created: company`), so the input is
    /// read twice: the companies are created first.
    private var readsTwice: Bool { target.refersPeopleToCompanies(from: source) }

    /// `customers.csv` → `customers.csv.ferry-journal`, beside the input.
    public static func defaultJournalPath(input: String, target: String) -> String {
        input + "." + target.split(separator: "/").last!.replacingOccurrences(of: ".yaml", with: "") + ".ferry-journal"
    }

    /// Runs the migration. Records refused by Ferry or by the API go to `rejects`; every record is
    /// shown to `report`. Throws when the run cannot go on (input unreadable, credentials refused,
    /// journal unwritable); what was settled until then stays in the journal.
    public func run(
        rejects: RejectsFile? = nil, report: ReportCollector? = nil,
        progress: ((RunProgress) -> Void)? = nil
    ) async throws -> MigrationResult {
        let started = monotonicSeconds()
        guard let api = target.api else {
            throw FerryError(
                .usage, "the mapping `\(target.name)` has no `api:` section, so Ferry does not know how to call it",
                hint: "migrate into koibox or movin, or add `api:` to the mapping (docs/mappings.md)")
        }
        if options.skipExisting, api.lookup.isEmpty {
            throw FerryError(
                .usage,
                "--skip-existing needs a way to look customers up, and `\(target.name)` has none (`api.lookup`)",
                hint: "leave out --skip-existing; the journal already keeps a second run from creating anything twice")
        }
        if options.update, api.update == nil {
            throw FerryError(
                .usage, "--update needs an update call, and `\(target.name)` has none (`api.update`)",
                hint: "leave out --update; changed records are then reported and left as they are")
        }
        if readsTwice, inputPath == "-" {
            throw FerryError(
                .usage,
                "`\(target.name)` refers people to their companies, so the input is read twice (the companies first); standard input cannot be read twice",
                hint: "save the input to a file and migrate the file")
        }
        try APIClient.check(endpoint: options.endpoint)  // before the journal, which records the endpoint
        let journal = try Journal(path: options.journalPath)
        try journal.claimForRun()
        try journal.bind(target: target.name, endpoint: options.endpoint, input: inputPath)
        let identityKey = try journal.identityKey()
        let client = try APIClient(
            endpoint: options.endpoint, api: api, timeout: options.requestTimeout, maxOutage: options.maxOutage,
            stop: options.stop)
        return try await client.closing {
            try client.checkResolves()
            let auth = try AuthSession(description: api, client: client, environment: options.environment)
            try await checkCredentials(api: api, client: client, auth: auth)
            let limiter = RateLimiter(rate: options.rate, stop: options.stop)
            let sender = RecordSender(
                api: api, client: client, auth: auth, limiter: limiter, maxAttempts: options.maxAttempts,
                recordDeadline: options.recordDeadline, skipExisting: options.skipExisting,
                resendUncertain: options.retryUncertain, clashFallbacks: target.clashFallbacks,
                journal: journal)
            let runNumber = try journal.beginRun()

            // A target that refers people to their companies (`created: company`) reads the input
            // twice: the companies are created first, then everyone else, with the companies' ids.
            let phases: [RunPhase] = readsTwice ? [.companies, .people] : [.all]
            var state = RunState(
                api: api, source: source, target: target, journal: journal, identityKey: identityKey, options: options)
            var fatal: FerryError?
            var input: OpenedInput!
            var workers: MappingWorkers!
            for phase in phases where fatal == nil {
                var phaseTarget = target
                if phase == .people {
                    let known = try journal.companies()
                    phaseTarget.createdCompanies = CreatedCompanies(
                        maker: RecordIdentities.Maker(key: identityKey), ids: known.ids)
                    state.companies = (phaseTarget.createdCompanies, known.notCreated)
                }
                state.begin(phase)
                input = try InputFile.open(inputPath, options: readOptions)
                // The shared driver maps on every core (as `convert` does) and hands the batches over
                // in input order; this task decides, sends and settles.
                let phaseWorkers = MappingWorkers(
                    source: source, target: phaseTarget, workers: availableProcessors(),
                    reporting: report != nil && phase != .companies)
                workers = phaseWorkers
                let drafts = DeliveryDrafts(
                    api: api, target: phaseTarget, identityKey: identityKey, phase: phase)
                let batches = BatchChannel<MigrationBatch>(capacity: 2)
                let reading = Handoff(input!)  // used by the reading thread only, until `batches` has finished
                _ = JoinableThread {
                    do {
                        _ = try readInOrder(
                            reading.value, workers: phaseWorkers.count, pool: phaseWorkers.pool,
                            work: { worker, job in drafts.make(worker, job, on: phaseWorkers) }
                        ) { batch, offset in
                            batch.mapped.renumber(offset)
                            try batches.send(batch)
                        }
                        batches.finish(nil)
                    } catch {
                        batches.finish(error)
                    }
                }
                var fraction: Double?
                var inputColumns: [String] = []

                do {
                    try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
                        var inFlight = 0
                        var readerDone = false
                        while true {
                            if fatal == nil, options.stop?.isRequested == true {
                                fatal = FerryError(
                                    .stopped,
                                    "stopped on request; every record is journaled (one whose answer did not come within \(Int(APIClient.stopGrace)) s stays `sending` and is looked up or reported uncertain next run)",
                                    hint: "run the same command again to go on where this run stopped")
                            }
                            if !readerDone, fatal == nil, state.queued < options.concurrency * 2 {
                                if var batch = try await batches.next() {
                                    try state.take(batch, report: report, rejects: rejects)
                                    inputColumns = batch.mapped.columns
                                    try rejects?.flush(inputColumns: inputColumns)
                                    phaseWorkers.recycle(&batch.mapped)
                                    fraction = batch.mapped.fraction
                                    progress?(state.progress(read: fraction))
                                } else {
                                    readerDone = true
                                }
                                continue
                            }
                            var starting: [Delivery] = []
                            while fatal == nil, inFlight + starting.count < options.concurrency,
                                let next = state.dequeue()
                            { starting.append(next) }
                            if !starting.isEmpty {
                                // The journal knows a record is on its way before its request leaves.
                                for delivery in starting where delivery.update == nil {
                                    state.journal(delivery, .sending, attempts: delivery.attemptsBefore)
                                }
                                try journal.write(state.takeJournalEntries())
                                for delivery in starting { group.addTask { await sender.deliver(delivery) } }
                                inFlight += starting.count
                            }
                            if inFlight == 0 {
                                if fatal != nil || (readerDone && state.queued == 0) { break }
                                continue
                            }
                            guard let finished = try await group.next() else { break }
                            inFlight -= 1
                            if case .unconfirmed(let error) = finished.outcome {
                                fatal = fatal ?? error
                                try state.settle(finished, report: report, rejects: rejects)
                            } else if case .fatal(let error) = finished.outcome, let update = finished.delivery.update {
                                fatal = fatal ?? error
                                state.journal(
                                    finished.delivery, .created, attempts: 0, remoteID: update.remoteID,
                                    payload: update.previousPayload)
                            } else if case .fatal(let error) = finished.outcome {
                                fatal = fatal ?? error
                                // A request that may have arrived stays `sending`: the next run looks it up first.
                                state.journal(
                                    finished.delivery, finished.mayHaveArrived ? .sending : .pending,
                                    attempts: finished.delivery.attemptsBefore)
                                state.requeue(finished.delivery)
                            } else {
                                try state.settle(finished, report: report, rejects: rejects)
                            }
                            if state.journalBacklog >= 64 { try journal.write(state.takeJournalEntries()) }
                            try rejects?.flush(inputColumns: inputColumns)
                            progress?(state.progress(read: fraction))
                        }
                    }
                } catch {
                    await batches.stop()
                    try? journal.write(state.takeJournalEntries())
                    try? rejects?.finish(inputColumns: input.reader.columns)
                    throw error
                }
                await batches.stop()
                try journal.write(state.takeJournalEntries())
            }
            let reader = input.reader
            if let fatal {
                try? rejects?.finish(inputColumns: reader.columns)
                throw fatal
            }
            guard state.totals.balances else {
                throw FerryError(
                    .output,
                    "the accounting does not balance (\(state.totals.accountingLine)); this is a bug in Ferry, please report it"
                )
            }
            try journal.finishRun(runNumber, totals: state.totals)
            try rejects?.finish(inputColumns: reader.columns)
            let conversion = MappedConversionResult(
                totals: state.totals, inputDescription: input.description, issues: state.ledger.log,
                stats: workers.stats, notes: state.ledger.notes, diagnostics: reader.diagnostics,
                seconds: monotonicSeconds() - started)
            var result = MigrationResult(conversion: conversion, journalPath: options.journalPath)
            result.requests = state.requests
            result.retries = state.retries
            result.found = state.found
            result.settledEarlier = state.settledEarlier
            result.changedSinceCreated = state.changedSinceCreated
            result.updated = state.updated
            result.existing = state.existing
            result.tokensObtained = await auth.tokensObtained
            result.slowdowns = await limiter.slowdowns
            result.paceLowered = await limiter.lowered
            result.uncertain = try journal.list(states: [.uncertain], limit: 200)
            return result
        }
    }

    /// A cheap call (or obtaining a token) before the first record, so wrong credentials or a wrong
    /// endpoint stop the run before anything is sent.
    private func checkCredentials(api: APIDescription, client: APIClient, auth: AuthSession) async throws {
        let headers = try await auth.headers()
        guard let check = api.check else { return }
        let (answer, _) = await client.sendRetrying(
            check.method, client.url(check.path), headers: headers, kind: .check, attempts: 5)
        switch answer {
        case .success:
            await auth.worked(headers)
        case .credentialsRefused(let status):
            throw FerryError(
                .network, "the API refused the credentials (\(status)) at \(check)",
                hint: "check \(api.secretVariables.joined(separator: " / ")) in the environment")
        case .retryAfter(let status, _):
            throw FerryError(
                .network, "\(client.endpoint) kept answering \(status) to \(check)",
                hint: "the API is failing; try again later")
        case .maybeStored(let why, _):
            throw FerryError(
                .network, "\(client.endpoint) kept failing at \(check): \(why)",
                hint: "the API is failing; try again later")
        case .refused(let status, _):
            throw FerryError(
                .network, "\(client.endpoint) answered \(status) to \(check)",
                hint: "give the API's base URL as --endpoint")
        case .unreachable(let why):
            throw FerryError(
                .network, "cannot reach \(client.endpoint): \(why)",
                hint: "check --endpoint, and that the API (or `ferry sandbox`) is running")
        case .redirect, .notAnAPIAnswer, .unresolvable, .fatal, .stopped:
            throw client.runError(answer, call: check.description)!
        }
    }
}

/// Which records a reading of the input sends. A target that refers people to their companies
/// reads it twice: `companies` sends only the companies (and counts nothing else), `people` the
/// rest, and accounts for every record.
enum RunPhase {
    case all, companies, people

    /// Whether this reading sends a record that is (or is not) a company others refer to.
    func sends(company: Bool) -> Bool {
        switch self {
        case .all: true
        case .companies: company
        case .people: !company
        }
    }
}

/// The migration's bookkeeping, kept by the one task that reads, dispatches and settles.
private struct RunState {
    let api: APIDescription
    let target: Profile
    let journal: Journal
    let options: MigrationOptions
    var ledger: MappingLedger
    var totals = RunTotals()
    var requests = 0
    var retries = 0
    var found = 0
    var settledEarlier = 0
    var existing = 0
    /// Records an earlier run created whose values have changed since (not sent again).
    var changedSinceCreated = 0
    var updated = 0
    private var checkedJournalMatches = false
    private var queue: [Delivery] = []
    private var head = 0
    private var entries: [Journal.Entry] = []
    private var identities: RecordIdentities
    private let identityKey: [UInt8]
    private(set) var phase = RunPhase.all
    /// In the `people` phase: the companies the target has (by the journal's key of their name), and
    /// those of the input it has not, each with its journal entry.
    var companies: (created: CreatedCompanies?, notCreated: [String: Journal.Entry]) = (nil, [:])

    init(
        api: APIDescription, source: Profile, target: Profile, journal: Journal, identityKey: [UInt8],
        options: MigrationOptions
    ) {
        self.api = api
        self.identityKey = identityKey
        identities = RecordIdentities(key: identityKey)
        self.target = target
        self.journal = journal
        self.options = options
        ledger = MappingLedger(source: source, target: target)
    }

    var queued: Int { queue.count - head }

    /// Starts a reading of the input: identities are numbered from its first record again.
    mutating func begin(_ phase: RunPhase) {
        self.phase = phase
        identities = RecordIdentities(key: identityKey)
    }

    /// How far the run is: the share of the file read, scaled by the share of read records settled.
    func progress(read fraction: Double?) -> RunProgress {
        RunProgress(
            totals: totals,
            fraction: fraction.map { totals.read == 0 ? 0 : $0 * Double(totals.settled) / Double(totals.read) })
    }
    var journalBacklog: Int { entries.count }

    mutating func dequeue() -> Delivery? {
        guard head < queue.count else { return nil }
        defer {
            head += 1
            // Dispatched deliveries hold their source record and body: drop them soon (amortized).
            if head > 64, head * 2 > queue.count { queue.removeFirst(head); head = 0 }
        }
        return queue[head]
    }

    mutating func requeue(_ delivery: Delivery) { queue.append(delivery) }

    mutating func takeJournalEntries() -> [Journal.Entry] {
        defer { entries.removeAll(keepingCapacity: true) }
        return entries
    }

    mutating func journal(
        _ delivery: Delivery, _ state: Journal.State, attempts: Int, remoteID: String? = nil,
        reason: String? = nil, status: Int? = nil, payload: String?? = nil
    ) {
        entries.append(
            Journal.Entry(
                identity: delivery.identity, number: delivery.number, line: delivery.line, state: state,
                remoteID: remoteID, reason: reason, status: status, payload: payload ?? delivery.payloadHash,
                attempts: attempts, label: delivery.label, updatedAt: Journal.now(),
                matchKeys: delivery.matchKeys))
    }

    /// Takes a mapped batch in input order and decides, record by record, what the journal says is
    /// left to do.
    mutating func take(_ batch: MigrationBatch, report: ReportCollector?, rejects: RejectsFile?) throws {
        let input = batch.mapped.input
        // Every record is numbered in both readings, so a record has one identity in both.
        let identities = batch.identities.map { self.identities.number($0) }
        // The companies' reading (whose drafts are the companies only) counts nothing else; the
        // other reading counts every record.
        if phase != .companies {
            ledger.take(batch.mapped, report: report)
            totals.read += input.count
        }
        let asked = phase == .companies ? batch.drafts.map { identities[$0.index] } : identities
        let known = try journal.entries(for: asked)
        if !checkedJournalMatches, !asked.isEmpty {
            checkedJournalMatches = true
            try checkJournalMatches(known: known, read: asked.count)
        }
        for (at, reasons) in batch.mapped.rejected where phase != .companies {
            let record = input[at]
            totals.rejected += 1
            rejects?.add(record, reasons: reasons.map(\.rejectReason))
            entries.append(
                Journal.Entry(
                    identity: identities[at], number: record.number, line: record.line, state: .rejected, remoteID: nil,
                    reason: reasons.map { $0.text(masked: true) }.joined(separator: "; "), status: nil, payload: nil,
                    attempts: 0, label: nil, updatedAt: Journal.now()))
        }
        for draft in batch.drafts {
            let record = input[draft.index]
            let identity = identities[draft.index]
            let payloadHash = draft.payloadHash
            var source = RecordBatch()
            source.beginRecord()
            source.appendFields(of: record)
            source.endRecord(number: record.number, line: record.line)
            var delivery = Delivery(
                identity: identity, number: record.number, line: record.line, source: source, body: draft.body,
                payloadHash: payloadHash, label: draft.label, lookups: draft.lookups,
                fallbackLookups: draft.fallbackLookups, match: draft.match, matchKeys: draft.matchKeys)
            if let earlier = known[identity] {
                delivery.attemptsBefore = earlier.attempts
                switch earlier.state {
                case .created
                where options.update && api.update != nil && earlier.remoteID != nil
                    && earlier.payload != nil && earlier.payload != payloadHash:
                    // Changed since it was created: its customer is updated. The journal keeps it
                    // `created` meanwhile, so nothing can ever create it twice.
                    delivery.update = (earlier.remoteID!, earlier.payload)
                    delivery.attemptsBefore = 0
                    queue.append(delivery)
                    continue
                case .created, .existing:
                    totals.skipped += 1
                    settledEarlier += 1
                    if earlier.payload != nil, earlier.payload != payloadHash {
                        changedSinceCreated += 1
                        ledger.add(
                            RecordIssue(
                                record: record.number, line: record.line, column: nil, field: nil, value: nil,
                                message: "not sent again: changed since an earlier run created it", detail: nil,
                                action: .skipped))
                    } else {
                        ledger.add(
                            RecordIssue(
                                record: record.number, line: record.line, column: nil, field: nil, value: nil,
                                message: "not sent: an earlier run settled it", detail: nil, action: .skipped))
                    }
                    continue
                case .rejected where earlier.status != nil && earlier.payload == payloadHash:
                    // The API refused this very payload before; it would again.
                    totals.rejected += 1
                    rejects?.add(record, reasons: [earlier.reason ?? "refused by the API"])
                    ledger.add(
                        RecordIssue(
                            record: record.number, line: record.line, column: nil, field: nil, value: nil,
                            message: "refused by the API in an earlier run", detail: nil, action: .rejected))
                    continue
                case .uncertain, .sending:
                    if !api.canLookUp && !options.retryUncertain {
                        totals.uncertain += 1
                        ledger.add(
                            RecordIssue(
                                record: record.number, line: record.line, column: nil, field: nil, value: nil,
                                message:
                                    "uncertain since an earlier run: check the target, then use --retry-uncertain if it is not there",
                                detail: earlier.reason, action: .uncertain))
                        entries.append(
                            Journal.Entry(
                                identity: identity, number: record.number, line: record.line, state: .uncertain,
                                remoteID: nil, reason: earlier.reason ?? "its answer was lost in an earlier run",
                                status: nil, payload: earlier.payload, attempts: earlier.attempts,
                                label: draft.label, updatedAt: Journal.now()))
                        continue
                    }
                    delivery.settleFirst = true
                case .pending, .failed, .rejected:
                    break
                }
            }
            if let company = draft.companyTag, phase == .people, companies.created?.contains(tag: company) != true {
                if let waiting = companies.notCreated[company] {
                    holdBack(delivery, record: record, company: waiting, report: report, rejects: rejects)
                    continue
                }
                let issue = RecordIssue(
                    record: record.number, line: record.line, column: nil, field: .companyName, value: nil,
                    message:
                        "its company is not among the companies this migration created: sent with the company's name only",
                    detail: nil, action: .noted)
                ledger.add(issue)
                report?.observeOutcome(issue)
            }
            journal(delivery, .pending, attempts: delivery.attemptsBefore)
            queue.append(delivery)
        }
    }

    /// A person whose company is in the input but not in the target (refused, uncertain, not sent
    /// yet) is not sent without it: counted as rejected, and journaled `failed`, so the run after
    /// the company is settled sends it.
    private mutating func holdBack(
        _ delivery: Delivery, record: RecordView, company: Journal.Entry, report: ReportCollector?,
        rejects: RejectsFile?
    ) {
        let why =
            "not sent: its company (record \(company.number)\(company.label.map { ", " + $0 } ?? "")) is \(company.state.rawValue) in the target, not created; settle that record, then run again"
        totals.rejected += 1
        rejects?.add(record, reasons: [why])
        let issue = RecordIssue(
            record: record.number, line: record.line, column: nil, field: .companyName, value: nil,
            message: "not sent: its company was not created; settle the company's record, then run again",
            detail: why, action: .rejected)
        ledger.add(issue)
        report?.observeOutcome(issue)
        journal(delivery, .failed, attempts: delivery.attemptsBefore, reason: why)
    }

    /// A journal that has settled records but knows none of the first batch's belongs to another
    /// input (or identities made another way): going on would send everything again.
    private func checkJournalMatches(known: [String: Journal.Entry], read: Int) throws {
        guard known.isEmpty, read > 0 else { return }
        let settled = try journal.settledCount()
        guard settled > 0 else { return }
        throw FerryError(
            .usage,
            "the journal \(journal.path) has \(settled) records settled, and none of the first \(read) records of this input is among them",
            hint:
                "this journal is another input's: name the right one with --journal, or a new one to start a migration of this input"
        )
    }

    /// Records what came of one delivery.
    mutating func settle(_ finished: DeliveryReport, report: ReportCollector?, rejects: RejectsFile?) throws {
        let delivery = finished.delivery
        requests += finished.requests
        retries += finished.retries
        let record = delivery.source[0]
        func issue(_ message: String, column: String? = nil, detail: String? = nil, _ action: RecordIssue.Action) {
            let field = column.flatMap { name in
                target.rules.first { !$0.readOnly && $0.columns.contains(name) }?.fields.first
            }
            let issue = RecordIssue(
                record: delivery.number, line: delivery.line, column: column, field: field, value: nil,
                message: message, detail: detail, action: action)
            ledger.add(issue)
            report?.observeOutcome(issue)
        }
        if let update = delivery.update {
            switch finished.outcome {
            case .created:
                totals.written += 1
                updated += 1
                issue("updated in the target: changed since an earlier run created it", .noted)
                journal(delivery, .created, attempts: 0, remoteID: update.remoteID, reason: "updated after it changed")
            default:
                // The customer stays as it was, and the journal keeps it created with its old values,
                // so the next `--update` run tries again.
                let why: String
                switch finished.outcome {
                case .rejected(let status, let messages):
                    why =
                        messages.map { ($0.field.map { "\($0): " } ?? "") + $0.message }.joined(separator: "; ")
                        + " (the API answered \(status))"
                case .failed(let text), .uncertain(let text): why = text
                default: why = "not updated"
                }
                totals.rejected += 1
                rejects?.add(record, reasons: ["update refused: " + why])
                issue("not updated: \(why)", .rejected)
                journal(
                    delivery, .created, attempts: 0, remoteID: update.remoteID,
                    reason: "its update was refused: " + why, payload: update.previousPayload)
            }
            return
        }
        switch finished.outcome {
        case .created(let id, let wasFound):
            totals.written += 1
            if wasFound {
                found += 1
                issue("created, its lost answer settled by finding it in the target", .noted)
            }
            for moved in finished.moved {
                issue(
                    "refused by the API (\(moved.message)); created without it, the value kept as text in `\(moved.fallback)`",
                    column: moved.column, .kept)
            }
            let reasons =
                (wasFound ? ["found in the target after its answer was lost"] : [])
                + finished.moved.map { "its \($0.column) was refused (\($0.message)): kept in \($0.fallback)" }
            journal(
                delivery, .created, attempts: finished.attempts, remoteID: id,
                reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
        case .existing(let id, let filter):
            totals.skipped += 1
            existing += 1
            issue("not sent: already in the target (found by \(filter))", .skipped)
            journal(
                delivery, .existing, attempts: finished.attempts, remoteID: id,
                reason: "already in the target (found by \(filter))")
        case .rejected(let status, let messages):
            totals.rejected += 1
            let reasons = messages.map {
                ($0.field.map { "\($0): " } ?? "") + $0.message + " (the API answered \(status))"
            }
            rejects?.add(record, reasons: reasons)
            for message in messages {
                issue("refused by the API: \(message.message)", column: message.field, .rejected)
            }
            journal(
                delivery, .rejected, attempts: finished.attempts, reason: reasons.joined(separator: "; "),
                status: status)
        case .uncertain(let why):
            totals.uncertain += 1
            issue("uncertain: the API may or may not have created it", detail: why, .uncertain)
            journal(delivery, .uncertain, attempts: finished.attempts, reason: why)
        case .failed(let why):
            totals.rejected += 1
            rejects?.add(record, reasons: ["not sent: \(why)"])
            issue("not sent: the API kept failing before handling it; run again to retry", detail: why, .rejected)
            journal(delivery, .failed, attempts: finished.attempts, reason: why)
        case .unconfirmed(let error):
            totals.uncertain += 1
            let why = "sent, and \(error.message)"
            issue("uncertain: the API answered without confirming it", detail: why, .uncertain)
            journal(delivery, .uncertain, attempts: finished.attempts, reason: why)
        case .fatal:
            break
        }
    }
}

/// A batch mapped by a worker, with what each record needs on its way: its identity (numbered in
/// input order by the taker), and for each accepted record a draft of its delivery.
struct MigrationBatch: @unchecked Sendable {
    var mapped: MappedBatch
    var identities: [RecordIdentities.Unnumbered]
    /// One per accepted record, in output order.
    var drafts: [Draft]

    struct Draft {
        /// The record's index in the batch's input.
        var index: Int
        var label: String?
        /// The create call's JSON body, and its hash.
        var body: [UInt8]
        var payloadHash: String
        var lookups: [(filter: String, value: String)]
        var fallbackLookups: [(filter: String, value: String)]
        var match: [(column: String, value: String?)]
        var matchKeys: String?
        /// For a target that refers people to their companies: the journal's key of the company's
        /// name (a company's own, a person's company's).
        var companyTag: String?
    }
}

/// What the mapping workers add to a batch for `migrate` (`MigrationBatch`): made on every core, so
/// sending waits for no mapping.
struct DeliveryDrafts: Sendable {
    private let identityFields: [CustomerField]
    private let identities: RecordIdentities.Maker
    private let keyPrefixes: JSONKeys
    private let lookupColumns: [(filter: String, column: Int)]
    private let fallbackColumns: [(filter: String, column: Int)]
    private let matchColumns: [(name: String, column: Int?)]
    private let phase: RunPhase
    /// A migration that reads the input twice refers people to their companies.
    private var refersToCompanies: Bool { phase != .all }

    /// Drafts for the records `phase`'s reading sends.
    init(api: APIDescription, target: Profile, identityKey: [UInt8], phase: RunPhase) {
        self.phase = phase
        identityFields = api.identity.compactMap(CustomerField.init(rawValue:))
        identities = RecordIdentities.Maker(key: identityKey)
        keyPrefixes = JSONKeys(target.writtenColumns)
        lookupColumns = api.lookup.compactMap { entry in target.columnIndex[entry.column].map { (entry.filter, $0) } }
        fallbackColumns = api.lookupFallback.compactMap { entry in
            target.columnIndex[entry.column].map { (entry.filter, $0) }
        }
        matchColumns = api.match.map { ($0, target.columnIndex[$0]) }
    }

    /// Maps `job` on `worker` and drafts its deliveries. Each record's identity: the first of the
    /// mapping's `identity` fields it has (a code, a tax id, an e-mail...), so corrections and new
    /// columns keep it; records with none of them, and records Ferry refuses, by their content.
    func make(_ worker: Int, _ job: ReadBatch, on workers: MappingWorkers) -> MigrationBatch {
        // Every accepted record's identity key; what a delivery needs, for those this reading sends.
        var accepted: [(index: Int, key: String?, sent: (label: String?, matchKeys: String?, companyTag: String?)?)] =
            []
        let mapped = workers.map(worker, job) { at, customerOf in
            let customer = customerOf()
            let key = identityFields.lazy.compactMap { field in
                customer[field].map { field.rawValue + "=" + $0.description }
            }.first
            let isCompany = refersToCompanies && customer.kind == .company
            guard phase.sends(company: isCompany) else {
                accepted.append((at, key, nil))
                return
            }
            var matchKeys = MatchKeys.of(customer, maker: self.identities)
            let companyTag =
                refersToCompanies
                ? customer.companyName.flatMap {
                    $0.isEmpty ? nil : CreatedCompanies.tag(of: $0, maker: self.identities)
                }
                : nil
            // The journal finds a created company by its name's key.
            if isCompany, let companyTag {
                matchKeys = [matchKeys, "company:" + companyTag].compactMap { $0 }.joined(separator: " ")
            }
            accepted.append((at, key, (DeliveryDrafts.label(customer), matchKeys, companyTag)))
        }
        let input = mapped.input
        var identities: [RecordIdentities.Unnumbered] = []
        identities.reserveCapacity(input.count)
        var acceptedAt = 0
        for index in 0..<input.count {
            var key: String?
            if acceptedAt < accepted.count, accepted[acceptedAt].index == index {
                key = accepted[acceptedAt].key
                acceptedAt += 1
            }
            identities.append(
                key.map(self.identities.unnumbered(key:))
                    ?? self.identities.unnumbered(of: input[index], columns: mapped.columns))
        }
        let output = mapped.output
        var drafts: [MigrationBatch.Draft] = []
        drafts.reserveCapacity(accepted.count)
        output.bytes.withUnsafeBytes { bytes in
            for (k, entry) in accepted.enumerated() {
                guard let sent = entry.sent else { continue }
                var body: [UInt8] = []
                keyPrefixes.withBuffers { keys in
                    output.fields.withUnsafeBufferPointer { fields in
                        JSONWriter.appendObject(output.records[k], bytes: bytes, fields: fields, keys: keys, to: &body)
                    }
                }
                let written = output[k]
                drafts.append(
                    MigrationBatch.Draft(
                        index: entry.index, label: sent.label, body: body,
                        payloadHash: RecordIdentities.hex(fnv1a(body, seed: 7)),
                        lookups: values(of: lookupColumns, in: written),
                        fallbackLookups: values(of: fallbackColumns, in: written),
                        match: matchColumns.map { ($0.name, $0.column.flatMap { written.string(column: $0) }) },
                        matchKeys: sent.matchKeys, companyTag: sent.companyTag))
            }
        }
        return MigrationBatch(mapped: mapped, identities: identities, drafts: drafts)
    }

    /// The filters whose column the written record fills, each with its value.
    private func values(of filters: [(filter: String, column: Int)], in written: RecordView) -> [(
        filter: String, value: String
    )] {
        filters.compactMap { lookup in
            written.string(column: lookup.column).flatMap { $0.isEmpty ? nil : (lookup.filter, $0) }
        }
    }

    /// Masked name and e-mail, so a person can find the record without the journal holding personal data.
    static func label(_ customer: Customer) -> String? {
        let name = [customer.givenName, customer.familyName1, customer.familyName2].compactMap { $0 }.joined(
            separator: " ")
        let parts = [
            name.isEmpty
                ? customer.companyName.map { PIIMask.mask($0, field: .companyName) }
                : PIIMask.mask(name, field: .givenName),
            customer.email.map { PIIMask.mask($0, field: .email) },
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}

/// A stable identity for each source record. A record with one of the mapping's `identity` fields
/// (`api.identity`: a code, a tax id, an e-mail, a mobile) is known by the first it has, so fixing a
/// typo elsewhere, adding, removing or reordering columns, or exporting the same data again keeps
/// it. Any other record is known by a 128-bit hash of its column names and values, summed
/// field by field so neither the order of the rows nor that of the columns changes it, and for
/// identical records the occurrence (`#2`), so the same file read again gives the same identities.
/// What the journal stores is that hash keyed with the journal's secret key (HMAC-SHA256, cut to 128
/// bits): without the key file nobody can tell from the journal whether it holds a given person.
struct RecordIdentities {
    /// An identity before it is numbered: the keyed hash of a record's identifying value or content,
    /// and what its repeats are counted by. Made on any thread; numbered in input order.
    struct Unnumbered: Sendable {
        var keyed: String
        var occurrenceKey: UInt64
    }

    /// Makes unnumbered identities with the journal's secret key.
    struct Maker: Sendable {
        private let key: SymmetricKey

        init(key: [UInt8]) { self.key = SymmetricKey(data: key) }

        /// A record known by an identifying value (`taxId=12345678Z`).
        func unnumbered(key value: String) -> Unnumbered {
            let text = "identity\u{1F}" + value
            return Unnumbered(keyed: keyed(Array(text.utf8)), occurrenceKey: fnv1a(text.utf8, seed: 0x2545_F491))
        }

        /// A record known by its content: its column names and values, in any order.
        func unnumbered(of record: RecordView, columns: [String]) -> Unnumbered {
            var a: UInt64 = 0, b: UInt64 = 0
            for field in record.fields where field.hasValue {
                let name = columns[Int(field.column)].utf8
                var fieldA = fnv1a(name, seed: 0x5f37_59df)
                var fieldB = fnv1a(name, seed: 0x9e37_79b9)
                fieldA = fnv1a(CollectionOfOne(0x1F), seed: 0, continuing: fieldA)
                fieldB = fnv1a(CollectionOfOne(0x1F), seed: 0, continuing: fieldB)
                record.batch.withValue(field) { value in
                    fieldA = fnv1a(value, seed: 0, continuing: fieldA)
                    fieldB = fnv1a(value, seed: 0, continuing: fieldB)
                }
                a &+= fieldA
                b &+= fieldB
            }
            return Unnumbered(
                keyed: keyed(withUnsafeBytes(of: (a.littleEndian, b.littleEndian)) { Array($0) }),
                occurrenceKey: a ^ (b &* 0x9E37_79B9_7F4A_7C15))
        }

        /// A short keyed hash (64 bits in hex) of `text`, for the journal's match keys.
        func tag(_ text: String) -> String {
            let code = Array(HMAC<SHA256>.authenticationCode(for: Array(("match\u{1F}" + text).utf8), using: key))
            return RecordIdentities.hex(code[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }

        /// The first 128 bits of the HMAC of `content`, as two big-endian words in hex.
        private func keyed(_ content: [UInt8]) -> String {
            let code = Array(HMAC<SHA256>.authenticationCode(for: content, using: key))
            let high = code[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = code[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return RecordIdentities.hex(high) + RecordIdentities.hex(low)
        }
    }

    private let maker: Maker
    private var seen: [UInt64: Int] = [:]

    init(key: [UInt8]) { maker = Maker(key: key) }

    /// The identity in input order: `#n` added for the n-th occurrence after the first.
    mutating func number(_ identity: Unnumbered) -> String {
        let occurrence = seen[identity.occurrenceKey, default: 0]
        seen[identity.occurrenceKey] = occurrence + 1
        return identity.keyed + (occurrence > 0 ? "#\(occurrence + 1)" : "")
    }

    mutating func identity(of record: RecordView, columns: [String]) -> String {
        number(maker.unnumbered(of: record, columns: columns))
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
