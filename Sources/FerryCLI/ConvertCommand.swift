import ArgumentParser
import FerryKit
import Foundation

/// `ferry convert`: reads records and writes them in another format, and with `--from`/`--to`,
/// from one system's fields to another's through the canonical Customer.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert records between formats, and between systems with --from/--to.",
        discussion: """
            Without --from and --to, values stay the exact text that was read (format conversion only). \
            With them, each record is read with the source mapping into the canonical Customer, checked \
            (DNI/NIE/CIF, phones, e-mail, postal codes, dates) and written with the target mapping. \
            A mapping is a built-in profile (koibox, movin, canonical) or a YAML file; a missing side is \
            canonical. An invalid optional value is dropped with a warning; a record without a required \
            value is rejected (see --rejects). The output appears only when the run succeeds.

            Examples:
              ferry convert clientes.csv -o clientes.json
              ferry convert clientes.csv --from koibox --to movin -o movin.json --rejects rejects.csv
              ferry convert koibox-page.json --from koibox --to canonical -o customers.ndjson
              ferry convert clientes.csv --from koibox --to movin --batch-size 50 -o batches/
            """
    )

    @Argument(
        help: ArgumentHelp("Input file (CSV, JSON, NDJSON or API pages), or - for standard input.", valueName: "input"))
    var input: String

    @Option(help: ArgumentHelp("Source mapping: koibox, movin, canonical, or a mapping file.", valueName: "source"))
    var from: String?

    @Option(help: ArgumentHelp("Target mapping: koibox, movin, canonical, or a mapping file.", valueName: "target"))
    var to: String?

    @Option(
        help: ArgumentHelp(
            "Write rejected records here (CSV or JSON by extension), with their record number and every reason.",
            valueName: "file"))
    var rejects: String?

    @Option(
        help: ArgumentHelp(
            "Write numbered JSON files of N target records each into the folder given by -o, with a manifest.json.",
            valueName: "n"))
    var batchSize: Int?

    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var reportOptions: ReportOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    /// How many warnings the summary prints in full.
    static let warningsShown = 20

    func validate() throws {
        if let batchSize {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
            guard outputOptions.output != "-" else {
                throw ValidationError("--batch-size writes files into a folder: give it with -o DIR")
            }
            guard from != nil || to != nil else {
                throw ValidationError("--batch-size writes target payloads: give --to (and --from)")
            }
        } else {
            _ = try outputOptions.resolvedFormat()
        }
        if rejects != nil, from == nil, to == nil {
            throw ValidationError(
                "--rejects needs --from/--to: without mappings no record is checked, so none is rejected")
        }
        if reportOptions.report != nil, from == nil, to == nil {
            throw ValidationError(
                "--report needs --from/--to: the report is about fields, and a format conversion has none")
        }
        if let report = reportOptions.report, report == outputOptions.output || report == input || report == rejects {
            throw ValidationError("--report must name a file other than the input, the output and the rejects file")
        }
        if let rejects, rejects == outputOptions.output || rejects == input {
            throw ValidationError("--rejects must name a file other than the input and the output")
        }
    }

    func run() throws {
        let readOptions = try inputOptions.readOptions()
        guard from != nil || to != nil else {
            try runPlain(readOptions)
            return
        }
        let source = try ProfileCatalog.load(from ?? "canonical")
        let target = try ProfileCatalog.load(to ?? "canonical")
        let writer: any RecordWriter =
            if let batchSize {
                try BatchFilesWriter(folder: outputOptions.output, size: batchSize)
            } else {
                try outputOptions.makeWriter()
            }
        let rejectsFile = try rejects.map { path in
            try RejectsFile(path: path, inputMayGrowColumns: InputFile.mayMeetNewColumns(input, options: readOptions))
        }
        let collector =
            reportOptions.report == nil ? nil : ReportCollector(kind: .convert, source: source, target: target)
        let bar = ProgressBar(quiet: quiet)
        let conversion = MappedConversion(inputPath: input, readOptions: readOptions, source: source, target: target)
        let result = try conversion.run(into: writer, rejects: rejectsFile, report: collector, progress: bar.update)
        bar.finish()
        if let collector { _ = try reportOptions.finish(collector, result: result, input: input) }
        if !quiet { report(result, source: source, target: target, writer: writer) }
        if result.totals.rejected > 0 || result.totals.uncertain > 0 { throw ExitCode(1) }
    }

    private func runPlain(_ readOptions: ReadOptions) throws {
        let conversion = Conversion(inputPath: input, readOptions: readOptions)
        let writer = try outputOptions.makeWriter()
        let bar = ProgressBar(quiet: quiet)
        let result = try conversion.run(into: writer, progress: bar.update)
        bar.finish()
        guard !quiet else { return }
        Terminal.note("read \(input == "-" ? "standard input" : input): \(result.inputDescription)")
        for diagnostic in result.diagnostics { Terminal.note("note: \(diagnostic)") }
        let rate = result.seconds > 0 ? Int(Double(result.totals.read) / result.seconds) : 0
        Terminal.note(
            "wrote \(writer.outputName) (\(try outputOptions.resolvedFormat().rawValue), \(result.columns.count) columns) in \(formatSeconds(result.seconds)), \(rate) records/s"
        )
        Terminal.note(result.totals.accountingLine)
    }

    private func report(_ result: MappedConversionResult, source: Profile, target: Profile, writer: any RecordWriter) {
        Terminal.note("read \(input == "-" ? "standard input" : input): \(result.inputDescription), as \(source.name)")
        for note in result.notes + result.diagnostics { Terminal.note("note: \(note)") }
        let shown = result.issues.kept.prefix(ConvertCommand.warningsShown)
        for issue in shown {
            Terminal.note(
                "\(issue.action == .rejected ? "rejected" : "warning"): \(issue.text(masked: reportOptions.masked))")
        }
        if result.issues.total > shown.count { Terminal.note("… and \(result.issues.total - shown.count) more") }
        if !result.issues.byField.isEmpty {
            let summary = result.issues.byField.sorted { $0.key < $1.key }.map { field, counts in
                "\(field) "
                    + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
                    .joined(separator: ", ")
            }
            Terminal.note("issues by field: " + summary.joined(separator: "; "))
        }
        if result.stats.consentsWrittenAsNo > 0 {
            Terminal.note(
                "consents: \(result.stats.consentsWrittenAsNo) consent values absent in the source were sent as an explicit no, because \(target.name) assumes yes"
            )
        }
        if result.stats.healthDataWithheld > 0 {
            Terminal.note(
                "health data: clinicalNotes of \(result.stats.healthDataWithheld) records not written (the \(target.name) mapping does not say `sensitive: allow`)"
            )
        }
        if result.stats.extrasNotWritten > 0 {
            Terminal.note(
                "extras: \(result.stats.extrasNotWritten) records have source fields \(target.name) has no column for; they are not written"
            )
        }
        let rate = result.seconds > 0 ? Int(Double(result.totals.read) / result.seconds) : 0
        Terminal.note(
            "wrote \(writer.outputName) as \(target.name) in \(formatSeconds(result.seconds)), \(rate) records/s")
        if result.totals.rejected > 0, let rejects { Terminal.note("rejected records and their reasons: \(rejects)") }
        if result.totals.rejected > 0, rejects == nil {
            Terminal.note("rejected records are listed above; add --rejects FILE to keep them")
        }
        if let path = reportOptions.report { Terminal.note("report: \(path)") }
        Terminal.note(result.totals.accountingLine)
    }
}
