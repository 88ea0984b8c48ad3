/// A practical e-mail check: what mail servers and CRMs accept, not the whole of RFC 5322.
/// The domain is lower-cased; the local part keeps its case (some servers distinguish it).
public enum EmailAddress {
    /// Why a text is no address: what `check` finds first.
    enum Failure: Error, Equatable {
        case empty, tooLong, noAt, nothingBeforeAt, localTooLong, localDots, nothingAfterAt, noDot
        case labelLength, labelHyphen, topLevel
        case localByte(UInt8), domainByte(UInt8)
    }

    /// Checks and normalizes `text` (surrounding spaces are dropped).
    public static func parse(_ text: String) -> Result<String, ValidationFailure> {
        var copy = text
        return copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(input.count, 1)) { out in
                check(input, into: out.baseAddress!)
                    .map { String(decoding: UnsafeBufferPointer(start: out.baseAddress, count: $0), as: UTF8.self) }
                    .mapError { failure($0, text: input) }
            }
        }
    }

    /// The whole check, on bytes: a valid address is written to `out` (room for `text.count` bytes)
    /// without surrounding spaces and with its domain lower-cased, and its length returned; else what
    /// is wrong with it, in the order a person would look: the length, the @, the part before it, the
    /// domain's parts, its top level.
    static func check(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Result<Int, Failure>
    {
        var start = 0, end = text.count
        while start < end, text[start] == 0x20 || text[start] == 0x09 { start += 1 }
        while end > start, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
        let count = end - start
        guard count > 0 else { return .failure(.empty) }
        guard count <= 254 else { return .failure(.tooLong) }
        var at = end - 1
        while at >= start, text[at] != 0x40 { at -= 1 }
        guard at >= start else { return .failure(.noAt) }
        // The local part: 1–64 bytes, no dot at either end or twice in a row, allowed bytes only.
        let localCount = at - start
        guard localCount > 0 else { return .failure(.nothingBeforeAt) }
        guard localCount <= 64 else { return .failure(.localTooLong) }
        guard text[start] != 0x2E, text[at - 1] != 0x2E else { return .failure(.localDots) }
        for i in (start + 1)..<at where text[i] == 0x2E && text[i - 1] == 0x2E { return .failure(.localDots) }
        for i in start..<at {
            guard isLocalByte(text[i]) else { return .failure(.localByte(text[i])) }
            out[i - start] = text[i]
        }
        out[localCount] = 0x40
        // The domain: at least two labels of 1–63 bytes, no '-' at either end of one, and a top label
        // of letters (or xn--) of at least two.
        guard at + 1 < end else { return .failure(.nothingAfterAt) }
        guard text[(at + 1)..<end].contains(0x2E) else { return .failure(.noDot) }
        var labelStart = at + 1
        for i in (at + 1)...end where i == end || text[i] == 0x2E {
            let length = i - labelStart
            guard length > 0, length <= 63 else { return .failure(.labelLength) }
            guard text[labelStart] != 0x2D, text[i - 1] != 0x2D else { return .failure(.labelHyphen) }
            for k in labelStart..<i {
                let byte = text[k]
                guard isASCIIDigit(byte) || isASCIILetter(byte) || byte == 0x2D || byte >= 0x80 else {
                    return .failure(.domainByte(byte))
                }
                out[k - start] = asciiLower(byte)
            }
            if i < end {
                out[i - start] = 0x2E
                labelStart = i + 1
            }
        }
        let top = UnsafeBufferPointer(rebasing: text[labelStart..<end])
        let punycode = top.count >= 4 && top[0] == 0x78 && top[1] == 0x6E && top[2] == 0x2D && top[3] == 0x2D
        guard top.count >= 2, top.allSatisfy({ isASCIILetter($0) || $0 >= 0x80 }) || punycode else {
            return .failure(.topLevel)
        }
        return .success(count)
    }

    /// A failure in words; `text` is the value checked.
    static func failure(_ failure: Failure, text: UnsafeBufferPointer<UInt8>) -> ValidationFailure {
        func character(_ byte: UInt8) -> String { String(decoding: [byte], as: UTF8.self) }
        switch failure {
        case .empty: return ValidationFailure("the e-mail address is empty")
        case .tooLong: return ValidationFailure("an e-mail address has at most 254 characters")
        case .noAt: return ValidationFailure("an e-mail address has an @")
        case .nothingBeforeAt: return ValidationFailure("nothing before the @")
        case .localTooLong: return ValidationFailure("the part before the @ has at most 64 characters")
        case .localDots:
            return ValidationFailure("the part before the @ cannot start or end with a dot or have two dots in a row")
        case .localByte(let byte):
            return ValidationFailure(
                "the part before the @ has a character an address cannot have",
                detail: "the part before the @ cannot contain '\(character(byte))'")
        case .nothingAfterAt: return ValidationFailure("nothing after the @")
        case .noDot:
            var end = text.count
            while end > 0, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
            let at = text[..<end].lastIndex(of: 0x40) ?? -1
            let domain = String(decoding: UnsafeBufferPointer(rebasing: text[(at + 1)..<end]), as: UTF8.self)
            return ValidationFailure("the domain has no dot", detail: "the domain has no dot (\(domain))")
        case .labelLength: return ValidationFailure("the domain has an empty or over-long part")
        case .labelHyphen: return ValidationFailure("a domain part cannot start or end with '-'")
        case .domainByte(let byte):
            return ValidationFailure(
                "the domain has a character a domain cannot have",
                detail: "the domain cannot contain '\(character(byte))'")
        case .topLevel: return ValidationFailure("the domain does not end in a real top-level domain (.es, .com, ...)")
        }
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
