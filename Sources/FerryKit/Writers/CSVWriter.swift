/// How the CSV writer lays out its output.
public struct CSVWriteOptions: Sendable {
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// RFC 4180 ends records with CRLF; `false` writes LF.
    public var crlf = true
    /// Start with a UTF-8 byte-order mark, so Excel reads accents right.
    public var byteOrderMark = false
    /// For a file meant for a spreadsheet: a value that starts with `=`, `+`, `-`, `@`, a tab or a
    /// CR, which Excel or LibreOffice would run as a formula (`=HYPERLINK(...)` from an API), is
    /// written with a `'` before it. Plain data conversions keep values exact.
    public var guardFormulas = false

    public init() {}

    /// Options for a file a person opens in a spreadsheet (the rejects file, `--excel`).
    public static var spreadsheet: CSVWriteOptions {
        var options = CSVWriteOptions()
        options.guardFormulas = true
        return options
    }
}

/// Writes RFC 4180 CSV: a header, then one line per record; a value is quoted only when it holds the
/// delimiter, a quote or a line break (and an empty value when it is a record's only field).
public final class CSVWriter: RecordWriter {
    public let options: CSVWriteOptions
    private let file: OutputFile
    private var width = 0
    /// Field index by column for the record being written (-1: no value).
    private var slots: [Int32] = []
    public var outputName: String { file.name }
    public var needsColumnsUpFront: Bool { true }

    public init(file: OutputFile, options: CSVWriteOptions = CSVWriteOptions()) {
        self.file = file
        self.options = options
    }

    public func begin(columns: [String]) throws {
        width = columns.count
        slots = Array(repeating: -1, count: width)
        if options.byteOrderMark { file.pending.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        for (index, name) in columns.enumerated() {
            if index > 0 { file.pending.append(options.delimiter) }
            var bytes = Array(name.utf8)
            bytes.withUnsafeMutableBytes {
                CSVWriter.appendValue(
                    UnsafeRawBufferPointer($0), alone: columns.count == 1, options: options, to: &file.pending)
            }
        }
        if options.crlf { file.pending.append(0x0D) }
        file.pending.append(0x0A)
        try file.flushIfFull()
    }

    public func write(_ batch: RecordBatch, columns: [String]) throws {
        precondition(columns.count <= width || width == 0, "CSV columns grew after the header was written")
        CSVWriter.encode(batch, width: width, options: options, slots: &slots, into: &file.pending)
        try file.flushIfFull()
    }

    public func makeEncoder() -> BatchEncoder? {
        let width = width, options = options
        return BatchEncoder { batch, out in
            var slots = Array(repeating: Int32(-1), count: width)
            CSVWriter.encode(batch, width: width, options: options, slots: &slots, into: &out)
        }
    }

    public func writeEncoded(_ bytes: [UInt8], records: Int) throws {
        file.pending.append(contentsOf: bytes)
        try file.flushIfFull()
    }

    public var canStartOver: Bool { file.canStartOver }

    public func startOver() throws {
        try file.startOver()
        width = 0
        slots = []
    }

    /// Appends a batch's records as CSV lines of `width` columns; `slots` is scratch of that width.
    static func encode(
        _ batch: RecordBatch, width: Int, options: CSVWriteOptions, slots: inout [Int32], into out: inout [UInt8]
    ) {
        batch.bytes.withUnsafeBytes { bytes in
            for record in batch.records {
                let first = Int(record.firstField)
                let count = Int(record.fieldCount)
                // Fields of a CSV input arrive in column order; anything else goes through `slots`.
                var inOrder = count == width
                if inOrder {
                    for k in 0..<count where batch.fields[first + k].column != Int32(k) { inOrder = false; break }
                }
                if !inOrder {
                    for k in 0..<width { slots[k] = -1 }
                    for k in 0..<count { slots[Int(batch.fields[first + k].column)] = Int32(first + k) }
                }
                for column in 0..<width {
                    if column > 0 { out.append(options.delimiter) }
                    let index = inOrder ? first + column : Int(slots[column])
                    guard index >= 0 else { continue }
                    let field = batch.fields[index]
                    appendValue(
                        UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)]), alone: width == 1,
                        options: options, to: &out)
                }
                if options.crlf { out.append(0x0D) }
                out.append(0x0A)
            }
        }
    }

    /// Whether a spreadsheet would take a value starting with `first` for a formula.
    @inline(__always)
    static func startsFormula(_ first: UInt8) -> Bool {
        first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@")
            || first == 0x09 || first == 0x0D
    }

    @inline(__always)
    private static func appendValue(
        _ value: UnsafeRawBufferPointer, alone: Bool, options: CSVWriteOptions, to out: inout [UInt8]
    ) {
        let delimiter = options.delimiter
        var needsQuotes = value.isEmpty && alone
        for byte in value where byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        let guarded = options.guardFormulas && !value.isEmpty && startsFormula(value[0])
        guard needsQuotes else {
            if guarded { out.append(UInt8(ascii: "'")) }
            out.append(contentsOf: value)
            return
        }
        out.append(0x22)
        if guarded { out.append(UInt8(ascii: "'")) }
        var runStart = 0
        for (i, byte) in value.enumerated() where byte == 0x22 {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[runStart...i]))
            out.append(0x22)
            runStart = i + 1
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[runStart...]))
        out.append(0x22)
    }

    public func finish() throws { try file.commit() }
    public func abandon() { file.abandon() }
}
