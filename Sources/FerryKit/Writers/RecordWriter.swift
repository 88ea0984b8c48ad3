/// A file format Ferry reads and writes.
public enum FileFormat: String, CaseIterable, Sendable {
    case csv, json, ndjson, xlsx

    /// The format a path's extension names, if any.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv", "tsv", "txt", "tab": self = .csv
        case "json": self = .json
        case "ndjson", "jsonl": self = .ndjson
        case "xlsx", "xlsm": self = .xlsx
        default: return nil
        }
    }
}

extension FileFormat {
    /// A writer of this format into `file`; `csv` lays out CSV output.
    public func writer(into file: OutputFile, csv: CSVWriteOptions = CSVWriteOptions()) -> any RecordWriter {
        switch self {
        case .csv: CSVWriter(file: file, options: csv)
        case .json: JSONWriter(file: file, layout: .array)
        case .ndjson: JSONWriter(file: file, layout: .lines)
        case .xlsx: XLSXWriter(file: file)
        }
    }
}

/// A destination for records: receives batches and completes or abandons its output.
public protocol RecordWriter: AnyObject {
    /// The output's name for messages.
    var outputName: String { get }
    /// True when the writer must know every column before the first record (a CSV header).
    var needsColumnsUpFront: Bool { get }
    /// Starts the output. `columns` are the names `FieldSlot.column` indexes into.
    func begin(columns: [String]) throws
    /// Writes a batch; `columns` may have grown since `begin` (JSON inputs meet new keys).
    func write(_ batch: RecordBatch, columns: [String]) throws
    /// Completes the output and moves it into place.
    func finish() throws
    /// Drops the output of a failed run.
    func abandon()
    /// What turns batches into this format's bytes on other threads, when the format allows it
    /// (called after `begin`); nil sends every batch through `write`.
    func makeEncoder() -> BatchEncoder?
    /// Writes bytes the encoder made, in input order; `records` says how many records they hold.
    func writeEncoded(_ bytes: [UInt8], records: Int) throws
    /// Whether `startOver` may be called: the output can be dropped and begun again (a file, not
    /// standard output).
    var canStartOver: Bool { get }
    /// Drops everything written since `begin`, which is called again before any more records.
    func startOver() throws
}

/// Turns a batch into a writer's bytes; safe to call from several threads at once.
public struct BatchEncoder: Sendable {
    let encode: @Sendable (RecordBatch, inout [UInt8]) -> Void
}

extension RecordWriter {
    public func makeEncoder() -> BatchEncoder? { nil }
    public func writeEncoded(_ bytes: [UInt8], records: Int) throws {
        preconditionFailure("\(Self.self) has no encoder")
    }
    public var canStartOver: Bool { false }
    public func startOver() throws { preconditionFailure("\(Self.self) cannot start over") }
}

/// A writer that keeps nothing: `ferry plan` runs the whole pipeline into it.
public final class DiscardingWriter: RecordWriter {
    public init() {}
    public var outputName: String { "nothing (plan)" }
    public var needsColumnsUpFront: Bool { false }
    public func begin(columns: [String]) throws {}
    public func write(_ batch: RecordBatch, columns: [String]) throws {}
    public func finish() throws {}
    public func abandon() {}
    public func makeEncoder() -> BatchEncoder? { BatchEncoder { _, _ in } }
    public func writeEncoded(_ bytes: [UInt8], records: Int) throws {}
}
