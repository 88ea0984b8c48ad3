/// Drops spaces, tabs and line breaks around the text.
struct Trim: Transform {
    static let name = "trim"
    static let summary = "drop spaces, tabs and line breaks around the text"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("spaces around the text are dropped") }

    func read(_ text: String) -> Result<String, ValidationFailure> { .success(Trim.trimmed(text)) }
    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var start = 0, end = text.count
        while start < end, Trim.isSpace(text[start]) { start += 1 }
        while end > start, Trim.isSpace(text[end - 1]) { end -= 1 }
        return copyBytes(UnsafeBufferPointer(rebasing: text[start..<end]), to: out)
    }

    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return text }
        let bytes = utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return String(decoding: Array(bytes), as: UTF8.self)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
}
