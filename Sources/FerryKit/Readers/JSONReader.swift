/// Reads JSON as a stream of record batches. The input may be a top-level array of objects, NDJSON
/// (one object per line, or any whitespace between objects), Django-REST pages
/// (`{"count", "next", "previous", "results": [...]}`, one or several, also inside an array), or a mix.
/// Only one record is held at a time; nested values are kept as compact JSON text; there is no
/// recursion, so deep nesting is an error, never a stack overflow.
public final class JSONReader: RecordReader {
    public let input: DecodedInput
    public var inputName: String { input.source.name }
    public private(set) var columns: [String] = []
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var recordsRead = 0
    /// Pages (`{"count", ..., "results": [...]}`) met so far.
    public private(set) var pages = 0
    /// Deepest nesting accepted inside a value.
    public static let maxDepth = 512
    public let maxFieldBytes: Int

    private var batch = RecordBatch()
    private var buffer: [UInt8] = []
    private var position = 0
    private var bufferFileOffset = 0
    private var exhausted = false
    private var line = 1
    private var lineStartOffset = 0
    private var frames: [Frame] = []
    private var columnIndex: [String: Int] = [:]
    /// Keys by their position in the previous object, so the usual case (the same keys in the same
    /// order) needs no dictionary look-up.
    private var keyCache: [(key: [UInt8], column: Int)] = []
    private var keyScratch: [UInt8] = []
    /// Per column, the ordinal of the last record that set it and the index of its field there:
    /// finds repeated keys in O(1).
    private var seenInRecord: [(record: Int, field: Int)] = []
    /// Objects with a key given more than once (RFC 8259 allows it; the last value counts), and
    /// the first of them: the key and the line its object starts on.
    private var repeatedKeys = 0
    private var firstRepeatedKey: (key: String, line: Int)?
    private var recordOrdinal = 0
    private var pageCounts: [String] = []
    private var pageRecords = 0

    private enum Frame {
        case topArray(hasElements: Bool)
        case page(openedAtLine: Int)
        case pageResults(hasElements: Bool)
    }

    private static let pageKeys: Set<String> = ["count", "next", "previous"]

    public init(input: DecodedInput, maxFieldBytes: Int = 1 << 20) throws {
        self.input = input
        self.maxFieldBytes = maxFieldBytes
        skipWhitespace()
        if let failure = pendingFailure { throw failure }
        if peek() == nil {
            if input.isOnlyByteOrderMark {
                throw FerryError(
                    .input, "the file holds only a byte-order mark and no JSON", at: Location(file: input.source.name),
                    hint: "export the data again; the file was saved empty")
            }
            throw FerryError(
                .input,
                input.source.offset == 0 ? "the file is empty (0 bytes)" : "the file holds only whitespace, no JSON",
                at: Location(file: input.source.name),
                hint: "check that the export finished and that this is the right file")
        }
    }
    /// An error met while refilling the buffer (where it cannot be thrown), raised at the next chance.
    private var pendingFailure: FerryError?

    public func read(into out: inout RecordBatch) throws -> Bool {
        if let failure = pendingFailure { throw failure }
        batch.removeAll()
        while batch.count < 2048 && batch.byteCount < 512 * 1024 {
            guard try nextRecord() else { break }
        }
        // A read error ends the input early; it must stop the run, never pass for the end of the file.
        if let failure = pendingFailure { throw failure }
        out.removeAll()
        swap(&out, &batch)
        recordsRead += out.count
        if out.isEmpty { noteTotals() }
        return !out.isEmpty
    }

    // MARK: Structure

    /// Parses up to and including the next record; false at the end of the input.
    private func nextRecord() throws -> Bool {
        while true {
            guard let frame = frames.last else {
                skipWhitespace()
                guard let byte = peek() else { return false }
                switch byte {
                case UInt8(ascii: "["):
                    advance()
                    frames.append(.topArray(hasElements: false))
                case UInt8(ascii: "{"):
                    if try object(mayBePage: true) { return true }
                default:
                    throw syntaxError(
                        "expected an object or an array of objects, found \(describeByte(byte))",
                        hint:
                            "Ferry reads a JSON array of objects, NDJSON (one object per line) or API pages with \"results\""
                    )
                }
                continue
            }
            switch frame {
            case .topArray(let hasElements), .pageResults(let hasElements):
                let isPage: Bool = if case .pageResults = frame { true } else { false }
                skipWhitespace()
                guard let byte = peek() else {
                    throw syntaxError(
                        "the file ends inside an array: a ']' is missing",
                        hint: "the file may be cut short; export it again")
                }
                if byte == UInt8(ascii: "]") {
                    advance()
                    frames.removeLast()
                    continue
                }
                if hasElements {
                    try expect(UInt8(ascii: ","), "',' or ']' after an array element")
                    skipWhitespace()
                }
                frames[frames.count - 1] = isPage ? .pageResults(hasElements: true) : .topArray(hasElements: true)
                guard peek() == UInt8(ascii: "{") else {
                    throw syntaxError(
                        "record \(recordsRead + batch.count + 1) is \(describeValue(peek())), not an object",
                        hint: "each element of the array must be an object, one per customer")
                }
                if try object(mayBePage: !isPage) { return true }
            case .page(let openedAt):
                skipWhitespace()
                guard let byte = peek() else {
                    throw syntaxError(
                        "the file ends inside the page object opened on line \(openedAt)",
                        hint: "the file may be cut short")
                }
                if byte == UInt8(ascii: "}") {
                    advance()
                    frames.removeLast()
                    continue
                }
                try expect(UInt8(ascii: ","), "',' or '}' after the page's results")
                skipWhitespace()
                let key = try string(into: &keyScratch)
                let name = String(decoding: key, as: UTF8.self)
                guard Self.pageKeys.contains(name) else {
                    throw syntaxError(
                        "the page object opened on line \(openedAt) has a key '\(name)' besides count, next, previous and results",
                        hint:
                            "an object with \"results\" is read as an API page; rename the key or wrap the records in an array"
                    )
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after a key")
                try discardValue(key: name)
            }
        }
    }

    /// Parses an object at the cursor as a record. When `mayBePage` and the object turns out to be an
    /// API page, opens its results instead and returns false.
    private func object(mayBePage: Bool) throws -> Bool {
        let startLine = line
        advance()  // {
        recordOrdinal += 1
        batch.beginRecord()
        // While every key so far is a page's own (count, next, previous), the object may still be a
        // page: those fields wait for the decision before they get columns.
        var undecided = mayBePage
        var waiting: [(field: Int, key: String)] = []
        var pageCount: String?
        var position = 0
        var repeated = false
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            advance()
            batch.endRecord(number: recordsRead + batch.count + 1, line: startLine)
            return true
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw syntaxError("expected a key in quotes, found \(describeByte(peek()))", hint: nil)
            }
            let key = try string(into: &keyScratch)
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a key")
            skipWhitespace()
            var column = -1
            if undecided {
                let name = String(decoding: key, as: UTF8.self)
                if name == "results" && peek() == UInt8(ascii: "[") {
                    advance()
                    batch.discardOpenRecord()
                    frames.append(.page(openedAtLine: startLine))
                    frames.append(.pageResults(hasElements: false))
                    pages += 1
                    if let pageCount { pageCounts.append(pageCount) }
                    return false
                }
                if Self.pageKeys.contains(name) && !waiting.contains(where: { $0.key == name }) {
                    waiting.append((batch.fields.count, name))
                } else {
                    undecided = false
                    try assignColumns(waiting, startLine: startLine)
                }
            }
            var earlier: Int?
            if column < 0 && !undecided {
                column = columnFor(key: key, position: position)
                earlier = markSeen(column, field: batch.fields.count)
            }
            let kind = try value(column: max(column, 0))
            if let earlier {
                // The key again: its last value counts, as most JSON readers take it.
                batch.replaceFieldWithLast(earlier)
                if !repeated { noteRepeatedKey(columns[column], line: startLine) }
                repeated = true
            }
            if undecided, waiting.last?.key == "count", kind == .number, let last = batch.fields.last {
                pageCount = batch.string(last)
            }
            position += 1
            skipWhitespace()
            guard let byte = peek() else {
                throw syntaxError(
                    "the file ends inside the object that starts on line \(startLine)",
                    hint: "the file may be cut short; export it again")
            }
            advance()
            if byte == UInt8(ascii: "}") { break }
            if byte != UInt8(ascii: ",") {
                throw syntaxError("expected ',' or '}' after a value, found \(describeByte(byte))", hint: nil, back: 1)
            }
        }
        if undecided { try assignColumns(waiting, startLine: startLine) }
        batch.endRecord(number: recordsRead + batch.count + 1, line: startLine)
        return true
    }

    /// Gives the fields that waited for the page decision their columns.
    private func assignColumns(_ waiting: [(field: Int, key: String)], startLine: Int) throws {
        for (index, (field, key)) in waiting.enumerated() {
            let column = columnFor(key: Array(key.utf8), position: index)
            // The waiting keys are distinct page keys: none is seen twice here.
            _ = markSeen(column, field: field)
            batch.setColumn(ofField: field, to: column)
        }
    }

    /// Marks `column` as set in this record by `field`; the index of the field that set it
    /// before in the same record, if one did.
    private func markSeen(_ column: Int, field: Int) -> Int? {
        if seenInRecord[column].record == recordOrdinal { return seenInRecord[column].field }
        seenInRecord[column] = (recordOrdinal, field)
        return nil
    }

    /// Counts an object (a record, or a value nested in one) that gives a key more than once.
    private func noteRepeatedKey(_ key: String, line: Int) {
        repeatedKeys += 1
        if firstRepeatedKey == nil { firstRepeatedKey = (key, line) }
    }

    private func columnFor(key: [UInt8], position: Int) -> Int {
        if position < keyCache.count, keyCache[position].key == key { return keyCache[position].column }
        let name = String(decoding: key, as: UTF8.self)
        let column: Int
        if let known = columnIndex[name] {
            column = known
        } else {
            column = columns.count
            columns.append(name)
            columnIndex[name] = column
            seenInRecord.append((0, 0))
        }
        if position < keyCache.count {
            keyCache[position] = (key, column)
        } else if position == keyCache.count {
            keyCache.append((key, column))
        }
        return column
    }

    /// Parses and drops the value of one of a page's own keys, noting `count`.
    private func discardValue(key: String) throws {
        skipWhitespace()
        batch.beginRecord()
        let kind = try value(column: 0)
        if key == "count" && kind == .number, let last = batch.fields.last { pageCounts.append(batch.string(last)) }
        batch.discardOpenRecord()
    }

    // MARK: Values

    /// Parses one value into the open record as a field of `column`.
    private func value(column: Int) throws -> ValueKind {
        guard let byte = peek() else {
            throw syntaxError(
                "the file ends where a value was expected", hint: "the file may be cut short; export it again")
        }
        let start = batch.beginField()
        let kind: ValueKind
        switch byte {
        case UInt8(ascii: "\""):
            try stringIntoBatch(column: column)
            kind = .string
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try nested()
            kind = .json
        case UInt8(ascii: "t"):
            try literal("true"); batch.appendFieldBytes(UnsafeRawBufferPointer(staticString: "true")); kind = .bool
        case UInt8(ascii: "f"):
            try literal("false"); batch.appendFieldBytes(UnsafeRawBufferPointer(staticString: "false")); kind = .bool
        case UInt8(ascii: "n"):
            try literal("null"); kind = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            kind = .number
        default:
            throw syntaxError("expected a value, found \(describeByte(byte))", hint: nil)
        }
        batch.endField(column: column, kind: kind, start: start)
        return kind
    }

    private func literal(_ word: StaticString) throws {
        let expected = UnsafeRawBufferPointer(staticString: word)
        for byte in expected {
            guard peek() == byte else {
                throw syntaxError("expected '\(word)', found \(describeByte(peek()))", hint: nil)
            }
            advance()
        }
    }

    /// A JSON number, checked against the grammar and copied as written.
    private func number() throws {
        func digits() throws -> Int {
            var count = 0
            while let byte = peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                batch.appendFieldByte(byte); advance(); count += 1
            }
            return count
        }
        if peek() == UInt8(ascii: "-") { batch.appendFieldByte(UInt8(ascii: "-")); advance() }
        let leadingZero = peek() == UInt8(ascii: "0")
        let integer = try digits()
        if integer == 0 { throw syntaxError("a number needs digits, found \(describeByte(peek()))", hint: nil) }
        if leadingZero && integer > 1 {
            throw syntaxError("a number may not start with 0 (write \"0…\" in quotes to keep leading zeros)", hint: nil)
        }
        if peek() == UInt8(ascii: ".") {
            batch.appendFieldByte(UInt8(ascii: ".")); advance()
            if try digits() == 0 { throw syntaxError("a decimal point needs digits after it", hint: nil) }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            batch.appendFieldByte(byte); advance()
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                batch.appendFieldByte(sign); advance()
            }
            if try digits() == 0 { throw syntaxError("an exponent needs digits", hint: nil) }
        }
    }

    /// A string value, unescaped into the open field.
    private func stringIntoBatch(column: Int) throws {
        var scratch: [UInt8] = []
        swap(&scratch, &stringScratch)
        defer { swap(&scratch, &stringScratch) }
        let text = try string(into: &scratch)
        if text.count > maxFieldBytes {
            throw FerryError(
                .input, "a value is larger than the limit of \(describe(bytes: maxFieldBytes))",
                // The first object's columns wait until it ends (it may be an API page).
                at: location(column: column < columns.count ? columns[column] : nil),
                hint: "if the value is real, raise the limit with --max-field-size")
        }
        text.withUnsafeBytes { batch.appendFieldBytes($0) }
    }
    private var stringScratch: [UInt8] = []

    /// Parses a string at the cursor (which must be on its opening quote) into `out`, unescaped.
    private func string(into out: inout [UInt8]) throws -> [UInt8] {
        out.removeAll(keepingCapacity: true)
        let startLine = line
        advance()  // "
        while true {
            if position >= buffer.count && !refill() {
                throw syntaxError(
                    "the file ends inside a string that starts on line \(startLine)", hint: "a closing '\"' is missing")
            }
            // Copy the run of plain bytes in one go.
            var end = position
            while end < buffer.count {
                let byte = buffer[end]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                end += 1
            }
            out.append(contentsOf: buffer[position..<end])
            position = end
            if out.count > maxFieldBytes + 1 {
                throw syntaxError(
                    "a string is larger than the limit of \(describe(bytes: maxFieldBytes))",
                    hint:
                        "if the value is real, raise the limit with --max-field-size; otherwise look for a missing closing quote"
                )
            }
            guard position < buffer.count else { continue }
            let byte = buffer[position]
            if byte == UInt8(ascii: "\"") { advance(); return out }
            if byte < 0x20 {
                throw syntaxError(
                    "a raw control character (\(hex(byte))) inside a string",
                    hint: byte == 0x0A
                        ? "a line break inside a string must be written \\n; the string may be missing its closing quote"
                        : "write it as an escape such as \\u00\(hex(byte).dropFirst(2))")
            }
            advance()  // backslash
            guard let escaped = peek() else { continue }
            advance()
            if let byte = JSONText.unescaped(escaped) { out.append(byte); continue }
            switch escaped {
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard peek() == UInt8(ascii: "\\") else {
                        throw syntaxError("a \\u escape holds half of a surrogate pair", hint: nil)
                    }
                    advance()
                    guard peek() == UInt8(ascii: "u") else {
                        throw syntaxError("a \\u escape holds half of a surrogate pair", hint: nil)
                    }
                    advance()
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw syntaxError("a \\u escape holds half of a surrogate pair", hint: nil)
                    }
                    scalar = JSONText.scalar(high: scalar, low: low)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw syntaxError("a \\u escape holds half of a surrogate pair", hint: nil)
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw syntaxError(
                    "'\\\(String(UnicodeScalar(escaped)))' is not a JSON escape", hint: "write a backslash as \\\\")
            }
        }
    }

    private func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw syntaxError("the file ends inside a \\u escape", hint: nil) }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default:
                throw syntaxError("a \\u escape needs four hexadecimal digits, found \(describeByte(byte))", hint: nil)
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    /// A nested object or array, checked and copied as compact JSON into the open field.
    private func nested() throws {
        var stack: [UInt8] = []  // closing bytes expected
        var objects: [Int] = []  // the serial of each object open, for its keys in `nestedKeys`
        var expectingValue = true
        var scratch: [UInt8] = []
        // Serials keep objects apart, so emptying is for memory only: a table grown by a large
        // object is dropped rather than cleared bucket by bucket for every later value.
        nestedKeys.removeAll(keepingCapacity: nestedKeys.capacity <= 64)
        var repeatedKey: String?
        defer { if let repeatedKey { noteRepeatedKey(repeatedKey, line: line) } }
        func key() throws {
            let key = try nestedKey(&scratch)
            if !nestedKeys.insert(NestedKey(object: objects.last!, key: key)).inserted, repeatedKey == nil {
                repeatedKey = String(decoding: key, as: UTF8.self)
            }
        }
        func close() {
            let closing = stack.removeLast()
            if closing == UInt8(ascii: "}") { objects.removeLast() }
            batch.appendFieldByte(closing)
            advance()
        }
        while true {
            skipWhitespace()
            guard let byte = peek() else {
                throw syntaxError(
                    "the file ends inside a nested value", hint: "the file may be cut short; export it again")
            }
            if expectingValue {
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if stack.count >= Self.maxDepth {
                        throw syntaxError(
                            "values are nested deeper than \(Self.maxDepth) levels",
                            hint: "customer data is never this deep; check how the file was produced")
                    }
                    stack.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    if byte == UInt8(ascii: "{") {
                        nestedObjects += 1
                        objects.append(nestedObjects)
                    }
                    batch.appendFieldByte(byte); advance()
                    skipWhitespace()
                    if peek() == stack.last {
                        close()
                        expectingValue = false
                    } else if byte == UInt8(ascii: "{") {
                        try key()
                    }
                    if stack.isEmpty { return }
                    continue
                case UInt8(ascii: "\""):
                    let text = try string(into: &scratch)
                    appendQuoted(text)
                case UInt8(ascii: "t"):
                    try literal("true"); batch.appendFieldBytes(UnsafeRawBufferPointer(staticString: "true"))
                case UInt8(ascii: "f"):
                    try literal("false"); batch.appendFieldBytes(UnsafeRawBufferPointer(staticString: "false"))
                case UInt8(ascii: "n"):
                    try literal("null"); batch.appendFieldBytes(UnsafeRawBufferPointer(staticString: "null"))
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
                default: throw syntaxError("expected a value, found \(describeByte(byte))", hint: nil)
                }
                expectingValue = false
                if stack.isEmpty { return }
                continue
            }
            if byte == stack.last {
                close()
                if stack.isEmpty { return }
                continue
            }
            guard byte == UInt8(ascii: ",") else {
                throw syntaxError(
                    "expected ',' or '\(String(UnicodeScalar(stack.last!)))' in a nested value, found \(describeByte(byte))",
                    hint: nil)
            }
            batch.appendFieldByte(byte); advance()
            if stack.last == UInt8(ascii: "}") { try key() }
            expectingValue = true
        }
    }

    /// A key of a nested object, copied into the field; returns it unescaped.
    private func nestedKey(_ scratch: inout [UInt8]) throws -> [UInt8] {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else {
            throw syntaxError("expected a key in quotes, found \(describeByte(peek()))", hint: nil)
        }
        let key = try string(into: &scratch)
        appendQuoted(key)
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after a key")
        batch.appendFieldByte(UInt8(ascii: ":"))
        return key
    }

    /// A key of one nested object (numbered in the reader's order), to find keys given twice.
    private struct NestedKey: Hashable {
        var object: Int
        var key: [UInt8]
    }
    private var nestedKeys = Set<NestedKey>()
    private var nestedObjects = 0

    /// Writes `text` as a JSON string into the open field.
    private func appendQuoted(_ text: [UInt8]) {
        var escaped: [UInt8] = []
        JSONText.appendQuoted(text.withUnsafeBytes { $0 }, to: &escaped)
        escaped.withUnsafeBytes { batch.appendFieldBytes($0) }
    }

    // MARK: Cursor

    @inline(__always)
    private func peek() -> UInt8? {
        if position < buffer.count { return buffer[position] }
        return refill() ? buffer[position] : nil
    }

    @inline(__always)
    private func advance() { position += 1 }

    private func refill() -> Bool {
        guard !exhausted else { return false }
        bufferFileOffset += buffer.count
        buffer.removeAll(keepingCapacity: true)
        position = 0
        while buffer.isEmpty {
            do {
                let got: Void? = try input.nextChunk { buffer.append(contentsOf: $0) }
                if got == nil { exhausted = true; return false }
            } catch let error as FerryError {
                pendingFailure = error
                exhausted = true
                return false
            } catch {
                pendingFailure = FerryError(.input, "\(error)", at: Location(file: inputName))
                exhausted = true
                return false
            }
        }
        return true
    }

    private func skipWhitespace() {
        while true {
            while position < buffer.count {
                switch buffer[position] {
                case 0x20, 0x09, 0x0D: position += 1
                case 0x0A:
                    position += 1
                    line += 1
                    lineStartOffset = bufferFileOffset + position
                default: return
                }
            }
            if !refill() { return }
        }
    }

    private func expect(_ byte: UInt8, _ what: String) throws {
        guard let found = peek(), found == byte else {
            throw syntaxError("expected \(what), found \(describeByte(peek()))", hint: nil)
        }
        advance()
    }

    private func location(column: String? = nil, back: Int = 0) -> Location {
        Location(
            file: inputName, line: line, record: nil, column: column,
            lineColumn: bufferFileOffset + position - back - lineStartOffset + 1)
    }

    private func syntaxError(_ message: String, hint: String?, back: Int = 0) -> FerryError {
        if let pendingFailure { return pendingFailure }
        return FerryError(
            .input, "invalid JSON: \(message)", at: location(back: back),
            hint: hint ?? "fix the JSON at this place (a validator such as `jq . FILE` shows the same spot)")
    }

    private func describeByte(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(String(UnicodeScalar(byte)))'" }
        return hex(byte)
    }

    private func describeValue(_ byte: UInt8?) -> String {
        switch byte {
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case nil: "missing"
        default: "a number"
        }
    }

    private func noteTotals() {
        guard !notedTotals else { return }
        notedTotals = true
        if pages > 0 {
            var note = "read \(pages) API page\(pages == 1 ? "" : "s")"
            if let first = pageCounts.first, pageCounts.allSatisfy({ $0 == first }), let total = Int(first),
                total != recordsRead
            {
                note +=
                    "; the pages say \(total) records in all but the file holds \(recordsRead): \(total > recordsRead ? "some pages are missing" : "some pages are repeated")"
            }
            diagnostics.append(Diagnostic(note, at: Location(file: inputName)))
        }
        if let (key, line) = firstRepeatedKey {
            let objects = repeatedKeys == 1 ? "1 object gives" : "\(repeatedKeys) objects give"
            diagnostics.append(
                Diagnostic(
                    "\(objects) a key more than once (the first: '\(key)', on line \(line)); the last value of each counts, as most JSON readers take it (values nested in a record are passed on as written)",
                    at: Location(file: inputName)))
        }
    }
    private var notedTotals = false
}

extension UnsafeRawBufferPointer {
    /// The bytes of a static string.
    init(staticString: StaticString) {
        self.init(start: staticString.utf8Start, count: staticString.utf8CodeUnitCount)
    }
}
