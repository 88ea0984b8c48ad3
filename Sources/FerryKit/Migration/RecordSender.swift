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
    /// The filters that can settle a lost answer: the identifying ones, else the fallbacks.
    var settlingFilters: [(filter: String, value: String)] { lookups.isEmpty ? fallbackLookups : lookups }
    /// An earlier request may have created it: look it up before sending.
    var settleFirst = false
    var attemptsBefore = 0
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
    /// Remote ids found by this run, so one customer found is never claimed by two records; the
    /// journal answers for earlier runs.
    let claimed = NIOLockedValueBox(Set<String>())
    let journal: Journal

    init(api: APIDescription, client: APIClient, auth: AuthSession, limiter: RateLimiter, maxAttempts: Int, recordDeadline: Double,
         skipExisting: Bool, resendUncertain: Bool, journal: Journal) {
        self.api = api
        self.client = client
        self.auth = auth
        self.limiter = limiter
        self.maxAttempts = maxAttempts
        self.recordDeadline = recordDeadline
        self.skipExisting = skipExisting
        self.resendUncertain = resendUncertain
        self.journal = journal
    }

    func deliver(_ delivery: Delivery) async -> DeliveryReport {
        var report = DeliveryReport(delivery: delivery, outcome: .failed("not sent"), attempts: delivery.attemptsBefore)
        report.outcome = await deliver(delivery, report: &report)
        return report
    }

    private func deliver(_ delivery: Delivery, report: inout DeliveryReport) async -> DeliveryOutcome {
        let deadline = monotonicSeconds() + recordDeadline
        var backoff = Backoff()
        var mayExist = delivery.settleFirst
        var lostBecause = delivery.settleFirst ? "an earlier run stopped after sending it, before its answer was recorded" : ""
        defer { report.mayHaveArrived = mayExist }
        var lastProblem = ""
        /// Set when the last request may have created the record: its 4xx is then checked against the target.
        var resentAfterLoss = false
        /// A request that timed out may still be processed: its lookup waits until then.
        var settledAfter = 0.0
        func pause(_ retryAfter: String? = nil) async {
            report.retries += 1
            let seconds = backoff.next(retryAfter: retryAfter)
            try? await Task.sleep(nanoseconds: UInt64(max(0, min(seconds, deadline - monotonicSeconds())) * 1e9))
        }

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
                    if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(min(wait, deadline - monotonicSeconds()) * 1e9)) }
                    let filters = delivery.settlingFilters
                    guard !filters.isEmpty else {
                        return .uncertain("\(lostBecause), and it has none of the values the API can be searched by; look for it in the target by name")
                    }
                    switch await find(delivery, filters: filters, wholeRecord: true, report: &report) {
                    case .found(let id, _): return .created(remoteID: id, found: true)
                    case .notFound:
                        mayExist = false
                        resentAfterLoss = true
                    case .unknown(let why): return .uncertain("\(lostBecause), and looking it up failed (\(why)); check the target before sending it again")
                    case .fatal(let error): return .fatal(error)
                    }
                } else if !resendUncertain {
                    return .uncertain("\(lostBecause); the API cannot be asked whether it exists")
                }
            }
            if report.attempts >= maxAttempts || monotonicSeconds() >= deadline {
                let limit = report.attempts >= maxAttempts ? "\(maxAttempts) attempts" : "\(Int(recordDeadline)) s"
                return mayExist ? .uncertain("\(lostBecause); gave up after \(limit)") : .failed("\(lastProblem), still after \(limit); run again to retry it")
            }
            report.attempts += 1
            await limiter.acquire()
            let headers: [(String, String)]
            do { headers = try await auth.headers() } catch { return .fatal(error) }
            report.requests += 1
            let outcome = await client.send(api.create.method, api.create.path, headers: headers, body: delivery.body)
            switch outcome {
            case .answered(let status, _, let body) where (200...299).contains(status):
                await limiter.succeeded()
                return .created(remoteID: jsonScalarText(jsonValue(at: api.createdID, in: body)), found: false)
            case .answered(401, _, _) where isTokenAuth:
                do {
                    guard try await auth.refused(headers) else { return .fatal(refusedCredentials(401)) }
                } catch { return .fatal(error) }
                lastProblem = "the token was refused"
            case .answered(let status, _, _) where status == 401 || status == 403:
                return .fatal(refusedCredentials(status))
            case .answered(429, _, _):
                await limiter.slowDown(retryAfter: outcome.header("Retry-After").flatMap(Double.init))
                lastProblem = "the API answered 429 (too many requests)"
                await pause(outcome.header("Retry-After"))
            case .answered(let status, _, _) where api.notProcessed.contains(status):
                lastProblem = "the API answered \(status)"
                await pause(outcome.header("Retry-After"))
            case .answered(let status, _, let body) where status >= 500:
                mayExist = true
                lostBecause = "sent, and the API answered \(status) (\(serverMessage(body, style: api.errors))), possibly after storing it"
                await pause()
            case .answered(let status, _, let body):
                let messages = serverMessages(body, style: api.errors).map { ServerMessage(field: $0.field, message: $0.message) }
                if resentAfterLoss, api.canLookUp {
                    // The lost request may have landed after the lookup (a `code` that now clashes says
                    // so): look once more before calling it refused.
                    if case .found(let id, _) = await find(delivery, filters: delivery.settlingFilters, wholeRecord: true, report: &report) {
                        return .created(remoteID: id, found: true)
                    }
                }
                return .rejected(status: status, messages: messages)
            case .refused(let error):
                return .fatal(error)
            case .notSent(let why):
                lastProblem = why
                switch client.outage {
                case .brief: report.attempts -= 1   // the endpoint is down and saw nothing: no attempt, only time
                case .tooLong: return .fatal(client.outageError(why))
                case .none: break
                }
                await pause()
            case .lost(let why, let timedOut):
                mayExist = true
                lostBecause = "sent, and \(why)"
                lastProblem = "the answer was lost (\(why))"
                if timedOut { settledAfter = monotonicSeconds() + client.timeout }
                await pause()
            }
        }
    }

    private var isTokenAuth: Bool { if case .bearer = api.auth { true } else { false } }

    private func refusedCredentials(_ status: Int) -> FerryError {
        FerryError(.network, "the API refused the credentials (\(status))",
                   hint: "check \(api.secretVariables.joined(separator: " / ")) in the environment; nothing more is sent until they work")
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
    private func find(_ delivery: Delivery, filters: [(filter: String, value: String)], wholeRecord: Bool,
                      report: inout DeliveryReport) async -> Search {
        guard let list = api.list, let (filter, value) = filters.first else { return .notFound }
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: filter, value: value), URLQueryItem(name: "limit", value: String(api.pageSize))]
        var next: String? = list.path + "?" + (components.percentEncodedQuery ?? "")
        var pages = 0
        let searched = api.lookup.first { $0.filter == filter }?.column ?? api.lookupFallback.first { $0.filter == filter }?.column
        while let url = next, pages < 20 {
            pages += 1
            let headers: [(String, String)]
            do { headers = try await auth.headers() } catch { return .fatal(error) }
            let (outcome, sent) = await client.sendRetrying(list.method, url, headers: headers, attempts: 6, pace: limiter)
            report.requests += sent
            report.retries += sent - 1
            var answer: [UInt8]?
            switch outcome {
            case .answered(let status, _, let body) where (200...299).contains(status): answer = body
            case .answered(401, _, _) where isTokenAuth:
                do { guard try await auth.refused(headers) else { return .fatal(refusedCredentials(401)) } } catch { return .fatal(error) }
                continue   // the same page again, with the new token
            case .answered(let status, _, _) where status == 401 || status == 403: return .fatal(refusedCredentials(status))
            case .answered(let status, _, let body): return .unknown("the list call answered \(status): \(serverMessage(body, style: api.errors))")
            case .refused(let error): return .fatal(error)
            case .notSent(let why) where client.outage == .tooLong: return .fatal(client.outageError(why))
            case .notSent(let why), .lost(let why, _): return .unknown("the list call kept failing: \(why)")
            }
            guard let answer else { return .unknown("the list call kept failing") }
            guard let page = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any], let results = page["results"] as? [Any] else {
                return .unknown("the list call answered something that is not a page of results")
            }
            for case let customer as [String: Any] in results {
                guard let id = jsonScalarText(api.createdID.count == 1 ? customer[api.createdID[0]] : customer["id"]) else { continue }
                let agrees: Bool
                if wholeRecord {
                    agrees = delivery.match.allSatisfy { same($0.value, jsonScalarText(customer[$0.column])) }
                } else {
                    agrees = searched.map { same(value, jsonScalarText(customer[$0])) } ?? false
                }
                if agrees, !journal.isTaken(remoteID: id, byOtherThan: delivery.identity), claimed.withLockedValue({ $0.insert(id).inserted }) {
                    return .found(id, filter: filter)
                }
            }
            next = page["next"] as? String
        }
        return .notFound
    }

    /// Values agree when equal after trimming and ignoring case; absent and empty agree.
    private func same(_ a: String?, _ b: String?) -> Bool {
        func normal(_ text: String?) -> String { (text ?? "").trimmingCharacters(in: .whitespaces).lowercased() }
        return normal(a) == normal(b)
    }
}
