import FerryKit
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// How a sandbox runs: where it listens, what trouble it makes, which credentials it accepts.
public struct SandboxConfiguration: Sendable {
    /// Loopback only: the sandbox is never reachable from another machine.
    public var host = "127.0.0.1"
    /// 0 takes a free port; `Sandbox.start()` says which.
    public var port = 0
    public var faults = FaultSpec()
    /// The seconds after which a Movin token stops working; nil keeps tokens forever.
    public var tokenLifetime: Double?
    /// The seconds a 429 answer asks the client to wait (`Retry-After`).
    public var retryAfter = 1
    /// A SQLite file that keeps the customers across restarts; nil keeps them in memory.
    public var statePath: String?
    /// The seed of the fault draws, so a faulty run can be repeated.
    public var seed: UInt64 = UInt64.random(in: 0...UInt64.max)
    public var koiboxKey: String
    public var movinKey: String
    public var movinPassword: String

    /// The credentials Ferry's client reads (`KOIBOX_API_KEY`, `MOVIN_API_KEY`, `MOVIN_API_PASSWORD`),
    /// or `sandbox-key` / `sandbox-password` when they are unset.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        koiboxKey = environment["KOIBOX_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? "sandbox-key"
        movinKey = environment["MOVIN_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? "sandbox-key"
        movinPassword = environment["MOVIN_API_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? "sandbox-password"
    }
}

/// What reached the sandbox, for tests that must know whether a create was sent at all (the public
/// `/_sandbox/stats` answer has exactly the shape PRODUCT.md gives, so these live here).
public struct SandboxCounters: Sendable, Equatable {
    /// Create requests received (`POST /api/clientes/`), counted before any fault, whatever their fate.
    public var koiboxCreateRequests = 0
    /// Customers stored by a create, including those whose answer a fault then lost.
    public var koiboxCreated = 0
    public var koiboxListRequests = 0
    public var movinCreateRequests = 0
    public var movinCreated = 0
    public var movinTokenRequests = 0
    /// Requests that a fault answered or dropped before processing, and creates committed then failed.
    public var faultsInjected = 0
    public var commitThenFail = 0
}

/// A local emulation of the Koibox and Movin customer APIs (`ferry sandbox`), served by Hummingbird
/// on loopback. Start it, point `ferry migrate --endpoint` at its URL, read `/_sandbox/stats`.
///
/// ```swift
/// let sandbox = try Sandbox(configuration: SandboxConfiguration())
/// let running = try await sandbox.start()
/// print(running.url)   // http://127.0.0.1:PORT
/// await running.stop()
/// ```
public final class Sandbox: Sendable {
    public let configuration: SandboxConfiguration
    let store: SandboxStore
    let state: NIOLockedValueBox<MutableState>

    struct MutableState: Sendable {
        var random: SplitMix64
        var counters = SandboxCounters()
        /// Movin tokens and when each stops working.
        var tokens: [String: Double] = [:]
    }

    public init(configuration: SandboxConfiguration) throws {
        self.configuration = configuration
        do {
            store = try SandboxStore(path: configuration.statePath)
        } catch {
            throw SandboxError("cannot open the sandbox state \(configuration.statePath ?? "(memory)"): \(error)")
        }
        state = NIOLockedValueBox(MutableState(random: SplitMix64(seed: configuration.seed)))
    }

    public var counters: SandboxCounters { state.withLockedValue { $0.counters } }

    /// `{"koibox": {"customers": N, "duplicates": D}, "movin": {..., "numeric_zip_codes": Z}}`, as
    /// `/_sandbox/stats` answers.
    public func stats() throws -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for system in SandboxStore.System.allCases {
            let counts = try store.counts(system)
            result[system == .koibox ? "koibox" : "movin"] = [
                "customers": counts.customers, "duplicates": counts.duplicates,
            ]
        }
        // A type the vendor's documentation shows and Ferry never sends (it loses leading zeros).
        result["movin"]?["numeric_zip_codes"] = try store.numbers(.movin, key: "zip_code")
        return result
    }

    /// A sandbox serving in the background.
    public struct Running: Sendable {
        public let port: Int
        public var url: String { "http://127.0.0.1:\(port)" }
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// Shuts the server down gracefully and waits until it has.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
    }

    /// Starts serving and returns once the port is bound.
    public func start(logger: Logger? = nil) async throws -> Running {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = makeApplication(logger: logger) { port in
            continuation.yield(port); continuation.finish()
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: [], logger: application.logger))
        let task = Task { try await group.run() }
        for await port in ports { return Running(port: port, group: group, task: task) }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        throw SandboxError("the sandbox could not listen on \(configuration.host):\(configuration.port)")
    }

    /// Serves until SIGINT or SIGTERM (`ferry sandbox`); `onRunning` gets the bound port.
    public func run(logger: Logger? = nil, onRunning: @escaping @Sendable (Int) -> Void) async throws {
        try await makeApplication(logger: logger, onRunning: onRunning).runService()
    }

    private func makeApplication(logger: Logger?, onRunning: @escaping @Sendable (Int) -> Void)
        -> some ApplicationProtocol & Service
    {
        var quiet = Logger(label: "ferry.sandbox")
        quiet.logLevel = .warning
        return Application(
            responder: CallbackResponder<SandboxContext> { [self] request, context in
                try await respond(to: request, context: context)
            },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "ferry-sandbox"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
            logger: logger ?? quiet)
    }

    // MARK: Requests

    private func respond(to request: Request, context: SandboxContext) async throws -> Response {
        let path = request.uri.path
        let segments = path.split(separator: "/").map(String.init)
        if segments == ["_sandbox", "stats"] {
            return try json(.ok, stats())
        }
        if segments == ["_sandbox", "movin", "customers.csv"] {
            return try await movinScreenExport()
        }
        if segments == ["_sandbox", "movin", "customers.ndjson"] {
            return try await movinStored()
        }
        guard segments.first == "api" else { return try json(.notFound, ["detail": "Not found."]) }
        let body = try await request.body.collect(upTo: 4 << 20)
        // Creates are counted as they arrive, before any fault, so a test knows whether one was sent at all.
        if request.method == .post, segments.dropFirst().joined(separator: "/") == "clientes" {
            count { $0.koiboxCreateRequests += 1 }
        }
        if request.method == .post, segments.dropFirst().joined(separator: "/") == "real-estate/add-customer" {
            count { $0.movinCreateRequests += 1 }
        }

        // Faults come before the API sees the request; commit-then-fail comes after.
        let (failure, delay) = state.withLockedValue { state -> (FaultSpec.Kind?, Double) in
            let delay =
                state.random.chance(configuration.faults.latency)
                ? state.random.unit() * configuration.faults.maxLatency : 0
            let failure = configuration.faults.failure(draw: state.random.unit())
            if let failure, failure != .commitThenFail { state.counters.faultsInjected += 1 }
            return (failure, delay)
        }
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        let isMovin = ["login", "real-estate"].contains(segments.dropFirst().first ?? "")
        /// A fault's answer in the system's own error shape.
        func faultAnswer(_ code: Int, _ text: String) throws -> Response {
            var headers = HTTPFields()
            if code == 429 { headers[.retryAfter] = String(configuration.retryAfter) }
            let status = HTTPResponse.Status(code: code)
            let body: Any =
                isMovin
                ? ["error": ["code": code, "description": status.reasonPhrase, "message": text]] : ["detail": text]
            return try json(status, body, headers: headers)
        }
        switch failure {
        case .status(let code):
            return try faultAnswer(code, "fault injected by the sandbox (\(code))")
        case .drop:
            return try await drop(context)
        default:
            break
        }

        let response: Response
        let route = segments.dropFirst().joined(separator: "/")
        let method = request.method
        let patchID = segments.count == 3 && segments[1] == "clientes" ? segments[2] : nil
        switch route {
        case "api-key/me" where method == .get:
            response = try koibox(authorized: request) {
                try json(.ok, ["name": "Ferry sandbox key", "centro": "Centro Sandbox"])
            }
        case "clientes" where method == .get:
            response = try await koiboxAuthorized(request) { try await koiboxList(request) }
        case "clientes" where method == .post:
            response = try await koiboxAuthorized(request) { try await koiboxCreate(body) }
        case _ where patchID != nil && method == .patch:
            response = try await koiboxAuthorized(request) { try await koiboxPatch(id: patchID!, body) }
        case "api-key/me", "clientes":
            response = try json(.methodNotAllowed, ["detail": "Method \"\(method)\" not allowed."])
        case _ where patchID != nil:
            response = try json(.methodNotAllowed, ["detail": "Method \"\(method)\" not allowed."])
        case "login/get-access-token" where method == .post:
            response = try movinToken(request)
        case "real-estate/add-customer" where method == .post:
            response = try await movinAddCustomer(request, body)
        case "login/get-access-token", "real-estate/add-customer":
            response = try movinError(405, "Method Not Allowed", "Only POST is accepted")
        default:
            response = try json(.notFound, ["detail": "Not found."])
        }
        if failure == .commitThenFail {
            state.withLockedValue { $0.counters.commitThenFail += 1 }
            if state.withLockedValue({ $0.random.chance(0.5) }) { return try await drop(context) }
            return try faultAnswer(500, "fault injected by the sandbox after the request was processed")
        }
        return response
    }

    /// Closes the connection without an answer.
    private func drop(_ context: SandboxContext) async throws -> Response {
        try? await context.channel.close()
        throw SandboxError("connection dropped by a fault")
    }

    func count(_ update: (inout SandboxCounters) -> Void) {
        state.withLockedValue { update(&$0.counters) }
    }

    func random<T>(_ body: (inout SplitMix64) -> T) -> T { state.withLockedValue { body(&$0.random) } }
}

/// The request context: Hummingbird's, plus the channel, so a `drop` fault can close it.
struct SandboxContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// A JSON answer.
func json(_ status: HTTPResponse.Status, _ object: Any, headers: HTTPFields = HTTPFields()) throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// A stored customer's text: the JSON object `template` with the members the store assigned.
func jsonText(_ template: Data, adding members: [String: Any]) -> String {
    var object = (try? JSONSerialization.jsonObject(with: template)) as? [String: Any] ?? [:]
    for (key, value) in members { object[key] = value }
    return String(
        decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self
    )
}

/// Parses a JSON request body; nil when it is not JSON.
func parseJSON(_ body: ByteBuffer) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
}

extension NSNumber {
    /// Whether JSON said `true`/`false` rather than a number (Foundation parses both as NSNumber;
    /// the sandbox reads requests with Foundation, independently of Ferry's parser).
    var isBoolean: Bool { String(cString: objCType) == "c" }
}
