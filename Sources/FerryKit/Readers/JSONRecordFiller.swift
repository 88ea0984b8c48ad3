#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stretch of JSON input in memory: `base[0..<filled]` holds the input from offset `fileOffset`
/// (of the decoded text), with `JSONParser.padding` readable bytes after it. It places offsets in
/// the file and words what the parser found there.
struct JSONWindow {
    let base: UnsafeMutablePointer<UInt8>
    let filled: Int
    let fileOffset: Int
    let name: String

    /// The place at `offset`, counting lines from `line`, which starts at file offset `lineStart`
    /// (at or before `offset`).
    func location(at offset: Int, line: Int, lineStart: Int) -> Location {
        var lineNumber = line
        var start = lineStart
        var k = max(lineStart - fileOffset, 0)
        while k < offset {
            if base[k] == 0x0A {
                lineNumber += 1
                start = fileOffset + k + 1
            }
            k += 1
        }
        return Location(
            file: name, line: lineNumber, record: nil, column: nil, lineColumn: fileOffset + offset - start + 1)
    }

    func byte(at offset: Int) -> UInt8? { offset < filled ? base[offset] : nil }

    func describeByte(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(String(UnicodeScalar(byte)))'" }
        return hex(byte)
    }

    /// Where in `start..<end` the parser's error lies when simdjson did not say: the invalid UTF-8
    /// byte, or the raw control character inside a string.
    func locate(_ code: Int32, from start: Int, to end: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: base + start, count: end - start)
        if code == JSONFailure.invalidUTF8 {
            var firstNonASCII: Int?
            if case .invalid(let at) = checkUTF8(bytes, firstNonASCII: &firstNonASCII) { return start + at }
            return start
        }
        var inString = false
        var k = 0
        while k < bytes.count {
            let byte = bytes[k]
            if inString {
                if byte < 0x20 { return start + k }
                if byte == UInt8(ascii: "\\") { k += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            k += 1
        }
        return start
    }

    /// The parser's `failure` at `offset`, worded for a user; lines are counted from `line`.
    func error(_ failure: JSONFailure, at offset: Int, line: Int, lineStart: Int) -> FerryError {
        let location = location(at: offset, line: line, lineStart: lineStart)
        if failure.code == JSONFailure.invalidUTF8, let byte = byte(at: offset) {
            return FerryError(
                .input, "byte \(hex(byte)) is not valid UTF-8: JSON is UTF-8", at: location,
                hint:
                    "the file is not all UTF-8; if Windows software saved it, run again with --encoding windows-1252, otherwise fix the text at this place"
            )
        }
        if failure.code == JSONFailure.controlCharacter, let byte = byte(at: offset), byte < 0x20 {
            return FerryError(
                .input, "invalid JSON: a raw control character (\(hex(byte))) inside a string", at: location,
                hint: byte == 0x0A
                    ? "a line break inside a string must be written \\n; the string may be missing its closing quote"
                    : "write it as an escape such as \\u00\(hex(byte).dropFirst(2))")
        }
        return FerryError(
            .input, "invalid JSON: \(failure.message(found: describeByte(byte(at: offset))))", at: location,
            hint: failure.hint)
    }
}

/// Records found in a window and not parsed yet: their bounds in the window, the line each starts
/// on (and the file offset of that line), and whether each was taken for a record by the line
/// shortcut without being looked through (`JSONReader.lineRecord`).
struct JSONSpans {
    var bounds: [UInt32] = []
    var lines: [(line: Int, start: Int)] = []
    var guessed: [Bool] = []

    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }

    mutating func append(from start: Int, to end: Int, line: (Int, Int), guessed: Bool) {
        bounds.append(UInt32(start))
        bounds.append(UInt32(end))
        lines.append(line)
        self.guessed.append(guessed)
    }

    mutating func removeAll() {
        bounds.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        guessed.removeAll(keepingCapacity: true)
    }
}

/// Turns the records of a window into a batch: simdjson (`JSONParser`) parses and checks them and
/// their events fill the batch, each key given its column. One filler per thread.
///
/// Columns are numbered in the order their keys first appear. A filler reading a piece of a file
/// on its own starts from the columns of the pieces before it (`adopt`); the keys it meets that
/// they lack get provisional numbers after them, which `adopt` replaces by the final ones.
final class JSONRecordFiller {
    let name: String
    let maxFieldBytes: Int
    private let parser = JSONParser()
    private(set) var columns: [String] = []
    /// Columns `0..<adopted` are the shared ones; the rest are provisional.
    private(set) var adopted = 0
    private var columnIndex: [String: Int] = [:]
    /// Keys by their position in the previous object, so the usual case (the same keys in the same
    /// order) needs no dictionary look-up.
    private var keyCache: [(key: [UInt8], column: Int)] = []
    /// Per column, the ordinal of the last record that set it and the index of its field there:
    /// finds repeated keys in O(1).
    private var seenInRecord: [(record: Int, field: Int)] = []
    private var recordOrdinal = 0
    private var nestedScratch: [UInt8] = []
    /// Objects with a key given more than once (RFC 8259 allows it; the last value counts), and
    /// the first of them: the key and the line its record starts on.
    private(set) var repeatedKeys = RepeatedKeys()

    struct RepeatedKeys {
        var objects = 0
        var first: (key: String, line: Int)?

        mutating func add(_ other: RepeatedKeys) {
            objects += other.objects
            if first == nil { first = other.first }
        }

        mutating func note(_ key: String, line: Int) {
            objects += 1
            if first == nil { first = (key, line) }
        }
    }

    init(name: String, maxFieldBytes: Int) {
        self.name = name
        self.maxFieldBytes = maxFieldBytes
    }

    /// The repeated keys met since the last call.
    func takeRepeatedKeys() -> RepeatedKeys {
        defer { repeatedKeys = RepeatedKeys() }
        return repeatedKeys
    }

    /// Parses the records of `spans` in `window` and adds them to `batch`, numbered from
    /// `firstRecord`. Returns the index of the first record taken by the line shortcut that is none
    /// (the records before it are in the batch), or nil when all were records; throws the first
    /// error of any other record.
    func fill(
        _ spans: JSONSpans, of window: JSONWindow, firstRecord: Int, into batch: inout RecordBatch
    ) throws -> Int? {
        let events = spans.bounds.withUnsafeBufferPointer {
            parser.parse(base: window.base, spans: $0, objectsOnly: true)
        }
        var index = 0
        for document in 0..<events.documents {
            try fill(events, from: &index, line: spans.lines[document].line, number: firstRecord + document, &batch)
        }
        guard let failure = events.failure else { return nil }
        let document = events.documents
        if spans.guessed[document] { return document }
        let start = Int(spans.bounds[2 * document])
        let offset = failure.offset ?? window.locate(failure.code, from: start, to: Int(spans.bounds[2 * document + 1]))
        let (line, lineStart) = spans.lines[document]
        throw window.error(failure, at: offset, line: line, lineStart: lineStart)
    }

    /// Takes `shared` as the columns (the first `adopted` of them as before), dropping provisional
    /// ones; `remap` gives, per provisional column, its number in `shared` (nil: they are dropped).
    func adopt(_ shared: [String], remap: [Int]?) {
        for name in columns[adopted...] { columnIndex[name] = nil }
        if let remap {
            for k in keyCache.indices where keyCache[k].column >= adopted {
                keyCache[k].column = remap[keyCache[k].column - adopted]
            }
        } else {
            keyCache.removeAll { $0.column >= adopted }
        }
        columns.removeSubrange(adopted...)
        for column in adopted..<shared.count {
            columns.append(shared[column])
            columnIndex[shared[column]] = column
        }
        adopted = shared.count
        if seenInRecord.count < columns.count {
            seenInRecord.append(
                contentsOf: repeatElement((record: 0, field: 0), count: columns.count - seenInRecord.count))
        }
    }

    /// Adds the record whose events start at `index` to the batch.
    private func fill(_ events: JSONEvents, from index: inout Int, line: Int, number: Int, _ batch: inout RecordBatch)
        throws
    {
        recordOrdinal += 1
        batch.beginRecord()
        var position = 0
        var repeated = false
        index += 1  // the record's opening
        while true {
            let key = events[index]
            index += 1
            guard key.kind == .key else { break }  // the record's end
            let column = columnFor(key: key.text, position: position)
            let earlier = markSeen(column, field: batch.fields.count)
            let value = events[index]
            switch value.kind {
            case .string:
                if value.text.count > maxFieldBytes {
                    throw FerryError(
                        .input, "a value is larger than the limit of \(describe(bytes: maxFieldBytes))",
                        at: Location(file: name, line: line, column: columns[column]),
                        hint: "if the value is real, raise the limit with --max-field-size")
                }
                batch.appendField(column: column, kind: .string, value.text)
                index += 1
            case .number:
                batch.appendField(column: column, kind: .number, value.text)
                index += 1
            case .true:
                batch.appendField(column: column, kind: .bool, UnsafeRawBufferPointer(staticString: "true"))
                index += 1
            case .false:
                batch.appendField(column: column, kind: .bool, UnsafeRawBufferPointer(staticString: "false"))
                index += 1
            case .null:
                batch.appendField(column: column, kind: .null, UnsafeRawBufferPointer(start: nil, count: 0))
                index += 1
            default:
                nestedScratch.removeAll(keepingCapacity: true)
                var nestedRepeat: String?
                events.appendCompact(from: &index, to: &nestedScratch, repeated: &nestedRepeat)
                nestedScratch.withUnsafeBytes { batch.appendField(column: column, kind: .json, $0) }
                if let nestedRepeat { repeatedKeys.note(nestedRepeat, line: line) }
            }
            if let earlier {
                // The key again: its last value counts, as most JSON readers take it.
                batch.replaceFieldWithLast(earlier)
                if !repeated { repeatedKeys.note(columns[column], line: line) }
                repeated = true
            }
            position += 1
        }
        index += 1  // the document's end
        batch.endRecord(number: number, line: line)
    }

    /// Marks `column` as set in this record by `field`; the index of the field that set it
    /// before in the same record, if one did.
    private func markSeen(_ column: Int, field: Int) -> Int? {
        if seenInRecord[column].record == recordOrdinal { return seenInRecord[column].field }
        seenInRecord[column] = (recordOrdinal, field)
        return nil
    }

    private func columnFor(key: UnsafeRawBufferPointer, position: Int) -> Int {
        if position < keyCache.count {
            let cached = keyCache[position]
            if cached.key.count == key.count,
                key.isEmpty || cached.key.withUnsafeBytes({ memcmp($0.baseAddress!, key.baseAddress!, key.count) }) == 0
            {
                return cached.column
            }
        }
        let name = String(decoding: key, as: UTF8.self)
        let column: Int
        if let known = columnIndex[name] {
            column = known
        } else {
            column = columns.count
            columns.append(name)
            columnIndex[name] = column
            if seenInRecord.count < columns.count { seenInRecord.append((0, 0)) }
        }
        if position < keyCache.count {
            keyCache[position] = (Array(key), column)
        } else if position == keyCache.count {
            keyCache.append((Array(key), column))
        }
        return column
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes of a static string.
    init(staticString: StaticString) {
        self.init(start: staticString.utf8Start, count: staticString.utf8CodeUnitCount)
    }
}
