/// Writes records as JSON objects: a JSON array (one object per line inside it) or NDJSON (one object
/// per line). Values keep the kind they were read with: CSV values are strings, JSON numbers stay numbers.
public final class JSONWriter: RecordWriter {
    public enum Layout: Sendable { case array, lines }

    public let layout: Layout
    private let file: OutputFile
    /// `"name":` per column, escaped once.
    private var keyPrefixes: [[UInt8]] = []
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
        if keyPrefixes.count < columns.count { keyPrefixes += JSONWriter.keyPrefixes(Array(columns[keyPrefixes.count...])) }
    }

    public func write(_ batch: RecordBatch, columns: [String]) throws {
        learn(columns)
        batch.bytes.withUnsafeBytes { bytes in
            for record in batch.records {
                if layout == .array {
                    if wroteRecord { file.pending.append(UInt8(ascii: ",")) }
                    file.pending.append(0x0A)
                }
                wroteRecord = true
                JSONWriter.appendObject(record, bytes: bytes, fields: batch.fields, keyPrefixes: keyPrefixes, to: &file.pending)
                if layout == .lines { file.pending.append(0x0A) }
            }
        }
        try file.flushIfFull()
    }

    /// Records as `,\n{...}` (array) or `{...}\n` (lines); `writeEncoded` drops the array's first comma.
    public func makeEncoder() -> BatchEncoder? {
        // The keys' `"name":` in one buffer, so encoding touches no per-column array.
        var keys: [UInt8] = []
        var starts: [Int] = [0]
        for prefix in keyPrefixes {
            keys += prefix
            starts.append(keys.count)
        }
        let layout = layout, keyBytes = keys, keyStarts = starts
        return BatchEncoder { batch, out in
            out.reserveCapacity(out.count + batch.byteCount + batch.byteCount / 4 + batch.fields.count * 24 + batch.count * 4)
            keyBytes.withUnsafeBufferPointer { keys in
                batch.bytes.withUnsafeBytes { bytes in
                    batch.fields.withUnsafeBufferPointer { fields in
                        for record in batch.records {
                            if layout == .array { out.append(UInt8(ascii: ",")); out.append(0x0A) }
                            out.append(UInt8(ascii: "{"))
                            let first = Int(record.firstField)
                            for k in 0..<Int(record.fieldCount) {
                                let field = fields[first + k]
                                if k > 0 { out.append(UInt8(ascii: ",")) }
                                let column = Int(field.column)
                                out.append(contentsOf: UnsafeBufferPointer(rebasing: keys[keyStarts[column]..<keyStarts[column + 1]]))
                                let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)])
                                switch field.kind {
                                case .string: JSONText.appendQuoted(value, to: &out)
                                case .number, .bool, .json: out.append(contentsOf: value)
                                case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                                }
                            }
                            out.append(UInt8(ascii: "}"))
                            if layout == .lines { out.append(0x0A) }
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

    /// Appends one record as a JSON object; `keyPrefixes` holds `"name":` per column.
    static func appendObject(_ record: RecordSlot, bytes: UnsafeRawBufferPointer, fields: [FieldSlot], keyPrefixes: [[UInt8]],
                             to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        let first = Int(record.firstField)
        for k in 0..<Int(record.fieldCount) {
            let field = fields[first + k]
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: keyPrefixes[Int(field.column)])
            let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.start)..<Int(field.end)])
            switch field.kind {
            case .string: JSONText.appendQuoted(value, to: &out)
            case .number, .bool, .json: out.append(contentsOf: value)
            case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"name":` for each column, escaped once.
    static func keyPrefixes(_ columns: [String]) -> [[UInt8]] {
        columns.map { column in
            var prefix: [UInt8] = []
            var name = Array(column.utf8)
            name.withUnsafeMutableBytes { JSONText.appendQuoted(UnsafeRawBufferPointer($0), to: &prefix) }
            prefix.append(UInt8(ascii: ":"))
            return prefix
        }
    }

    public func finish() throws {
        if layout == .array { file.pending.append(contentsOf: wroteRecord ? [0x0A, UInt8(ascii: "]"), 0x0A] : [UInt8(ascii: "]"), 0x0A]) }
        try file.commit()
    }

    public func abandon() { file.abandon() }
}
