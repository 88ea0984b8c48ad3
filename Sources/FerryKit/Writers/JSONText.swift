/// JSON string escaping on bytes, shared by the JSON writers and the JSON reader's nested values.
enum JSONText {
    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    /// Whether `text` can be written as a JSON value of `kind` as it is: a number in JSON's grammar
    /// (RFC 8259: no leading zeros, no `+`, digits on both sides of a point; with `wholeNumber`, no
    /// point and no exponent), `true` or `false`. Text is always a string; nested JSON was parsed.
    static func fits(_ text: UnsafeRawBufferPointer, kind: ValueKind, wholeNumber: Bool) -> Bool {
        switch kind {
        case .string, .json, .null: return true
        case .bool: return text.elementsEqual("true".utf8) || text.elementsEqual("false".utf8)
        case .number: break
        }
        let count = text.count
        var i = 0
        func digits() -> Bool {
            let start = i
            while i < count, isASCIIDigit(text[i]) { i += 1 }
            return i > start
        }
        if i < count, text[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count else { return false }
        if text[i] == UInt8(ascii: "0") {
            i += 1
        } else if !digits() {
            return false
        }
        if i < count, text[i] == UInt8(ascii: ".") {
            i += 1
            guard !wholeNumber, digits() else { return false }
        }
        if i < count, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
            guard !wholeNumber, digits() else { return false }
        }
        return i == count
    }

    static func fits(_ text: String, kind: ValueKind, wholeNumber: Bool) -> Bool {
        var text = text
        return text.withUTF8 { fits(UnsafeRawBufferPointer($0), kind: kind, wholeNumber: wholeNumber) }
    }

    /// What a value must be to `fit` a number or boolean column, in words.
    static func name(of kind: ValueKind, wholeNumber: Bool) -> String {
        switch kind {
        case .bool: "true or false"
        case .number where wholeNumber: "a whole number"
        default: "a number"
        }
    }

    /// Why a value that does not `fit` its column's JSON type is not written.
    static func misfit(kind: ValueKind, wholeNumber: Bool) -> ValidationFailure {
        ValidationFailure("this system takes \(name(of: kind, wholeNumber: wholeNumber)) here")
    }

    /// Whether any of eight bytes is a control character, `"` or `\` (each byte's high bit marks it).
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte below 0x20 borrows when 0x20 is taken from it, unless its high bit is set.
        let control = (word &- ones &* 0x20) & ~word
        return ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | control) & highs != 0
    }

    /// The most bytes `text` of `count` bytes takes quoted (every byte a `\u00XX`, and the quotes).
    @inline(__always)
    static func quotedBound(_ count: Int) -> Int { 6 * count + 2 }

    /// Appends `text` (UTF-8) as a quoted JSON string: `"`, `\` and control characters escaped,
    /// everything else, non-ASCII included, as is.
    @inline(__always)
    static func appendQuoted(_ text: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.appendWriting(atMost: quotedBound(text.count)) { putQuoted(text, to: &$0) }
    }

    /// Writes `text` as a quoted JSON string; the cursor has room for `quotedBound(text.count)`.
    @inline(__always)
    static func putQuoted(_ text: UnsafeRawBufferPointer, to out: inout ByteCursor) {
        out.put(0x22)
        var runStart = 0
        var i = 0
        let count = text.count
        while i < count {
            // Eight bytes at a time past the ones that need no escape.
            if i + 8 <= count, !needsEscape(text.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                i += 8
                continue
            }
            let byte = text[i]
            if byte >= 0x20 && byte != 0x22 && byte != 0x5C { i += 1; continue }
            if runStart < i { out.put(UnsafeRawBufferPointer(rebasing: text[runStart..<i])) }
            out.put(0x5C)
            switch byte {
            case 0x22: out.put(0x22)
            case 0x5C: out.put(0x5C)
            case 0x0A: out.put(UInt8(ascii: "n"))
            case 0x0D: out.put(UInt8(ascii: "r"))
            case 0x09: out.put(UInt8(ascii: "t"))
            case 0x08: out.put(UInt8(ascii: "b"))
            case 0x0C: out.put(UInt8(ascii: "f"))
            default:
                out.put(UInt8(ascii: "u"))
                out.put(0x30)
                out.put(0x30)
                out.put(hexDigit(byte >> 4))
                out.put(hexDigit(byte & 0xF))
            }
            i += 1
            runStart = i
        }
        if runStart < count { out.put(UnsafeRawBufferPointer(rebasing: text[runStart..<count])) }
        out.put(0x22)
    }
}

extension JSONText {
    /// The members of a small JSON object held as text (a nested value the JSON reader kept compact,
    /// a canonical `extras` object): each key with its value as text and kind; nested values are
    /// compact JSON text. A key given more than once keeps its last value, in its first place (RFC
    /// 8259 allows repeats; most readers take the last). Nil when `text` is not one JSON object.
    static func objectMembers(_ text: String) -> [(key: String, value: String, kind: ValueKind)]? {
        JSONValue(parsing: text)?.uniqueMembers?.map { ($0.key, $0.value.fieldText, $0.value.kind) }
    }

    /// A JSON object from members, in order; values of kind `.json`, `.number` and `.bool` are written
    /// as they are, `.null` as null, strings quoted.
    static func object(_ members: [(key: String, value: String, kind: ValueKind)]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (position, member) in members.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(member.key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch member.kind {
            case .string: appendQuoted(member.value, to: &out)
            case .null: out.append(contentsOf: "null".utf8)
            case .number, .bool, .json: out.append(contentsOf: member.value.utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// `text` as a quoted JSON string, which is also a YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
