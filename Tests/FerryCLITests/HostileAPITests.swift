import FerrySandbox
import Foundation
import Testing

/// A Koibox page in Django REST framework's shape.
private func koiboxPage(_ results: [[String: Any]], next: String?, count: Int? = nil) -> HostileServer.Reply {
    .json(200, ["count": count ?? results.count, "next": next ?? NSNull(), "previous": NSNull(), "results": results])
}

private var someCustomers: [[String: Any]] {
    (1...3).map { ["id": $0, "nombre": "Ana \($0)", "movil": "61200000\($0)"] }
}

/// Runs `ferry` against a hostile server, with the test credentials; killed after 60 s, so a hang
/// (what several of these servers try to cause) fails its test instead of holding the suite.
private func ferry(_ arguments: [String], environment: [String: String] = ferryEnvironment) async throws -> Ferry.Run {
    try await Ferry.runInBackground(arguments, environment: environment, timeLimit: 60)
}

/// Starts `ferry` with the test credentials and its output discarded, for a test that signals it.
private func launchFerry(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = Ferry.executable
    process.arguments = arguments
    process.environment = ferryEnvironment
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
}

/// Sends SIGINT to `process` and waits for it to end, at most `limit` seconds (then SIGKILL);
/// returns how long it took.
private func interrupt(_ process: Process, limit: Double) async throws -> Double {
    let signalled = Date()
    kill(process.processIdentifier, SIGINT)
    for _ in 0..<Int(limit * 20) where process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
    let seconds = Date().timeIntervalSince(signalled)
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return seconds
}

/// Waits until `server` has received `count` creates, at most 5 s.
private func awaitPosts(_ server: HostileServer, _ count: Int) async throws {
    for _ in 0..<100 where server.requests.filter({ $0.method == "POST" }).count < count {
        try await Task.sleep(nanoseconds: 50_000_000)
    }
}

/// Every file under `folder` (but a credentials file, `.env`), as text, with the runs' own output,
/// for secret searches.
private func everything(in folder: Folder, _ runs: [Ferry.Run]) -> String {
    var text = runs.map { $0.stdout + $0.stderr }.joined(separator: "\n")
    let root = folder.url
    for case let file as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        ?? FileManager.DirectoryEnumerator()
    {
        if file.pathExtension != "env", let data = try? Data(contentsOf: file) {
            text += "\n" + String(decoding: data, as: UTF8.self)
        }
    }
    return text
}

private let theKey = testCredentials["KOIBOX_API_KEY"]!
private let movinBasic = Data("\(testCredentials["MOVIN_API_KEY"]!):\(testCredentials["MOVIN_API_PASSWORD"]!)".utf8)
    .base64EncodedString()
/// The tokens the hostile servers hand out.
private let hostileToken = "tok-Hj3k-secret-9Zx"

/// Every secret of every scenario found in `text`: the test credentials, the Basic credential and
/// its base64, and the servers' tokens. Every secrets test searches for all of them.
private func secretsIn(_ text: String) -> [String] {
    let secrets =
        Array(testCredentials.values) + [
            movinBasic, testCredentials["MOVIN_API_KEY"]! + ":" + testCredentials["MOVIN_API_PASSWORD"]!, hostileToken,
        ]
    return secrets.filter { text.contains($0) }
}

/// Two customers to migrate, with everything Koibox needs.
private func smallInput(_ folder: Folder, rows: Int = 2) throws -> String {
    let path = folder.path("in.csv")
    var text = "nombre;apellido1;movil;email\n"
    for n in 1...rows { text += "Ana\(n);Ruiz;61234567\(n % 10);ana\(n)@example.es\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

private func migrateArguments(
    _ input: String, to target: String = "koibox", endpoint: String, folder: Folder, _ extra: [String] = []
) -> [String] {
    [
        "migrate", input, "--from", "koibox", "--to", target, "--endpoint", endpoint, "--journal",
        folder.path("j.ferry-journal"),
        "--rejects", folder.path("rejects.csv"), "--report", folder.path("report.json"),
    ] + extra
}

/// Answers the Koibox key check, and hands everything else to `rest`.
private func koibox(_ rest: @escaping @Sendable (HostileServer.Request, Int) -> HostileServer.Reply)
    -> @Sendable (HostileServer.Request, Int) -> HostileServer.Reply
{
    { request, index in
        request.path == "/api/api-key/me" ? .json(200, ["name": "test"]) : rest(request, index)
    }
}

@Suite(.serialized) struct HostileAPITests {
    // MARK: The key goes only to the endpoint

    @Test(arguments: [
        "@127.0.0.1:OTHER/api/clientes/?offset=3", "//127.0.0.1:OTHER/api/clientes/?offset=3",
        "http://127.0.0.1:OTHER/api/clientes/?offset=3", "1/api/clientes/?offset=3", ".evil.example/api/clientes/",
    ])
    func aNextLinkNeverCarriesTheKeyElsewhere(link: String) async throws {
        let other = try HostileServer { _, _ in .json(200, ["results": []]) }
        defer { other.stop() }
        let next = link.replacingOccurrences(of: "OTHER", with: String(other.port))
        let server = try HostileServer { request, _ in
            request.query["offset"] == nil && !request.path.contains(".evil") && request.path == "/api/clientes/"
                ? koiboxPage(someCustomers, next: next, count: 6) : koiboxPage([], next: nil, count: 6)
        }
        defer { server.stop() }
        let folder = Folder()
        let run = try await ferry([
            "export", "--from", "koibox", "--endpoint", server.url, "-o", folder.path("out.json"),
        ])
        #expect(other.requests.isEmpty, "the other server got \(other.requests.map(\.uri)) for \(link)")
        for request in server.requests { #expect(request.header("X-Koibox-Key") == theKey) }
        // A link to another port is refused; a relative one stays below the endpoint.
        if next.hasPrefix("http://") || next.hasPrefix("//") {
            #expect(run.status == 3)
            #expect(run.stderr.contains("to another place"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.path("out.json")))
        }
    }

    @Test func plainHTTPIsLoopbackOnlyByTheParsedHost() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        for endpoint in [
            "http://127.attacker.example", "http://127.0.0.1.nip.io:8080", "http://localhost.attacker.example",
        ] {
            let run = try await ferry(migrateArguments(input, endpoint: endpoint, folder: folder))
            #expect(run.status == 2, "\(endpoint): \(run.stderr)")
            #expect(run.stderr.contains("is not https"))
        }
    }

    // MARK: Secrets

    @Test func aKeyWithAWindowsLineEndWorksAndNeverShows() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let server = try HostileServer(
            koibox { request, index in
                request.method == "POST" ? .json(201, ["id": index]) : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        // A credentials file saved on Windows, with `export` and quotes.
        let credentials = folder.path("koibox.env")
        try "# Koibox\r\nexport KOIBOX_API_KEY=\"\(theKey)\"\r\n".write(
            toFile: credentials, atomically: true, encoding: .utf8)
        var environment = ferryEnvironment
        environment["KOIBOX_API_KEY"] = nil
        let fromFile = try await ferry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--credentials", credentials]),
            environment: environment)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        environment["KOIBOX_API_KEY"] = theKey + "\r\n"
        let again = Folder()
        let fromEnvironment = try await ferry(
            migrateArguments(try smallInput(again), endpoint: server.url, folder: again), environment: environment)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        for request in server.requests { #expect(request.header("X-Koibox-Key") == theKey) }
        #expect(secretsIn(everything(in: folder, [fromFile])).isEmpty)
        #expect(secretsIn(everything(in: again, [fromEnvironment])).isEmpty)
    }

    @Test func aServerEchoingTheKeyPutsItNowhere() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let server = try HostileServer(
            koibox { request, _ in
                let echoed = request.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
                if request.method == "POST" {
                    return .json(400, ["nombre": ["rejected; you sent \(echoed)"], "detail": echoed])
                }
                return .json(500, ["detail": "oops \(echoed)"])
            })
        defer { server.stop() }
        let run = try await ferry(migrateArguments(input, endpoint: server.url, folder: folder))
        #expect(run.status == 1, "\(run.stderr)")
        #expect(Accounting(run.stderr).rejected == 2)
        let all = everything(in: folder, [run])
        #expect(all.contains("rejected; you sent"), "the server's message is kept, masked")
        #expect(secretsIn(all).isEmpty)
        #expect(all.contains("X-Koibox-Key: [secret]"))
    }

    @Test func aMovinTokenCallThatEchoesTheBasicHeaderShowsNothing() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let server = try HostileServer { request, _ in
            .json(500, ["error": ["message": "failed for \(request.header("Authorization") ?? "")"]])
        }
        defer { server.stop() }
        let run = try await ferry(
            migrateArguments(input, to: "movin", endpoint: server.url, folder: folder, ["--max-outage", "1"]))
        #expect(run.status == 3)
        #expect(secretsIn(everything(in: folder, [run])).isEmpty)
    }

    @Test func aTokenWithALineEndIsTrimmedAndNeverShows() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let token = hostileToken
        let server = try HostileServer { request, index in
            if request.path == "/api/login/get-access-token" { return .json(200, ["access_token": token + "\r\n"]) }
            guard request.header("Authorization") == "Bearer " + token else {
                return .json(401, ["error": ["message": "bad token \(request.header("Authorization") ?? "")"]])
            }
            return .json(200, ["data": ["id_customer": "M\(index)"]])
        }
        defer { server.stop() }
        let run = try await ferry(migrateArguments(input, to: "movin", endpoint: server.url, folder: folder))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(secretsIn(everything(in: folder, [run])).isEmpty)
    }

    @Test func anEndpointThatIsNotAURLIsNotEchoedWithItsPassword() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let run = try await ferry(
            migrateArguments(input, endpoint: "http//user:hunter2-pw@127.0.0.1:1", folder: folder))
        #expect(run.status == 2)
        #expect(!run.stderr.contains("hunter2-pw"), "\(run.stderr)")
        #expect(secretsIn(everything(in: folder, [run])).isEmpty)
    }

    // MARK: Nothing counted that was not confirmed

    @Test func anHTMLPageToEverythingCreatesNothing() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let server = try HostileServer { _, _ in .text(200, "<html><body>Welcome to the hotel Wi-Fi</body></html>") }
        defer { server.stop() }
        let run = try await ferry(migrateArguments(input, endpoint: server.url, folder: folder))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("is not the API"))
        #expect(try journalCounts(folder.path("j.ferry-journal"))["created"] == nil)
        #expect(secretsIn(everything(in: folder, [run])).isEmpty)
    }

    @Test func aCreateAnsweredWithoutItsIdIsUncertainAndStopsTheRun() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 6)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST" ? .text(201, "<html>ok</html>") : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let run = try await ferry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--concurrency", "1"]))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("not the API"))
        let counts = try journalCounts(folder.path("j.ferry-journal"))
        #expect(counts["created"] == nil)
        #expect(counts["uncertain"] == 1, "\(counts)")
        #expect(server.requests.filter { $0.method == "POST" }.count == 1, "the first such answer stops the run")

        let json = try HostileServer(
            koibox { request, _ in request.method == "POST" ? .json(201, ["ok": true]) : koiboxPage([], next: nil) })
        defer { json.stop() }
        let other = Folder()
        let second = try await ferry(
            migrateArguments(try smallInput(other, rows: 6), endpoint: json.url, folder: other, ["--concurrency", "1"]))
        #expect(second.status == 3)
        #expect(second.stderr.contains("without `id`"), "\(second.stderr)")
        #expect(try journalCounts(other.path("j.ferry-journal"))["created"] == nil)
    }

    // MARK: Bounded in time

    @Test func anExportWhoseNextLoopsStops() async throws {
        let server = try HostileServer { request, _ in
            koiboxPage(
                someCustomers,
                next:
                    "http://127.0.0.1:\(request.header("Host")?.split(separator: ":").last ?? "")/api/clientes/?limit=50",
                count: 3)
        }
        defer { server.stop() }
        let folder = Folder()
        let run = try await ferry([
            "export", "--from", "koibox", "--endpoint", server.url, "-o", folder.path("out.json"),
        ])
        #expect(run.status == 3)
        #expect(run.stderr.contains("second time"), "\(run.stderr)")
        #expect(server.requests.count <= 3)
        #expect(!FileManager.default.fileExists(atPath: folder.path("out.json")))
    }

    @Test func anExportWhosePagesNeverEndStops() async throws {
        let server = try HostileServer { request, _ in
            let offset = Int(request.query["offset"] ?? "0") ?? 0
            return koiboxPage(someCustomers, next: "/api/clientes/?limit=50&offset=\(offset + 3)", count: 3)
        }
        defer { server.stop() }
        let folder = Folder()
        let run = try await ferry([
            "export", "--from", "koibox", "--endpoint", server.url, "-o", folder.path("out.json"),
        ])
        #expect(run.status == 3)
        #expect(run.stderr.contains("announced 3 records"), "\(run.stderr)")
        #expect(server.requests.count < 30)
    }

    @Test func theTimeoutBoundsATrickledAnswer() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 1)
        // 200 bytes, 2 a second: 100 s for one answer.
        let body = Array(("{\"id\": 1, \"padding\": \"" + String(repeating: "x", count: 176) + "\"}").utf8)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST"
                    ? .answer(status: 201, body: body, trickle: 1, every: 0.5) : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let started = Date()
        let run = try await ferry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--timeout", "2", "--max-attempts", "2"]))
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 20, "took \(seconds) s")
        let rejects = (try? String(contentsOfFile: folder.path("rejects.csv"), encoding: .utf8)) ?? ""
        #expect(rejects.contains("no whole answer within the request timeout"), "\(rejects)")
    }

    @Test func ctrlCCutsARetryAfterAndSendsNothingMore() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 20)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST"
                    ? .answer(
                        status: 429, headers: [("Retry-After", "120"), ("Content-Type", "application/json")],
                        body: Array("{}".utf8))
                    : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let process = try launchFerry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--concurrency", "2"]))
        try await awaitPosts(server, 2)
        let before = server.requests.count
        let seconds = try await interrupt(process, limit: 10)
        #expect(seconds < 3, "stopped \(seconds) s after Ctrl-C")
        #expect(process.terminationStatus == 3)
        #expect(server.requests.count == before, "no request after the signal")
    }

    @Test func ctrlCGivesAnAnswerOnItsWayFiveSecondsThenJournalsIt() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 10)
        // Every create is answered one byte a second: 60 s for each.
        let body = Array(("{\"id\": 1, \"padding\": \"" + String(repeating: "x", count: 40) + "\"}").utf8)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST"
                    ? .answer(status: 201, body: body, trickle: 1, every: 1) : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let process = try launchFerry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--concurrency", "3", "--timeout", "100"]))
        try await awaitPosts(server, 3)
        let posts = server.requests.filter { $0.method == "POST" }.count
        let seconds = try await interrupt(process, limit: 15)
        #expect(seconds >= 4.5 && seconds < 8, "stopped \(seconds) s after Ctrl-C")
        #expect(process.terminationStatus == 3)
        #expect(server.requests.filter { $0.method == "POST" }.count == posts, "no create after the signal")
        // The records whose answers were cut off may have been created: the next run looks them up.
        let counts = try journalCounts(folder.path("j.ferry-journal"))
        #expect(counts["sending"] == posts, "\(counts)")
        #expect(counts["created"] == nil)
    }

    @Test func aFreshTokenThatIsRefusedStopsTheRun() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 10)
        let server = try HostileServer { request, index in
            request.path == "/api/login/get-access-token"
                ? .json(200, ["access_token": "fresh-token-\(index)"]) : .json(401, ["error": ["message": "no"]])
        }
        defer { server.stop() }
        let run = try await ferry(migrateArguments(input, to: "movin", endpoint: server.url, folder: folder))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("refused the token it had just given"))
        let tokenCalls = server.requests.filter { $0.path == "/api/login/get-access-token" }.count
        #expect(tokenCalls == 1)
        #expect(server.requests.count - tokenCalls <= 4, "one create per worker at most")
    }

    // MARK: Clear messages

    @Test func anUnknownHostIsAnErrorAtOnce() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let started = Date()
        let run = try await ferry(migrateArguments(input, endpoint: "https://no-such-host.invalid", folder: folder))
        #expect(run.status == 3)
        #expect(run.stderr.contains("cannot be found"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(!run.stderr.contains("run the same command again"))
    }

    @Test func aRedirectIsARunLevelErrorNotARejectedRecord() async throws {
        let folder = Folder()
        let input = try smallInput(folder)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST"
                    ? .answer(status: 307, headers: [("Location", "https://elsewhere.example/api/clientes/")], body: [])
                    : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let run = try await ferry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--concurrency", "1"]))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("redirect (307) to https://elsewhere.example/api/clientes/"))
        #expect(try journalCounts(folder.path("j.ferry-journal"))["rejected"] == nil)
    }

    @Test func anAnswerTooLargeSaysSo() async throws {
        let folder = Folder()
        let input = try smallInput(folder, rows: 1)
        let huge = Array(("{\"id\": 1, \"padding\": \"" + String(repeating: "x", count: 2 << 20) + "\"}").utf8)
        let server = try HostileServer(
            koibox { request, _ in
                request.method == "POST" ? .answer(status: 201, body: huge) : koiboxPage([], next: nil)
            })
        defer { server.stop() }
        let run = try await ferry(
            migrateArguments(input, endpoint: server.url, folder: folder, ["--max-attempts", "1"]))
        let rejects = (try? String(contentsOfFile: folder.path("rejects.csv"), encoding: .utf8)) ?? ""
        #expect(rejects.contains("larger than 64 KiB"), "\(rejects)")
        #expect(!(run.stderr + rejects).contains("NIOTooManyBytes"))
    }
}

/// A journal's identity holds through edits, and what it cannot vouch for is refused.
@Suite(.serialized) struct JournalIdentityTests {
    private func write(_ text: String, _ path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func editingAddingOrReorderingColumnsCreatesNoCustomerTwice() async throws {
        let folder = Folder()
        let input = folder.path("in.csv")
        let journal = folder.path("j.ferry-journal")
        var rows = "nombre;apellido1;movil;email\n"
        for n in 0..<30 { rows += "Ana\(n);Ruiz;6123456\(String(format: "%02d", n));ana\(n)@example.es\n" }
        try write(rows, input)
        try await withSandbox { sandbox, url in
            func run(_ extra: [String] = []) async throws -> Ferry.Run {
                try await Ferry.runInBackground(
                    ["migrate", input, "--from", "koibox", "--to", "koibox", "--endpoint", url, "--journal", journal]
                        + extra,
                    environment: ferryEnvironment)
            }
            let first = try await run()
            #expect(first.status == 0, "\(first.stderr)")
            #expect(sandbox.counters.koiboxCreated == 30)
            // A typo fixed in three records, a column added, the columns reordered.
            var edited = "email;notas;movil;apellido1;nombre\n"
            for n in 0..<30 {
                edited +=
                    "ana\(n)@example.es;vip;6123456\(String(format: "%02d", n));\(n < 3 ? "Ruíz" : "Ruiz");Ana\(n)\n"
            }
            try write(edited, input)
            let second = try await run()
            #expect(second.status == 0, "\(second.stderr)")
            #expect(sandbox.counters.koiboxCreated == 30, "no customer created twice")
            #expect(
                Accounting(second.stderr) == Accounting(read: 30, written: 0, rejected: 0, skipped: 30, uncertain: 0))
            #expect(
                second.stderr.contains("30 records changed since they were created; not sent again"), "\(second.stderr)"
            )

            // --update sends the changes to the customers created before (Koibox: PATCH), once.
            let updated = try await run(["--update"])
            #expect(updated.status == 0, "\(updated.stderr)")
            #expect(updated.stderr.contains("30 customers were updated in koibox"), "\(updated.stderr)")
            #expect(sandbox.counters.koiboxCreated == 30)
            let page = try await call(
                .GET, url + "/api/clientes/?limit=50&email__icontains=ana1%40example.es", headers: koiboxKey)
            let customer = (page.object["results"] as? [[String: Any]])?.first
            #expect(customer?["apellido1"] as? String == "Ruíz")
            #expect(customer?["notas"] as? String == "vip")
            let again = try await run(["--update"])
            #expect(!again.stderr.contains("updated in koibox"), "nothing changed since the update")
            #expect(Accounting(again.stderr).skipped == 30)
        }
    }

    @Test func aJournalOfAnotherInputIsRefused() async throws {
        let folder = Folder()
        try write("nombre;email\nAna;ana@example.es\nEva;eva@example.es\n", folder.path("a.csv"))
        try write("nombre;email\nLuis;luis@example.es\n", folder.path("b.csv"))
        try await withSandbox { sandbox, url in
            let journal = folder.path("j.ferry-journal")
            let first = try await Ferry.runInBackground(
                [
                    "migrate", folder.path("a.csv"), "--from", "koibox", "--to", "koibox", "--endpoint", url,
                    "--journal", journal,
                ],
                environment: ferryEnvironment)
            #expect(first.status == 0)
            let other = try await Ferry.runInBackground(
                [
                    "migrate", folder.path("b.csv"), "--from", "koibox", "--to", "koibox", "--endpoint", url,
                    "--journal", journal,
                ],
                environment: ferryEnvironment)
            #expect(other.status == 2, "\(other.stderr)")
            #expect(other.stderr.contains("none of the first 1 records of this input is among them"))
            #expect(sandbox.counters.koiboxCreated == 2)
        }
    }

    @Test func anUnknownStateAReplacedKeyAndALostWALAreRefused() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 400, seed: 12)
        let journal = folder.path("j.ferry-journal")
        try await withSandbox({
            $0.faults = try! FaultSpec("latency=1"); $0.faults.maxLatency = 0.01
        }) { sandbox, url in
            func run() async throws -> Ferry.Run {
                try await migrate(input, to: "koibox", endpoint: url, journal: journal, ["--concurrency", "2"])
            }
            // Killed midway, with the last writes still in the WAL; the WAL deleted.
            let process = try launchFerry([
                "migrate", input, "--from", exportMapping, "--to", "koibox", "--endpoint", url, "--journal", journal,
                "--concurrency", "2",
            ])
            for _ in 0..<200 where sandbox.counters.koiboxCreated < 100 {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try await Task.sleep(nanoseconds: 500_000_000)  // requests already on their way may still land
            let created = sandbox.counters.koiboxCreated
            #expect(FileManager.default.fileExists(atPath: journal + "-wal"))
            let wal = try Data(contentsOf: URL(fileURLWithPath: journal + "-wal"))
            try FileManager.default.removeItem(atPath: journal + "-wal")
            let lost = try await run()
            #expect(lost.status == 3, "\(lost.stderr)")
            #expect(lost.stderr.contains("has lost its last"), "\(lost.stderr)")
            #expect(sandbox.counters.koiboxCreated == created, "nothing sent")
            // With the WAL back, the run finishes.
            try wal.write(to: URL(fileURLWithPath: journal + "-wal"))
            let finished = try await run()
            #expect(finished.status <= 1, "\(finished.stderr)")

            // A key file from another journal.
            let key = try Data(contentsOf: URL(fileURLWithPath: journal + ".key"))
            var other = key
            other[0] ^= 0xFF
            try other.write(to: URL(fileURLWithPath: journal + ".key"))
            let replaced = try await run()
            #expect(replaced.status == 3)
            #expect(replaced.stderr.contains("is not the one this journal was made with"), "\(replaced.stderr)")
            try key.write(to: URL(fileURLWithPath: journal + ".key"))

            // A state this build does not know.
            let sqlite = Process()
            sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            sqlite.arguments = [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE record SET state='archived' WHERE number=1\"); c.commit()",
                journal,
            ]
            try sqlite.run()
            sqlite.waitUntilExit()
            let before = sandbox.counters.koiboxCreateRequests
            let unknown = try await run()
            #expect(unknown.status == 3, "\(unknown.stderr)")
            #expect(unknown.stderr.contains("`archived`"), "\(unknown.stderr)")
            #expect(sandbox.counters.koiboxCreateRequests == before)
        }
    }
}
