import ArgumentParser
import FerryKit

/// Where and how to write records.
struct OutputOptions: ParsableArguments {
    @Option(
        name: [.short, .customLong("output")],
        help: ArgumentHelp("Output file, or - for standard output (default).", valueName: "out"))
    var output = "-"

    @Option(
        help: ArgumentHelp(
            "Output format: csv, json, ndjson or xlsx (default: from the output's extension; ndjson on standard output).",
            valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("CSV output delimiter (default ',').", valueName: "char"))
    var outputDelimiter: String?

    @Option(help: ArgumentHelp("CSV output line ends: crlf (RFC 4180, default) or lf.", valueName: "crlf|lf"))
    var lineEnding: String?

    @Flag(
        help:
            "Start CSV output with a UTF-8 byte-order mark, so Excel shows accents right (and guard formulas, as --excel)."
    )
    var bom = false

    @Flag(
        help:
            "CSV meant for a spreadsheet: a byte-order mark, and a ' before any value starting with =, +, -, @, tab or CR so it is never run as a formula."
    )
    var excel = false

    @Flag(help: "With --bom or --excel, write values exactly as they are, formulas included.")
    var rawValues = false

    func validate() throws {
        if let format, FileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv, json, ndjson or xlsx, not '\(format)'")
        }
        _ = try csvOptions()
    }

    func resolvedFormat(default fallback: FileFormat = .ndjson) throws -> FileFormat {
        if let format {
            guard let value = FileFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be csv, json, ndjson or xlsx, not '\(format)'")
            }
            return value
        }
        if output != "-", let value = FileFormat(path: output) { return value }
        if output != "-" {
            throw ValidationError(
                "cannot tell the output format from '\(output)': give the file a .csv, .json, .ndjson or .xlsx extension, or pass --format"
            )
        }
        return fallback
    }

    func csvOptions() throws -> CSVWriteOptions {
        var options = CSVWriteOptions()
        if let outputDelimiter {
            guard let byte = CSVDialect.parseDelimiter(outputDelimiter), byte != 0x22 else {
                throw ValidationError("--output-delimiter must be one character (or 'tab'), not '\(outputDelimiter)'")
            }
            options.delimiter = byte
        }
        switch lineEnding?.lowercased() {
        case nil, "crlf": options.crlf = true
        case "lf": options.crlf = false
        default: throw ValidationError("--line-ending must be crlf or lf, not '\(lineEnding!)'")
        }
        options.byteOrderMark = bom || excel
        options.guardFormulas = (bom || excel) && !rawValues
        return options
    }

    /// Opens the output and a writer for the chosen format.
    func makeWriter(default fallback: FileFormat = .ndjson) throws -> any RecordWriter {
        let format = try resolvedFormat(default: fallback)
        let csv = try csvOptions()
        return format.writer(into: try OutputFile(path: output), csv: csv)
    }
}
