import ArgumentParser
import FerryKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ferry migrate`: creates every record in Koibox or Movin through their APIs, resumably.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract:
            "Create every record of INPUT in the target system through its API, resumably and without duplicates.",
        discussion: """
            Each record is mapped and checked as `plan` shows, then created with the target mapping's \
            API (`api:` in Mappings/koibox.yaml and movin.yaml). Every record ends exactly once as \
            created, rejected (refused by Ferry or by the API, with the API's message, in the rejects \
            file) or uncertain (its answer was lost and the API cannot be asked; listed with what to \
            check). 429, 5xx, timeouts and dropped connections are retried with backoff; a create whose \
            answer was lost is looked up before it is sent again (Koibox), or left uncertain (Movin, \
            unless --retry-uncertain).

            The journal (SQLite) records each record's state before its request leaves and after its \
            answer: running the same command again resumes, and a finished migration run again sends \
            nothing. `ferry journal status` shows it.

            Credentials come from the environment, or from the file --credentials names (NAME=value \
            lines): KOIBOX_API_KEY for Koibox; MOVIN_TOKEN, or MOVIN_API_KEY and MOVIN_API_PASSWORD \
            (Ferry then obtains and renews tokens) for Movin. They are never printed or stored. The \
            endpoint must be https, except 127.0.0.1 and localhost (`ferry sandbox`).

            Exit status: 0 every record created (or settled earlier); 1 some rejected or uncertain; \
            2 usage or mapping error; 3 the run could not go on (input, journal, network, credentials).

            Examples:
              ferry migrate clientes.csv --from koibox --to movin --endpoint https://movin.cloud
              ferry migrate clientes.csv --from mi-export.yaml --to koibox --endpoint http://127.0.0.1:8080 --report run.html
              ferry export --from koibox --endpoint URL -o - | ferry migrate - --from koibox --to movin --endpoint URL2 --journal k2m.journal
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Input file (CSV, JSON, NDJSON or API pages), or - for standard input (then give --journal).",
            valueName: "input"))
    var input: String

    @Option(help: ArgumentHelp("Source mapping: koibox, movin, canonical, or a mapping file.", valueName: "source"))
    var from: String

    @Option(help: ArgumentHelp("Target: koibox, movin, or a mapping file with an `api:` section.", valueName: "target"))
    var to: String

    @Option(
        help: ArgumentHelp(
            "The API's base URL, e.g. https://api.koibox.cloud, or the sandbox's http://127.0.0.1:PORT.",
            valueName: "url"))
    var endpoint: String

    @Option(
        help: ArgumentHelp(
            "The journal file (default: INPUT.TARGET.ferry-journal beside the input).", valueName: "file"))
    var journal: String?

    @Option(help: ArgumentHelp("Requests in flight at once (1 to 64).", valueName: "n"))
    var concurrency = 4

    @Option(
        help: ArgumentHelp(
            "At most this many requests a second, all workers together (default: no limit until the API answers 429).",
            valueName: "per-second"))
    var rate: Double?

    @Option(
        help: ArgumentHelp(
            "Write refused records here with every reason (default: beside the journal, .rejects.csv, only when some are refused).",
            valueName: "file"))
    var rejects: String?

    @OptionGroup var credentials: CredentialOptions

    @Flag(
        help:
            "Send again records whose answer was lost, where the API cannot be asked whether they exist (Movin). This can duplicate them."
    )
    var retryUncertain = false

    @Flag(
        help:
            "Look each customer up before creating it (by mobile, e-mail, tax id) and skip those already in the target (Koibox)."
    )
    var skipExisting = false

    @Flag(
        help:
            "Update customers whose records changed since an earlier run created them, with the target's update call (Koibox: PATCH). Without it they are reported and left as they are."
    )
    var update = false

    @Option(help: ArgumentHelp("Requests for one record before giving it up for this run.", valueName: "n"))
    var maxAttempts = 8

    @Option(help: ArgumentHelp("Seconds to wait for one answer.", valueName: "seconds"))
    var timeout = 30.0

    @Option(
        help: ArgumentHelp(
            "Seconds the API may refuse connections before the run stops; until then an outage costs time, not records.",
            valueName: "seconds"))
    var maxOutage = 120.0

    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var reportOptions: ReportOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be above 0") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be above 0") }
        guard maxOutage >= 0 else { throw ValidationError("--max-outage must be 0 or more") }
        if input == "-", journal == nil {
            throw ValidationError(
                "reading standard input, give --journal FILE: the journal is what lets a stopped run resume")
        }
    }

    func run() async throws {
        let readOptions = try inputOptions.readOptions()
        let source = try ProfileCatalog.load(from)
        let target = try ProfileCatalog.load(to)
        guard let api = target.api else {
            throw FerryError(
                .usage, "`\(to)` has no API Ferry can call",
                hint: "migrate into koibox or movin, or add `api:` to the mapping; to write files use `ferry convert`")
        }
        let journalPath = journal ?? Migration.defaultJournalPath(input: input, target: target.name)
        let rejectsPath =
            rejects ?? (journalPath.hasSuffix(".ferry-journal") ? String(journalPath.dropLast(14)) : journalPath)
            + ".rejects.csv"
        var options = MigrationOptions(
            endpoint: endpoint, journalPath: journalPath, environment: try credentials.environment(for: api))
        options.concurrency = concurrency
        options.rate = rate
        options.retryUncertain = retryUncertain
        options.skipExisting = skipExisting
        options.update = update
        options.maxAttempts = maxAttempts
        options.requestTimeout = timeout
        options.maxOutage = maxOutage
        let rejectsFile = try RejectsFile(
            path: rejectsPath, inputMayGrowColumns: InputFile.mayMeetNewColumns(input, options: readOptions))
        let collector = ReportCollector(kind: .migrate, source: source, target: target)
        let bar = ProgressBar(quiet: quiet)
        let stop = StopRequest()
        options.stop = stop
        let signals = Self.stopOnInterrupt(stop)
        defer { signals.forEach { $0.cancel() } }
        let result: MigrationResult
        do {
            result = try await Migration(
                inputPath: input, readOptions: readOptions, source: source, target: target, options: options
            )
            .run(rejects: rejectsFile, report: collector, progress: bar.update)
        } catch {
            bar.finish()
            if rejectsFile.count > 0 { Terminal.note("records refused so far and their reasons: \(rejectsPath)") }
            if Self.hasWorkLeft(journalPath) {
                Terminal.note("journal: \(journalPath) — run the same command again to resume")
            }
            throw error
        }
        bar.finish()
        let report = try reportOptions.finish(collector, result: result.conversion, input: input)
        if !quiet {
            summarize(result, report: report, target: target, rejectsPath: rejectsFile.count > 0 ? rejectsPath : nil)
        }
        let totals = result.conversion.totals
        if totals.rejected > 0 || totals.uncertain > 0 { throw ExitCode(1) }
    }

    /// Whether the journal exists and holds records a next run would go on with.
    static func hasWorkLeft(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path), let status = try? Journal(path: path).status() else {
            return false
        }
        return status.counts.contains {
            $0.key != "created" && $0.key != "existing" && $0.key != "rejected" && $0.value > 0
        }
            || status.counts.values.reduce(0, +) > 0 && status.runs.contains { $0.finishedAt == nil }
    }

    private func summarize(_ result: MigrationResult, report: RunReport, target: Profile, rejectsPath: String?) {
        Terminal.note(report.terminal(color: stderrIsColorTerminal))
        let totals = result.conversion.totals
        var lines = [
            "sent \(result.requests) requests to \(endpoint) (\(result.retries) retries) in \(formatSeconds(result.conversion.seconds))"
        ]
        if result.settledEarlier > 0 {
            lines.append("\(result.settledEarlier) records were settled by an earlier run and not sent again")
        }
        if result.changedSinceCreated > 0 {
            lines.append(
                "\(result.changedSinceCreated) records changed since they were created; not sent again"
                    + (target.api?.update != nil
                        ? " (--update sends the changes to \(target.name))"
                        : " (\(target.name) has no update call: correct them there)"))
        }
        if result.updated > 0 {
            lines.append("\(result.updated) customers were updated in \(target.name) with their changed values")
        }
        if result.existing > 0 {
            lines.append("\(result.existing) customers were already in \(target.name) and were not created again")
        }
        if result.found > 0 {
            lines.append("\(result.found) lost answers were settled by finding the customer in \(target.name)")
        }
        if result.slowdowns > 0 {
            lines.append(
                "the API asked to slow down \(result.slowdowns) times (429): every worker waited out its Retry-After"
                    + (result.paceLowered > 0 ? ", and the shared pace was halved \(result.paceLowered) times" : ""))
        }
        if result.tokensObtained > 1 {
            lines.append("\(result.tokensObtained) tokens obtained (they expire during the run)")
        }
        for line in lines { Terminal.note(line) }
        if totals.uncertain > 0 {
            Terminal.note(
                "uncertain — these may or may not be in \(target.name); check each before sending it again (--retry-uncertain sends them):"
            )
            for entry in result.uncertain.prefix(20) {
                Terminal.note(
                    "  record \(entry.number) (line \(entry.line))\(entry.label.map { ", \($0)" } ?? ""): \(entry.reason ?? "")"
                )
            }
            if totals.uncertain > 20 {
                Terminal.note(
                    "  … `ferry journal list --state uncertain --journal \(result.journalPath)` lists all \(totals.uncertain)"
                )
            }
            Terminal.note(
                "  to settle them, export the customer list from \(target.name)'s own screens and run `ferry journal reconcile --with EXPORT.csv --journal \(result.journalPath)`: those found count as created, the others are sent by the next run"
            )
        }
        if let rejectsPath { Terminal.note("refused records and their reasons: \(rejectsPath)") }
        if let path = reportOptions.report { Terminal.note("report: \(path)") }
        Terminal.note("journal: \(result.journalPath)")
        Terminal.note(totals.accountingLine)
    }

    /// The first Ctrl-C (or SIGTERM) asks the run to stop cleanly: no new request, the ones on their
    /// way answered and journaled. A second one quits at once; the journal still knows what was on its way.
    static func stopOnInterrupt(_ stop: StopRequest) -> [any DispatchSourceSignal] {
        onInterrupt {
            if stop.isRequested {
                OutputFile.removeUnfinished()
                Glibc.exit(130)
            }
            stop.request()
            Terminal.note("\nstopping: waiting for the requests on their way (press Ctrl-C again to quit at once)")
        }
    }
}
