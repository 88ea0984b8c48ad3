import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A request to stop a run cleanly, from a signal handler or another task. Every wait of the API
/// boundary (backoff, Retry-After, outage, an answer on its way) watches it.
public final class StopRequest: Sendable {
    private let flag = NIOLockedValueBox<Double?>(nil)
    public init() {}
    public func request() { flag.withLockedValue { $0 = $0 ?? monotonicSeconds() } }
    public var isRequested: Bool { flag.withLockedValue { $0 } != nil }
    /// Seconds since the stop was asked for; nil before.
    var elapsed: Double? { flag.withLockedValue { $0 }.map { monotonicSeconds() - $0 } }
}

/// What a request is for, which bounds how large its answer may be: a create answer (the customer
/// created, a few KB) or a key check needs far less than a page of a list, so 64 creates in flight
/// hold at most a few MB of answers.
enum CallKind: Sendable {
    case check, token, create, lookup, page

    var answerLimit: Int {
        switch self {
        case .check, .token, .create: 64 << 10
        case .lookup: 1 << 20
        case .page: 32 << 20
        }
    }

    var what: String {
        switch self {
        case .check: "key check"
        case .token: "token call"
        case .create: "create"
        case .lookup: "lookup"
        case .page: "list page"
        }
    }
}

/// What came of one HTTP request, before it is understood.
enum CallOutcome: Sendable {
    /// The server answered.
    case answered(status: Int, headers: [(String, String)], body: [UInt8])
    /// The request never left: the connection could not be made, so the server saw nothing.
    case notSent(String)
    /// The endpoint's host name does not resolve: nothing was sent, and waiting will not help.
    case unresolvable(String)
    /// The request went out and no whole answer came (timeout, connection closed, an answer too
    /// large to read): the server may have acted on it. After a timeout it may even be acting on it still.
    case lost(String, timedOut: Bool)
    /// The connection was refused for a reason trying again cannot fix (a certificate nobody vouches
    /// for): nothing was sent, and nothing will be until the user acts.
    case refused(FerryError)
    /// The run was asked to stop: `mayHaveArrived` when the request had already left.
    case stopped(mayHaveArrived: Bool)

    func header(_ name: String) -> String? {
        guard case .answered(_, let headers, _) = self else { return nil }
        return headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A JSON answer: its bytes, and what they parse to, parsed once when the answer is classified.
struct JSONBody: Sendable {
    let bytes: [UInt8]
    let value: JSONValue
}

/// What an answer means, decided once for every call (check, token, create, lookup, list page).
enum Answer: Sendable {
    /// 2xx with a JSON body.
    case success(JSONBody)
    /// 2xx that is not JSON (an HTML page from a wrong endpoint or a captive portal): whatever
    /// answered is not the API. Says what arrived, masked and cut short.
    case notAnAPIAnswer(String)
    /// 4xx other than the credentials': the API refused this request, with its body.
    case refused(status: Int, body: [UInt8])
    /// 401 or 403.
    case credentialsRefused(Int)
    /// Surely not processed (429, or a status the mapping lists in `not_processed`): try again
    /// after the server's `Retry-After`, when it gives one.
    case retryAfter(status: Int, retryAfter: String?)
    /// The request may have been processed: 5xx, or an answer lost on its way.
    case maybeStored(String, timedOut: Bool)
    /// 3xx: Ferry follows no redirect (it would carry the credentials); `location` is where it points.
    case redirect(status: Int, location: String?)
    /// The connection could not be made: the server saw nothing.
    case unreachable(String)
    /// The host name does not resolve.
    case unresolvable(String)
    /// The run was asked to stop.
    case stopped(mayHaveArrived: Bool)
    /// Trying again cannot help (an untrusted certificate).
    case fatal(FerryError)
}

/// The one piece of Ferry that talks HTTP, to one endpoint, with async-http-client: TLS
/// verification on, `https` required for anything but loopback, every URL it sends to checked to
/// have the endpoint's scheme, host and port (a link an API gives is resolved as a URL, never glued
/// onto text), one deadline per whole exchange (the body included), answers capped by kind, no
/// redirects followed and no hidden retries (a retried create is a duplicate; the caller decides
/// what is safe to send again). Every wait watches `stop`.
final class APIClient: Sendable {
    /// The endpoint as given, without a trailing `/`, for messages.
    let endpoint: String
    private let base: URLComponents
    private let client: HTTPClient
    let timeout: Double
    /// How long the endpoint may refuse connections before the run stops. While it does, requests
    /// are retried without counting against a record's attempts: an outage costs time, not records.
    let maxOutage: Double
    let stop: StopRequest?
    /// Seconds an answer on its way may still take after a stop was asked for.
    static let stopGrace = 5.0
    /// When connections started failing; nil while the endpoint answers.
    private let unreachableSince = NIOLockedValueBox<Double?>(nil)
    /// Statuses after which the server surely did not process the request.
    let notProcessed: Set<Int>
    /// Where the API's error answers say what is wrong.
    let errors: APIDescription.Errors

    init(endpoint: String, api: APIDescription, timeout: Double, maxOutage: Double = 120, stop: StopRequest? = nil)
        throws(FerryError)
    {
        let url = try APIClient.check(endpoint: endpoint)
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        if components.percentEncodedPath.hasSuffix("/") { components.percentEncodedPath.removeLast() }
        components.query = nil
        components.fragment = nil
        base = components
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.timeout = timeout
        self.maxOutage = maxOutage
        notProcessed = api.notProcessed
        errors = api.errors
        self.stop = stop
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: .milliseconds(Int64(min(timeout, 10) * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        configuration.httpVersion = .http1Only
        client = HTTPClient(
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
    }

    // MARK: URLs

    /// The URL of a call's path below the endpoint, with `query` (already in the call's order).
    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = base
        let split = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        components.percentEncodedPath = base.percentEncodedPath + String(split[0])
        var items = split.count > 1 ? (URLComponents(string: "?" + split[1])?.queryItems ?? []) : []
        items += query.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.queryItems = items.isEmpty ? nil : items
        // `+` is a space to most servers' form decoding: send it encoded.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url!
    }

    /// A link an answer gave (`next`), resolved against the URL it came in the answer to. Only a
    /// link to the endpoint's own scheme, host and port is followed: anything else would carry the
    /// credentials elsewhere.
    func follow(_ link: String, from page: URL) throws(FerryError) -> URL {
        let shown = APIClient.shown(link)
        guard let resolved = URL(string: link, relativeTo: page)?.absoluteURL,
            let components = URLComponents(url: resolved, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased()
        else {
            throw FerryError(
                .network, "the API gave a next page link that is not a URL (\(shown))",
                hint: "check that --endpoint is the API's base URL; nothing was written")
        }
        guard scheme == "http" || scheme == "https" else {
            throw FerryError(
                .network,
                "the API gave a next page link with the scheme `\(scheme):` (\(shown)), which Ferry does not follow",
                hint: "only http(s) links to --endpoint itself are followed; nothing was written")
        }
        guard sameOrigin(components) else {
            throw FerryError(
                .network,
                "the API gave a next page link to another place (\(shown)); Ferry sends credentials only to \(endpoint)",
                hint: "check that --endpoint is the address the API calls itself; nothing was written")
        }
        return resolved
    }

    /// Whether `components` has the endpoint's scheme, host and port (the default port counted as given).
    private func sameOrigin(_ components: URLComponents) -> Bool {
        func port(_ c: URLComponents) -> Int? {
            c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil)
        }
        return components.scheme?.lowercased() == base.scheme?.lowercased()
            && components.host?.lowercased() == base.host?.lowercased()
            && port(components) == port(base) && components.user == nil && components.password == nil
    }

    /// Loopback is decided on the parsed host: `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "localhost." { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }

    /// The start of an answer for a message: one line, masked, at most 80 characters.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = oneLine(String(decoding: body.prefix(120), as: UTF8.self))
        return "`" + (text.count > 80 ? String(text.prefix(80)) + "…" : text) + "`"
    }

    /// Text from a server on one line, with every known secret masked.
    static func oneLine(_ text: String) -> String {
        Redactor.shared.redact(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined())
    }

    /// A URL for a message: without anything before an `@` (a user or password), cut short.
    static func shown(_ text: String) -> String {
        var text = Redactor.shared.redact(text)
        if let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound <= at {
            text = String(text[..<scheme.upperBound]) + "…" + String(text[at...])
        } else if text.contains("@") {
            text = "…" + String(text[text.firstIndex(of: "@")!...])
        }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// An endpoint Ferry may send to: a URL, https unless on loopback, and with no credentials in it
    /// (they would end up in messages and in the journal, which names its endpoint).
    @discardableResult
    static func check(endpoint: String) throws(FerryError) -> URL {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else {
            throw FerryError(
                .usage, "--endpoint \(shown(endpoint)) is not a URL",
                hint:
                    "give the API's base URL, such as https://api.koibox.cloud or http://127.0.0.1:8080 for the sandbox"
            )
        }
        guard url.user == nil && url.password == nil && !endpoint.contains("@") else {
            throw FerryError(
                .usage,
                "--endpoint holds a user name or password (\(scheme)://…@\(host)); Ferry does not use or keep credentials given that way",
                hint:
                    "remove them from the URL and give them in the environment or a file (KOIBOX_API_KEY, MOVIN_API_KEY and MOVIN_API_PASSWORD, or MOVIN_TOKEN)"
            )
        }
        guard scheme == "https" || (scheme == "http" && APIClient.isLoopback(host)) else {
            throw FerryError(
                .usage, "--endpoint \(shown(endpoint)) is not https",
                hint:
                    "credentials and customer data only travel encrypted; plain http is allowed for 127.0.0.1, ::1 and localhost (the sandbox)"
            )
        }
        return url
    }

    /// Whether the endpoint's host name resolves, asked once before the first request: an unknown
    /// host is an error at once, not two minutes of "connection refused".
    func checkResolves() throws(FerryError) {
        guard let host = base.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        guard status == 0 else {
            throw FerryError(
                .network, "the host \(host) of --endpoint cannot be found (\(String(cString: gai_strerror(status))))",
                hint: "check the spelling of --endpoint and the machine's network and DNS")
        }
    }

    // MARK: Sending

    /// Sends one request to `url` (which must be the endpoint's) and reads its whole answer within
    /// `timeout` seconds, at most `kind.answerLimit` bytes of it.
    func send(_ method: String, _ url: URL, headers: [(String, String)], body: [UInt8]? = nil, kind: CallKind) async
        -> CallOutcome
    {
        if stop?.isRequested == true { return .stopped(mayHaveArrived: false) }
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false), sameOrigin(components) else {
            return .refused(
                FerryError(
                    .network,
                    "Ferry refused to send a request outside \(endpoint) (\(APIClient.shown(url.absoluteString)))"))
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ferry")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let started = monotonicSeconds()
        let outcome = await exchange(request, kind: kind)
        if case .notSent = outcome {
            // The client kept trying to connect since the request started (up to the connect
            // timeout): the endpoint has been unreachable at least that long.
            unreachableSince.withLockedValue { $0 = min($0 ?? started, started) }
        } else {
            unreachableSince.withLockedValue { $0 = nil }
        }
        return outcome
    }

    private enum Ended: Error { case timedOut, stopped }

    /// The request and its whole answer, raced against the deadline and the stop.
    private func exchange(_ request: HTTPClientRequest, kind: CallKind) async -> CallOutcome {
        let timeout = self.timeout
        let stop = self.stop
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: CallOutcome.self) { group in
                group.addTask {
                    let response = try await client.execute(
                        request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
                    let headers = response.headers.map { ($0.name, $0.value) }
                    do {
                        let bytes = try await response.body.collect(upTo: kind.answerLimit)
                        return .answered(
                            status: Int(response.status.code), headers: headers, body: Array(bytes.readableBytesView))
                    } catch is NIOTooManyBytesError {
                        return .lost(
                            "the answer to the \(kind.what) was larger than \(kind.answerLimit >> 10) KiB, the most Ferry reads for one",
                            timedOut: false)
                    }
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                    throw Ended.timedOut
                }
                if let stop {
                    group.addTask {
                        while !(stop.elapsed.map { $0 >= APIClient.stopGrace } ?? false) {
                            try await Task.sleep(nanoseconds: 50_000_000)
                        }
                        throw Ended.stopped
                    }
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch Ended.stopped {
            // Whether the request had left cannot be told: count it as arrived.
            return .stopped(mayHaveArrived: true)
        } catch Ended.timedOut {
            return .lost("no whole answer within the request timeout (\(formatSeconds(timeout)))", timedOut: true)
        } catch {
            return classifyFailure(error)
        }
    }

    private func classifyFailure(_ error: any Error) -> CallOutcome {
        if let why = APIClient.untrustedCertificate(error) {
            return .refused(
                FerryError(
                    .network, "\(endpoint) presented a certificate that cannot be trusted (\(why))",
                    hint:
                        "Ferry verifies every certificate and has no option to skip it; if the API uses a private certificate authority, add it to the system's trust store"
                ))
        }
        if let connection = error as? NIOConnectionError, connection.connectionErrors.isEmpty,
            connection.dnsAError != nil || connection.dnsAAAAError != nil
        {
            return .unresolvable("the host \(connection.host) cannot be found")
        }
        if error is NIOTooManyBytesError { return .lost("the answer was larger than Ferry reads", timedOut: false) }
        if APIClient.isConnectFailure(error) { return .notSent(APIClient.describe(error)) }
        let timedOut = (error as? HTTPClientError).map { $0 == .deadlineExceeded || $0 == .readTimeout } ?? false
        return .lost(APIClient.describe(error), timedOut: timedOut)
    }

    /// What an outcome means. A 2xx is a success only with a JSON body.
    func classify(_ outcome: CallOutcome) -> Answer {
        switch outcome {
        case .answered(let status, _, let body):
            switch status {
            case 200...299:
                guard !body.isEmpty, let value = JSONValue(parsing: body) else {
                    let type = outcome.header("Content-Type").map { " (\(APIClient.oneLine($0)))" } ?? ""
                    return .notAnAPIAnswer(
                        body.isEmpty
                            ? "an empty \(status) answer"
                            : "a \(status) answer that is not JSON\(type): \(APIClient.excerpt(body))")
                }
                return .success(JSONBody(bytes: body, value: value))
            case 300...399: return .redirect(status: status, location: outcome.header("Location"))
            case 401, 403: return .credentialsRefused(status)
            case 429: return .retryAfter(status: status, retryAfter: outcome.header("Retry-After"))
            case _ where notProcessed.contains(status):
                return .retryAfter(status: status, retryAfter: outcome.header("Retry-After"))
            case 400...499: return .refused(status: status, body: body)
            default:
                return .maybeStored(
                    "the API answered \(status) (\(serverMessage(body, style: errors))), possibly after storing it",
                    timedOut: false)
            }
        case .notSent(let why): return .unreachable(why)
        case .unresolvable(let why): return .unresolvable(why)
        case .lost(let why, let timedOut): return .maybeStored(why, timedOut: timedOut)
        case .refused(let error): return .fatal(error)
        case .stopped(let arrived): return .stopped(mayHaveArrived: arrived)
        }
    }

    /// The run-level error for an answer that stops everything: a redirect, something that is not
    /// the API, an unresolvable host, an outage too long.
    func runError(_ answer: Answer, call: String) -> FerryError? {
        switch answer {
        case .redirect(let status, let location):
            return FerryError(
                .network,
                "\(call) was answered with a redirect (\(status)) to \(location.map(APIClient.shown) ?? "nowhere given"); Ferry follows no redirect",
                hint:
                    "give the address it points to as --endpoint if that is the API; credentials are sent only to --endpoint"
            )
        case .notAnAPIAnswer(let what):
            return FerryError(
                .network, "\(call) got \(what): whatever answers at \(endpoint) is not the API",
                hint: "check --endpoint (the API's base URL, not a web page) and any proxy or captive portal in between"
            )
        case .unresolvable(let why):
            return FerryError(
                .network, "\(why) (\(endpoint))",
                hint: "check the spelling of --endpoint and the machine's network and DNS")
        case .fatal(let error):
            return error
        case .stopped:
            return FerryError(.stopped, "stopped on request")
        default:
            return nil
        }
    }

    /// Whether the endpoint is refusing connections, and for how long.
    enum Outage { case none, brief, tooLong }

    /// `brief` while the endpoint has refused connections for at most `maxOutage` seconds: a request
    /// that could not connect is then tried again without counting as an attempt.
    var outage: Outage {
        guard let since = unreachableSince.withLockedValue({ $0 }) else { return .none }
        return monotonicSeconds() - since <= maxOutage ? .brief : .tooLong
    }

    /// What stops a run when the endpoint refused connections for longer than `maxOutage`.
    func outageError(_ why: String) -> FerryError {
        FerryError(
            .network, "\(endpoint) has refused connections for over \(Int(maxOutage)) s (\(why))",
            hint:
                "run the same command again when the API is back: the journal knows every record's state (--max-outage waits longer)"
        )
    }

    /// Waits `seconds`, or less when the run is asked to stop; false when it was.
    func pause(_ seconds: Double) async -> Bool {
        let until = monotonicSeconds() + max(0, seconds)
        while true {
            if stop?.isRequested == true { return false }
            let left = until - monotonicSeconds()
            if left <= 0 { return true }
            try? await Task.sleep(nanoseconds: UInt64(min(left, 0.1) * 1e9))
        }
    }

    /// Sends a request that changes nothing (a list page, a key check, a token call) until it is
    /// answered with something other than a retryable failure, or `attempts` run out: again after a
    /// backoff for 429, 5xx, lost answers and failed connections (which, during an outage, do not
    /// count as attempts). Returns the last answer and the requests sent.
    func sendRetrying(
        _ method: String, _ url: URL, headers: [(String, String)], body: [UInt8]? = nil, kind: CallKind, attempts: Int,
        pace: RateLimiter? = nil
    ) async -> (answer: Answer, requests: Int) {
        var backoff = Backoff()
        var answer = Answer.unreachable("not sent")
        var attempt = 0, requests = 0
        var retryAfter: String?
        while attempt < attempts {
            if requests > 0, !(await pause(backoff.next(retryAfter: retryAfter))) {
                return (.stopped(mayHaveArrived: false), requests)
            }
            await pace?.acquire()
            answer = classify(await send(method, url, headers: headers, body: body, kind: kind))
            requests += 1
            retryAfter = nil
            switch answer {
            case .unreachable:
                if outage == .brief { continue }
                if outage == .tooLong { return (answer, requests) }
            case .retryAfter(let status, let after):
                retryAfter = after
                if status == 429 { await pace?.slowDown(retryAfter: after.flatMap(Double.init)) }
            case .maybeStored:
                break
            case .success:
                await pace?.succeeded()
                return (answer, requests)
            default:
                return (answer, requests)
            }
            attempt += 1
        }
        return (answer, requests)
    }

    /// Errors that happen before a request is written: nothing reached the server.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout || error == .tlsHandshakeTimeout
        }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError {
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        }
        if case ChannelError.connectTimeout = error { return true }
        return false
    }

    /// What TLS said when it would not trust the server's certificate; nil for any other error.
    static func untrustedCertificate(_ error: any Error) -> String? {
        let text = String(describing: error)
        for reason in [
            "CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "hostname mismatch", "unable to get local issuer",
        ] where text.contains(reason) {
            return reason == "CERTIFICATE_VERIFY_FAILED" ? "certificate verify failed" : reason
        }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the server closed the connection without an answer"
            case .deadlineExceeded, .readTimeout: return "no answer within the request timeout"
            case .connectTimeout: return "the connection could not be made in time"
            default: return Redactor.shared.redact("\(error)")
            }
        }
        if error is NIOConnectionError || (error as? IOError)?.errnoCode == ECONNREFUSED {
            return "the connection was refused"
        }
        return Redactor.shared.redact("\(error)")
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Runs `body`, then shuts the client down, whether `body` returns or throws.
    func closing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await shutdown()
            return value
        } catch {
            await shutdown()
            throw error
        }
    }
}

/// A JSON value found by a dotted path: `data.id_customer` in `{"data": {"id_customer": "X"}}`.
func jsonValue(at path: [String], in body: [UInt8]) -> JSONValue? {
    JSONValue(parsing: body)?.value(at: path)
}
