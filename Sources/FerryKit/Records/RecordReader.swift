/// A source of records: fills batches until the input ends.
public protocol RecordReader: AnyObject {
    /// The input's name for messages.
    var inputName: String { get }
    /// Column names known so far, indexed by `FieldSlot.column`. For CSV they are complete once the
    /// reader exists; JSON readers add keys as they meet them.
    var columns: [String] { get }
    /// Notes gathered so far (renamed headers, blank lines, accepted ragged rows).
    var diagnostics: [Diagnostic] { get }
    /// Records handed out so far.
    var recordsRead: Int { get }
    /// Empties `batch` and fills it with the next records; returns false at the end of the input.
    func read(into batch: inout RecordBatch) throws -> Bool
}
