import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A credential read from the environment. It prints as `[secret]`, so no message, log, report or
/// journal can show it by accident.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "[secret]" }
    public var debugDescription: String { "[secret]" }
}

/// What came of one HTTP request.
enum CallOutcome: Sendable {
    /// The server answered.
    case answered(status: Int, headers: [(String, String)], body: [UInt8])
    /// The request never left: the connection could not be made, so the server saw nothing.
    case notSent(String)
    /// The request went out and no answer came (timeout, connection closed): the server may have acted
    /// on it. After a timeout it may even be acting on it still.
    case lost(String, timedOut: Bool)
    /// The connection was refused for a reason trying again cannot fix (a certificate nobody vouches
    /// for): nothing was sent, and nothing will be until the user acts.
    case refused(FerryError)

    func header(_ name: String) -> String? {
        guard case .answered(_, let headers, _) = self else { return nil }
        return headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Sends requests to one endpoint with async-http-client: TLS verification on, `https` required for
/// anything but loopback, a timeout per request, no redirects followed and no hidden retries (a
/// retried create is a duplicate; the caller decides what is safe to send again).
final class APIClient: Sendable {
    let endpoint: String
    private let client: HTTPClient
    let timeout: Double
    /// How long the endpoint may refuse connections before the run stops. While it does, requests
    /// are retried without counting against a record's attempts: an outage costs time, not records.
    let maxOutage: Double
    /// When connections started failing; nil while the endpoint answers.
    private let unreachableSince = NIOLockedValueBox<Double?>(nil)

    init(endpoint: String, timeout: Double, maxOutage: Double = 120) throws(FerryError) {
        try APIClient.check(endpoint: endpoint)
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.timeout = timeout
        self.maxOutage = maxOutage
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(min(timeout, 10) * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Sends one request. `path` may carry a query; an absolute `http(s)://` URL (a `next` link) is
    /// used as it is, if it points at the same host.
    func send(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]? = nil) async -> CallOutcome {
        let absolute = path.hasPrefix("http://") || path.hasPrefix("https://")
        if absolute, !path.hasPrefix(endpoint + "/") {
            // A `next` link to another host would carry the credentials there.
            return .notSent("the API gave a link outside \(endpoint), which Ferry does not follow")
        }
        var request = HTTPClientRequest(url: absolute ? path : endpoint + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ferry")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let started = monotonicSeconds()
        do {
            let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
            unreachableSince.withLockedValue { $0 = nil }
            let bytes = try await response.body.collect(upTo: 32 << 20)
            return .answered(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                             body: Array(bytes.readableBytesView))
        } catch {
            if let why = APIClient.untrustedCertificate(error) {
                return .refused(FerryError(.network, "\(endpoint) presented a certificate that cannot be trusted (\(why))",
                                           hint: "Ferry verifies every certificate and has no option to skip it; if the API uses a private certificate authority, add it to the system's trust store"))
            }
            if APIClient.isConnectFailure(error) {
                // The client kept trying to connect since the request started (up to the connect
                // timeout): the endpoint has been unreachable at least that long.
                unreachableSince.withLockedValue { $0 = min($0 ?? started, started) }
                return .notSent(APIClient.describe(error))
            }
            unreachableSince.withLockedValue { $0 = nil }
            let timedOut = (error as? HTTPClientError).map { $0 == .deadlineExceeded || $0 == .readTimeout } ?? false
            return .lost(APIClient.describe(error), timedOut: timedOut)
        }
    }

    /// An endpoint Ferry may send to: a URL, https unless on loopback, and with no credentials in it
    /// (they would end up in messages and in the journal, which names its endpoint).
    static func check(endpoint: String) throws(FerryError) {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw FerryError(.usage, "--endpoint \(endpoint) is not a URL", hint: "give the API's base URL, such as https://api.koibox.cloud or http://127.0.0.1:8080 for the sandbox")
        }
        guard url.user == nil && url.password == nil else {
            throw FerryError(.usage, "--endpoint holds a user name or password (\(scheme)://…@\(host)); Ferry does not use or keep credentials given that way",
                             hint: "remove them from the URL and give them in the environment or a file (KOIBOX_API_KEY, MOVIN_API_KEY and MOVIN_API_PASSWORD, or MOVIN_TOKEN)")
        }
        guard scheme == "https" || (scheme == "http" && APIClient.isLoopback(host)) else {
            throw FerryError(.usage, "--endpoint \(endpoint) is not https",
                             hint: "credentials and customer data only travel encrypted; plain http is allowed for 127.0.0.1 and localhost (the sandbox)")
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
        FerryError(.network, "\(endpoint) has refused connections for over \(Int(maxOutage)) s (\(why))",
                   hint: "run the same command again when the API is back: the journal knows every record's state (--max-outage waits longer)")
    }

    /// Sends a request that changes nothing (a list page, a key check, a token call) until it is
    /// answered with something other than 429 or 5xx, or `attempts` run out: again after a backoff for
    /// 429, 5xx, lost answers and failed connections (which, during an outage, do not count as
    /// attempts). Returns the last outcome and the requests sent.
    func sendRetrying(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]? = nil, attempts: Int,
                      pace: RateLimiter? = nil) async -> (outcome: CallOutcome, requests: Int) {
        var backoff = Backoff()
        var outcome = CallOutcome.notSent("not sent")
        var attempt = 0, requests = 0
        while attempt < attempts {
            if requests > 0 { try? await Task.sleep(nanoseconds: UInt64(backoff.next(retryAfter: outcome.header("Retry-After")) * 1e9)) }
            await pace?.acquire()
            outcome = await send(method, path, headers: headers, body: body)
            requests += 1
            if case .notSent = outcome {
                if outage == .brief { continue }
                if outage == .tooLong { break }
            }
            attempt += 1
            if case .refused = outcome { break }
            guard case .answered(let status, _, _) = outcome else { continue }
            if status == 429 { await pace?.slowDown(retryAfter: outcome.header("Retry-After").flatMap(Double.init)); continue }
            if status >= 500 { continue }
            await pace?.succeeded()
            return (outcome, requests)
        }
        return (outcome, requests)
    }

    /// Errors that happen before a request is written: nothing reached the server.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout || error == .tlsHandshakeTimeout
        }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError { return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(error.errnoCode) }
        if case ChannelError.connectTimeout = error { return true }
        return false
    }

    /// What TLS said when it would not trust the server's certificate; nil for any other error.
    static func untrustedCertificate(_ error: any Error) -> String? {
        let text = String(describing: error)
        for reason in ["CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "hostname mismatch", "unable to get local issuer"] where text.contains(reason) {
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
            default: return "\(error)"
            }
        }
        if error is NIOConnectionError || (error as? IOError)?.errnoCode == ECONNREFUSED { return "the connection was refused" }
        return "\(error)"
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
func jsonValue(at path: [String], in body: [UInt8]) -> Any? {
    var value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    for key in path {
        guard let object = value as? [String: Any] else { return nil }
        value = object[key]
    }
    return value
}

extension NSNumber {
    /// Whether JSON said `true`/`false` rather than a number (Foundation parses both as NSNumber).
    public var isBoolean: Bool { String(cString: objCType) == "c" }
}

/// A JSON scalar as text: strings as they are, numbers without a trailing `.0`, booleans as true/false.
func jsonScalarText(_ value: Any?) -> String? {
    switch value {
    case let text as String: return text
    case let number as NSNumber:
        if number.isBoolean { return number.boolValue ? "true" : "false" }
        let double = number.doubleValue
        return double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : number.stringValue
    default: return nil
    }
}
