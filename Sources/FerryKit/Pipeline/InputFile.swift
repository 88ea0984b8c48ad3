import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How to read an input: everything left nil is detected.
public struct ReadOptions: Sendable {
    /// `csv`, `json`/`ndjson` (both read by the JSON reader) or `xlsx`; nil: from the extension, else
    /// the content.
    public var format: FileFormat?
    public var csv = CSVReadOptions()
    /// The sheet of a workbook to read: its name or 1-based number; nil: the first visible sheet.
    public var sheet: String?
    /// About how much of a JSON input each window holds (`JSONReader`).
    public var jsonWindowBytes = 1 << 20

    public init() {}
}

/// An input ready to read, and what was detected about it.
public struct OpenedInput {
    public let reader: any RecordReader
    public let format: FileFormat
    /// The text input (CSV, JSON); nil for a workbook.
    public let decoded: DecodedInput?
    /// The CSV dialect, for CSV inputs.
    public var dialect: CSVDialect? { (reader as? CSVReader)?.dialect }

    /// Its size in bytes, when it is a regular file.
    public let size: Int?

    /// The share of the input read so far, for progress bars; nil when the size is unknown (a pipe).
    public var fractionRead: Double? {
        decoded.map { $0.source.fraction(ofSize: size) } ?? (reader as? XLSXReader)?.fractionRead
    }

    /// The input cut into chunks that parsers on several threads read at once, when that is safe: a
    /// CSV file (not standard input, which cannot be read again) whose records all have the header's
    /// width (ragged rows can add columns while reading). nil: one reader reads it all.
    func chunks() throws -> (CSVChunks, CSVReader)? {
        guard let csv = reader as? CSVReader, !csv.options.allowRagged, size != nil, let path = decoded?.source.path
        else {
            return nil
        }
        return (try CSVChunks(reopening: path, as: csv, target: csv.options.chunkBytes), csv)
    }

    /// The JSON reader, when its records can be parsed on several threads: a file (not standard
    /// input, which cannot be read again should the scanner need to go back) not read from yet.
    func jsonChunks() -> JSONReader? {
        guard let json = reader as? JSONReader, json.recordsRead == 0, size != nil, decoded?.source.path != nil else {
            return nil
        }
        return json
    }

    /// One line for summaries: `CSV, utf-8 (valid UTF-8), delimiter ';', quote '"', header row, line ends CRLF`.
    public var description: String {
        if let workbook = reader as? XLSXReader { return workbook.description }
        var text = format == .csv ? "CSV" : "JSON"
        if let decoded { text += ", " + decoded.report.description }
        if let dialect { text += ", " + dialect.description }
        if let json = reader as? JSONReader, json.pages > 0 {
            text += ", \(json.pages) API page\(json.pages == 1 ? "" : "s")"
        }
        return text
    }
}

/// Opens inputs for reading.
public enum InputFile {
    /// Whether an input's column set can grow while reading (JSON keys, extra fields of ragged CSV rows).
    public static func mayMeetNewColumns(_ path: String, options: ReadOptions) -> Bool {
        if options.format == .csv { return options.csv.allowRagged }
        if let format = FileFormat(path: path), format == .csv { return options.csv.allowRagged }
        return true
    }

    /// Opens `path` (`-` for standard input), detecting its format and encoding unless `options` says.
    public static func open(_ path: String, options: ReadOptions = ReadOptions()) throws -> OpenedInput {
        let source = try ByteSource(path: path)
        if try options.format == .xlsx || (options.format == nil && isWorkbook(path, source: source)) {
            guard source.path != nil else {
                throw FerryError(
                    .usage, "a workbook cannot be read from standard input", at: Location(file: source.name),
                    hint: "give the .xlsx file's path")
            }
            let reader = try XLSXReader(
                path: path, sheet: options.sheet, hasHeader: options.csv.hasHeader,
                maxFieldBytes: options.csv.maxFieldBytes)
            return OpenedInput(reader: reader, format: .xlsx, decoded: nil, size: source.fileSize)
        }
        let decoded = try DecodedInput(source: source, encoding: options.csv.encoding)
        let format =
            try options.format ?? FileFormat(path: path).map { $0 == .ndjson ? .json : $0 } ?? guessFormat(decoded)
        let reader: any RecordReader =
            switch format {
            case .csv: try CSVReader(input: decoded, options: options.csv)
            case .json, .ndjson:
                try JSONReader(
                    input: decoded, maxFieldBytes: options.csv.maxFieldBytes, windowBytes: options.jsonWindowBytes)
            case .xlsx: preconditionFailure("workbooks are opened above")
            }
        return OpenedInput(
            reader: reader, format: format == .ndjson ? .json : format, decoded: decoded, size: source.fileSize)
    }

    /// Whether `path` is a workbook: an .xlsx name, or a zip or OLE compound file (an .xls, or an
    /// .xlsx protected with a password) under another name, which `XLSXReader` explains.
    static func isWorkbook(_ path: String, source: ByteSource) throws -> Bool {
        if let format = FileFormat(path: path) { return format == .xlsx }
        guard source.path != nil, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return ArchiveSignature((try? handle.read(upToCount: 8)) ?? Data()) != nil
    }

    /// JSON when the first character that is not white space opens an object or an array.
    static func guessFormat(_ input: DecodedInput) throws -> FileFormat {
        let head = try input.peek(atLeast: 1024)
        let first = head.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .csv
    }

    /// Copies standard input to a private temporary file, for work that must read its input twice.
    /// The caller removes the file with `removeSpool`; an interrupted run removes it too.
    public static func spoolStandardInput() throws -> String {
        var template = Array("\(temporaryDirectory())/ferry-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw FerryError(
                .input, "cannot create a temporary file to hold standard input", hint: "set TMPDIR to a writable folder"
            )
        }
        defer { close(fd) }
        let path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        OutputFile.trackTemporary(path)
        do {
            let source = try ByteSource(path: "-")
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                var offset = 0
                while offset < n {
                    let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, n - offset) }
                    if written < 0 {
                        throw FerryError(
                            .input,
                            "cannot hold standard input in a temporary file: \(String(cString: strerror(errno)))",
                            hint: "free disk space in TMPDIR")
                    }
                    offset += written
                }
            }
        } catch {
            removeSpool(path)
            throw error
        }
        return path
    }

    /// Removes the copy of standard input that `spoolStandardInput` made.
    public static func removeSpool(_ path: String) { OutputFile.removeTemporary(path) }

    static func temporaryDirectory() -> String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}
