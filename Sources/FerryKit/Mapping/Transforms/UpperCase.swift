/// Upper-cases the text.
struct UpperCase: Transform {
    static let name = "upper"
    static let summary = "upper-case the text"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("the text is upper-cased") }

    func read(_ text: String) -> Result<String, ValidationFailure> { .success(text.uppercased()) }
    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    /// ASCII only; other text needs Unicode's case rules.
    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        mapASCII(text, into: out, asciiUpper)
    }
}
