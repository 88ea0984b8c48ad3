/// A practical e-mail check: what mail servers and CRMs accept, not the whole of RFC 5322.
/// The domain is lower-cased; the local part keeps its case (some servers distinguish it).
public enum EmailAddress {
    /// Checks and normalizes `text` (surrounding spaces are dropped).
    public static func parse(_ text: String) -> Result<String, ValidationFailure> {
        let bytes = Array(text.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed())
        guard !bytes.isEmpty else { return .failure(ValidationFailure("the e-mail address is empty")) }
        guard bytes.count <= 254 else { return .failure(ValidationFailure("an e-mail address has at most 254 characters")) }
        guard let at = bytes.lastIndex(of: 0x40) else { return .failure(ValidationFailure("an e-mail address has an @")) }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else {
            return .failure(ValidationFailure(local.isEmpty ? "nothing before the @" : "the part before the @ has at most 64 characters"))
        }
        guard local.first != 0x2E, local.last != 0x2E, !hasDoubleDot(local) else {
            return .failure(ValidationFailure("the part before the @ cannot start or end with a dot or have two dots in a row"))
        }
        for byte in local where !isLocalByte(byte) {
            return .failure(ValidationFailure("the part before the @ has a character an address cannot have",
                                               detail: "the part before the @ cannot contain '\(String(decoding: [byte], as: UTF8.self))'"))
        }
        guard !domain.isEmpty else { return .failure(ValidationFailure("nothing after the @")) }
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return .failure(ValidationFailure("the domain has no dot", detail: "the domain has no dot (\(String(decoding: domain, as: UTF8.self)))")) }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else { return .failure(ValidationFailure("the domain has an empty or over-long part")) }
            guard label.first != 0x2D, label.last != 0x2D else { return .failure(ValidationFailure("a domain part cannot start or end with '-'")) }
            for byte in label where !(isASCIIDigit(byte) || isASCIILetter(byte) || byte == 0x2D || byte >= 0x80) {
                return .failure(ValidationFailure("the domain has a character a domain cannot have",
                                               detail: "the domain cannot contain '\(String(decoding: [byte], as: UTF8.self))'"))
            }
        }
        let top = labels.last!
        guard top.count >= 2, top.allSatisfy({ isASCIILetter($0) || $0 >= 0x80 }) || top.starts(with: "xn--".utf8) else {
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
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x2E, 0x2D:
            return true
        default:
            return false
        }
    }
}
