/// Removes a fixed prefix when reading and puts it back when writing (`{prefix: "CLI-"}`:
/// `CLI-0042` ↔ `0042`). Text without the prefix is read as it is.
struct Prefix: Transform {
    static let name = "prefix"
    static let argumentHelp: String? = "the prefix text"
    static let summary = "drop a fixed prefix when reading, add it when writing"
    let prefix: String

    init(argument: String?) { prefix = argument ?? "" }

    var inverse: Inverse { .normalizes("the prefix `\(prefix)` is added to values that lacked it") }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        .success(text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
    }

    func write(_ text: String) -> String { prefix + text }
}
