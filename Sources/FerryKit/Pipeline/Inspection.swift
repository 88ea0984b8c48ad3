/// What `ferry inspect` finds in a file: format, encoding, dialect, header, counts and, per column,
/// how often it is filled and a few sample values.
public struct Inspection: Encodable, Sendable {
    /// One column's profile.
    public struct Column: Encodable, Sendable {
        public var name: String
        /// Records with a non-empty value.
        public var filled: Int
        /// `filled / records`, 0 for an empty file.
        public var fillRate: Double
        /// Up to three distinct non-empty values, in the order met; masked when they are personal data,
        /// unless `showPII`.
        public var samples: [String]
        /// What the values are (`tax id`, `mobile phone`, `date`), judged from the first 1,000.
        public var kind: String
        /// The date format, for dates.
        public var dateFormat: String?
        /// The canonical field `mapping suggest` would map it to, and how sure it is.
        public var suggestedField: String?
        public var confidence: Double?
    }

    /// The CSV dialect, for CSV files.
    public struct Dialect: Encodable, Sendable {
        public var delimiter: String
        public var quote: String
        public var header: Bool
        public var lineEnding: String
    }

    /// A workbook's sheets, for .xlsx files.
    public struct Workbook: Encodable, Sendable {
        public struct Sheet: Encodable, Sendable {
            public var name: String
            public var hidden: Bool
            /// Its used range as the workbook records it (`A1:P1001`), and that range's rows and
            /// columns; nil when the workbook does not say.
            public var range: String?
            public var rows: Int?
            public var columns: Int?
        }
        /// The sheet read.
        public var sheet: String
        public var sheets: [Sheet]
        /// `1900` or `1904`: where its serial dates count from.
        public var dateSystem: String
    }

    public var file: String
    public var format: String
    public var encoding: String
    public var byteOrderMark: Bool
    public var encodingReason: String
    public var dialect: Dialect?
    public var workbook: Workbook?
    public var records: Int
    public var columns: [Column]
    /// Records whose field count differs from the header's (CSV).
    public var shortRecords: Int
    public var longRecords: Int
    public var blankLines: Int
    public var notes: [String]

    /// Reads all of `path` and profiles it. Ragged rows are counted, not refused. Sample values of
    /// personal data are masked unless `showPII`.
    public static func inspect(_ path: String, options: ReadOptions = ReadOptions(), showPII: Bool = false) throws
        -> Inspection
    {
        var options = options
        options.csv.allowRagged = true
        let input = try InputFile.open(path, options: options)
        let reader = input.reader
        var filled: [Int] = []
        var samples: [[String]] = []
        var first = FirstValues()
        var batch = RecordBatch()
        var records = 0
        while try reader.read(into: &batch) {
            records += batch.count
            first.add(batch)
            while filled.count < reader.columns.count { filled.append(0); samples.append([]) }
            for field in batch.fields where field.hasValue {
                let column = Int(field.column)
                filled[column] += 1
                if samples[column].count < 3 {
                    let value = batch.string(field)
                    if !samples[column].contains(value) { samples[column].append(value) }
                }
            }
        }
        while filled.count < reader.columns.count { filled.append(0); samples.append([]) }
        let suggested = MappingSuggestion.decide(
            headers: reader.columns, contents: first.contents(columns: reader.columns.count))
        let csv = reader as? CSVReader
        return Inspection(
            file: reader.inputName,
            format: input.format.rawValue,
            encoding: input.decoded?.report.encoding.rawValue ?? TextEncoding.utf8.rawValue,
            byteOrderMark: input.decoded?.report.hasByteOrderMark ?? false,
            encodingReason: input.decoded?.report.reason ?? "the XML of the workbook",
            dialect: input.dialect.map {
                Dialect(
                    delimiter: $0.delimiter == 0x09 ? "\t" : String(UnicodeScalar($0.delimiter)),
                    quote: String(UnicodeScalar($0.quote)), header: $0.hasHeader, lineEnding: $0.lineEnding.rawValue)
            },
            workbook: (reader as? XLSXReader).map { workbook in
                Workbook(
                    sheet: workbook.sheet,
                    sheets: workbook.sheetRanges.map {
                        Workbook.Sheet(
                            name: $0.name, hidden: $0.hidden, range: $0.range?.text, rows: $0.range?.rows,
                            columns: $0.range?.columns)
                    }, dateSystem: workbook.date1904 ? "1904" : "1900")
            },
            records: records,
            columns: reader.columns.enumerated().map { index, name in
                let column = suggested[index]
                return Column(
                    name: name, filled: filled[index],
                    fillRate: records == 0 ? 0 : Double(filled[index]) / Double(records),
                    samples: showPII ? samples[index] : samples[index].map { column.masked($0) },
                    kind: column.content.kind.rawValue, dateFormat: column.content.dateFormat,
                    suggestedField: column.fields.isEmpty ? nil : column.fields.map(\.rawValue).joined(separator: "+"),
                    confidence: column.fields.isEmpty ? nil : (column.confidence * 100).rounded() / 100)
            },
            shortRecords: csv?.shortRecords ?? 0,
            longRecords: csv?.longRecords ?? 0,
            blankLines: csv?.blankLines ?? 0,
            notes: reader.diagnostics.map(\.message))
    }
}
