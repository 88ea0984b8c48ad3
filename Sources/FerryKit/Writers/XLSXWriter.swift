import CXLSXWriter
import Foundation

/// Writes an .xlsx workbook with libxlsxwriter in its constant-memory mode (each row goes to disk as
/// it is written): a bold header row, frozen, with an autofilter over the columns. Text stays text
/// (a tax id, a postal code with its leading zero, a phone is never turned into a number); JSON
/// numbers and booleans are cells of their type; ISO days (`1990-05-12`) are dates shown as
/// `yyyy-mm-dd`. A sheet holds at most 1,048,575 records: more go on to `Sheet2`, `Sheet3`, ...
/// each with the header.
public final class XLSXWriter: RecordWriter {
    private let file: OutputFile
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    private var sheet: UnsafeMutablePointer<lxw_worksheet>?
    private var header: UnsafeMutablePointer<lxw_format>?
    private var text: UnsafeMutablePointer<lxw_format>?
    private var date: UnsafeMutablePointer<lxw_format>?
    private var columns: [String] = []
    private var sheets = 0
    private var row: UInt32 = 0
    private var cell: [CChar] = []
    /// A cell holds at most 32,767 characters (Excel's limit).
    static let maxCellCharacters = 32_767
    /// Rows per sheet, the header's included.
    static let maxRows: UInt32 = 1_048_576

    public var outputName: String { file.name }
    public var needsColumnsUpFront: Bool { true }

    public init(file: OutputFile) { self.file = file }

    deinit { if workbook != nil { abandon() } }

    public func begin(columns: [String]) throws {
        guard let path = file.workingPath else {
            throw FerryError(
                .usage, "a workbook cannot be written to standard output", at: Location(file: file.name),
                hint: "give -o a file name ending in .xlsx")
        }
        var options = lxw_workbook_options()
        options.constant_memory = 1
        options.use_zip64 = 1
        let tmpdir = strdup(InputFile.temporaryDirectory())
        defer { free(tmpdir) }
        options.tmpdir = tmpdir
        workbook = workbook_new_opt(path, &options)
        guard let workbook else {
            throw FerryError(
                .output, "cannot create the workbook", at: Location(file: file.name),
                hint: "check that you may write in the output folder and in TMPDIR")
        }
        header = workbook_add_format(workbook)
        format_set_bold(header)
        text = workbook_add_format(workbook)
        format_set_num_format(text, "@")
        date = workbook_add_format(workbook)
        format_set_num_format(date, "yyyy-mm-dd")
        self.columns = columns
        try newSheet()
    }

    private func newSheet() throws {
        sheets += 1
        sheet = workbook_add_worksheet(workbook, "Sheet\(sheets)")
        worksheet_freeze_panes(sheet, 1, 0)
        for (index, name) in columns.enumerated() {
            let width = Double(min(40, max(10, name.count + 4)))
            worksheet_set_column(sheet, lxw_col_t(index), lxw_col_t(index), width, nil)
            try check(worksheet_write_string(sheet, 0, lxw_col_t(index), name, header), column: name)
        }
        row = 1
    }

    public func write(_ batch: RecordBatch, columns: [String]) throws {
        precondition(
            columns.count <= self.columns.count || self.columns.isEmpty, "workbook columns grew after the header")
        try batch.bytes.withUnsafeBytes { bytes in
            for record in batch.records {
                if row == XLSXWriter.maxRows {
                    finishSheet()
                    try newSheet()
                }
                let first = Int(record.firstField)
                for k in 0..<Int(record.fieldCount) {
                    let field = batch.fields[first + k]
                    let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)])
                    try put(value, kind: field.kind, column: Int(field.column), record: record)
                }
                row += 1
            }
        }
    }

    private func put(_ value: UnsafeRawBufferPointer, kind: ValueKind, column: Int, record: RecordSlot) throws {
        let col = lxw_col_t(column)
        switch kind {
        case .null:
            return
        case .bool:
            try check(
                worksheet_write_boolean(sheet, row, col, value.first == UInt8(ascii: "t") ? 1 : 0, nil), column: column,
                record: record)
            return
        case .number:
            if let number = Double(String(decoding: value, as: UTF8.self)), number.isFinite,
                value.count <= 15 || !value.allSatisfy(isASCIIDigit)
            {
                try check(worksheet_write_number(sheet, row, col, number, nil), column: column, record: record)
                return
            }
        case .string, .json:
            guard !value.isEmpty else { return }
            if value.count == 10,
                case .date(let day) = DateFormat.iso.read(value.assumingMemoryBound(to: UInt8.self)),
                day.year >= 1900
            {
                var when = lxw_datetime(
                    year: Int32(day.year), month: Int32(day.month), day: Int32(day.day), hour: 0, min: 0, sec: 0)
                try check(worksheet_write_datetime(sheet, row, col, &when, date), column: column, record: record)
                return
            }
        }
        if value.count > XLSXWriter.maxCellCharacters,
            String(decoding: value, as: UTF8.self).utf16.count > XLSXWriter.maxCellCharacters
        {
            throw FerryError(
                .output,
                "the value has more than \(XLSXWriter.maxCellCharacters) characters, more than an Excel cell holds",
                at: Location(file: file.name, record: record.number, column: name(ofColumn: column)),
                hint: "write this list as CSV or JSON (-o NAME.csv), which hold values of any length")
        }
        cell.removeAll(keepingCapacity: true)
        cell.append(contentsOf: value.lazy.map { CChar(bitPattern: $0) })
        cell.append(0)
        try check(
            cell.withUnsafeBufferPointer { worksheet_write_string(sheet, row, col, $0.baseAddress, text) },
            column: column, record: record)
    }

    private func name(ofColumn column: Int) -> String {
        columns.indices.contains(column) ? columns[column] : "column \(column + 1)"
    }

    private func check(_ status: lxw_error, column: Int, record: RecordSlot) throws {
        try check(status, column: name(ofColumn: column), record: record.number)
    }

    private func check(_ status: lxw_error, column: String, record: Int? = nil) throws {
        guard status != LXW_NO_ERROR else { return }
        throw FerryError(
            .output, "cannot write the cell: \(String(cString: lxw_strerror(status)))",
            at: Location(file: file.name, record: record, column: column),
            hint: "write this list as CSV or JSON (-o NAME.csv)")
    }

    private func finishSheet() {
        guard let sheet, !columns.isEmpty else { return }
        worksheet_autofilter(sheet, 0, 0, max(row, 1) - 1, lxw_col_t(columns.count - 1))
    }

    public func finish() throws {
        finishSheet()
        let status = workbook_close(workbook)
        workbook = nil
        guard status == LXW_NO_ERROR else {
            file.abandon()
            throw FerryError(
                .output, "cannot complete the workbook: \(String(cString: lxw_strerror(status)))",
                at: Location(file: file.name),
                hint: "free some disk space (in the output folder and TMPDIR) and run again")
        }
        try file.commit()
    }

    public func abandon() {
        if let workbook {
            // libxlsxwriter frees the workbook only by writing it; the file is removed right after.
            _ = workbook_close(workbook)
            self.workbook = nil
        }
        file.abandon()
    }
}
