import ArgumentParser
import FerryKit

/// `ferry sample`: synthetic Spanish customers for demos, tests and benchmarks.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write deterministic, realistic synthetic Spanish customers with Koibox field names.",
        discussion: """
        Two surnames (compound ones too), mostly valid DNI/NIE, Spanish phones in the formats exports \
        use, postal codes that match their provinces, dd/mm/yyyy dates, and notes with ';', quotes and \
        line breaks. CSV output is ';'-separated UTF-8, as Spanish exports are. The same seed always \
        gives the same data.
        """
    )

    @Option(help: "How many customers.")
    var rows: Int

    @Option(help: "Seed for the generator.")
    var seed: UInt64 = 1

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Output file, or - for standard output (default).", valueName: "file"))
    var output = "-"

    @Option(help: ArgumentHelp("Output format: csv (default), json or ndjson.", valueName: "format"))
    var format: String?

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        if let format, FileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv, json or ndjson, not '\(format)'")
        }
    }

    func run() throws {
        let chosen = format.flatMap { FileFormat(rawValue: $0.lowercased()) } ?? (output == "-" ? .csv : FileFormat(path: output) ?? .csv)
        let file = try OutputFile(path: output)
        let writer: any RecordWriter
        switch chosen {
        case .csv:
            var options = CSVWriteOptions()
            options.delimiter = UInt8(ascii: ";")
            options.crlf = false
            writer = CSVWriter(file: file, options: options)
        case .json: writer = JSONWriter(file: file, layout: .array)
        case .ndjson: writer = JSONWriter(file: file, layout: .lines)
        }
        try SampleCustomers(seed: seed).write(rows: rows, to: writer)
        if output != "-" { Terminal.note("wrote \(rows) sample customers to \(output)") }
    }
}
