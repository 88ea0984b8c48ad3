import ArgumentParser
import FerryKit

/// `ferry convert`: reads records and writes them in another format.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert records between CSV, JSON and NDJSON.",
        discussion: """
        Values stay the exact text that was read (CSV has no types); JSON numbers and booleans stay \
        numbers and booleans in JSON output. The output appears only when the run succeeds.

        Examples:
          ferry convert clientes.csv -o clientes.json
          ferry convert export.json -o export.csv --bom
          cat clientes.csv | ferry convert - --format ndjson
        """
    )

    @Argument(help: ArgumentHelp("Input file (CSV, JSON, NDJSON or API pages), or - for standard input.", valueName: "input"))
    var input: String

    @OptionGroup var inputOptions: InputOptions
    @OptionGroup var outputOptions: OutputOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let conversion = Conversion(inputPath: input, readOptions: try inputOptions.readOptions())
        let writer = try outputOptions.makeWriter()
        let result = try conversion.run(into: writer)
        guard !quiet else { return }
        Terminal.note("read \(input == "-" ? "standard input" : input): \(result.inputDescription)")
        for diagnostic in result.diagnostics { Terminal.note("note: \(diagnostic)") }
        let rate = result.seconds > 0 ? Int(Double(result.totals.read) / result.seconds) : 0
        Terminal.note("wrote \(writer.outputName) (\(try outputOptions.resolvedFormat().rawValue), \(result.columns.count) columns) in \(formatSeconds(result.seconds)), \(rate) records/s")
        Terminal.note(result.totals.accountingLine)
    }
}

func formatSeconds(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) s"
}
