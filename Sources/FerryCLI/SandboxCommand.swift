import ArgumentParser
import FerrySandbox
import Foundation

/// `ferry sandbox`: the local emulation of Koibox and Movin that migrations rehearse against.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve a local emulation of the Koibox and Movin APIs on 127.0.0.1, with injected faults.",
        discussion: """
            Koibox: GET/POST /api/clientes/, PATCH /api/clientes/ID/, GET /api/api-key/me, with the \
            X-Koibox-Key header. Movin: POST /api/login/get-access-token (Basic key:password) and POST \
            /api/real-estate/add-customer (Bearer). GET /_sandbox/stats counts customers and duplicates \
            (a second customer with the same normalized tax id, e-mail or mobile).

            It accepts the credentials in KOIBOX_API_KEY, MOVIN_API_KEY and MOVIN_API_PASSWORD, the \
            variables Ferry's client reads (sandbox-key and sandbox-password when unset). Stop it with \
            Ctrl-C.

            Examples:
              ferry sandbox --port 8080
              ferry sandbox --faults 503=0.1,429=0.05,commit-then-fail=0.03,drop=0.02,latency=0.2 --token-ttl 30
              ferry sandbox --state sandbox.sqlite
            """
    )

    @Option(help: ArgumentHelp("Port on 127.0.0.1 (0 takes a free one, printed on start).", valueName: "n"))
    var port = 8080

    @Option(
        help: ArgumentHelp(
            "Faults per API request, as kind=probability pairs: a status (503, 500, 429, ...), drop, commit-then-fail, latency.",
            valueName: "spec"))
    var faults: String?

    @Option(help: ArgumentHelp("Seconds a Movin token works (default: forever).", valueName: "seconds"))
    var tokenTtl: Double?

    @Option(help: ArgumentHelp("Seconds a 429 answer asks the client to wait (Retry-After).", valueName: "seconds"))
    var retryAfter = 1

    @Option(
        help: ArgumentHelp(
            "Keep the customers in this SQLite file across restarts (default: in memory).", valueName: "file"))
    var state: String?

    @Option(help: ArgumentHelp("Seed of the fault draws, to repeat a faulty run.", valueName: "n"))
    var seed: UInt64?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        if let faults { do { _ = try FaultSpec(faults) } catch { throw ValidationError(error.description) } }
        if let tokenTtl, !(tokenTtl > 0) { throw ValidationError("--token-ttl must be above 0") }
        guard retryAfter >= 0 else { throw ValidationError("--retry-after must be 0 or more") }
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = port
        configuration.faults = try faults.map { try FaultSpec($0) } ?? FaultSpec()
        configuration.tokenLifetime = tokenTtl
        configuration.retryAfter = retryAfter
        configuration.statePath = state
        if let seed { configuration.seed = seed }
        let sandbox = try Sandbox(configuration: configuration)
        let environment = ProcessInfo.processInfo.environment
        let faults = configuration.faults
        let keyNote = environment["KOIBOX_API_KEY"] == nil ? " (key `sandbox-key`)" : " (key from KOIBOX_API_KEY)"
        let passwordNote =
            environment["MOVIN_API_PASSWORD"] == nil
            ? " (`sandbox-key` / `sandbox-password`)" : " (from MOVIN_API_KEY / MOVIN_API_PASSWORD)"
        try await sandbox.run { port in
            // Written straight to the descriptor, so a script reading the URL sees it at once.
            let text = """
                ferry sandbox listening on http://127.0.0.1:\(port)
                  Koibox: /api/clientes/\(keyNote) · Movin: /api/real-estate/add-customer\(passwordNote)
                  faults: \(faults) · token life: \(tokenTtl.map { "\($0) s" } ?? "unlimited") · state: \(state ?? "in memory")
                  stats: http://127.0.0.1:\(port)/_sandbox/stats · stop with Ctrl-C

                """
            _ = text.utf8CString.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count - 1) }
        }
    }
}
