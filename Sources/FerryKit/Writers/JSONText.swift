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
    /// The byte a one-letter escape stands for (`n` → line feed, `"` → `"`); nil for `u` and for
    /// letters JSON has no escape for.
    static func unescaped(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// The code point a UTF-16 surrogate pair (`\uD83D\uDE00`) stands for.
    static func scalar(high: UInt32, low: UInt32) -> UInt32 { 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00) }

    /// The members of a small JSON object held as text (a nested value the JSON reader kept compact,
    /// a canonical `extras` object): each key with its value as text and kind; nested values stay
    /// compact JSON text. A key given more than once keeps its last value, in its first place (RFC
    /// 8259 allows repeats; most readers take the last). Nil when `text` is not one JSON object.
    static func objectMembers(_ text: String) -> [(key: String, value: String, kind: ValueKind)]? {
        let bytes = Array(text.utf8)
        var index = 0
        func skipSpace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
            { index += 1 }
        }
        func string() -> String? {
            guard index < bytes.count, bytes[index] == 0x22 else { return nil }
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == 0x22 { return String(decoding: out, as: UTF8.self) }
                guard byte == 0x5C else { out.append(byte); continue }
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                if let byte = unescaped(escaped) { out.append(byte); continue }
                switch escaped {
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                        var scalar = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    index += 4
                    if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count, bytes[index] == 0x5C,
                        bytes[index + 1] == UInt8(ascii: "u"),
                        let low = UInt32(String(decoding: bytes[index + 2..<index + 6], as: UTF8.self), radix: 16),
                        (0xDC00..<0xE000).contains(low)
                    {
                        scalar = self.scalar(high: scalar, low: low)
                        index += 6
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
                default: out.append(escaped)
                }
            }
            return nil
        }
        func rawValue() -> (String, ValueKind)? {
            guard index < bytes.count else { return nil }
            let start = index
            switch bytes[index] {
            case 0x22:
                return string().map { ($0, .string) }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                var inString = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if inString {
                        if byte == 0x5C { index += 1 } else if byte == 0x22 { inString = false }
                    } else if byte == 0x22 {
                        inString = true
                    } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                        depth += 1
                    } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { return (String(decoding: bytes[start..<index], as: UTF8.self), .json) }
                    }
                }
                return nil
            default:
                while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}"),
                    bytes[index] != 0x20, bytes[index] != 0x0A
                { index += 1 }
                let literal = String(decoding: bytes[start..<index], as: UTF8.self)
                switch literal {
                case "true", "false": return (literal, .bool)
                case "null": return ("", .null)
                default: return Double(literal) == nil ? nil : (literal, .number)
                }
            }
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var members: [(key: String, value: String, kind: ValueKind)] = []
        var positions: [String: Int]?
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1; skipSpace(); return index == bytes.count ? members : nil
        }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let (value, kind) = rawValue() else { return nil }
            // Small objects are searched; large ones (a hostile cell) get an index.
            if members.count == 16 {
                positions = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
            }
            let earlier = positions == nil ? members.firstIndex { $0.key == key } : positions![key]
            if let earlier {
                members[earlier] = (key, value, kind)
            } else {
                positions?[key] = members.count
                members.append((key, value, kind))
            }
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "}") else { return nil }
            index += 1
            skipSpace()
            return index == bytes.count ? members : nil
        }
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
