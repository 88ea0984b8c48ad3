/// Lower-cases the text.
struct LowerCase: Transform {
    static let name = "lower"
    static let summary = "lower-case the text"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("the text is lower-cased") }

    func read(_ text: String) -> Result<String, ValidationFailure> { .success(text.lowercased()) }
    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    /// ASCII only; other text needs Unicode's case rules.
    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        mapASCII(text, into: out, asciiLower)
    }
}
