import FerrySandbox
import Foundation
import Testing

/// `read N = written W + rejected R + skipped S (+ uncertain U)` from a run's output.
struct Accounting: Equatable {
    var read = 0, written = 0, rejected = 0, skipped = 0, uncertain = 0

    init(_ text: String) {
        guard
            let line = text.split(separator: "\n").last(where: { $0.hasPrefix("read ") && $0.contains(" = written ") })
        else { return }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        read = numbers[0]; written = numbers[1]; rejected = numbers[2]; skipped = numbers[3]
        uncertain = numbers.count > 4 ? numbers[4] : 0
    }

    init(read: Int, written: Int, rejected: Int, skipped: Int, uncertain: Int) {
        (self.read, self.written, self.rejected, self.skipped, self.uncertain) = (
            read, written, rejected, skipped, uncertain
        )
    }
}

/// Sample customers in a Koibox export, read with SampleData/koibox-export.yaml.
func sampleExport(_ folder: Folder, rows: Int, seed: Int = 3) throws -> String {
    let path = folder.path("clientes-\(rows).csv")
    let made = try Ferry.run(["sample", "--rows", String(rows), "--seed", String(seed), "-o", path])
    #expect(made.status == 0)
    return path
}

let exportMapping = sampleData("koibox-export.yaml")

/// `ferry journal status --json`'s counts by state.
func journalCounts(_ journal: String) throws -> [String: Int] {
    let status = try Ferry.run(["journal", "status", "--journal", journal, "--json"])
    return
        ((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["counts"]
        as? [String: Int]) ?? [:]
}

func migrate(
    _ input: String, to target: String, endpoint: String, journal: String, _ extra: [String] = [],
    environment: [String: String] = ferryEnvironment
) async throws -> Ferry.Run {
    try await Ferry.runInBackground(
        ["migrate", input, "--from", exportMapping, "--to", target, "--endpoint", endpoint, "--journal", journal]
            + extra,
        environment: environment)
}

/// A Movin bearer token from the sandbox at `url`, obtained with the test credentials.
func movinToken(_ url: String) async throws -> String? {
    let basic = Data("\(testCredentials["MOVIN_API_KEY"]!):\(testCredentials["MOVIN_API_PASSWORD"]!)".utf8)
        .base64EncodedString()
    return try await call(.POST, url + "/api/login/get-access-token", headers: [("Authorization", "Basic " + basic)])
        .object["access_token"] as? String
}

/// A run of the sample export into Movin on a sandbox that loses a third of its answers (seeded),
/// so some records are uncertain: those a lost answer created and those it never reached.
func withLossyMovin(
    _ body: (_ sandbox: Sandbox, _ url: String, _ input: String, _ journal: String, _ first: Ferry.Run) async throws
        -> Void
) async throws {
    let folder = Folder()
    let input = try sampleExport(folder, rows: 60, seed: 9)
    let journal = folder.path("movin.ferry-journal")
    try await withSandbox({
        $0.faults = try! FaultSpec("commit-then-fail=0.25,drop=0.1"); $0.seed = 60
    }) { sandbox, url in
        let first = try await migrate(input, to: "movin", endpoint: url, journal: journal)
        try await body(sandbox, url, input, journal, first)
    }
}

@Suite(.serialized) struct MigrateCommandTests {
    @Test func faultyKoiboxRunAccountsForEveryRecordAndCreatesNoneTwice() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 2000)
        let journal = folder.path("run.ferry-journal")
        try await withSandbox({
            $0.faults = try! FaultSpec("503=0.1,429=0.05,commit-then-fail=0.03,drop=0.02")
            $0.retryAfter = 0
            $0.seed = 2000
        }) { sandbox, url in
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: journal, ["--report", folder.path("report.json")])
            let totals = Accounting(run.stderr)
            #expect(totals.read == 2000)
            #expect(totals.uncertain == 0, "Koibox can be asked: no record may stay uncertain")
            #expect(totals.written + totals.rejected + totals.skipped == 2000)
            #expect(run.status == (totals.rejected > 0 ? 1 : 0))
            // Every customer in Koibox is one record's: faults were injected, none was created twice.
            let counters = sandbox.counters
            #expect(counters.koiboxCreated == totals.written)
            #expect(counters.commitThenFail > 20)
            #expect(counters.faultsInjected > 200)
            #expect(counters.koiboxCreateRequests > totals.written + totals.rejected)
            #expect(run.stderr.contains("lost answers were settled by finding the customer"))

            let counts: [String: Int]? = try journalCounts(journal)
            #expect(counts?["created"] == totals.written)
            #expect((counts?["rejected"] ?? 0) + (counts?["failed"] ?? 0) == totals.rejected)
            #expect(counts?["sending"] == nil && counts?["pending"] == nil)

            // The same command again sends nothing.
            let before = sandbox.counters
            let again = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            #expect(
                Accounting(again.stderr)
                    == Accounting(
                        read: 2000, written: 0, rejected: totals.rejected, skipped: totals.written, uncertain: 0))
            #expect(sandbox.counters.koiboxCreateRequests == before.koiboxCreateRequests)
            #expect(sandbox.counters.koiboxCreated == totals.written)
        }
    }

    /// Movin's `types` built from flat columns, each through its table, has the shape Movin takes:
    /// the sandbox, which refuses `types` of any other shape with Movin's error, creates every
    /// customer; the same object outside an array is refused.
    @Test func movinTypesBuiltFromFlatColumnsAreTakenByMovin() async throws {
        let folder = Folder()
        try "nombre;tipo;categoria;estado\nAna;comprador;vivienda;activo\nEva;inquilino;;\nLuz;;;\n".write(
            toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        for array in [true, false] {
            try """
            ferry: mapping 1
            extends: movin
            fields:
              - column: types
            \(array ? "    type: array\n" : "")    object:
                  - key: id_customer_type
                    extra: tipo
                    lookup: customer_types
                    type: integer
                  - key: id_buyer_category
                    extra: categoria
                    lookup: buyer_categories
                    type: integer
                  - key: id_buyer_status
                    extra: estado
                    lookup: statuses
            tables:
              customer_types: {comprador: "1", inquilino: "2"}
              buyer_categories: {vivienda: "1"}
              statuses: {activo: "MjQkMQ=="}
            """.write(toFile: folder.path("types-\(array).yaml"), atomically: true, encoding: .utf8)
        }
        try await withSandbox { sandbox, url in
            func run(_ array: Bool) async throws -> Ferry.Run {
                try await Ferry.runInBackground(
                    [
                        "migrate", folder.path("in.csv"), "--from", "koibox", "--to",
                        folder.path("types-\(array).yaml"),
                        "--endpoint", url, "--journal", folder.path("\(array).journal"),
                    ], environment: ferryEnvironment)
            }
            let good = try await run(true)
            #expect(Accounting(good.stderr) == Accounting(read: 3, written: 3, rejected: 0, skipped: 0, uncertain: 0))
            #expect(sandbox.counters.movinCreated == 3)
            let bad = try await run(false)
            #expect(
                Accounting(bad.stderr) == Accounting(read: 3, written: 1, rejected: 2, skipped: 0, uncertain: 0),
                "the two with types are refused: \(bad.stderr)")
        }
    }

    /// The real-estate example of docs/mappings.md, from SampleData: an agency's flat list into Movin
    /// with profiles, types, salespeople and origins translated by tables. `plan` says every value
    /// reaches Movin, and the sandbox (which refuses wrong shapes) creates every customer.
    @Test func theRealEstateExampleMovesWhole() async throws {
        let folder = Folder()
        let plan = try Ferry.run([
            "plan", sampleData("inmobiliaria.csv"), "--from", sampleData("inmobiliaria-export.yaml"), "--to",
            sampleData("inmobiliaria-movin.yaml"),
        ])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("every source column is read by the mapping, and its values reach movin"))
        #expect(!plan.stderr.contains("not in the table"), "every word has its id")
        // Ids from the mapping's tables are shown; personal data stays masked.
        #expect(plan.stderr.contains(#"→ ["MjQkMzQ2NDU=","MjQkMzQ2NDc="]"#), "\(plan.stderr)")
        #expect(plan.stderr.contains("l***@example.es") && !plan.stderr.contains("lucia@example.es"))
        try await withSandbox { sandbox, url in
            let run = try await Ferry.runInBackground(
                [
                    "migrate", sampleData("inmobiliaria.csv"), "--from", sampleData("inmobiliaria-export.yaml"), "--to",
                    sampleData("inmobiliaria-movin.yaml"), "--endpoint", url, "--journal", folder.path("j"),
                ], environment: ferryEnvironment)
            #expect(Accounting(run.stderr) == Accounting(read: 4, written: 4, rejected: 0, skipped: 0, uncertain: 0))
            #expect(sandbox.counters.movinCreated == 4)
        }
    }

    /// Companies and the people who work for them in one export: the companies are created first,
    /// and each person refers to theirs by the id Movin gave it (`companies[].id_customer`). A person
    /// whose company Movin refused waits, and the run after the company is fixed sends both; the plan
    /// shows the order.
    @Test func peopleReferToTheCompaniesCreatedFirst() async throws {
        let folder = Folder()
        let mapping = folder.path("empresas.yaml")
        try """
        ferry: mapping 1
        name: empresas
        fields:
          - column: nombre
            field: givenName
          - column: apellidos
            field: familyName1
          - column: nif
            field: taxId
          - column: empresa
            field: companyName
          - column: email
            field: email
          - column: types
        """.write(toFile: mapping, atomically: true, encoding: .utf8)
        // People come before their companies in the file; `types` makes Movin refuse Gamma.
        func export(gammaTypes: String) -> String {
            """
            nombre;apellidos;nif;empresa;email;types
            Ana;García;12345678Z;Construcciones Perez SL;ana@example.es;
            Luis;Martín;;ACME SA;luis@example.es;
            ;;B12345674;Construcciones Pérez S.L.;info@perez.es;
            ;;A58818501;ACME, S.A.;;
            Eva;Sanz;;Nadie SL;eva@example.es;
            Rosa;Gil;;Gamma SL;rosa@example.es;
            ;;B00000000;Gamma SL;;\(gammaTypes)

            """
        }
        let input = folder.path("empresas.csv")
        try export(gammaTypes: "notanarray").write(toFile: input, atomically: true, encoding: .utf8)
        let plan = try Ferry.run(
            ["plan", input, "--from", mapping, "--to", "movin", "--report", folder.path("plan.json")],
            environment: ferryEnvironment)
        let order =
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path("plan.json"))))
            as? [String: Any])?["order"] as? [String: Int]
        #expect(
            order == ["companies": 3, "others": 4, "referring": 4, "referringToInput": 3, "companiesReferred": 3],
            "\(order ?? [:])")
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("1. 3 companies first"), "\(plan.stderr)")
        #expect(
            plan.stderr.contains(
                "2. then 4 other records: 3 of them refer to 3 of those companies, by the id movin gives each; 1 names a company not in the input"
            ), "\(plan.stderr)")
        try await withSandbox { sandbox, url in
            func stored() async throws -> [[String: Any]] {
                let body = try await call(.GET, url + "/_sandbox/movin/customers.ndjson").body
                return String(decoding: body, as: UTF8.self).split(separator: "\n").map {
                    try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                }
            }
            func migrateAgain() async throws -> Ferry.Run {
                try await Ferry.runInBackground(
                    [
                        "migrate", input, "--from", mapping, "--to", "movin", "--endpoint", url, "--journal",
                        folder.path("j"), "--rejects", folder.path("rejects.csv"),
                    ], environment: ferryEnvironment)
            }
            let first = try await migrateAgain()
            #expect(Accounting(first.stderr) == Accounting(read: 7, written: 5, rejected: 2, skipped: 0, uncertain: 0))
            var customers = try await stored()
            func named(_ name: String) -> [String: Any]? { customers.first { $0["name"] as? String == name } }
            func companyID(of person: String) -> String? {
                ((named(person)?["companies"] as? [[String: Any]])?.first)?["id_customer"] as? String
            }
            #expect(customers.prefix(2).map { $0["company"] as? String } == ["1", "1"], "the companies come first")
            #expect(companyID(of: "Ana") == named("Construcciones Pérez S.L.")?["id_customer"] as? String)
            #expect(companyID(of: "Luis") == named("ACME, S.A.")?["id_customer"] as? String)
            #expect(companyID(of: "Ana") != nil && companyID(of: "Luis") != nil)
            #expect(named("Eva") != nil && companyID(of: "Eva") == nil, "Nadie SL is not in the input")
            #expect(named("Rosa") == nil, "Rosa waits for Gamma SL, which Movin refused")
            let rejects = try String(contentsOfFile: folder.path("rejects.csv"), encoding: .utf8)
            #expect(rejects.contains("The field types must be an array"))
            #expect(rejects.contains("not sent: its company (record 7"), "\(rejects)")
            // Gamma fixed: the next run creates it, then Rosa with its id; nothing else is sent again.
            try export(gammaTypes: "").write(toFile: input, atomically: true, encoding: .utf8)
            let second = try await migrateAgain()
            #expect(Accounting(second.stderr) == Accounting(read: 7, written: 2, rejected: 0, skipped: 5, uncertain: 0))
            customers = try await stored()
            #expect(customers.count == 7)
            #expect(
                companyID(of: "Rosa") == named("Gamma SL")?["id_customer"] as? String && companyID(of: "Rosa") != nil)
            #expect(sandbox.counters.movinCreated == 7)
        }
        let stdin = try Ferry.run(
            [
                "migrate", "-", "--from", mapping, "--to", "movin", "--endpoint", "http://127.0.0.1:9", "--journal",
                folder.path("k"),
            ], stdin: Data(export(gammaTypes: "").utf8), environment: ferryEnvironment)
        #expect(stdin.stderr.contains("standard input cannot be read twice"), "\(stdin.stderr)")
    }

    @Test func movinRunOutlivesFiveSecondTokens() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 400, seed: 8)
        try await withSandbox({ $0.tokenLifetime = 5 }) { sandbox, url in
            let started = Date()
            let run = try await migrate(
                input, to: "movin", endpoint: url, journal: folder.path("movin.ferry-journal"), ["--rate", "55"])
            let totals = Accounting(run.stderr)
            #expect(Date().timeIntervalSince(started) > 6, "the run must last longer than a token")
            #expect(totals.read == 400)
            #expect(totals.uncertain == 0)
            #expect(totals.written + totals.rejected == 400)
            #expect(sandbox.counters.movinTokenRequests >= 2)
            #expect(sandbox.counters.movinCreated == totals.written)
            #expect(run.stderr.contains("tokens obtained"))
        }
    }

    @Test func aGivenMovinTokenIsUsedWithoutKeyOrPassword() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 20, seed: 10)
        try await withSandbox { sandbox, url in
            let token = try await movinToken(url)
            var environment = ferryEnvironment
            environment["MOVIN_API_KEY"] = nil
            environment["MOVIN_API_PASSWORD"] = nil
            environment["MOVIN_TOKEN"] = token
            let run = try await migrate(
                input, to: "movin", endpoint: url, journal: folder.path("t.ferry-journal"), environment: environment)
            #expect(Accounting(run.stderr).uncertain == 0)
            #expect(sandbox.counters.movinCreated == Accounting(run.stderr).written)
            #expect(sandbox.counters.movinTokenRequests == 1, "only the test asked for a token")
            #expect(!run.stderr.contains(token ?? "-"))
            let skip = try await migrate(
                input, to: "movin", endpoint: url, journal: folder.path("u.ferry-journal"), ["--skip-existing"],
                environment: environment)
            #expect(skip.status == 2)
            #expect(skip.stderr.contains("--skip-existing needs a way to look customers up"))
        }
    }

    @Test func lostMovinAnswersStayUncertainUntilTheUserAsks() async throws {
        try await withLossyMovin { sandbox, url, input, journal, first in
            let totals = Accounting(first.stderr)
            #expect(first.status == 1)
            #expect(totals.uncertain > 0)
            #expect(first.stderr.contains("--retry-uncertain"))
            #expect(first.stderr.contains("ferry journal reconcile --with EXPORT.csv"))
            let listed = try Ferry.run(["journal", "list", "--state", "uncertain", "--journal", journal])
            #expect(listed.stdout.split(separator: "\n").count == totals.uncertain)

            let before = sandbox.counters.movinCreateRequests
            let second = try await migrate(input, to: "movin", endpoint: url, journal: journal)
            #expect(Accounting(second.stderr).uncertain == totals.uncertain)
            #expect(sandbox.counters.movinCreateRequests == before, "uncertain records are not resent by default")

            let retried = try await migrate(
                input, to: "movin", endpoint: url, journal: journal, ["--retry-uncertain", "--max-attempts", "30"])
            #expect(sandbox.counters.movinCreateRequests > before)
            #expect(Accounting(retried.stderr).skipped == totals.written)
        }
    }

    /// Uncertain Movin records settled against the customer list exported from Movin's screens:
    /// those a lost answer created are found (created), the others sent by the next run; no duplicate.
    @Test func reconcileSettlesUncertainMovinRecordsFromAnExport() async throws {
        try await withLossyMovin { sandbox, url, input, journal, first in
            let totals = Accounting(first.stderr)
            #expect(totals.uncertain > 0)
            let storedBefore =
                (try await call(.GET, url + "/_sandbox/stats").object["movin"] as? [String: Int])?[
                    "customers"] ?? 0
            // Created by a lost answer: stored, but not among the records the run counts as written.
            let lostButStored = storedBefore - totals.written
            #expect(lostButStored > 0 && lostButStored < totals.uncertain, "the seed gives both kinds")
            let export = journal + ".export.csv"
            try (try await call(.GET, url + "/_sandbox/movin/customers.csv")).body.write(
                to: URL(fileURLWithPath: export))

            let reconciled = try Ferry.run(["journal", "reconcile", "--with", export, "--journal", journal])
            #expect(reconciled.status == 0, "\(reconciled.stderr)")
            #expect(
                reconciled.stderr.contains(
                    "\(lostButStored) uncertain records found (created) · \(totals.uncertain - lostButStored) not found"
                ),
                "\(reconciled.stderr)")
            let counts = try journalCounts(journal)
            #expect(counts["uncertain", default: 0] == 0)
            #expect(counts["created"] == totals.written + lostButStored)

            // The next run sends those not found (faults still on), and nothing ends up twice in Movin.
            let before = sandbox.counters.movinCreateRequests
            let second = try await migrate(input, to: "movin", endpoint: url, journal: journal)
            #expect(Accounting(second.stderr).skipped == totals.written + lostButStored, "\(second.stderr)")
            #expect(sandbox.counters.movinCreateRequests > before)
            let stats = try await call(.GET, url + "/_sandbox/stats").object["movin"] as? [String: Int]
            #expect(stats?["duplicates"] == 0)
        }
    }

    @Test func aRunKilledMidwayResumesWithoutDuplicates() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 300, seed: 12)
        let journal = folder.path("killed.ferry-journal")
        let state = folder.path("sandbox.sqlite")
        var port = 0
        // A slow sandbox, so the run is surely halfway when it is killed.
        try await withSandbox({
            $0.statePath = state; $0.faults = try! FaultSpec("latency=1"); $0.faults.maxLatency = 0.1
        }) { sandbox, url in
            port = Int(url.split(separator: ":").last!)!
            let process = Process()
            process.executableURL = Ferry.executable
            process.arguments = [
                "migrate", input, "--from", exportMapping, "--to", "koibox", "--endpoint", url, "--journal", journal,
                "-q",
            ]
            process.environment = ferryEnvironment
            try process.run()
            for _ in 0..<100 where sandbox.counters.koiboxCreated < 60 { try await Task.sleep(nanoseconds: 50_000_000) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(sandbox.counters.koiboxCreated < 300)
        }
        let left: [String: Int]? = try journalCounts(journal)
        #expect((left?["sending"] ?? 0) > 0, "the kill left records on their way, whose fate the next run must settle")
        // The same endpoint again (the journal belongs to one), with the customers it had.
        try await withSandbox({
            $0.statePath = state; $0.port = port
        }) { _, url in
            let resumed = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            let totals = Accounting(resumed.stderr)
            #expect(totals.read == 300)
            #expect(totals.uncertain == 0)
            let stats = try await call(.GET, url + "/_sandbox/stats").object["koibox"] as? [String: Int]
            let counts: [String: Int]? = try journalCounts(journal)
            #expect(stats?["customers"] == counts?["created"], "every customer in Koibox is exactly one created record")
            #expect((counts?["created"] ?? 0) + (counts?["rejected"] ?? 0) == 300)
        }
    }

    @Test func ctrlCStopsCleanlyWithEveryAnswerJournaled() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 300, seed: 13)
        let journal = folder.path("stopped.ferry-journal")
        try await withSandbox({
            $0.faults = try! FaultSpec("latency=1"); $0.faults.maxLatency = 0.1
        }) { sandbox, url in
            let process = Process()
            process.executableURL = Ferry.executable
            process.arguments = [
                "migrate", input, "--from", exportMapping, "--to", "koibox", "--endpoint", url, "--journal", journal,
            ]
            process.environment = ferryEnvironment
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 where sandbox.counters.koiboxCreated < 40 { try await Task.sleep(nanoseconds: 50_000_000) }
            kill(process.processIdentifier, SIGINT)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 3)
            #expect(stderr.contains("stopped on request"))
            let counts: [String: Int]? = try journalCounts(journal)
            #expect(counts?["sending"] == nil, "a clean stop leaves nothing on its way")
            #expect(counts?["created"] == sandbox.counters.koiboxCreated)
            #expect(sandbox.counters.koiboxCreated < 290)

            let resumed = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            let totals = Accounting(resumed.stderr)
            #expect(totals.skipped == counts?["created"])
            #expect(sandbox.counters.koiboxCreated == totals.written + totals.skipped)
        }
    }

    @Test func aSecondRunOnTheSameJournalIsRefusedWhileTheFirstGoesOn() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 200, seed: 15)
        let journal = folder.path("shared.ferry-journal")
        try await withSandbox({
            $0.faults = try! FaultSpec("latency=1"); $0.faults.maxLatency = 0.05
        }) { sandbox, url in
            let first = Task { try await migrate(input, to: "koibox", endpoint: url, journal: journal) }
            for _ in 0..<200 where sandbox.counters.koiboxCreated < 20 { try await Task.sleep(nanoseconds: 50_000_000) }
            let second = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            #expect(second.status == 3)
            #expect(second.stderr.contains("another `ferry migrate` is using the journal"), "\(second.stderr)")
            let done = try await first.value
            let totals = Accounting(done.stderr)
            #expect(totals.read == 200 && totals.written + totals.rejected == 200)
            #expect(sandbox.counters.koiboxCreated == totals.written, "only the first run sent anything")
            // Once the first run is over, the journal is free again.
            let third = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            #expect(Accounting(third.stderr).skipped == totals.written)
        }
    }

    /// A sandbox on `port` (0: any) keeping its customers in `state`, slow enough that a run is
    /// still going when it stops.
    func startSlowSandbox(state: String, port: Int = 0) async throws -> (Sandbox, Sandbox.Running) {
        var configuration = SandboxConfiguration(environment: testCredentials)
        configuration.statePath = state
        configuration.port = port
        configuration.faults = try FaultSpec("latency=1")
        configuration.faults.maxLatency = 0.05
        let sandbox = try Sandbox(configuration: configuration)
        return (sandbox, try await sandbox.start())
    }

    /// A 300-record Koibox migration (with `extra` options) into a slow sandbox that keeps its
    /// customers in a state file and goes down once 50 are created. The run goes on in `run`;
    /// `restart` brings the sandbox back on the same port with the same customers.
    struct Outage {
        let folder = Folder()
        let input: String, journal: String, state: String, url: String, port: Int
        let run: Task<Ferry.Run, any Error>
        let createdBeforeStop: Int

        init(seed: Int, _ extra: [String], startSlowSandbox: (String, Int) async throws -> (Sandbox, Sandbox.Running))
            async throws
        {
            input = try sampleExport(folder, rows: 300, seed: seed)
            let (journal, state) = (folder.path("outage.ferry-journal"), folder.path("sandbox.sqlite"))
            (self.journal, self.state) = (journal, state)
            let (before, running) = try await startSlowSandbox(state, 0)
            let (input, url) = (self.input, running.url)
            (self.url, port) = (url, running.port)
            run = Task { try await migrate(input, to: "koibox", endpoint: url, journal: journal, extra) }
            for _ in 0..<200 where before.counters.koiboxCreated < 50 { try await Task.sleep(nanoseconds: 50_000_000) }
            await running.stop()
            createdBeforeStop = before.counters.koiboxCreated
        }

        /// Every customer in Koibox is exactly one created record, and nothing is left to do.
        func expectSettled(after totals: Accounting, _ output: String) async throws {
            #expect(totals.read == 300)
            #expect(totals.written + totals.rejected + totals.skipped == 300 && totals.uncertain == 0, "\(output)")
            let counts = try journalCounts(journal)
            #expect(counts["failed"] == nil && counts["sending"] == nil && counts["pending"] == nil, "\(counts)")
            let stats = try await call(.GET, url + "/_sandbox/stats").object["koibox"] as? [String: Int]
            #expect(stats?["customers"] == counts["created"], "every customer in Koibox is exactly one created record")
        }
    }

    @Test func aShortOutageCostsTimeNotRecords() async throws {
        // Two attempts a record, connecting for at most 2 s each: without outage handling, six
        // seconds of refused connections would fail the records on their way.
        let outage = try await Outage(
            seed: 14, ["--max-attempts", "2", "--timeout", "2"], startSlowSandbox: startSlowSandbox)
        #expect(outage.createdBeforeStop < 300, "the outage began halfway")
        try await Task.sleep(nanoseconds: 6_000_000_000)
        let (_, back) = try await startSlowSandbox(state: outage.state, port: outage.port)
        let result = try await outage.run.value
        let totals = Accounting(result.stderr)
        #expect(totals.skipped == 0, "one run did it all")
        try await outage.expectSettled(after: totals, result.stderr)
        await back.stop()
    }

    @Test func aLongerOutageStopsTheRunResumably() async throws {
        let outage = try await Outage(seed: 16, ["--max-outage", "1"], startSlowSandbox: startSlowSandbox)
        let stopped = try await outage.run.value
        #expect(stopped.status == 3)
        #expect(stopped.stderr.contains("has refused connections for over 1 s"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("run the same command again"))
        let (_, back) = try await startSlowSandbox(state: outage.state, port: outage.port)
        let resumed = try await migrate(outage.input, to: "koibox", endpoint: outage.url, journal: outage.journal)
        try await outage.expectSettled(after: Accounting(resumed.stderr), resumed.stderr)
        await back.stop()
    }

    /// A code another customer already has: with `on_clash: reject` the customer is refused, with the
    /// API's message in the rejects file.
    @Test func theAPIsRefusalsReachTheRejectsFileWithItsMessage() async throws {
        let folder = Folder()
        let input = folder.path("dos.csv")
        try "nombre;apellido1;code\nAna;Ruiz;7\nEva;Sanz;7\n".write(toFile: input, atomically: true, encoding: .utf8)
        let strict = folder.path("koibox-strict.yaml")
        try """
        ferry: mapping 1
        extends: koibox
        fields:
          - column: code
            field: code
            type: integer
            fallback_column: manual_code
            on_clash: reject
        """.write(toFile: strict, atomically: true, encoding: .utf8)
        try await withSandbox { _, url in
            let run = try await Ferry.runInBackground(
                [
                    "migrate", input, "--from", "koibox", "--to", strict, "--endpoint", url,
                    "--journal", folder.path("dos.ferry-journal"), "--rejects", folder.path("rejects.csv"),
                    "--concurrency", "1",
                ],
                environment: ferryEnvironment)
            #expect(run.status == 1)
            #expect(Accounting(run.stderr) == Accounting(read: 2, written: 1, rejected: 1, skipped: 0, uncertain: 0))
            let rejects = try String(contentsOfFile: folder.path("rejects.csv"), encoding: .utf8)
            #expect(rejects.contains("Eva"))
            #expect(rejects.contains("code: cliente with this code already exists. (the API answered 400)"))
        }
    }

    /// A code another Koibox customer already has: the customer is created without it, the code
    /// kept in `manual_code`, with a note in the report and the journal; a code that is not a whole
    /// number goes to `manual_code` before sending.
    @Test func aCodeThatClashesIsKeptInManualCode() async throws {
        let folder = Folder()
        let input = folder.path("tres.csv")
        try "nombre;apellido1;code\nAna;Ruiz;7\nEva;Sanz;7\nLuz;Mora;0042\n".write(
            toFile: input, atomically: true, encoding: .utf8)
        try await withSandbox { sandbox, url in
            let journal = folder.path("tres.ferry-journal")
            let run = try await Ferry.runInBackground(
                [
                    "migrate", input, "--from", "koibox", "--to", "koibox", "--endpoint", url,
                    "--journal", journal, "--report", folder.path("report.json"), "--concurrency", "1",
                ],
                environment: ferryEnvironment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(Accounting(run.stderr) == Accounting(read: 3, written: 3, rejected: 0, skipped: 0, uncertain: 0))
            #expect(sandbox.counters.koiboxCreated == 3)
            let page = try await call(.GET, url + "/api/clientes/?limit=50", headers: koiboxKey)
            let results = page.object["results"] as? [[String: Any]] ?? []
            let byName = Dictionary(uniqueKeysWithValues: results.map { ($0["nombre"] as? String ?? "", $0) })
            #expect((byName["Ana"]?["code"] as? NSNumber)?.intValue == 7)
            #expect(byName["Ana"]?["manual_code"] == nil)
            #expect((byName["Eva"]?["code"] as? NSNumber)?.intValue != 7)
            #expect(byName["Eva"]?["manual_code"] as? String == "7")
            #expect(byName["Luz"]?["manual_code"] as? String == "0042")
            let report = try String(contentsOfFile: folder.path("report.json"), encoding: .utf8)
            #expect(report.contains("created without it, the value kept as text in `manual_code`"))
            let listed = try Ferry.run(["journal", "list", "--journal", journal])
            #expect(listed.stdout.contains("its code was refused"), "\(listed.stdout)")
        }
    }

    @Test func theRateCapsEveryWorkerTogether() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 61, seed: 30)
        try await withSandbox { _, url in
            let started = Date()
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("r.ferry-journal"),
                ["--rate", "20", "--concurrency", "8"])
            let written = Accounting(run.stderr).written
            #expect(written > 50)
            // The key check and every create share the pace: 20 a second, whichever worker sends.
            #expect(Date().timeIntervalSince(started) >= Double(written - 1) / 20)
        }
    }

    @Test func a429PausesEveryWorkerForItsRetryAfter() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 12, seed: 31)
        try await withSandbox({
            $0.faults = try! FaultSpec("429=0.3"); $0.retryAfter = 1; $0.seed = 31
        }) { sandbox, url in
            let started = Date()
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("r.ferry-journal"), ["--max-attempts", "30"])
            let totals = Accounting(run.stderr)
            #expect(totals.written + totals.rejected == 12)
            #expect(sandbox.counters.faultsInjected >= 2)
            #expect(run.stderr.contains("asked to slow down"))
            // Two 429s a second apart at least: each made every worker wait a whole second.
            #expect(Date().timeIntervalSince(started) >= 1.0)
        }
    }

    @Test func recordsTheAPIKeptFailingAreSentAgainByTheNextRun() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 6, seed: 32)
        let journal = folder.path("f.ferry-journal")
        let state = folder.path("sandbox.sqlite")
        var port = 0
        var failed = 0
        // Nine requests in ten answered 503; with seed 6 the key check gets through, most creates not.
        try await withSandbox({
            $0.faults = try! FaultSpec("503=0.9"); $0.seed = 6; $0.statePath = state
        }) { sandbox, url in
            port = Int(url.split(separator: ":").last!)!
            let run = try await migrate(input, to: "koibox", endpoint: url, journal: journal, ["--max-attempts", "2"])
            #expect(run.status == 1, "\(run.stderr)")
            let totals = Accounting(run.stderr)
            failed = totals.rejected
            #expect(failed > 0)
            #expect(try journalCounts(journal)["failed"] == failed)
            #expect(sandbox.counters.koiboxCreated == totals.written)
            #expect(run.stderr.contains("not sent"))
        }
        // The API is well again: the next run sends what failed, and only that.
        try await withSandbox({
            $0.statePath = state; $0.port = port
        }) { sandbox, url in
            let again = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            let totals = Accounting(again.stderr)
            #expect(totals.written == failed)
            #expect(totals.written + totals.skipped == 6)
            #expect(sandbox.counters.koiboxCreated == failed)
            #expect(try journalCounts(journal)["failed"] == nil)
        }
    }

    @Test func answersLateBeyondTheTimeoutAreTreatedAsLost() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 20, seed: 33)
        try await withSandbox({
            $0.faults = try! FaultSpec("latency=0.5"); $0.faults.maxLatency = 0.3; $0.seed = 33
        }) { sandbox, url in
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("t.ferry-journal"),
                ["--timeout", "0.1", "--max-attempts", "20"])
            let totals = Accounting(run.stderr)
            #expect(totals.read == 20)
            #expect(totals.written + totals.rejected + totals.uncertain == 20)
            // A create that timed out may have been stored: never more customers than records that could be.
            #expect(sandbox.counters.koiboxCreated >= totals.written)
            #expect(sandbox.counters.koiboxCreated <= totals.written + totals.uncertain)
            #expect(
                sandbox.counters.koiboxCreateRequests > totals.written,
                "some answers came too late and were retried or looked up")
        }
    }

    @Test func skipExistingLeavesCustomersAlreadyInKoibox() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 40, seed: 21)
        try await withSandbox { sandbox, url in
            _ = try await migrate(input, to: "koibox", endpoint: url, journal: folder.path("first.ferry-journal"))
            let created = sandbox.counters.koiboxCreated
            let second = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("second.ferry-journal"), ["--skip-existing"])
            #expect(sandbox.counters.koiboxCreated == created)
            #expect(Accounting(second.stderr).skipped == created)
            #expect(second.stderr.contains("were already in koibox"))
        }
    }

    @Test func wrongCredentialsStopTheRunBeforeAnythingIsSent() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 10)
        try await withSandbox { sandbox, url in
            var wrong = ferryEnvironment
            wrong["KOIBOX_API_KEY"] = "not-the-key"
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("j.ferry-journal"), environment: wrong)
            #expect(run.status == 3)
            #expect(run.stderr.contains("refused the credentials (403)"))
            #expect(!run.stderr.contains("not-the-key"))
            #expect(sandbox.counters.koiboxCreateRequests == 0)
            var none = ferryEnvironment
            none["KOIBOX_API_KEY"] = nil
            let missing = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("k.ferry-journal"), environment: none)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("KOIBOX_API_KEY"))
        }
    }

    @Test func credentialsCanComeFromAFile() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 5, seed: 40)
        let file = folder.path("koibox.env")
        try "# Koibox\nKOIBOX_API_KEY=\"\(testCredentials["KOIBOX_API_KEY"]!)\"\nOTHER=ignored\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        var environment = ferryEnvironment
        environment["KOIBOX_API_KEY"] = nil
        try await withSandbox { sandbox, url in
            let run = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("c.ferry-journal"), ["--credentials", file],
                environment: environment)
            #expect(sandbox.counters.koiboxCreated == Accounting(run.stderr).written)
            #expect(Accounting(run.stderr).written > 0)
            try "KOIBOX_API_KEY \(testCredentials["KOIBOX_API_KEY"]!)\n".write(
                toFile: file, atomically: true, encoding: .utf8)
            let broken = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("d.ferry-journal"), ["--credentials", file],
                environment: environment)
            #expect(broken.status == 2)
            #expect(broken.stderr.contains("line 1 is not NAME=value"))
            #expect(!broken.stderr.contains(testCredentials["KOIBOX_API_KEY"]!))
        }
    }

    @Test func plainHTTPIsRefusedForAnythingButLoopback() throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 5)
        let run = try Ferry.run(
            [
                "migrate", input, "--from", exportMapping, "--to", "koibox", "--endpoint", "http://api.koibox.cloud",
                "--journal", folder.path("j.ferry-journal"),
            ], environment: ferryEnvironment)
        #expect(run.status == 2)
        #expect(run.stderr.contains("is not https"))
    }

    @Test func credentialsInTheEndpointURLAreRefusedAndNeverRepeated() throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 5)
        for command in [
            ["migrate", input, "--from", exportMapping, "--to", "koibox", "--journal", folder.path("j.ferry-journal")],
            ["export", "--from", "koibox", "-o", folder.path("out.json")],
        ] {
            let run = try Ferry.run(
                command + ["--endpoint", "https://ana:s3cret-Pw@127.0.0.1:9/"], environment: ferryEnvironment)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains("holds a user name or password"))
            #expect(!run.stderr.contains("s3cret-Pw") && !run.stdout.contains("s3cret-Pw"))
        }
        #expect(folder.contents == ["clientes-5.csv"], "no journal records the URL: \(folder.contents)")
    }

    @Test func anHTTPSEndpointWithACertificateNobodyVouchesForIsRefused() async throws {
        // A TLS server on loopback with a self-signed certificate (openssl s_server): the run stops
        // before sending anything, and no option turns the check off.
        let folder = Folder()
        let input = try sampleExport(folder, rows: 5)
        let made = try Ferry.run(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-keyout", folder.path("key.pem"), "-out", folder.path("cert.pem"),
            ],
            executable: URL(fileURLWithPath: "/usr/bin/openssl"))
        try #require(made.status == 0, "\(made.stderr)")
        let port = Int.random(in: 20_000...60_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", folder.path("cert.pem"), "-key",
            folder.path("key.pem"), "-www", "-quiet",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        try await Task.sleep(nanoseconds: 500_000_000)
        let run = try await migrate(
            input, to: "koibox", endpoint: "https://127.0.0.1:\(port)", journal: folder.path("j.ferry-journal"))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.lowercased().contains("certificate"), "\(run.stderr)")
        #expect(try journalCounts(folder.path("j.ferry-journal")).isEmpty, "nothing was sent")
        let help = try Ferry.run(["migrate", "--help"])
        #expect(
            !help.stdout.contains("insecure") && !help.stdout.contains("verify"), "no option turns verification off")
    }

    @Test func aFileSizeLimitStopsAConversionWithNothingLeftBehind() async throws {
        // `ulimit -f` as a full disk: the write fails, the run says why, and neither the output nor its
        // temporary file is left.
        let folder = Folder()
        let input = try sampleExport(folder, rows: 3000)
        let output = folder.path("movin.ndjson")
        let run = try await Ferry.runShell(
            "ulimit -f 100; exec '\(Ferry.executable.path)' convert '\(input)' --from '\(exportMapping)' --to movin -o '\(output)'",
            environment: ferryEnvironment)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("movin.ndjson: writing failed: File too large"))
        #expect(run.stderr.contains("file size limit"))
        #expect(
            !folder.contents.contains { $0.contains("movin") }, "no output and no temporary file: \(folder.contents)")
    }

    @Test func aFullDiskStopsAMigrationAndTheJournalResumesIt() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 400, seed: 4)
        let journal = folder.path("full.ferry-journal")
        try await withSandbox { _, url in
            // 200 KiB: the journal fills up after the first records have gone out.
            let stopped = try await Ferry.runShell(
                "ulimit -f 400; exec '\(Ferry.executable.path)' migrate '\(input)' --from '\(exportMapping)' --to koibox --endpoint \(url) --journal '\(journal)' -q",
                environment: ferryEnvironment)
            #expect(stopped.status == 3, "\(stopped.stderr)")
            #expect(stopped.stderr.contains("the journal \(journal) cannot be written"))
            #expect(stopped.stderr.contains("run the same command again to resume"))
            let resumed = try await migrate(input, to: "koibox", endpoint: url, journal: journal)
            let totals = Accounting(resumed.stderr)
            #expect(totals.read == 400 && totals.uncertain == 0)
            #expect(totals.written + totals.rejected + totals.skipped == 400, "\(resumed.stderr)")
            let counts = try journalCounts(journal)
            let stats = try await call(.GET, url + "/_sandbox/stats").object["koibox"] as? [String: Int]
            #expect(stats?["customers"] == counts["created"], "every customer in Koibox is exactly one created record")
            #expect(stats?["duplicates"] == 0)
        }
    }

    @Test func exportReadsEveryPageAndPipesIntoMovin() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 130, seed: 4)
        try await withSandbox({
            $0.faults = try! FaultSpec("503=0.2"); $0.retryAfter = 0
        }) { sandbox, url in
            let into = try await migrate(
                input, to: "koibox", endpoint: url, journal: folder.path("k.ferry-journal"), ["--max-attempts", "20"])
            let inKoibox = Accounting(into.stderr).written
            let export = try await Ferry.runInBackground(
                ["export", "--from", "koibox", "--endpoint", url, "-o", folder.path("koibox.json")],
                environment: ferryEnvironment)
            #expect(export.status == 0, "\(export.stderr)")
            let records =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: folder.path("koibox.json")))) as? [[String: Any]]
            #expect(records?.count == inKoibox)
            #expect(Set(records?.compactMap { $0["id"] as? Int } ?? []).count == inKoibox)

            let pipe =
                "'\(Ferry.executable.path)' export --from koibox --endpoint \(url) -o - --format ndjson -q | "
                + "'\(Ferry.executable.path)' migrate - --from koibox --to movin --endpoint \(url) --journal '\(folder.path("k2m.ferry-journal"))' --max-attempts 20"
            let piped = try await Ferry.runShell(pipe, environment: ferryEnvironment)
            #expect(Accounting(piped.stderr).read == inKoibox, "\(piped.stderr)")
            #expect(sandbox.counters.movinCreated == Accounting(piped.stderr).written)
            #expect(Accounting(piped.stderr).written > inKoibox * 9 / 10)
        }
    }

    @Test func secretsAppearNowhere() async throws {
        let folder = Folder()
        let input = try sampleExport(folder, rows: 150, seed: 5)
        try await withSandbox({
            $0.faults = try! FaultSpec("503=0.1,commit-then-fail=0.05,drop=0.05"); $0.retryAfter = 0;
            $0.tokenLifetime = 1
        }) { _, url in
            var outputs: [String] = []
            for target in ["koibox", "movin"] {
                let journal = folder.path("\(target).ferry-journal")
                let run = try await migrate(
                    input, to: target, endpoint: url, journal: journal,
                    [
                        "--report", folder.path("\(target).json"), "--rejects", folder.path("\(target)-rejects.csv"),
                        "--rate", "100",
                    ])
                outputs += [run.stdout, run.stderr]
                let list = try Ferry.run(["journal", "list", "--journal", journal, "--limit", "1000", "--json"])
                outputs += [list.stdout, list.stderr]
            }
            let export = try await Ferry.runInBackground(
                ["export", "--from", "koibox", "--endpoint", url, "-o", folder.path("export.json")],
                environment: ferryEnvironment)
            outputs += [export.stdout, export.stderr]
            for name in folder.contents {
                // Every file the runs left: reports, rejects, exports, journals with their WAL files.
                outputs.append(
                    String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder.path(name))), as: UTF8.self))
            }
            #expect(folder.contents.contains("koibox.ferry-journal"))
            for secret in testCredentials.values {
                #expect(!outputs.contains { $0.contains(secret) }, "a credential leaked")
            }
            let basic = Data("\(testCredentials["MOVIN_API_KEY"]!):\(testCredentials["MOVIN_API_PASSWORD"]!)".utf8)
                .base64EncodedString()
            #expect(!outputs.contains { $0.contains(basic) })
            // Files that hold personal data are readable by their owner only: journals with their
            // WAL and key files, reports, rejects, exports (the sample input is the test's own).
            let personal = folder.contents.filter { !$0.hasPrefix("clientes-") }
            #expect(
                personal.contains("koibox.ferry-journal.key") && personal.contains("koibox.json")
                    && personal.contains("export.json"))
            for name in personal {
                let mode =
                    try FileManager.default.attributesOfItem(atPath: folder.path(name))[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(name) has mode \(String(mode ?? 0, radix: 8))")
            }
        }
    }
}

extension Ferry {
    /// A shell pipeline, for `export | migrate`.
    static func runShell(_ command: String, environment: [String: String]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try Ferry.run(
                            ["-c", "set -o pipefail; " + command], executable: URL(fileURLWithPath: "/bin/bash"),
                            environment: environment)
                    })
            }
        }
    }
}
