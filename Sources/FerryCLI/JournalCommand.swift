import ArgumentParser
import FerryKit
import Foundation

/// `ferry journal status|list|reconcile`: what a migration's journal says, masked, and settling
/// its uncertain records against the target's own export.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Show a migration's journal: counts by state, or the records in a state.",
        subcommands: [Status.self, List.self, Reconcile.self]
    )

    /// Which journal: `--journal FILE`, or the only `*.ferry-journal` in the current folder.
    struct Location: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "The journal file (default: the only *.ferry-journal in the current folder).", valueName: "file"))
        var journal: String?

        func open() throws -> Journal {
            if let journal {
                guard FileManager.default.fileExists(atPath: journal) else {
                    throw FerryError(
                        .usage, "there is no journal \(journal)",
                        hint: "`ferry migrate` writes it; give the path it printed")
                }
                return try Journal(path: journal)
            }
            let found = ((try? FileManager.default.contentsOfDirectory(atPath: ".")) ?? []).filter {
                $0.hasSuffix(".ferry-journal")
            }.sorted()
            guard found.count == 1 else {
                throw FerryError(
                    .usage,
                    found.isEmpty
                        ? "no *.ferry-journal in this folder"
                        : "several journals here: \(found.joined(separator: ", "))",
                    hint: "name one with --journal FILE")
            }
            return try Journal(path: found[0])
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts of records by state, and the runs so far.")

        @OptionGroup var location: Location

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let journal = try location.open()
            let status = try journal.status()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
                return
            }
            print("journal \(journal.path)")
            if let target = status.target, let endpoint = status.endpoint {
                print("migration of \(status.input ?? "?") into \(target) at \(endpoint)")
            }
            let total = status.counts.values.reduce(0, +)
            print("records: \(total)")
            for state in Journal.State.allCases {
                let count = status.counts[state.rawValue] ?? 0
                if count > 0 {
                    print("  \(state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
                }
            }
            for run in status.runs {
                print(
                    "run \(run.number): started \(run.startedAt), "
                        + (run.finishedAt.map { "finished \($0) \(run.totals ?? "")" } ?? "did not finish"))
            }
            if (status.counts["sending"] ?? 0) > 0 {
                print(
                    "records in `sending` were on their way when a run stopped; the next run settles them before sending anything again"
                )
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The records in a state (all when none is given), masked.")

        @OptionGroup var location: Location

        @Option(
            help: ArgumentHelp(
                "Only records in this state (pending, sending, created, rejected, uncertain, failed, existing); repeatable.",
                valueName: "state"))
        var state: [String] = []

        @Option(help: ArgumentHelp("At most this many records.", valueName: "n"))
        var limit = 100

        @Flag(help: "Print JSON lines.")
        var json = false

        func validate() throws {
            for name in state where Journal.State(rawValue: name) == nil {
                throw ValidationError(
                    "unknown state '\(name)'; the states are \(Journal.State.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }

        func run() throws {
            let journal = try location.open()
            let entries = try journal.list(states: state.compactMap(Journal.State.init(rawValue:)), limit: limit)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for entry in entries {
                if json {
                    print(String(decoding: try encoder.encode(entry), as: UTF8.self))
                } else {
                    var line = "record \(entry.number) (line \(entry.line)) \(entry.state.rawValue)"
                    if let id = entry.remoteID { line += " id \(id)" }
                    if let label = entry.label { line += " · \(label)" }
                    if let reason = entry.reason { line += " — \(reason)" }
                    print(line)
                }
            }
        }
    }

    struct Reconcile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settle uncertain records against a customer list exported from the target's own screens.",
            discussion: """
                A record whose tax id, e-mail or phone and name are in the export counts as created; one \
                that is not is safe to send again, and the next `ferry migrate` run sends it. The export \
                is read with the target's mapping, or with --from for another layout.
                """)

        @OptionGroup var location: Location

        @Option(
            name: .customLong("with"),
            help: ArgumentHelp("The customer list exported from the target (CSV, JSON or NDJSON).", valueName: "file"))
        var export: String

        @Option(
            help: ArgumentHelp(
                "The mapping the export is read with (default: the journal's target, such as movin).",
                valueName: "mapping"))
        var from: String?

        @OptionGroup var inputOptions: InputOptions

        func run() throws {
            let journal = try location.open()
            guard let name = try from ?? journal.target() else {
                throw FerryError(
                    .usage, "the journal \(journal.path) has no migration yet",
                    hint: "reconcile settles the uncertain records of a migration; run `ferry migrate` first")
            }
            let mapping = try ProfileCatalog.load(name)
            let result = try journal.reconcile(
                with: export, readOptions: try inputOptions.readOptions(), mapping: mapping)
            Terminal.note("read \(result.exportRecords) customers from \(export) (with \(mapping.name))")
            for found in result.found.prefix(20) {
                Terminal.note(
                    "  record \(found.number) (line \(found.line))\(found.label.map { ", \($0)" } ?? ""): found at line \(found.exportLine) by \(found.by) → created"
                )
            }
            if result.found.count > 20 { Terminal.note("  … and \(result.found.count - 20) more found") }
            Terminal.note(
                "\(result.found.count) uncertain records found (created) · \(result.notFound) not found (safe to send again: the next `ferry migrate` run sends them)"
                    + (result.withoutKeys > 0
                        ? " · \(result.withoutKeys) left uncertain (journaled without a tax id, e-mail or phone to find them by; check them by hand)"
                        : ""))
        }
    }
}
