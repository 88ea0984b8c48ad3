/// Title-cases names written all in capitals or all in small letters, with Spanish particles in
/// small letters (`GARCÍA DE LA FUENTE` → `García de la Fuente`). Mixed-case names stay as written.
struct NameCase: Transform {
    static let name = "name_case"
    static let summary = "JOSÉ LUIS → José Luis, de la Fuente stays lower case; mixed case is kept"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("names in capitals are title-cased") }

    func read(_ text: String) -> Result<String, ValidationFailure> { .success(SpanishName.titleCased(text)) }
    func write(_ text: String) -> String { text }
    var writesUnchanged: Bool { true }

    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        SpanishName.titleCased(text, into: out)
    }
}
