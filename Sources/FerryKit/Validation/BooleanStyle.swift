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
        var folded: [UInt8] = []
        for byte in text.utf8 where byte != 0x20 && byte != 0x09 {
            folded.append(asciiLower(byte))
            if folded.count > 6 { return nil }
        }
        if folded.isEmpty { return self == .mark ? false : nil }
        switch folded {
        case Array("1".utf8), Array("true".utf8), Array("t".utf8), Array("s".utf8), Array("si".utf8), Array("sí".utf8),
             Array("sÍ".utf8), Array("y".utf8), Array("yes".utf8), Array("x".utf8), Array("on".utf8):
            return true
        case Array("0".utf8), Array("false".utf8), Array("f".utf8), Array("n".utf8), Array("no".utf8), Array("off".utf8):
            return false
        default:
            return nil
        }
    }

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
