/// A practical e-mail check: what mail servers and CRMs accept, not the whole of RFC 5322.
/// The domain is lower-cased; the local part keeps its case (some servers distinguish it).
public enum EmailAddress {
    /// Checks and normalizes `text` (surrounding spaces are dropped).
    public static func parse(_ text: String) -> Result<String, ValidationFailure> {
        var copy = text
        let valid: String? = copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(input.count, 1)) { out in
                normalize(input, into: out.baseAddress!).map {
                    String(decoding: UnsafeBufferPointer(start: out.baseAddress, count: $0), as: UTF8.self)
                }
            }
        }
        if let valid { return .success(valid) }
        return parseSlowly(text)
    }

    /// The whole check on bytes, for the hot path and for `parse`: a valid address is written to `out`
    /// (room for `text.count` bytes) without surrounding spaces and with its domain lower-cased, and
    /// its length returned; nil when it is not valid.
    static func normalize(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var start = 0, end = text.count
        while start < end, text[start] == 0x20 || text[start] == 0x09 { start += 1 }
        while end > start, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
        let count = end - start
        guard count > 0, count <= 254 else { return nil }
        var at = end - 1
        while at >= start, text[at] != 0x40 { at -= 1 }
        guard at >= start else { return nil }
        // The local part: 1–64 bytes, no dot at either end or twice in a row, allowed bytes only.
        let localCount = at - start
        guard localCount > 0, localCount <= 64, text[start] != 0x2E, text[at - 1] != 0x2E else { return nil }
        var previous: UInt8 = 0
        for i in start..<at {
            let byte = text[i]
            guard isLocalByte(byte), !(byte == 0x2E && previous == 0x2E) else { return nil }
            out[i - start] = byte
            previous = byte
        }
        out[localCount] = 0x40
        // The domain: at least two labels of 1–63 bytes, no '-' at either end of one, and a top label
        // of letters (or xn--) of at least two.
        guard at + 1 < end else { return nil }
        var labels = 0, labelStart = at + 1
        var i = at + 1
        while i <= end {
            if i == end || text[i] == 0x2E {
                let length = i - labelStart
                guard length > 0, length <= 63, text[labelStart] != 0x2D, text[i - 1] != 0x2D else { return nil }
                labels += 1
                if i == end {
                    guard labels >= 2, length >= 2 else { return nil }
                    var letters = true
                    for k in labelStart..<end where !(isASCIILetter(text[k]) || text[k] >= 0x80) {
                        letters = false; break
                    }
                    let punycode =
                        length >= 4 && text[labelStart] == 0x78 && text[labelStart + 1] == 0x6E
                        && text[labelStart + 2] == 0x2D && text[labelStart + 3] == 0x2D
                    guard letters || punycode else { return nil }
                }
                if i < end { out[i - start] = 0x2E }
                labelStart = i + 1
            } else {
                let byte = text[i]
                guard isASCIIDigit(byte) || isASCIILetter(byte) || byte == 0x2D || byte >= 0x80 else { return nil }
                out[i - start] = asciiLower(byte)
            }
            i += 1
        }
        return count
    }

    /// The check written plainly, which says why an address is refused; a test holds `normalize` to it.
    static func parseSlowly(_ text: String) -> Result<String, ValidationFailure> {
        let bytes = Array(
            text.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
        guard !bytes.isEmpty else { return .failure(ValidationFailure("the e-mail address is empty")) }
        guard bytes.count <= 254 else {
            return .failure(ValidationFailure("an e-mail address has at most 254 characters"))
        }
        guard let at = bytes.lastIndex(of: 0x40) else {
            return .failure(ValidationFailure("an e-mail address has an @"))
        }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else {
            return .failure(
                ValidationFailure(
                    local.isEmpty ? "nothing before the @" : "the part before the @ has at most 64 characters"))
        }
        guard local.first != 0x2E, local.last != 0x2E, !hasDoubleDot(local) else {
            return .failure(
                ValidationFailure("the part before the @ cannot start or end with a dot or have two dots in a row"))
        }
        for byte in local where !isLocalByte(byte) {
            return .failure(
                ValidationFailure(
                    "the part before the @ has a character an address cannot have",
                    detail: "the part before the @ cannot contain '\(String(decoding: [byte], as: UTF8.self))'"))
        }
        guard !domain.isEmpty else { return .failure(ValidationFailure("nothing after the @")) }
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            return .failure(
                ValidationFailure(
                    "the domain has no dot",
                    detail: "the domain has no dot (\(String(decoding: domain, as: UTF8.self)))"))
        }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else {
                return .failure(ValidationFailure("the domain has an empty or over-long part"))
            }
            guard label.first != 0x2D, label.last != 0x2D else {
                return .failure(ValidationFailure("a domain part cannot start or end with '-'"))
            }
            for byte in label where !(isASCIIDigit(byte) || isASCIILetter(byte) || byte == 0x2D || byte >= 0x80) {
                return .failure(
                    ValidationFailure(
                        "the domain has a character a domain cannot have",
                        detail: "the domain cannot contain '\(String(decoding: [byte], as: UTF8.self))'"))
            }
        }
        let top = labels.last!
        guard top.count >= 2, top.allSatisfy({ isASCIILetter($0) || $0 >= 0x80 }) || top.starts(with: "xn--".utf8)
        else {
            return .failure(ValidationFailure("the domain does not end in a real top-level domain (.es, .com, ...)"))
        }
        var normalized = Array(local)
        normalized.append(0x40)
        normalized.append(contentsOf: domain.map(asciiLower))
        return .success(String(decoding: normalized, as: UTF8.self))
    }

    private static func hasDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == 0x2E && $1 == 0x2E }
    }

    /// Letters, digits, and the specials `!#$%&'*+/=?^_`{|}~.-`; UTF-8 letters too (RFC 6531).
    private static func isLocalByte(_ byte: UInt8) -> Bool {
        if isASCIIDigit(byte) || isASCIILetter(byte) || byte >= 0x80 { return true }
        switch byte {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E,
            0x2E, 0x2D:
            return true
        default:
            return false
        }
    }
}
