/// Reads CSV as a stream of record batches: libcsv tokenizes fixed-size chunks of UTF-8 text, and
/// the reader tracks record numbers and physical lines so every problem can be placed exactly.
/// Memory holds one chunk and one batch, whatever the file's size.
public final class CSVReader: RecordReader {
    public let input: DecodedInput
    public let dialect: CSVDialect
    public let options: CSVReadOptions
    public var inputName: String { input.source.name }
    public private(set) var columns: [String] = []
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var recordsRead = 0
    /// Blank lines skipped (they hold no values).
    public private(set) var blankLines = 0
    /// Records accepted with too few or too many fields (only with `allowRagged`).
    public private(set) var shortRecords = 0, longRecords = 0
    /// Number of columns in the header (or in the first record when there is no header).
    public private(set) var headerWidth = 0
    /// Fields where text follows the closing quote (`"a" x`).
    private(set) var textAfterQuote = TextAfterQuote()

    private var parser: LibCSVParser
    /// A reader of one chunk of the file (`init(chunkOf:first:)`): it numbers from the chunk's start
    /// and leaves the header's names to the reader of the whole file.
    private let readsChunks: Bool
    /// What the per-field callback changes, behind a pointer: libcsv calls it for every field, and
    /// state reached through a pointer costs no exclusivity checks or reference counting there.
    private struct FieldState {
        var batch = RecordBatch()
        var headerPending = true
        var headerCells: [String] = []
        var headerBytes = 0
        var fieldsInRecord = 0
        var breaksInRecord = 0
        var failed = false
        var maxFieldBytes: Int
        /// A field over the limit: its size and column.
        var oversize: (bytes: Int, column: Int)?
        /// A record with more fields than `CSVReader.maxColumns`.
        var tooManyColumns = false
        unowned(unsafe) var reader: CSVReader?
    }
    private let state: UnsafeMutablePointer<FieldState>
    private var batch: RecordBatch {
        get { state.pointee.batch }
        _modify { yield &state.pointee.batch }
    }
    private var headerPending: Bool {
        get { state.pointee.headerPending }
        set { state.pointee.headerPending = newValue }
    }
    private var headerCells: [String] {
        get { state.pointee.headerCells }
        _modify { yield &state.pointee.headerCells }
    }
    private var fieldsInRecord: Int {
        get { state.pointee.fieldsInRecord }
        set { state.pointee.fieldsInRecord = newValue }
    }
    private var breaksInRecord: Int {
        get { state.pointee.breaksInRecord }
        set { state.pointee.breaksInRecord = newValue }
    }
    /// The physical line the parser is on.
    private var line = 1
    private var recordStartLine = 1
    private var previousTerminator: Int32 = 0
    private var failure: FerryError?
    private var finished = false
    private static let batchRecords = 1024
    private static let batchBytes = 256 * 1024
    /// The most fields a record (or the header) may have: far more than any customer list, few enough
    /// that a file read with the wrong delimiter cannot exhaust memory with millions of columns.
    public static let maxColumns = 100_000
    /// How far the dialect is looked for when the first lines are longer than the usual sample.
    static let longestSniffed = 2 << 20

    /// Opens a CSV input: detects the encoding and the dialect (unless `options` names them) and reads the header.
    public init(input: DecodedInput, options: CSVReadOptions = CSVReadOptions()) throws {
        self.input = input
        self.options = options
        var sample = try input.peek(atLeast: DecodedInput.sniffLength)
        // Lines longer than the usual sample (thousands of columns): examine two whole lines, within 2 MiB.
        while !input.hasReadEverything, sample.count < Self.longestSniffed,
            sample.lazy.filter({ $0 == 0x0A || $0 == 0x0D }).count < 2
        {
            sample = try input.peek(atLeast: sample.count * 2)
        }
        if sample.isEmpty {
            if input.isOnlyByteOrderMark {
                throw FerryError(
                    .input, "the file holds only a byte-order mark (\(input.report.encoding.rawValue)) and no text",
                    at: Location(file: input.source.name), hint: "export the data again; the file was saved empty")
            }
            throw FerryError(
                .input, "the file is empty (0 bytes)", at: Location(file: input.source.name),
                hint: "check that the export finished and that this is the right file")
        }
        if sample.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }) && input.hasReadEverything {
            throw FerryError(
                .input, "the file holds only blank lines", at: Location(file: input.source.name),
                hint: "check that the export finished and that this is the right file")
        }
        dialect = CSVDialectSniffer.sniff(sample, complete: input.hasReadEverything, options: options)
        parser = LibCSVParser(delimiter: dialect.delimiter, quote: dialect.quote)
        readsChunks = false
        state = .allocate(capacity: 1)
        state.initialize(to: FieldState(maxFieldBytes: options.maxFieldBytes))
        state.pointee.reader = self
        // Read until the first record is known: it gives the header (or the width of a headerless file).
        while headerPending, !finished {
            try fill()
        }
        if columns.isEmpty {
            throw FerryError(
                .input, "the file holds only blank lines", at: Location(file: input.source.name),
                hint: "check that the export finished and that this is the right file")
        }
    }

    /// A reader for the chunks of `template`'s file that `CSVChunks` cuts: the same dialect, columns
    /// and checks.
    init(chunkOf template: CSVReader) {
        input = template.input
        options = template.options
        dialect = template.dialect
        columns = template.columns
        headerWidth = template.headerWidth
        parser = LibCSVParser(delimiter: dialect.delimiter, quote: dialect.quote)
        readsChunks = true
        state = .allocate(capacity: 1)
        state.initialize(to: FieldState(maxFieldBytes: options.maxFieldBytes))
        state.pointee.reader = self
        state.pointee.headerPending = false
    }

    /// The bytes libcsv gets at a time from a chunk, as from the input when reading the whole file:
    /// the size checks run after each.
    private static let chunkPiece = 256 * 1024

    /// Parses one chunk into `out`, numbering records and lines from 1 at the chunk's start, and
    /// throws what reading the file straight through would at that place (numbered the same way).
    /// Returns the physical lines the chunk holds. A chunk not `last` must end where a record ends;
    /// the `first` starts with the header, which is skipped.
    func parse(chunk: UnsafeRawBufferPointer, first: Bool, last: Bool, into out: inout RecordBatch) throws -> Int {
        if !parser.isAtRecordStart { parser = LibCSVParser(delimiter: dialect.delimiter, quote: dialect.quote) }
        // The batch's storage (the one `out` brought last time) is kept: a fresh batch would grow
        // from nothing, in fresh pages, for every chunk.
        var storage = RecordBatch()
        swap(&storage, &state.pointee.batch)
        storage.removeAll()
        state.pointee = FieldState(maxFieldBytes: options.maxFieldBytes)
        swap(&storage, &state.pointee.batch)
        state.pointee.reader = self
        state.pointee.headerPending = first
        (recordsRead, line, recordStartLine, previousTerminator, failure, blankLines) = (0, 1, 1, 0, nil, 0)
        textAfterQuote = TextAfterQuote()
        var offset = 0
        while offset < chunk.count {
            let piece = min(Self.chunkPiece, chunk.count - offset)
            try consume(UnsafeRawBufferPointer(rebasing: chunk[offset..<offset + piece]))
            offset += piece
            try checkSizes()
        }
        if last {
            try finishInput()
        } else if !parser.isAtRecordStart || fieldsInRecord > 0 {
            throw FerryError(
                .input,
                "a record is larger than \(describe(bytes: chunk.count)) as written, quotes included, and is read only whole",
                at: Location(file: inputName, line: recordStartLine, record: batch.count + 1),
                hint: "pass the file on standard input (ferry convert - < FILE), which one reader reads whole")
        }
        out.removeAll()
        swap(&out, &batch)
        return line - 1
    }

    /// The totals of a file read in chunks by other readers, for the notes this reader ends with.
    func finishReadInChunks(records: Int, blankLines: Int, textAfterQuote: TextAfterQuote) {
        recordsRead = records
        self.blankLines = blankLines
        // What this reader saw of them while it read the header, the chunks' readers saw again.
        self.textAfterQuote = textAfterQuote
        batch.removeAll()
        finished = true
        noteTotals()
    }

    /// True when the file has a header and no records.
    public var isHeaderOnly: Bool { dialect.hasHeader && finished && recordsRead == 0 && batch.isEmpty }

    public func read(into out: inout RecordBatch) throws -> Bool {
        // A batch holds at least one whole record, however large (up to the record limit).
        while !finished && (batch.isEmpty || batch.count < Self.batchRecords && batch.byteCount < Self.batchBytes) {
            try fill()
        }
        out.removeAll()
        swap(&out, &batch)
        out.moveOpenRecord(to: &batch)
        recordsRead += out.count
        if finished && out.isEmpty { noteTotals() }
        return !out.isEmpty
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Parses one more chunk of the input (or finishes it).
    private func fill() throws {
        guard try input.nextChunk(consume) != nil else {
            try finishInput()
            return
        }
        try checkSizes()
    }

    /// Gives libcsv the next bytes; throws what its callbacks found wrong in them.
    private func consume(_ bytes: UnsafeRawBufferPointer) throws {
        parser.parse(bytes, context: UnsafeMutableRawPointer(state), field: Self.onField, record: Self.onRecord) {
            noteTextAfterQuote(fieldSoFar: $0)
        }
        noteOversize()
        if let failure { throw failure }
    }

    /// The input has ended: the last record is delivered, unless a quoted field is still open.
    private func finishInput() throws {
        let context = UnsafeMutableRawPointer(state)
        if parser.isInsideOpenQuote {
            throw FerryError(
                .input, "a quoted field that starts here is never closed: the file ends inside it",
                at: Location(file: inputName, line: recordStartLine, record: recordsRead + batch.count + 1),
                hint:
                    "add the closing \(CSVDialect.name(of: dialect.quote)) where the field ends, or remove the stray one"
            )
        }
        parser.finish(context: context, field: Self.onField, record: Self.onRecord)
        noteOversize()
        if let failure { throw failure }
        finished = true
        headerPending = false
    }

    /// Places a field whose closing quote is followed by more text, which stays in the value.
    private func noteTextAfterQuote(fieldSoFar: UnsafeRawBufferPointer) {
        textAfterQuote.count += 1
        guard textAfterQuote.places.count < TextAfterQuote.shown else { return }
        textAfterQuote.places.append(
            Location(
                file: inputName, line: recordStartLine + breaksInRecord + lineBreaks(in: fieldSoFar),
                record: headerPending ? nil : recordsRead + batch.count + 1, column: columnName(fieldsInRecord)))
    }

    /// A column as a message names it: its header name, or its position past the header.
    private func columnName(_ column: Int) -> String {
        column < columns.count ? columns[column] : "field \(column + 1)"
    }

    /// A field or record that grows past its limit stops the run before it can exhaust memory.
    private func checkSizes() throws {
        if parser.pendingFieldBytes > options.maxFieldBytes {
            throw oversizeField(bytes: parser.pendingFieldBytes, column: fieldsInRecord)
        }
        if headerPending, state.pointee.headerBytes > options.maxRecordBytes {
            throw FerryError(
                .input,
                "the first line is larger than \(describe(bytes: options.maxRecordBytes)) (\(fieldsInRecord) fields so far)",
                at: Location(file: inputName, line: recordStartLine),
                hint:
                    "check that this is a CSV file and that its line breaks survived; a file without line breaks is one line"
            )
        }
        if batch.openRecordByteCount > options.maxRecordBytes {
            throw FerryError(
                .input,
                "a record is larger than \(describe(bytes: options.maxRecordBytes)) (\(fieldsInRecord) fields so far)",
                at: Location(file: inputName, line: recordStartLine, record: recordsRead + batch.count + 1),
                hint:
                    "check the file's delimiter and quotes; a missing line break or quote makes one record of many lines"
            )
        }
    }

    private func oversizeField(bytes: Int, column: Int) -> FerryError {
        FerryError(
            .input,
            "a field is larger than the limit of \(describe(bytes: options.maxFieldBytes)) (\(describe(bytes: bytes)) so far)",
            at: Location(
                file: inputName, line: recordStartLine, record: recordsRead + batch.count + 1,
                column: columnName(column)),
            hint:
                "if the value is real, raise the limit with --max-field-size; otherwise look for an unclosed quote before this place"
        )
    }

    private static let onField: LibCSVParser.FieldCallback = { data, length, context in
        let state = context!.assumingMemoryBound(to: FieldState.self)
        guard !state.pointee.failed else { return }
        let value = UnsafeRawBufferPointer(start: data, count: length)
        if containsLineBreak(value) { state.pointee.breaksInRecord += lineBreaks(in: value) }
        if length > state.pointee.maxFieldBytes {
            state.pointee.oversize = (length, state.pointee.fieldsInRecord)
            state.pointee.failed = true
            return
        }
        if state.pointee.fieldsInRecord >= CSVReader.maxColumns {
            state.pointee.tooManyColumns = true
            state.pointee.failed = true
            return
        }
        if state.pointee.headerPending {
            state.pointee.headerBytes += length
            state.pointee.headerCells.append(String(decoding: value, as: UTF8.self))
            state.pointee.fieldsInRecord += 1
            return
        }
        if state.pointee.fieldsInRecord == 0 { state.pointee.batch.beginRecord() }
        state.pointee.batch.appendField(column: state.pointee.fieldsInRecord, kind: .string, value)
        state.pointee.fieldsInRecord += 1
    }

    private static let onRecord: LibCSVParser.RecordCallback = { terminator, context in
        let state = context!.assumingMemoryBound(to: FieldState.self)
        state.pointee.reader!.record(terminator)
    }

    /// A field the callback found over the limit becomes the run's failure.
    private func noteOversize() {
        guard failure == nil else { return }
        if let (bytes, column) = state.pointee.oversize { failure = oversizeField(bytes: bytes, column: column) }
        if state.pointee.tooManyColumns {
            let first = headerPending
            failure = FerryError(
                .input, "\(first ? "the first line" : "a record") has more than \(Self.maxColumns) fields",
                at: Location(
                    file: inputName, line: recordStartLine, record: first ? nil : recordsRead + batch.count + 1),
                hint:
                    "check the delimiter (--delimiter) and that the line breaks survived; no customer list has that many columns"
            )
        }
    }

    private func record(_ terminator: Int32) {
        noteOversize()
        guard failure == nil else { return }
        defer { previousTerminator = terminator }
        let isLineBreak = terminator == 0x0A || terminator == 0x0D
        // LF right after a CR is the second half of one CRLF line break.
        let sameBreak = terminator == 0x0A && previousTerminator == 0x0D && fieldsInRecord == 0
        if fieldsInRecord == 0 {
            if isLineBreak && !sameBreak {
                blankLines += 1
                line += 1
                recordStartLine = line
            }
            return
        }
        let startLine = recordStartLine
        line += breaksInRecord + (isLineBreak ? 1 : 0)
        recordStartLine = line
        breaksInRecord = 0
        let count = fieldsInRecord
        fieldsInRecord = 0
        if headerPending {
            headerPending = false
            if dialect.hasHeader {
                if !readsChunks { setColumns(fromHeader: headerCells, line: startLine) }
                headerCells = []
                return
            }
            headerWidth = headerCells.count
            columns = (1...headerCells.count).map { "column_\($0)" }
            // The first row was data: hand it out as record 1.
            batch.beginRecord()
            for (index, cell) in headerCells.enumerated() {
                batch.appendField(column: index, kind: .string, bytes: Array(cell.utf8))
            }
            headerCells = []
        }
        let number = recordsRead + batch.count + 1
        if count != headerWidth {
            guard options.allowRagged else {
                batch.discardOpenRecord()
                state.pointee.failed = true
                failure = FerryError(
                    .input,
                    "the record has \(count) fields; the \(dialect.hasHeader ? "header has" : "first record has") \(headerWidth)",
                    at: Location(file: inputName, line: startLine, record: number),
                    hint:
                        "fix the row (a delimiter inside an unquoted value is the usual cause), or run again with --allow-ragged to keep it (missing fields empty, extra fields as _extra_N)"
                )
                return
            }
            if count < headerWidth {
                shortRecords += 1
                for column in count..<headerWidth {
                    batch.appendField(column: column, kind: .string, bytes: EmptyCollection())
                }
            } else {
                longRecords += 1
                while columns.count < count { columns.append("_extra_\(columns.count - headerWidth + 1)") }
            }
        }
        batch.endRecord(number: number, line: startLine)
    }

    /// Names the columns from the header: blank names become `column_N`, repeated names get `_2`, `_3`.
    /// The first few of each are reported one by one, the rest counted.
    private func setColumns(fromHeader cells: [String], line: Int) {
        headerWidth = cells.count
        let named = HeaderNames.make(cells, at: Location(file: inputName, line: line))
        diagnostics += named.notes
        columns = named.names
    }

    private func noteTotals() {
        guard !notedTotals else { return }
        notedTotals = true
        let where_ = Location(file: inputName)
        if isHeaderOnly {
            diagnostics.append(Diagnostic("the file has a header (\(headerWidth) columns) but no records", at: where_))
        }
        if blankLines > 0 {
            diagnostics.append(Diagnostic("skipped \(blankLines) blank line\(blankLines == 1 ? "" : "s")", at: where_))
        }
        if shortRecords > 0 {
            diagnostics.append(
                Diagnostic(
                    "\(shortRecords) record\(shortRecords == 1 ? " had" : "s had") fewer fields than the header; the missing fields are empty",
                    at: where_))
        }
        for place in textAfterQuote.places {
            diagnostics.append(
                Diagnostic(
                    "text follows the closing quote of this field; it is kept as the rest of the value, as Python's csv module reads it (check that the value is whole)",
                    at: place))
        }
        if textAfterQuote.count > textAfterQuote.places.count {
            let more = textAfterQuote.count - textAfterQuote.places.count
            diagnostics.append(
                Diagnostic(
                    "\(more) more field\(more == 1 ? " has" : "s have") text after the closing quote, kept the same way",
                    at: where_))
        }
        if longRecords > 0 {
            diagnostics.append(
                Diagnostic(
                    "\(longRecords) record\(longRecords == 1 ? " had" : "s had") more fields than the header; the extra fields are kept as \(columns[headerWidth...].joined(separator: ", "))",
                    at: where_))
        }
    }
    private var notedTotals = false
}

/// Fields where text follows the closing quote (`"a" x;b`): the text is kept as the unquoted rest of
/// the value, as Python's csv module reads it. The first few are placed, the rest counted.
struct TextAfterQuote: Sendable {
    static let shown = 10
    var count = 0
    var places: [Location] = []

    /// Adds a chunk's, numbered from the chunk's start, after `records` records and `lines` lines.
    mutating func add(_ chunk: TextAfterQuote, afterRecords records: Int, lines: Int) {
        count += chunk.count
        for var place in chunk.places.prefix(Self.shown - places.count) {
            place.record = place.record.map { $0 + records }
            place.line = place.line.map { $0 + lines }
            places.append(place)
        }
    }
}

/// A byte count as people read it: `1 MiB`, `1.5 MiB`, `512 KiB`, `20 bytes`.
func describe(bytes: Int) -> String {
    func tenths(_ unit: Int) -> String {
        let value = (bytes * 10 + unit / 2) / unit
        return value % 10 == 0 ? "\(value / 10)" : "\(value / 10).\(value % 10)"
    }
    if bytes < 1 << 10 { return "\(bytes) bytes" }
    if bytes < 1 << 20 { return tenths(1 << 10) + " KiB" }
    return tenths(1 << 20) + " MiB"
}
