import ArgumentParser
import FerryKit
import Foundation

/// How to read an input; what is not given is detected (`ferry inspect` shows what).
struct InputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Input format: csv, json, ndjson or xlsx (default: from the extension, else from the content).",
            valueName: "format"))
    var inputFormat: String?

    @Option(
        help: ArgumentHelp(
            "The sheet of an .xlsx workbook to read: its name or number (default: the first visible sheet).",
            valueName: "name|N"))
    var sheet: String?

    @Option(help: ArgumentHelp("CSV delimiter: ',' ';' '|' or tab (default: detected).", valueName: "char"))
    var delimiter: String?

    @Option(help: ArgumentHelp("CSV quote character (default: detected, usually '\"').", valueName: "char"))
    var quote: String?

    @Option(
        help: ArgumentHelp(
            "Text encoding: utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1 (default: detected).", valueName: "name"
        ))
    var encoding: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Whether the first row (of a CSV file, or with content, of a sheet) is a header (default: detected).")
    var header: Bool?

    @Flag(help: "Accept CSV rows with too few fields (missing ones empty) or too many (kept as _extra_N).")
    var allowRagged = false

    @Option(help: ArgumentHelp("Largest field accepted, e.g. 1MiB, 512KiB, 4000000 (default 1MiB).", valueName: "size"))
    var maxFieldSize: String?

    func validate() throws {
        _ = try readOptions()
    }

    /// The options as the engine takes them.
    func readOptions() throws -> ReadOptions {
        var options = ReadOptions()
        if let inputFormat {
            guard let format = FileFormat(rawValue: inputFormat.lowercased()) else {
                throw ValidationError("--input-format must be csv, json, ndjson or xlsx, not '\(inputFormat)'")
            }
            options.format = format
        }
        if let delimiter {
            guard let byte = CSVDialect.parseDelimiter(delimiter) else {
                throw ValidationError("--delimiter must be one character (or 'tab'), not '\(delimiter)'")
            }
            options.csv.delimiter = byte
        }
        if let quote {
            guard let byte = CSVDialect.parseDelimiter(quote), byte != options.csv.delimiter else {
                throw ValidationError("--quote must be one character, different from the delimiter, not '\(quote)'")
            }
            options.csv.quote = byte
        }
        if let encoding {
            guard let value = TextEncoding(name: encoding) else {
                throw ValidationError(
                    "unknown --encoding '\(encoding)'; use one of utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1")
            }
            options.csv.encoding = value
        }
        options.sheet = sheet
        options.csv.hasHeader = header
        options.csv.allowRagged = allowRagged
        if let maxFieldSize {
            guard let bytes = parseSize(maxFieldSize), bytes > 0 else {
                throw ValidationError(
                    "--max-field-size must be a size such as 1MiB, 512KiB or 4000000, not '\(maxFieldSize)'")
            }
            options.csv.maxFieldBytes = bytes
            options.csv.maxRecordBytes = max(options.csv.maxRecordBytes, bytes * 4)
        }
        // How large the pieces are that a CSV file is cut into for parallel parsers: a knob for
        // tests and scripts/golden, which cut small files into many pieces.
        if let value = ProcessInfo.processInfo.environment["FERRY_CSV_CHUNK_BYTES"], let bytes = parseSize(value),
            bytes > 0
        {
            options.csv.chunkBytes = bytes
        }
        // The same for the windows a JSON input is read in.
        if let value = ProcessInfo.processInfo.environment["FERRY_JSON_WINDOW_BYTES"], let bytes = parseSize(value),
            bytes > 0
        {
            options.jsonWindowBytes = bytes
        }
        return options
    }
}

/// `4000000`, `512KiB`, `1MiB`, `2M`, `64k`.
func parseSize(_ text: String) -> Int? {
    let lower = text.lowercased().filter { $0 != " " }
    let units: [(String, Int)] = [
        ("gib", 1 << 30), ("mib", 1 << 20), ("kib", 1 << 10), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10), ("b", 1),
    ]
    for (suffix, factor) in units where lower.hasSuffix(suffix) {
        return Int(lower.dropLast(suffix.count)).map { $0 * factor }
    }
    return Int(lower)
}
