/// How a system writes yes and no. Reading accepts every common spelling (`1/0`, `true/false`,
/// `sí/no`, `s/n`, `yes/no`, `x`); writing uses the declared style only.
public enum BooleanStyle: String, Sendable, CaseIterable {
    /// JSON `true` / `false`.
    case json
    /// The strings `"1"` / `"0"`.
    case digits = "1/0"
    /// `true` / `false` as text.
    case words = "true/false"
    /// `sí` / `no`.
    case spanish = "sí/no"
    /// `s` / `n`.
    case letters = "s/n"
    /// `x` for yes and nothing for no: an empty cell means no, not unknown.
    case mark = "x"

    /// Why a text is neither yes nor no.
    static let failure = ValidationFailure("not a yes or no (1/0, true/false, sí/no, s/n, x)")

    /// Reads a yes or a no; nil when the text is neither (empty text is neither, except in `x` style).
    public func parse(_ text: String) -> Bool? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// Reads a yes or a no from bytes.
    func parse(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        // Up to 6 bytes without spaces, lower-cased, packed into one word to compare.
        var folded: UInt64 = 0
        var count = 0
        for byte in text where byte != 0x20 && byte != 0x09 {
            count += 1
            // A NUL would pack like nothing at all; no spelling has one.
            if count > 6 || byte == 0 { return nil }
            folded = folded << 8 | UInt64(asciiLower(byte))
        }
        if count == 0 { return self == .mark ? false : nil }
        // The spellings, packed the same way (a test checks each against its text).
        switch folded {
        case 0x31, 0x7472_7565, 0x74, 0x73, 0x7369, 0x73_c3ad, 0x73_c38d, 0x79, 0x79_6573, 0x78, 0x6f6e:
            return true  // 1 true t s si sí sÍ y yes x on
        case 0x30, 0x66_616c_7365, 0x66, 0x6e, 0x6e6f, 0x6f_6666:
            return false  // 0 false f n no off
        default:
            return nil
        }
    }

    /// The spellings `parse` knows, for the test that holds the packed values to them.
    static let spellings: [(text: String, value: Bool)] = [
        ("1", true), ("true", true), ("t", true), ("s", true), ("si", true), ("sí", true), ("sÍ", true), ("y", true),
        ("yes", true),
        ("x", true), ("on", true), ("0", false), ("false", false), ("f", false), ("n", false), ("no", false),
        ("off", false),
    ]

    /// The text for a value, and whether it is a JSON literal rather than a string.
    public func format(_ value: Bool) -> (text: String, isJSONLiteral: Bool) {
        switch self {
        case .json: (value ? "true" : "false", true)
        case .digits: (value ? "1" : "0", false)
        case .words: (value ? "true" : "false", false)
        case .spanish: (value ? "sí" : "no", false)
        case .letters: (value ? "s" : "n", false)
        case .mark: (value ? "x" : "", false)
        }
    }
}
