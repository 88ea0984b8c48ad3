import Foundation
import NIOConcurrencyHelpers

/// One record on its way to the API.
struct Delivery: Sendable {
    var identity: String
    var number: Int
    var line: Int
    /// The source record as read, for the rejects file.
    var source: RecordBatch
    /// The JSON body of the create call.
    var body: [UInt8]
    var payloadHash: String
    var label: String?
    /// Identifying list filters with this record's values (mobile, e-mail, tax id).
    var lookups: [(filter: String, value: String)]
    /// Filters to try when it has none of those (a name).
    var fallbackLookups: [(filter: String, value: String)]
    /// The `match` columns with this record's values.
    var match: [(column: String, value: String?)]
    /// Keyed hashes that find it in the target's own export (`MatchKeys`), for `journal reconcile`.
    var matchKeys: String?
    /// The filters that can settle a lost answer: the identifying ones, else the fallbacks.
    var settlingFilters: [(filter: String, value: String)] { lookups.isEmpty ? fallbackLookups : lookups }
    /// An earlier request may have created it: look it up before sending.
    var settleFirst = false
    var attemptsBefore = 0
    /// Set for a record an earlier run created and whose values changed since (`--update`): its
    /// customer's id in the target, and the payload hash the journal holds for it. An update
    /// never creates anything, so it is safe to send again after a lost answer.
    var update: (remoteID: String, previousPayload: String?)?
}

/// How a delivery ended.
enum DeliveryOutcome: Sendable {
    /// Created; `found` when a lost answer was settled by finding the customer.
    case created(remoteID: String?, found: Bool)
    /// Already in the target before this record was sent (`--skip-existing`).
    case existing(remoteID: String, by: String)
    /// The API refused it.
    case rejected(status: Int, messages: [ServerMessage])
    /// The API may or may not have created it.
    case uncertain(String)
    /// Never processed: the API kept failing before handling it. Safe to send in a later run.
    case failed(String)
    /// The run cannot go on (credentials refused): nothing more is sent.
    case fatal(FerryError)
    /// The API answered in a way that cannot confirm a create (no id, not JSON): the record is
    /// uncertain, and the run stops.
    case unconfirmed(FerryError)
}

/// A message of an error answer, with the field it is about when the API says.
struct ServerMessage: Sendable, Equatable {
    var field: String?
    var message: String
}

/// A delivery's outcome and what it cost.
struct DeliveryReport: Sendable {
    var delivery: Delivery
    var outcome: DeliveryOutcome
    var attempts: Int
    var requests = 0
    var retries = 0
    /// Whether a request for it may have reached the API: a run that stops then leaves it `sending`,
    /// so the next run looks it up before sending it again.
    var mayHaveArrived = false
    /// Values the API refused and the record was created without, each kept in its fallback column
    /// (`fallback_column:` with `on_clash: fallback`), with the API's message.
    var moved: [(column: String, fallback: String, message: String)] = []
}

/// Sends records to one API, each until it is created, refused, or its fate cannot be known:
/// retries with backoff what the server surely did not process, looks up (where the API can) what
/// it may have, and never resends a possibly created record blindly.
final class RecordSender: Sendable {
    let api: APIDescription
    let client: APIClient
    let auth: AuthSession
    let limiter: RateLimiter
    let maxAttempts: Int
    let recordDeadline: Double
    let skipExisting: Bool
    let resendUncertain: Bool
    /// Columns whose value alone may make the API refuse a create, each with the column that keeps
    /// it when the record is sent again without it (`Profile.clashFallbacks`).
    let clashFallbacks: [(column: String, fallback: String)]
    /// Remote ids found by this run, so one customer found is never claimed by two records; the
    /// journal answers for earlier runs.
    let claimed = NIOLockedValueBox(Set<String>())
    let journal: Journal

    init(
        api: APIDescription, client: APIClient, auth: AuthSession, limiter: RateLimiter, maxAttempts: Int,
        recordDeadline: Double,
        skipExisting: Bool, resendUncertain: Bool, clashFallbacks: [(column: String, fallback: String)] = [],
        journal: Journal
    ) {
        self.api = api
        self.client = client
        self.auth = auth
        self.limiter = limiter
        self.maxAttempts = maxAttempts
        self.recordDeadline = recordDeadline
        self.skipExisting = skipExisting
        self.resendUncertain = resendUncertain
        self.clashFallbacks = clashFallbacks
        self.journal = journal
        createURL = client.url(api.create.path)
    }

    private let createURL: URL

    func deliver(_ delivery: Delivery) async -> DeliveryReport {
        var report = DeliveryReport(delivery: delivery, outcome: .failed("not sent"), attempts: delivery.attemptsBefore)
        report.outcome = await deliver(delivery, report: &report)
        return report
    }

    /// Sends the changed values of a created customer with the update call (`api.update`), again
    /// after a backoff for whatever may not have arrived: a repeated update changes nothing more.
    private func deliverUpdate(_ delivery: Delivery, remoteID: String, report: inout DeliveryReport) async
        -> DeliveryOutcome
    {
        guard let update = api.update else { return .failed("the target has no update call") }
        let url = client.url(
            update.path.replacingOccurrences(
                of: "{id}", with: remoteID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? remoteID))
        var backoff = Backoff()
        var lastProblem = ""
        var retryAfter: String?
        let stopped = RecordSender.stopped
        while report.attempts < maxAttempts {
            if client.stop?.isRequested == true { return stopped }
            if report.attempts > 0 {
                report.retries += 1
                guard await client.pause(backoff.next(retryAfter: retryAfter)) else { return stopped }
                retryAfter = nil
            }
            report.attempts += 1
            await limiter.acquire()
            let headers: [(String, String)]
            do { headers = try await auth.headers() } catch { return .fatal(error) }
            report.requests += 1
            let answer = client.classify(
                await client.send(update.method, url, headers: headers, body: delivery.body, kind: .create))
            switch answer {
            case .success:
                await limiter.succeeded()
                await auth.worked(headers)
                return .created(remoteID: remoteID, found: false)
            case .refused(404, _):
                return .rejected(
                    status: 404,
                    messages: [
                        ServerMessage(
                            field: nil,
                            message: "the customer \(remoteID) an earlier run created is no longer in the target")
                    ])
            case .refused(let status, let body):
                return .rejected(status: status, messages: messages(body))
            case .credentialsRefused(let status):
                if let stop = await renewToken(after: status, headers) { return stop }
                lastProblem = "the token was refused"
            case .retryAfter(let status, let after):
                if status == 429 { await limiter.slowDown(retryAfter: after.flatMap(Double.init)) }
                lastProblem = "the API answered \(status)"
                retryAfter = after
            case .maybeStored(let why, _), .unreachable(let why):
                if case .unreachable = answer, client.outage == .tooLong { return .fatal(client.outageError(why)) }
                lastProblem = why
            case .stopped:
                return stopped
            case .notAnAPIAnswer, .redirect, .unresolvable, .fatal:
                return .fatal(client.runError(answer, call: update.description)!)
            }
        }
        return .failed(
            "the update kept failing (\(lastProblem)), still after \(maxAttempts) attempts; run again with --update to retry it"
        )
    }

    private func deliver(_ delivery: Delivery, report: inout DeliveryReport) async -> DeliveryOutcome {
        if let update = delivery.update {
            return await deliverUpdate(delivery, remoteID: update.remoteID, report: &report)
        }
        let deadline = monotonicSeconds() + recordDeadline
        var backoff = Backoff()
        var mayExist = delivery.settleFirst
        var lostBecause =
            delivery.settleFirst ? "an earlier run stopped after sending it, before its answer was recorded" : ""
        defer { report.mayHaveArrived = mayExist }
        var lastProblem = ""
        /// Set when the last request may have created the record: its 4xx is then checked against the target.
        var resentAfterLoss = false
        /// A request that timed out may still be processed: its lookup waits until then.
        var settledAfter = 0.0
        /// Waits before the next attempt; false when the run was asked to stop meanwhile.
        func pause(_ retryAfter: String? = nil) async -> Bool {
            report.retries += 1
            let seconds = backoff.next(retryAfter: retryAfter)
            return await client.pause(min(seconds, deadline - monotonicSeconds()))
        }
        let stopped = RecordSender.stopped
        var sent = delivery.body

        if skipExisting, !delivery.lookups.isEmpty {
            switch await find(delivery, filters: delivery.lookups, wholeRecord: false, report: &report) {
            case .found(let id, let filter): return .existing(remoteID: id, by: filter)
            case .notFound: break
            case .unknown(let why): return .failed("it could not be looked up before creating it (\(why))")
            case .fatal(let error): return .fatal(error)
            }
        }
        while true {
            if mayExist {
                if api.canLookUp {
                    let wait = settledAfter - monotonicSeconds()
                    if wait > 0, !(await client.pause(min(wait, deadline - monotonicSeconds()))) { return stopped }
                    let filters = delivery.settlingFilters
                    guard !filters.isEmpty else {
                        return .uncertain(
                            "\(lostBecause), and it has none of the values the API can be searched by; look for it in the target by name"
                        )
                    }
                    switch await find(delivery, filters: filters, wholeRecord: true, report: &report) {
                    case .found(let id, _): return .created(remoteID: id, found: true)
                    case .notFound:
                        mayExist = false
                        resentAfterLoss = true
                    case .unknown(let why):
                        return .uncertain(
                            "\(lostBecause), and looking it up failed (\(why)); check the target before sending it again"
                        )
                    case .fatal(let error): return .fatal(error)
                    }
                } else if !resendUncertain {
                    return .uncertain("\(lostBecause); the API cannot be asked whether it exists")
                }
            }
            if report.attempts >= maxAttempts || monotonicSeconds() >= deadline {
                let limit = report.attempts >= maxAttempts ? "\(maxAttempts) attempts" : "\(Int(recordDeadline)) s"
                return mayExist
                    ? .uncertain("\(lostBecause); gave up after \(limit)")
                    : .failed("\(lastProblem), still after \(limit); run again to retry it")
            }
            if client.stop?.isRequested == true { return stopped }
            report.attempts += 1
            await limiter.acquire()
            if client.stop?.isRequested == true { return stopped }
            let headers: [(String, String)]
            do { headers = try await auth.headers() } catch { return .fatal(error) }
            report.requests += 1
            let answer = client.classify(
                await client.send(api.create.method, createURL, headers: headers, body: sent, kind: .create))
            switch answer {
            case .success(let body):
                await limiter.succeeded()
                await auth.worked(headers)
                // Counted as created only with the id the mapping says the answer holds.
                guard let id = body.value.value(at: api.createdID)?.scalarText, !id.isEmpty else {
                    mayExist = true
                    return .unconfirmed(
                        FerryError(
                            .network,
                            "\(api.create) answered with success but without `\(api.createdID.joined(separator: "."))`, so no customer can be counted as created: \(APIClient.excerpt(body.bytes))",
                            hint:
                                "check --endpoint and `created_id` in the target mapping; records sent so are uncertain in the journal"
                        ))
                }
                return .created(remoteID: id, found: false)
            case .notAnAPIAnswer:
                mayExist = true
                return .unconfirmed(client.runError(answer, call: api.create.description)!)
            case .credentialsRefused(let status):
                if let stop = await renewToken(after: status, headers) { return stop }
                lastProblem = "the token was refused"
            case .retryAfter(let status, let retryAfter):
                if status == 429 {
                    await limiter.slowDown(retryAfter: retryAfter.flatMap(Double.init))
                    lastProblem = "the API answered 429 (too many requests)"
                } else {
                    lastProblem = "the API answered \(status)"
                }
                if !(await pause(retryAfter)) { return stopped }
            case .maybeStored(let why, let timedOut):
                mayExist = true
                lostBecause = "sent, and \(why)"
                lastProblem = "the answer was lost (\(why))"
                if timedOut { settledAfter = monotonicSeconds() + client.timeout }
                if !(await pause()) { return stopped }
            case .refused(let status, let body):
                let messages = messages(body)
                if resentAfterLoss, api.canLookUp {
                    // The lost request may have landed after the lookup (a `code` that now clashes says
                    // so): look once more before calling it refused.
                    if case .found(let id, _) = await find(
                        delivery, filters: delivery.settlingFilters, wholeRecord: true, report: &report)
                    {
                        return .created(remoteID: id, found: true)
                    }
                }
                if let (moved, without) = withoutRefusedValues(sent, messages: messages) {
                    // Surely not created (its value was refused): sent again at once.
                    sent = without
                    report.moved += moved
                    lastProblem = "its \(moved.map(\.column).joined(separator: ", ")) was refused"
                    continue
                }
                return .rejected(status: status, messages: messages)
            case .unreachable(let why):
                lastProblem = why
                switch client.outage {
                case .brief: report.attempts -= 1  // the endpoint is down and saw nothing: no attempt, only time
                case .tooLong: return .fatal(client.outageError(why))
                case .none: break
                }
                if !(await pause()) { return stopped }
            case .stopped(let arrived):
                if arrived {
                    mayExist = true
                    lostBecause = "sent, and the run was stopped before its answer came"
                }
                return stopped
            case .redirect, .unresolvable, .fatal:
                return .fatal(client.runError(answer, call: api.create.description)!)
            }
        }
    }

    /// The body without the refused values, each moved as text to its fallback column, when every
    /// message of a refusal is about a column with `on_clash: fallback` that the body holds and
    /// whose fallback column it leaves free (or holds the same text in); nil otherwise.
    func withoutRefusedValues(_ body: [UInt8], messages: [ServerMessage]) -> (
        moved: [(column: String, fallback: String, message: String)], body: [UInt8]
    )? {
        guard !clashFallbacks.isEmpty, !messages.isEmpty,
            var members = JSONText.objectMembers(String(decoding: body, as: UTF8.self))
        else { return nil }
        var moved: [(column: String, fallback: String, message: String)] = []
        for message in messages {
            guard let column = message.field, let rule = clashFallbacks.first(where: { $0.column == column }) else {
                return nil
            }
            if let earlier = moved.firstIndex(where: { $0.column == column }) {
                moved[earlier].message += "; " + message.message
                continue
            }
            guard let at = members.firstIndex(where: { $0.key == column }) else { return nil }
            let value = members[at]
            let text = value.kind == .json || value.kind == .null ? nil : value.value
            guard let text, !text.isEmpty else { return nil }
            if let taken = members.firstIndex(where: { $0.key == rule.fallback }) {
                guard members[taken].value == text else { return nil }
            } else {
                members.append((rule.fallback, text, .string))
            }
            members.remove(at: at)
            moved.append((column, rule.fallback, message.message))
        }
        return (moved, Array(JSONText.object(members).utf8))
    }

    private var isTokenAuth: Bool { if case .bearer = api.auth { true } else { false } }

    /// What a delivery ends with when the run is asked to stop.
    private static let stopped = DeliveryOutcome.fatal(FerryError(.stopped, "stopped on request"))

    /// The messages of a refusal, each on its field when the API says.
    private func messages(_ body: [UInt8]) -> [ServerMessage] {
        serverMessages(body, style: api.errors).map { ServerMessage(field: $0.field, message: $0.message) }
    }

    /// After a 401 or 403: nil when a renewed token makes the request worth sending again, else
    /// what stops the run (a wrong key, a token refused as soon as it was given).
    private func renewToken(after status: Int, _ headers: [(String, String)]) async -> DeliveryOutcome? {
        do {
            guard status == 401, isTokenAuth, try await auth.refused(headers) else {
                return .fatal(auth.refusedCredentials(status))
            }
            return nil
        } catch { return .fatal(error) }
    }

    private enum Search {
        case found(String, filter: String)
        case notFound
        case unknown(String)
        case fatal(FerryError)
    }

    /// Looks the record up with the first filter it has a value for. With `wholeRecord`, a customer
    /// counts only when every `match` column agrees (settling a lost answer); without, when the
    /// searched value itself agrees (`--skip-existing`). A customer another record claimed is passed over.
    private func find(
        _ delivery: Delivery, filters: [(filter: String, value: String)], wholeRecord: Bool,
        report: inout DeliveryReport
    ) async -> Search {
        guard api.list != nil, let (filter, value) = filters.first else { return .notFound }
        let searched =
            api.lookup.first { $0.filter == filter }?.column ?? api.lookupFallback.first { $0.filter == filter }?.column
        var pages = Paginator(
            client: client, auth: auth, api: api, query: [(filter, value)], kind: .lookup, attempts: 6, pace: limiter)
        defer {
            report.requests += pages.requests
            report.retries += max(0, pages.requests - pages.pages)
        }
        do {
            while pages.pages < 20, let page = try await pages.nextPage() {
                for customer in page.results where customer.isObject {
                    guard
                        let id = customer.value(at: api.createdID.count == 1 ? api.createdID : ["id"])?.scalarText
                    else { continue }
                    let agrees: Bool
                    if wholeRecord {
                        agrees = delivery.match.allSatisfy { same($0.value, customer[$0.column]?.scalarText) }
                    } else {
                        agrees = searched.map { same(value, customer[$0]?.scalarText) } ?? false
                    }
                    if agrees, !journal.isTaken(remoteID: id, byOtherThan: delivery.identity),
                        claimed.withLockedValue({ $0.insert(id).inserted })
                    {
                        return .found(id, filter: filter)
                    }
                }
            }
        } catch {
            switch error {
            case .runStops(let error): return .fatal(error)
            case .pageFailed(let why): return .unknown(why)
            }
        }
        return .notFound
    }

    /// Values agree when equal after trimming and ignoring case; absent and empty agree.
    private func same(_ a: String?, _ b: String?) -> Bool {
        func normal(_ text: String?) -> String { (text ?? "").trimmingCharacters(in: .whitespaces).lowercased() }
        return normal(a) == normal(b)
    }
}
