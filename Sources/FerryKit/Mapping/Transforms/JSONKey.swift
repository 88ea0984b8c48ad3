/// Takes one member of a JSON object (`{json_key: text}` reads `Madrid` from Koibox's
/// `{"id": 33, "value": 33, "text": "Madrid"}`); a plain text value is taken as the member itself,
/// so a CSV export with the province's name works with the same mapping.
struct JSONKey: Transform {
    static let name = "json_key"
    static let argumentHelp: String? = "the member's name"
    static let summary = "take one member of a JSON object"
    let key: String

    init(argument: String?) { key = argument ?? "" }

    var inverse: Inverse { .lossy("only the `\(key)` member of the object is kept") }
    var writtenKind: ValueKind? { .json }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        guard text.utf8.first == UInt8(ascii: "{") else { return .success(text) }
        guard let members = JSONText.objectMembers(text) else {
            return .failure(ValidationFailure("not a JSON object"))
        }
        guard let member = members.first(where: { $0.key == key }) else {
            return .failure(ValidationFailure("the object has no `\(key)` member"))
        }
        return .success(member.value)
    }

    func write(_ text: String) -> String { JSONText.object([(key, text, .string)]) }

    /// Plain text is taken as it is; an object is left to `read`.
    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        text.first == UInt8(ascii: "{") ? nil : copyBytes(text, to: out)
    }
}
