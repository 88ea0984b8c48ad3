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

    @Option(
        name: [.short, .customLong("output")],
        help: ArgumentHelp("Output file, or - for standard output (default).", valueName: "file"))
    var output = "-"

    @Option(help: ArgumentHelp("Output format: csv (default), json or ndjson.", valueName: "format"))
    var format: String?

    @Flag(
        help: """
            Damage most records as real exports are damaged: wrong DNI letters, impossible phones, provinces \
            that contradict the postal code, dates that do not exist, names in capitals.
            """)
    var messy = false

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        if let format, FileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv, json or ndjson, not '\(format)'")
        }
    }

    func run() throws {
        let chosen =
            format.flatMap { FileFormat(rawValue: $0.lowercased()) }
            ?? (output == "-" ? .csv : FileFormat(path: output) ?? .csv)
        // Spanish exports are ';'-separated.
        var csv = CSVWriteOptions()
        csv.delimiter = UInt8(ascii: ";")
        csv.crlf = false
        try SampleCustomers(seed: seed, messy: messy).write(
            rows: rows, to: chosen.writer(into: try OutputFile(path: output), csv: csv))
        if output != "-" { Terminal.note("wrote \(rows) \(messy ? "messy " : "")sample customers to \(output)") }
    }
}
