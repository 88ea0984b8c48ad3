/// A value among a field's spellings (`Mujer`, `H`, `comprador`): the first written exactly as the
/// text, else the first equal to it ignoring ASCII case. Text outside ASCII that matches neither
/// way may still match by Unicode's case rules (`ÉL` and `él`), which only `String` knows.
enum Choices {
    enum Match: Equatable {
        /// The position of the spelling matched, from 0.
        case at(Int)
        case none
        case needsUnicode
    }

    static func match<Spellings: Collection>(_ text: UnsafeBufferPointer<UInt8>, in spellings: Spellings) -> Match
    where Spellings.Element: Collection<UInt8> {
        for (position, spelling) in spellings.enumerated() where spelling.elementsEqual(text) { return .at(position) }
        for (position, spelling) in spellings.enumerated() where foldedEqual(spelling, text) { return .at(position) }
        return text.allSatisfy { $0 < 0x80 } ? .none : .needsUnicode
    }

    private static func foldedEqual(_ spelling: some Collection<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard spelling.count == text.count else { return false }
        for (a, b) in zip(spelling, text) {
            guard a < 0x80, b < 0x80, asciiLower(a) == asciiLower(b) else { return false }
        }
        return true
    }
}
