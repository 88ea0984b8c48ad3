import Foundation

/// Reads one sheet of an .xlsx workbook as records: its first row with content is the header (title
/// rows above it are skipped and noted), every later row with content a record. The sheet's XML is
/// inflated and parsed on a thread of its own, a few batches ahead of the reader, so memory stays
/// flat whatever the sheet's size; only the shared strings are held, as the cells refer to them.
///
/// Cells: shared and inline strings, numbers (kept as written, as JSON numbers), booleans (`true`,
/// `false`), formula results, errors (`#N/A`, as text). A number whose style shows a date becomes
/// an ISO date (`ExcelSerial`), so a birth date never arrives as `32874`. Cells a row leaves out
/// (`r="D5"` after `B5`) are empty.
public final class XLSXReader: RecordReader {
    public let inputName: String
    public private(set) var columns: [String] = []
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var recordsRead = 0
    /// The sheet read, and the others.
    public let sheet: String
    public let sheets: [String]
    /// What the reader found out about the workbook, for `inspect` and the summaries.
    public var description: String {
        var text = "Excel workbook, sheet '\(sheet)'"
        if sheets.count > 1 { text += " (\(sheets.firstIndex(of: sheet).map { $0 + 1 } ?? 1) of \(sheets.count))" }
        text += ", dates from number formats (\(date1904 ? "1904" : "1900") system)"
        return text
    }
    public let date1904: Bool
    /// Every sheet with its used range, read from the start of its part (for `inspect`).
    public var sheetRanges: [(name: String, hidden: Bool, range: SheetRange?)] {
        workbook.sheets.map { ($0.name, $0.hidden, try? workbook.range(of: $0)) }
    }
    private let workbook: Workbook
    /// The sheet's XML bytes parsed so far, and its size.
    public var fractionRead: Double? { pipe.fractionRead }

    private let pipe: SheetPipe

    /// Opens `path` and reads up to the header of `sheet` (a name or 1-based number; nil: the first
    /// visible sheet).
    /// `hasHeader: false` (`--no-header`) reads every row with content as a record, its columns
    /// named `column_1`, `column_2`, ...
    public init(path: String, sheet choice: String? = nil, hasHeader: Bool? = nil, maxFieldBytes: Int = 1 << 20) throws
    {
        inputName = path
        let workbook = try Workbook(path: path)
        self.workbook = workbook
        let sheet = try workbook.sheet(named: choice)
        self.sheet = sheet.name
        sheets = workbook.sheets.map(\.name)
        date1904 = workbook.date1904
        let strings = try workbook.sharedStrings()
        let pipe = SheetPipe(size: workbook.size(of: sheet.part))
        self.pipe = pipe
        let rows = SheetRows(
            workbook: workbook, part: sheet.part, strings: strings, pipe: pipe, file: path, sheet: sheet.name,
            maxFieldBytes: maxFieldBytes, hasHeader: hasHeader != false)
        let job = SheetJob(workbook: workbook, part: sheet.part, rows: rows, pipe: pipe)
        let thread = Thread { job.run() }
        thread.name = "ferry-xlsx"
        thread.start()
        let header = try pipe.header()
        columns = header.columns
        diagnostics = header.notes
    }

    deinit { pipe.cancel() }

    public func read(into batch: inout RecordBatch) throws -> Bool {
        batch.removeAll()
        guard let taken = try pipe.take(into: &batch) else { return false }
        if taken.columns.count > columns.count { columns = taken.columns }
        diagnostics += taken.notes
        recordsRead += batch.count
        return true
    }
}

/// What the parsing thread does; it alone touches the workbook and the rows once started.
private final class SheetJob: @unchecked Sendable {
    let workbook: Workbook
    let part: String
    let rows: SheetRows
    let pipe: SheetPipe

    init(workbook: Workbook, part: String, rows: SheetRows, pipe: SheetPipe) {
        self.workbook = workbook
        self.part = part
        self.rows = rows
        self.pipe = pipe
    }

    func run() {
        do {
            try workbook.stream(
                part, into: rows, stopping: { self.rows.parser = $0 }, progress: { self.pipe.parsed($0) })
            if let error = rows.failure { throw error }
            rows.finish()
            pipe.finish(nil)
        } catch {
            pipe.finish(error)
        }
    }
}

/// The handoff between the thread that parses a sheet and the reader: at most two batches ahead.
final class SheetPipe: @unchecked Sendable {
    struct Cancelled: Error {}
    struct Handed {
        var columns: [String]
        var notes: [Diagnostic]
    }

    private let condition = NSCondition()
    private var ready: [(RecordBatch, Handed)] = []
    private var spare: [RecordBatch] = []
    private var headerState: (columns: [String], notes: [Diagnostic])?
    private var done = false
    private var failure: Error?
    private var cancelled = false
    private let size: Int
    private var parsedBytes = 0

    init(size: Int) { self.size = size }

    var fractionRead: Double? {
        condition.lock()
        defer { condition.unlock() }
        return size > 0 ? Double(parsedBytes) / Double(size) : nil
    }

    func parsed(_ bytes: Int) {
        condition.lock()
        parsedBytes = bytes
        condition.unlock()
    }

    // The parsing side.

    func publishHeader(_ columns: [String], notes: [Diagnostic]) {
        condition.lock()
        headerState = (columns, notes)
        condition.broadcast()
        condition.unlock()
    }

    /// Hands a full batch over, waiting while two are ready; returns an empty one to fill next.
    func hand(_ batch: inout RecordBatch, _ handed: Handed) throws {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= 2 && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        var next = spare.popLast() ?? RecordBatch()
        next.removeAll()
        swap(&next, &batch)
        ready.append((next, handed))
        condition.broadcast()
    }

    func finish(_ error: Error?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    // The reading side.

    func header() throws -> (columns: [String], notes: [Diagnostic]) {
        condition.lock()
        defer { condition.unlock() }
        while headerState == nil && !done { condition.wait() }
        if let headerState { return headerState }
        if let failure { throw failure }
        return ([], [])
    }

    /// The next batch, swapped into `batch`; nil at the end. Throws what stopped the parsing.
    func take(into batch: inout RecordBatch) throws -> Handed? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !done { condition.wait() }
        guard !ready.isEmpty else {
            if let failure { throw failure }
            return nil
        }
        var (next, handed) = ready.removeFirst()
        swap(&next, &batch)
        next.removeAll()
        spare.append(next)
        condition.broadcast()
        return handed
    }

    /// The reader is gone: the parsing thread stops at its next handoff.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Turns a sheet's XML into rows, and rows into records of the batch being filled.
final class SheetRows: XMLStream.Handler {
    private let styles: CellStyles
    private let workbook: Workbook
    private let part: String
    private let hasHeader: Bool
    /// The sheet's used range, when its `<dimension>` gives it.
    private var dimension: SheetRange?
    private let date1904: Bool
    private let strings: SharedStrings
    private let pipe: SheetPipe
    private let file: String
    private let sheet: String
    private let maxFieldBytes: Int
    var parser: XMLStream?
    private(set) var failure: FerryError? { didSet { failed = failure != nil } }
    /// `failure != nil`, checked in every callback without copying the error.
    private var failed = false

    // The row being read: each cell's column, kind and bytes.
    private var rowNumber = 0
    private var cells: [(column: Int, kind: ValueKind, start: Int, end: Int)] = []
    private var cellBytes: [UInt8] = []
    private var nextColumn = 0
    private var cellsOutOfOrder = false
    // The cell being read.
    private var column = 0
    private var type: CellType = .number
    private var style = 0
    private var text: [UInt8] = []
    private var capturing = false
    private var inInline = false
    private var inPhonetic = false

    // Records.
    private var header: [String]?
    private var width = 0
    private var columns: [String] = []
    private var notes: [Diagnostic] = []
    /// Rows with content before the header is chosen, at most `lookahead`.
    private var early: [(row: Int, cells: [(column: Int, kind: ValueKind, text: [UInt8])])] = []
    private let lookahead = 10
    private var batch = RecordBatch()
    private var records = 0
    private var emptyRows = 0
    private var errorCells = 0

    enum CellType { case number, shared, inline, formula, boolean, error, isoDate }

    /// A cell's `t`: `s` shared string, `inlineStr`, `str` a formula's text, `b`, `e`, `d` (ISO date).
    static func cellType(_ t: UnsafePointer<CChar>) -> CellType {
        if cStringIs(t, "s") { return .shared }
        if cStringIs(t, "inlineStr") { return .inline }
        if cStringIs(t, "str") { return .formula }
        if cStringIs(t, "b") { return .boolean }
        if cStringIs(t, "e") { return .error }
        if cStringIs(t, "d") { return .isoDate }
        return .number
    }

    init(
        workbook: Workbook, part: String, strings: SharedStrings, pipe: SheetPipe, file: String, sheet: String,
        maxFieldBytes: Int, hasHeader: Bool
    ) {
        self.hasHeader = hasHeader
        self.workbook = workbook
        self.part = part
        styles = workbook.styles
        date1904 = workbook.date1904
        self.strings = strings
        self.pipe = pipe
        self.file = file
        self.sheet = sheet
        self.maxFieldBytes = maxFieldBytes
    }

    private func place(row: Int? = nil, column: Int? = nil) -> Location {
        var location = Location(file: file, line: row)
        location.sheet = sheet
        if let column {
            location.column = columns.indices.contains(column) ? columns[column] : XLSXReference.letters(column)
        }
        return location
    }

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        guard !failed else { return }
        if name.is("c") {
            column = attributes.value("r").flatMap(XLSXReference.column) ?? nextColumn
            nextColumn = column + 1
            style = attributes.integer("s") ?? 0
            type = attributes.value("t").map(SheetRows.cellType) ?? .number
            text.removeAll(keepingCapacity: true)
        } else if name.is("v") {
            capturing = type != .inline
        } else if name.is("is") {
            inInline = true
        } else if name.is("rPh") {
            inPhonetic = true
        } else if name.is("t") {
            capturing = inInline && !inPhonetic
        } else if name.is("row") {
            rowNumber = attributes.integer("r") ?? rowNumber + 1
            cells.removeAll(keepingCapacity: true)
            cellBytes.removeAll(keepingCapacity: true)
            nextColumn = 0
            cellsOutOfOrder = false
        } else if name.is("dimension") {
            dimension = attributes.string("ref").flatMap(SheetRange.init)
        }
    }

    func end(_ name: XMLName) {
        guard !failed else { return }
        if name.is("v") || name.is("t") {
            capturing = false
        } else if name.is("c") {
            endCell()
        } else if name.is("is") {
            inInline = false
        } else if name.is("rPh") {
            inPhonetic = false
        } else if name.is("row") {
            endRow()
        }
    }

    func text(_ bytes: UnsafeRawBufferPointer) {
        guard capturing, !failed else { return }
        if text.count + bytes.count > maxFieldBytes {
            fail(
                FerryError(
                    .input, "a cell holds more than \(maxFieldBytes) bytes", at: place(row: rowNumber, column: column),
                    hint: "a customer list has no such cells; check that this is the right sheet"))
            return
        }
        text.append(contentsOf: bytes)
    }

    private func fail(_ error: FerryError) {
        failure = error
        parser?.stop()
    }

    private func endCell() {
        let start = cellBytes.count
        var kind = ValueKind.string
        switch type {
        case .shared:
            guard let index = SheetRows.digits(text),
                strings.withString(index, { cellBytes.append(contentsOf: $0) }) != nil
            else {
                fail(
                    FerryError(
                        .input,
                        "the cell refers to shared string \(String(decoding: text, as: UTF8.self)), which the workbook lacks",
                        at: place(row: rowNumber, column: column),
                        hint: "the file is damaged; open it in Excel or LibreOffice and save it again"))
                return
            }
        case .inline, .formula, .isoDate:
            cellBytes.append(contentsOf: text)
        case .error:
            errorCells += 1
            cellBytes.append(contentsOf: text)
        case .boolean:
            guard !text.isEmpty else { break }
            cellBytes.append(
                contentsOf: text == [0x30] || text.elementsEqual("false".utf8) ? "false".utf8 : "true".utf8)
            kind = .bool
        case .number:
            guard !text.isEmpty else { break }
            let shown = styles.kind(ofStyle: style)
            if shown != .number, let serial = Double(String(decoding: text, as: UTF8.self)),
                let date = ExcelSerial.text(
                    serial, date1904: date1904, withTime: shown == .dateTime, timeOnly: shown == .time)
            {
                cellBytes.append(contentsOf: date.utf8)
            } else {
                cellBytes.append(contentsOf: text)
                kind = .number
            }
        }
        if cellBytes.count > start {
            if let last = cells.last, last.column >= column { cellsOutOfOrder = true }
            cells.append((column, kind, start, cellBytes.count))
        }
    }

    private static func digits(_ text: [UInt8]) -> Int? {
        guard !text.isEmpty, text.count < 19 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private func endRow() {
        guard !cells.isEmpty else {
            emptyRows += header == nil ? 0 : 1
            return
        }
        if header == nil && !hasHeader {
            let width = (cells.map(\.column).max() ?? 0) + 1
            columns = (1...width).map { "column_\($0)" }
            self.width = width
            header = columns
            pipe.publishHeader(columns, notes: [])
        }
        if header == nil {
            early.append(
                (rowNumber, cells.map { ($0.column, $0.kind, Array(cellBytes[$0.start..<$0.end])) }))
            if early.count >= lookahead { chooseHeader() }
            return
        }
        appendRecord()
    }

    /// The header is the first early row with at least half as many cells as the widest early row
    /// (and two, when any row has two): rows above it are titles.
    private func chooseHeader() {
        let widest = early.map { $0.cells.count }.max() ?? 0
        let needed = max(min(2, widest), (widest + 1) / 2)
        let index = early.firstIndex { $0.cells.count >= needed } ?? 0
        let row = early[index]
        let lastColumn = row.cells.map(\.column).max() ?? 0
        var cellsText = [String](repeating: "", count: lastColumn + 1)
        for cell in row.cells { cellsText[cell.column] = String(decoding: cell.text, as: UTF8.self) }
        nameMergedCells(&cellsText, row: row.row)
        let named = HeaderNames.make(cellsText, at: place(row: row.row))
        columns = named.names
        width = columns.count
        notes += named.notes
        if index > 0 {
            let titles = early[..<index].map { row in
                "row \(row.row): '"
                    + row.cells.map { String(decoding: $0.text, as: UTF8.self) }.joined(separator: " ")
                    .prefix(60) + "'"
            }
            notes.append(
                Diagnostic(
                    "skipped \(index) row\(index == 1 ? "" : "s") above the header, taken for titles (\(titles.joined(separator: ", ")))",
                    at: place()))
        }
        header = columns
        pipe.publishHeader(columns, notes: notes)
        notes = []
        let rest = early[(index + 1)...]
        early = []
        for row in rest {
            cells.removeAll(keepingCapacity: true)
            cellBytes.removeAll(keepingCapacity: true)
            for cell in row.cells {
                let start = cellBytes.count
                cellBytes.append(contentsOf: cell.text)
                cells.append((cell.column, cell.kind, start, cellBytes.count))
            }
            rowNumber = row.row
            cellsOutOfOrder = true
            appendRecord()
            if failed { return }
        }
    }

    /// A header cell merged over several columns (`B1:D1`) names each of them, as `Dirección`,
    /// `Dirección_2`, ...; a cell merged down from a row above (a group row taken for a title) gives
    /// its text to the header cell below it. Merges are listed after the rows, so they are read in a
    /// pass of their own, only when the header has blank cells or the sheet is wider than it.
    private func nameMergedCells(_ cells: inout [String], row: Int) {
        let blanks = cells.contains { $0.isEmpty }
        guard blanks || (dimension.map { $0.lastColumn >= cells.count } ?? false) else { return }
        guard let merges = try? workbook.mergedRanges(of: part) else { return }
        for merge in merges
        where merge.firstRow <= row && row <= merge.lastRow && merge.lastColumn > merge.firstColumn
            || merge.firstRow < row && row <= merge.lastRow
        {
            let text: String
            if merge.firstRow == row {
                text = merge.firstColumn < cells.count ? cells[merge.firstColumn] : ""
            } else {
                let above = early.first { $0.row == merge.firstRow }?.cells.first { $0.column == merge.firstColumn }
                text = above.map { String(decoding: $0.text, as: UTF8.self) } ?? ""
            }
            guard !text.isEmpty, merge.lastColumn < XLSXReference.maxColumns else { continue }
            while cells.count <= merge.lastColumn { cells.append("") }
            var named = 0
            for column in merge.firstColumn...merge.lastColumn where cells[column].isEmpty {
                cells[column] = text
                named += 1
            }
            if named > 0 {
                notes.append(
                    Diagnostic(
                        "header cells \(merge.text) are merged: '\(text)' names \(merge.lastColumn - merge.firstColumn + 1) columns",
                        at: place(row: row)))
            }
        }
    }

    private func appendRecord() {
        // Cells right of the header's last name are new columns.
        if let widest = cells.map(\.column).max(), widest >= columns.count {
            guard widest < XLSXReference.maxColumns else {
                fail(FerryError(.input, "the row has cells past Excel's last column", at: place(row: rowNumber)))
                return
            }
            let added = (columns.count...widest).map { "column_\($0 + 1)" }
            notes.append(
                Diagnostic(
                    "the row has cells right of the header; the column\(added.count == 1 ? " is" : "s are") named \(added.joined(separator: ", "))",
                    at: place(row: rowNumber)))
            columns += added
        }
        if cellsOutOfOrder { cells.sort { $0.column < $1.column } }
        records += 1
        batch.beginRecord()
        var next = 0
        cellBytes.withUnsafeBytes { bytes in
            let empty = UnsafeRawBufferPointer(start: nil, count: 0)
            for cell in cells {
                while next < cell.column {
                    batch.appendField(column: next, kind: .string, empty)
                    next += 1
                }
                guard cell.column == next else { continue }  // a column given twice keeps its first cell
                batch.appendField(
                    column: cell.column, kind: cell.kind, UnsafeRawBufferPointer(rebasing: bytes[cell.start..<cell.end])
                )
                next += 1
            }
            while next < width {
                batch.appendField(column: next, kind: .string, empty)
                next += 1
            }
        }
        batch.endRecord(number: records, line: rowNumber)
        if batch.count >= 2048 || batch.byteCount >= 1 << 20 { handOff() }
    }

    private func handOff() {
        do {
            try pipe.hand(&batch, SheetPipe.Handed(columns: columns, notes: notes))
            notes = []
        } catch {
            // The reader is gone (SheetPipe.Cancelled): stop reading.
            parser?.stop()
            cancelled = true
        }
    }

    private(set) var cancelled = false

    /// The sheet is read: the header if it was not chosen yet, the last batch, the totals.
    func finish() {
        guard !cancelled else { return }
        if header == nil {
            if early.isEmpty {
                pipe.publishHeader([], notes: [Diagnostic("the sheet is empty", at: place())])
                return
            }
            chooseHeader()
        }
        if records == 0 {
            notes.append(Diagnostic("the sheet has a header (\(width) columns) but no records", at: place()))
        }
        if emptyRows > 0 {
            notes.append(Diagnostic("skipped \(emptyRows) empty row\(emptyRows == 1 ? "" : "s")", at: place()))
        }
        if errorCells > 0 {
            notes.append(
                Diagnostic(
                    "\(errorCells) cell\(errorCells == 1 ? " holds" : "s hold") a formula error (#N/A, #REF!, ...), read as that text",
                    at: place()))
        }
        if !batch.isEmpty || !notes.isEmpty { handOff() }
    }
}

/// Cell references: `D5` is column 3 (from 0), row 5.
enum XLSXReference {
    /// Excel's last column is XFD.
    static let maxColumns = 16_384

    /// The column (from 0) and row (from 1) of a reference such as `D5`.
    static func cell(_ reference: String) -> (column: Int, row: Int)? {
        reference.withCString { text in
            guard let column = column(text) else { return nil }
            var cursor = text
            while isASCIILetter(UInt8(bitPattern: cursor.pointee)) { cursor += 1 }
            guard cursor.pointee != 0, let row = Int(String(cString: cursor)) else { return nil }
            return (column, row)
        }
    }

    /// The column (from 0) of the letters a reference starts with (`D5`: 3).
    static func column(_ reference: UnsafePointer<CChar>) -> Int? {
        var value = 0
        var cursor = reference
        var letters = 0
        while true {
            let byte = UInt8(bitPattern: cursor.pointee) | 0x20
            guard byte >= 0x61, byte <= 0x7A else { break }
            value = value * 26 + Int(byte - 0x60)
            letters += 1
            cursor += 1
        }
        return letters > 0 && letters <= 3 ? value - 1 : nil
    }

    static func letters(_ column: Int) -> String {
        var name = ""
        var value = column + 1
        while value > 0 {
            let remainder = (value - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            value = (value - 1) / 26
        }
        return name
    }
}
