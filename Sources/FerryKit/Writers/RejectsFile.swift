/// The rejects file: every rejected record as it was read (its original columns), with its record
/// number, line and every reason, so it can be fixed and run again. CSV or JSON by extension.
public final class RejectsFile {
    public let path: String
    private let format: FileFormat
    private var writer: (any RecordWriter)?
    private var pending = RecordBatch()
    private var columns: [String] = []
    public private(set) var count = 0
    /// True when the input's columns can still grow (JSON): a CSV rejects file then waits for the end.
    private let waitForColumns: Bool

    /// The columns Ferry adds after the record's own.
    public static let addedColumns = ["_record", "_line", "_reasons"]

    public init(path: String, inputMayGrowColumns: Bool) throws {
        self.path = path
        format = FileFormat(path: path) ?? .csv
        waitForColumns = inputMayGrowColumns && format == .csv
    }

    /// Keeps a rejected record with its reasons.
    public func add(_ record: RecordView, reasons: [String]) {
        pending.beginRecord()
        pending.appendFields(of: record)
        // Ferry's own columns go in as -1, -2, -3 until the input's final column count is known.
        let reasons = Redactor.shared.redact(reasons.joined(separator: "; "))
        for (offset, text) in [String(record.number), String(record.line), reasons].enumerated() {
            var value = text
            value.withUTF8 {
                pending.appendField(
                    column: -1 - offset, kind: offset < 2 ? .number : .string, UnsafeRawBufferPointer($0))
            }
        }
        pending.endRecord(number: record.number, line: record.line)
        count += 1
    }

    /// Writes what is pending when the input's columns are final, or always for JSON.
    public func flush(inputColumns: [String], final: Bool = false) throws {
        guard !pending.isEmpty || (final && writer == nil && count > 0) else { return }
        if waitForColumns && !final { return }
        if writer == nil {
            columns = inputColumns + RejectsFile.addedColumns
            let file = try OutputFile(path: path)
            // People open rejects files in a spreadsheet: values that would run as formulas are guarded.
            let made = format.writer(into: file, csv: .spreadsheet)
            try made.begin(columns: columns)
            writer = made
        } else if inputColumns.count + 3 != columns.count {
            columns = inputColumns + RejectsFile.addedColumns
        }
        // Ferry's own columns were stored as -1, -2, -3: move them after the input's columns.
        var batch = RecordBatch()
        for index in 0..<pending.count {
            let record = pending[index]
            batch.beginRecord()
            batch.appendFields(of: record) { $0 < 0 ? inputColumns.count + Int(-1 - $0) : Int($0) }
            batch.endRecord(number: record.number, line: record.line)
        }
        try writer!.write(batch, columns: columns)
        pending.removeAll()
    }

    /// Completes the file; with no rejected record, no file is created.
    public func finish(inputColumns: [String]) throws {
        try flush(inputColumns: inputColumns, final: true)
        try writer?.finish()
    }

    public func abandon() { writer?.abandon() }
}
