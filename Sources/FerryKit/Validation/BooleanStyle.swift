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
            if count > 6 { return nil }
            folded = folded << 8 | UInt64(asciiLower(byte))
        }
        if count == 0 { return self == .mark ? false : nil }
        return BooleanStyle.spellings[folded]
    }

    /// The spellings read, packed as `parse` packs them.
    private static let spellings: [UInt64: Bool] = {
        var table: [UInt64: Bool] = [:]
        func pack(_ word: String) -> UInt64 { word.utf8.reduce(0) { $0 << 8 | UInt64($1) } }
        for word in ["1", "true", "t", "s", "si", "sí", "sÍ", "y", "yes", "x", "on"] { table[pack(word)] = true }
        for word in ["0", "false", "f", "n", "no", "off"] { table[pack(word)] = false }
        return table
    }()

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
