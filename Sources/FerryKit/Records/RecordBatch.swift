/// What kind of JSON value a field held when it was read. CSV fields are always `.string`.
public enum ValueKind: UInt8, Sendable {
    case string
    /// A JSON number, kept as the exact text that was read.
    case number
    /// `true` or `false`, kept as text.
    case bool
    /// JSON `null`; its text is empty.
    case null
    /// A nested JSON object or array, kept as compact JSON text.
    case json
}

/// One field of one record inside a `RecordBatch`: which column it belongs to and where its bytes are.
public struct FieldSlot: Sendable {
    public var column: Int32
    public var start: Int32
    public var end: Int32
    public var kind: ValueKind

    /// Whether the field holds something: text, or a nested object or array.
    public var hasValue: Bool { end > start || kind == .json }
}

/// Where one record's fields are inside a `RecordBatch`, and where the record came from.
public struct RecordSlot: Sendable {
    /// Index of the record's first field in `RecordBatch.fields`.
    public var firstField: Int32
    public var fieldCount: Int32
    /// 1-based number of the record in its input (the header is not a record).
    public var number: Int
    /// 1-based physical line on which the record starts.
    public var line: Int
}

/// A run of records read from one input: every value's UTF-8 bytes in one buffer, so the hot path
/// allocates nothing per field. Readers fill batches, writers drain them; a batch is reused.
public struct RecordBatch: Sendable {
    /// The values' bytes, at the offsets the fields give. Only the first `byteCount` bytes are the
    /// batch's: the buffer is allocated ahead and filled by copying, which costs a field one
    /// `memcpy` instead of an array's append.
    public private(set) var bytes: [UInt8] = []
    public private(set) var byteCount = 0
    public private(set) var fields: [FieldSlot] = []
    public private(set) var records: [RecordSlot] = []
    private var openRecordFirstField: Int = -1
    /// Where the open record's bytes start.
    private var openRecordFirstByte = 0

    public init() {}

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// Empties the batch but keeps its storage for the next fill.
    public mutating func removeAll() {
        byteCount = 0
        fields.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        openRecordFirstField = -1
    }

    /// Starts a new record; fields appended until `endRecord` belong to it.
    public mutating func beginRecord() {
        openRecordFirstField = fields.count
        openRecordFirstByte = byteCount
    }

    /// Copies bytes after the batch's bytes.
    @inline(__always)
    private mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        let count = value.count
        guard count > 0 else { return }
        if byteCount + count > bytes.count { grow(count) }
        let at = byteCount
        bytes.withUnsafeMutableBytes {
            $0.baseAddress!.advanced(by: at).copyMemory(from: value.baseAddress!, byteCount: count)
        }
        byteCount += count
    }

    /// Allocates room for `extra` more bytes, doubling the buffer.
    @inline(never)
    private mutating func grow(_ extra: Int) {
        var size = Swift.max(bytes.count * 2, 4096)
        while size < byteCount + extra { size *= 2 }
        bytes.append(contentsOf: repeatElement(0, count: size - bytes.count))
    }

    /// Adds a field to the open record.
    @inline(__always)
    public mutating func appendField(column: Int, kind: ValueKind, _ value: UnsafeRawBufferPointer) {
        let start = byteCount
        appendBytes(value)
        fields.append(
            FieldSlot(
                column: Int32(truncatingIfNeeded: column), start: Int32(truncatingIfNeeded: start),
                end: Int32(truncatingIfNeeded: byteCount), kind: kind))
    }

    /// Adds a field to the open record from a byte collection.
    public mutating func appendField(column: Int, kind: ValueKind, bytes value: some Collection<UInt8>) {
        let start = byteCount
        if value.withContiguousStorageIfAvailable({ appendBytes(UnsafeRawBufferPointer($0)) }) == nil {
            for byte in value { appendFieldByte(byte) }
        }
        fields.append(
            FieldSlot(
                column: Int32(truncatingIfNeeded: column), start: Int32(truncatingIfNeeded: start),
                end: Int32(truncatingIfNeeded: byteCount), kind: kind))
    }

    /// Starts a field whose bytes will be appended piece by piece with `appendFieldBytes`.
    public mutating func beginField() -> Int { byteCount }

    public mutating func appendFieldBytes(_ value: UnsafeRawBufferPointer) { appendBytes(value) }
    public mutating func appendFieldByte(_ value: UInt8) {
        if byteCount == bytes.count { grow(1) }
        bytes[byteCount] = value
        byteCount += 1
    }

    /// Closes a field begun with `beginField`.
    public mutating func endField(column: Int, kind: ValueKind, start: Int) {
        fields.append(
            FieldSlot(
                column: Int32(truncatingIfNeeded: column), start: Int32(truncatingIfNeeded: start),
                end: Int32(truncatingIfNeeded: byteCount), kind: kind))
    }

    /// Moves a field to another column (a JSON reader that learns late what a key means).
    public mutating func setColumn(ofField index: Int, to column: Int) {
        fields[index].column = Int32(truncatingIfNeeded: column)
    }

    /// Number of fields in the open record so far.
    public var openRecordFieldCount: Int { openRecordFirstField < 0 ? 0 : fields.count - openRecordFirstField }

    /// Bytes held by the open record so far.
    public var openRecordByteCount: Int { openRecordFirstField < 0 ? 0 : byteCount - openRecordFirstByte }

    /// Gives field `index` of the open record the value of the record's last field, which is
    /// removed (a JSON key given again: its last value counts, in the first one's place). The old
    /// value's bytes stay, unused, until the batch is emptied.
    public mutating func replaceFieldWithLast(_ index: Int) {
        precondition(
            openRecordFirstField >= 0 && index >= openRecordFirstField && index < fields.count - 1,
            "not an earlier field of the open record")
        let last = fields.removeLast()
        fields[index].start = last.start
        fields[index].end = last.end
        fields[index].kind = last.kind
    }

    /// Adds `records` to every record's number and `lines` to its line: a batch read from a chunk
    /// of a file, numbered from the chunk's start, numbered from the file's.
    public mutating func renumber(afterRecords records: Int, lines: Int) {
        guard records != 0 || lines != 0 else { return }
        for index in self.records.indices {
            self.records[index].number += records
            self.records[index].line += lines
        }
    }

    /// Closes the open record.
    public mutating func endRecord(number: Int, line: Int) {
        precondition(openRecordFirstField >= 0, "endRecord without beginRecord")
        records.append(
            RecordSlot(
                firstField: Int32(openRecordFirstField), fieldCount: Int32(fields.count - openRecordFirstField),
                number: number, line: line))
        openRecordFirstField = -1
    }

    /// Moves the open record (a record whose end has not been read yet) into `other`, which must have
    /// none open, so a batch handed out holds only complete records.
    public mutating func moveOpenRecord(to other: inout RecordBatch) {
        guard openRecordFirstField >= 0 else { return }
        other.beginRecord()
        bytes.withUnsafeBytes { bytes in
            for field in fields[openRecordFirstField...] {
                other.appendField(
                    column: Int(field.column), kind: field.kind,
                    UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)]))
            }
        }
        discardOpenRecord()
    }

    /// Copies the fields of a record of any batch into the open record; `column` renumbers them.
    public mutating func appendFields(of record: RecordView, column: (Int32) -> Int = { Int($0) }) {
        for field in record.fields {
            record.batch.withValue(field) {
                appendField(column: column(field.column), kind: field.kind, UnsafeRawBufferPointer($0))
            }
        }
    }

    /// Drops the open record and its fields.
    public mutating func discardOpenRecord() {
        guard openRecordFirstField >= 0 else { return }
        byteCount = openRecordFirstByte
        if openRecordFirstField < fields.count { fields.removeSubrange(openRecordFirstField...) }
        openRecordFirstField = -1
    }

    /// The record at `index`.
    public subscript(index: Int) -> RecordView { RecordView(batch: self, slot: records[index]) }

    /// Calls `body` with the bytes of one field.
    @inline(__always)
    public func withValue<R>(_ field: FieldSlot, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[Int(field.start)..<Int(field.end)]))
        }
    }

    /// The text of one field (for reports and tests, not for per-field hot paths).
    public func string(_ field: FieldSlot) -> String {
        String(decoding: bytes[Int(field.start)..<Int(field.end)], as: UTF8.self)
    }
}

/// A read-only view of one record in a batch.
public struct RecordView {
    public let batch: RecordBatch
    public let slot: RecordSlot

    public var number: Int { slot.number }
    public var line: Int { slot.line }
    public var fieldCount: Int { Int(slot.fieldCount) }

    /// The record's fields in the order they were read.
    public var fields: ArraySlice<FieldSlot> {
        batch.fields[Int(slot.firstField)..<Int(slot.firstField + slot.fieldCount)]
    }

    /// The value of a column as text, or nil when the record has no value for it.
    public func string(column: Int) -> String? {
        for field in fields where Int(field.column) == column { return batch.string(field) }
        return nil
    }

    /// The field for a column, or nil when the record has no value for it.
    public func field(column: Int) -> FieldSlot? {
        for field in fields where Int(field.column) == column { return field }
        return nil
    }
}
