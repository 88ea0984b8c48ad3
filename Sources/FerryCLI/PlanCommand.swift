import ArgumentParser
import FerryKit

/// `ferry plan`: runs every record through both mappings and every check, writes nothing, and
/// reports what a conversion or migration would do.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what moving INPUT from SOURCE to TARGET would do, writing nothing.",
        discussion: """
            Every record is read with the source mapping, checked and written with the target mapping \
            into nothing, exactly as `convert` and `migrate` would. The summary (on standard error) and \
            the report file say, per target field, where its values come from, how many are filled, \
            how many fail a check and why, a few before → after examples and whether the mapping loses \
            anything; what stays behind (unread columns, required fields nothing fills, read-only and \
            sensitive fields); the consents; and the records that share a tax id, e-mail or mobile. \
            Personal data is masked unless --show-pii.

            Exit status: 0 every record would be written; 1 some would be rejected; 2 usage or mapping \
            error; 3 the input cannot be read.

            Examples:
              ferry plan clientes.csv --from koibox --to movin
              ferry plan clientes.csv --from mi-export.yaml --to koibox --report plan.html
            """
    )

    @Argument(
        help: ArgumentHelp("Input file (CSV, JSON, NDJSON or API pages), or - for standard input.", valueName: "input"))
    var input: String

    @Option(help: ArgumentHelp("Source mapping: koibox, movin, canonical, or a mapping file.", valueName: "source"))
    var from: String

    @Option(help: ArgumentHelp("Target mapping: koibox, movin, canonical, or a mapping file.", valueName: "target"))
    var to: String

    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var reportOptions: ReportOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors (the report file is still written).")
    var quiet = false

    func run() throws {
        let readOptions = try inputOptions.readOptions()
        let source = try ProfileCatalog.load(from)
        let target = try ProfileCatalog.load(to)
        let collector = ReportCollector(kind: .plan, source: source, target: target)
        let bar = ProgressBar(quiet: quiet)
        let result = try MappedConversion(inputPath: input, readOptions: readOptions, source: source, target: target)
            .run(into: DiscardingWriter(), report: collector, progress: bar.update)
        bar.finish()
        let report = try reportOptions.finish(collector, result: result, input: input)
        if !quiet {
            Terminal.note(report.terminal(color: stderrIsColorTerminal))
            if let path = reportOptions.report { Terminal.note("report: \(path)") }
        }
        if result.totals.rejected > 0 || result.totals.uncertain > 0 { throw ExitCode(1) }
    }
}
