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
            bytes.withUnsafeMutableBytes { name in
                file.pending.appendWriting(atMost: 2 * name.count + 3) { out in
                    CSVWriter.putValue(
                        UnsafeRawBufferPointer(name), alone: columns.count == 1, options: options, to: &out)
                }
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
        // Room for the worst case, reserved once: every value quoted with every byte a quote, a
        // formula guard, the delimiters and the line ends.
        var valueBytes = 0
        for field in batch.fields { valueBytes += Int(field.end - field.start) }
        let bound = 2 * valueBytes + batch.records.count * (4 * width + 2)
        let delimiter = options.delimiter
        batch.bytes.withUnsafeBytes { bytes in
            slots.withUnsafeMutableBufferPointer { slots in
                out.appendWriting(atMost: bound) { out in
                    for record in batch.records {
                        let first = Int(record.firstField)
                        let count = Int(record.fieldCount)
                        // Fields of a CSV input arrive in column order; anything else goes through `slots`.
                        var inOrder = count == width
                        if inOrder {
                            for k in 0..<count where batch.fields[first + k].column != Int32(k) {
                                inOrder = false
                                break
                            }
                        }
                        if !inOrder {
                            for k in 0..<width { slots[k] = -1 }
                            for k in 0..<count { slots[Int(batch.fields[first + k].column)] = Int32(first + k) }
                        }
                        for column in 0..<width {
                            if column > 0 { out.put(delimiter) }
                            let index = inOrder ? first + column : Int(slots[column])
                            guard index >= 0 else { continue }
                            let field = batch.fields[index]
                            putValue(
                                UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)]),
                                alone: width == 1, options: options, to: &out)
                        }
                        if options.crlf { out.put(0x0D) }
                        out.put(0x0A)
                    }
                }
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

    /// Whether eight bytes hold the delimiter (repeated in `delimiters`), a quote or a line break.
    @inline(__always)
    private static func needsQuotes(_ word: UInt64, delimiters: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let delimiter = word ^ delimiters
        let quote = word ^ (ones &* 0x22)
        let lineFeed = word ^ (ones &* 0x0A)
        let carriageReturn = word ^ (ones &* 0x0D)
        let zero = { (v: UInt64) in (v &- ones) & ~v }
        return (zero(delimiter) | zero(quote) | zero(lineFeed) | zero(carriageReturn)) & highs != 0
    }

    /// Writes a value, quoted only when it holds the delimiter, a quote or a line break (or is empty
    /// and its record's only field); the cursor has room for `2 * value.count + 3` bytes.
    @inline(__always)
    private static func putValue(
        _ value: UnsafeRawBufferPointer, alone: Bool, options: CSVWriteOptions, to out: inout ByteCursor
    ) {
        let delimiter = options.delimiter
        let count = value.count
        var needsQuotes = count == 0 && alone
        var i = 0
        let delimiters = 0x0101_0101_0101_0101 &* UInt64(delimiter)
        while i < count && !needsQuotes {
            if i + 8 <= count {
                needsQuotes = Self.needsQuotes(
                    value.loadUnaligned(fromByteOffset: i, as: UInt64.self), delimiters: delimiters)
                i += 8
            } else {
                let byte = value[i]
                needsQuotes = byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D
                i += 1
            }
        }
        let guarded = options.guardFormulas && count > 0 && startsFormula(value[0])
        guard needsQuotes else {
            if guarded { out.put(UInt8(ascii: "'")) }
            out.put(value)
            return
        }
        out.put(0x22)
        if guarded { out.put(UInt8(ascii: "'")) }
        var runStart = 0
        for i in 0..<count where value[i] == 0x22 {
            out.put(UnsafeRawBufferPointer(rebasing: value[runStart...i]))
            out.put(0x22)
            runStart = i + 1
        }
        out.put(UnsafeRawBufferPointer(rebasing: value[runStart...]))
        out.put(0x22)
    }

    public func finish() throws { try file.commit() }
    public func abandon() { file.abandon() }
}
