import ArgumentParser
import FerryKit
import Foundation

/// `ferry export`: every customer of a system, read through its paginated list call.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Read every customer of a system through its API's list call into a file, or standard output.",
        discussion: """
            Pages of `limit` 50 are read one after the other, following `next`, each retried on 429, \
            5xx and lost answers. They are kept in a temporary file until the last one has arrived, \
            then written as OUT in any format, as the system's records (or through --to). Koibox to \
            Movin is `export` then `migrate`, or one pipe.

            Examples:
              ferry export --from koibox --endpoint https://api.koibox.cloud -o clientes.json
              ferry export --from koibox --endpoint http://127.0.0.1:8080 -o - | ferry migrate - --from koibox --to movin --endpoint URL --journal k2m.journal
            """
    )

    @Option(
        help: ArgumentHelp(
            "The system to read: koibox, or a mapping file whose `api:` has `list:`.", valueName: "source"))
    var from: String

    @Option(help: ArgumentHelp("The API's base URL.", valueName: "url"))
    var endpoint: String

    @Option(
        help: ArgumentHelp(
            "Write the records through this target mapping instead of as the system's own records.", valueName: "target"
        ))
    var to: String?

    @OptionGroup var credentials: CredentialOptions

    @OptionGroup var outputOptions: OutputOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        _ = try outputOptions.resolvedFormat()
    }

    func run() async throws {
        let source = try ProfileCatalog.load(from)
        guard let api = source.api else {
            throw FerryError(.usage, "`\(from)` has no API to export from", hint: "export from koibox")
        }
        let environment = try credentials.environment(for: api)
        let spool = NSTemporaryDirectory() + "ferry-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        OutputFile.trackTemporary(spool)
        defer { OutputFile.removeTemporary(spool) }
        var export = APIExport(profile: source, endpoint: endpoint, environment: environment)
        export.requestTimeout = 30
        let summary = try await export.download(to: spool) { progress in
            if !quiet, isatty(STDERR_FILENO) == 1 {
                FileHandleStderr.write("\r\u{1B}[2K\(progress.pages) pages, \(progress.records) records")
            }
        }
        if !quiet, isatty(STDERR_FILENO) == 1 { FileHandleStderr.write("\r\u{1B}[2K") }
        var readOptions = ReadOptions()
        readOptions.format = .json
        let writer = try outputOptions.makeWriter()
        let totals: RunTotals
        do {
            if let to {
                let target = try ProfileCatalog.load(to)
                totals = try MappedConversion(
                    inputPath: spool, readOptions: readOptions, source: source, target: target
                ).run(into: writer).totals
            } else {
                totals = try Conversion(inputPath: spool, readOptions: readOptions).run(into: writer).totals
            }
        } catch var error as FerryError {
            // The pages wait in a private temporary file; a message names what the user knows instead.
            let known = "the pages from \(endpoint)"
            if error.location?.file == spool { error.location?.file = known }
            error.message = error.message.replacingOccurrences(of: spool, with: known)
            error.hint = error.hint?.replacingOccurrences(of: spool, with: known)
            throw error
        }
        guard !quiet else { return }
        Terminal.note(
            "read \(summary.pages) pages from \(endpoint) (\(summary.retries) retries): \(summary.records) customers")
        if let announced = summary.announced, announced != summary.records {
            Terminal.note(
                "note: the first page announced \(announced) customers and \(summary.records) arrived; customers added or removed during the export move between pages"
            )
        }
        Terminal.note("wrote \(writer.outputName)")
        Terminal.note(totals.accountingLine)
        if totals.rejected > 0 { throw ExitCode(1) }
    }
}
