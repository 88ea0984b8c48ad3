/// Turns every run of spaces and tabs inside the text into one space, and trims it.
struct CollapseSpaces: Transform {
    static let name = "collapse_spaces"
    static let summary = "one space between words, none around them"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("runs of spaces become one space") }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        if isTidy(text) { return .success(text) }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            if Trim.isSpace(byte) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var count = 0
        var pendingSpace = false
        for byte in text {
            if Trim.isSpace(byte) {
                pendingSpace = count > 0
            } else {
                if pendingSpace { out[count] = 0x20; count += 1 }
                pendingSpace = false
                out[count] = byte
                count += 1
            }
        }
        return count
    }

    /// True when there is nothing to collapse (the usual case), so no new string is made.
    private func isTidy(_ text: String) -> Bool {
        var previousSpace = true
        for byte in text.utf8 {
            let space = Trim.isSpace(byte)
            if space && (previousSpace || byte != 0x20) { return false }
            previousSpace = space
        }
        return !previousSpace || text.isEmpty
    }
}
