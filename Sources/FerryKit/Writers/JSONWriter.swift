/// Writes records as JSON objects: a JSON array (one object per line inside it) or NDJSON (one object
/// per line). Values keep the kind they were read with: CSV values are strings, JSON numbers stay numbers.
public final class JSONWriter: RecordWriter {
    public enum Layout: Sendable { case array, lines }

    public let layout: Layout
    private let file: OutputFile
    /// `"name":` per column, escaped once.
    private var keys = JSONKeys([])
    private var wroteRecord = false
    public var outputName: String { file.name }
    public var needsColumnsUpFront: Bool { false }

    public init(file: OutputFile, layout: Layout) {
        self.file = file
        self.layout = layout
    }

    public func begin(columns: [String]) throws {
        if layout == .array { file.pending.append(UInt8(ascii: "[")) }
        learn(columns)
    }

    private func learn(_ columns: [String]) {
        keys.learn(columns)
    }

    public func write(_ batch: RecordBatch, columns: [String]) throws {
        learn(columns)
        keys.withBuffers { keys in
            batch.bytes.withUnsafeBytes { bytes in
                batch.fields.withUnsafeBufferPointer { fields in
                    for record in batch.records {
                        if layout == .array {
                            if wroteRecord { file.pending.append(UInt8(ascii: ",")) }
                            file.pending.append(0x0A)
                        }
                        wroteRecord = true
                        JSONWriter.appendObject(record, bytes: bytes, fields: fields, keys: keys, to: &file.pending)
                        if layout == .lines { file.pending.append(0x0A) }
                    }
                }
            }
        }
        try file.flushIfFull()
    }

    /// Records as `,\n{...}` (array) or `{...}\n` (lines); `writeEncoded` drops the array's first comma.
    public func makeEncoder() -> BatchEncoder? {
        let layout = layout, keys = keys
        return BatchEncoder { batch, out in
            keys.withBuffers { keys in
                batch.bytes.withUnsafeBytes { bytes in
                    batch.fields.withUnsafeBufferPointer { fields in
                        let records = batch.records
                        var bound = 0
                        for field in fields {
                            bound += keys[Int(field.column)].count + 1 + JSONWriter.objectBound(field)
                        }
                        out.appendWriting(atMost: bound + records.count * 4) { out in
                            for record in records {
                                if layout == .array { out.put(UInt8(ascii: ",")); out.put(0x0A) }
                                JSONWriter.putObject(record, bytes: bytes, fields: fields, keys: keys, to: &out)
                                if layout == .lines { out.put(0x0A) }
                            }
                        }
                    }
                }
            }
        }
    }

    public func writeEncoded(_ bytes: [UInt8], records: Int) throws {
        guard records > 0 else { return }
        if layout == .array && !wroteRecord {
            file.pending.append(contentsOf: bytes[1...])
        } else {
            file.pending.append(contentsOf: bytes)
        }
        wroteRecord = true
        try file.flushIfFull()
    }

    /// The most bytes a field's value takes in an object.
    @inline(__always)
    static func objectBound(_ field: FieldSlot) -> Int {
        JSONText.quotedBound(Int(field.end) - Int(field.start)) + 4
    }

    /// Appends one record as a JSON object.
    static func appendObject(
        _ record: RecordSlot, bytes: UnsafeRawBufferPointer, fields: UnsafeBufferPointer<FieldSlot>,
        keys: JSONKeys.Buffers, to out: inout [UInt8]
    ) {
        let first = Int(record.firstField)
        var bound = 2
        for k in 0..<Int(record.fieldCount) {
            let field = fields[first + k]
            bound += keys[Int(field.column)].count + 1 + objectBound(field)
        }
        out.appendWriting(atMost: bound) { putObject(record, bytes: bytes, fields: fields, keys: keys, to: &$0) }
    }

    /// Writes one record as a JSON object; `keys` holds `"name":` per column. The cursor has room for
    /// each field's key, a comma and `objectBound`, and for the braces.
    @inline(__always)
    static func putObject(
        _ record: RecordSlot, bytes: UnsafeRawBufferPointer, fields: UnsafeBufferPointer<FieldSlot>,
        keys: JSONKeys.Buffers, to out: inout ByteCursor
    ) {
        out.put(UInt8(ascii: "{"))
        let first = Int(record.firstField)
        for k in 0..<Int(record.fieldCount) {
            let field = fields[first + k]
            if k > 0 { out.put(UInt8(ascii: ",")) }
            out.put(keys[Int(field.column)])
            let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)])
            switch field.kind {
            case .string: JSONText.putQuoted(value, to: &out)
            case .number, .bool, .json: out.put(value)
            case .null:
                out.put(0x6E)
                out.put(0x75)
                out.put(0x6C)
                out.put(0x6C)
            }
        }
        out.put(UInt8(ascii: "}"))
    }

    public func finish() throws {
        if layout == .array {
            file.pending.append(contentsOf: wroteRecord ? [0x0A, UInt8(ascii: "]"), 0x0A] : [UInt8(ascii: "]"), 0x0A])
        }
        try file.commit()
    }

    public func abandon() { file.abandon() }
}

/// Each column's `"name":`, escaped once, all in one buffer so writing a record touches no
/// per-column array.
struct JSONKeys: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = [0]

    init(_ columns: [String]) { learn(columns) }

    var count: Int { starts.count - 1 }

    /// Adds the columns not known yet (a JSON input meets new keys).
    mutating func learn(_ columns: [String]) {
        for column in columns.dropFirst(count) {
            var name = Array(column.utf8)
            name.withUnsafeMutableBytes { JSONText.appendQuoted(UnsafeRawBufferPointer($0), to: &bytes) }
            bytes.append(UInt8(ascii: ":"))
            starts.append(bytes.count)
        }
    }

    /// The keys as pointers, for a loop over records.
    struct Buffers {
        let bytes: UnsafeBufferPointer<UInt8>
        let starts: UnsafeBufferPointer<Int>
        subscript(column: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[starts[column]..<starts[column + 1]])
        }
    }

    func withBuffers<R>(_ body: (Buffers) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { bytes in
            try starts.withUnsafeBufferPointer { starts in try body(Buffers(bytes: bytes, starts: starts)) }
        }
    }
}
