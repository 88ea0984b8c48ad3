/// Keeps only the digits (`B-12.345.678` → `12345678`).
struct DigitsOnly: Transform {
    static let name = "digits"
    static let summary = "keep only the digits"
    init(argument: String?) {}
    var inverse: Inverse { .lossy("everything but the digits is dropped") }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        .success(String(decoding: text.utf8.filter(isASCIIDigit), as: UTF8.self))
    }

    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var count = 0
        for byte in text where isASCIIDigit(byte) { out[count] = byte; count += 1 }
        return count
    }
}
