/// A Spanish tax identifier (DNI, NIE or CIF) whose check character has been verified, in its
/// normalized form: upper case, no spaces, dots, dashes or `ES` prefix (`12.345.678-z` → `12345678Z`).
public struct TaxID: Sendable, Hashable, CustomStringConvertible {
    /// The kind of identifier; the canonical `taxIdType`.
    public enum Kind: String, Sendable, CaseIterable {
        case dni = "DNI"
        case nie = "NIE"
        case cif = "CIF"
        case other = "OTHER"
    }

    public let value: String
    public let kind: Kind

    public var description: String { value }

    /// An identifier kept as given (a mapping that says `invalid: keep`); its kind is `OTHER`.
    public init(unverified value: String) {
        self.value = value
        self.kind = .other
    }

    private init(value: String, kind: Kind) {
        self.value = value
        self.kind = kind
    }

    /// The DNI/NIE check letters, indexed by the number modulo 23.
    static let dniLetters = Array("TRWAGMYFPDXBNJZSQVHLCKE".utf8)
    /// The letters a CIF can start with (the kind of organisation).
    static let cifLetters = Array("ABCDEFGHJNPQRSUVW".utf8)
    /// CIF control letters, indexed by the control digit.
    static let cifControlLetters = Array("JABCDEFGHI".utf8)

    /// Checks and normalizes `text`.
    public static func parse(_ text: String) -> Result<TaxID, ValidationFailure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        for byte in text.utf8 where byte != 0x20 && byte != 0x2E && byte != 0x2D && byte != 0x09 {
            bytes.append(asciiUpper(byte))
        }
        // An intra-EU VAT prefix: ES12345678Z.
        if bytes.count == 11, bytes[0] == 0x45, bytes[1] == 0x53 { bytes.removeFirst(2) }
        if bytes.isEmpty { return .failure(ValidationFailure("the tax id is empty")) }
        guard bytes.allSatisfy({ isASCIIDigit($0) || isASCIILetter($0) }) else {
            return .failure(ValidationFailure("a tax id has only digits and letters"))
        }
        let first = bytes[0]
        if isASCIIDigit(first) {
            // A DNI written without its leading zero (7 digits and the letter) is common in old exports.
            if bytes.count == 8, isASCIILetter(bytes[7]), bytes[0..<7].allSatisfy(isASCIIDigit) { bytes.insert(0x30, at: 0) }
            guard bytes.count == 9, bytes[0..<8].allSatisfy(isASCIIDigit), isASCIILetter(bytes[8]) else {
                return .failure(ValidationFailure("a DNI is 8 digits and a letter"))
            }
            return checkLetter(bytes, number: number(bytes[0..<8]), kind: .dni)
        }
        if first == 0x58 || first == 0x59 || first == 0x5A { // X Y Z
            guard bytes.count == 9, bytes[1..<8].allSatisfy(isASCIIDigit), isASCIILetter(bytes[8]) else {
                return .failure(ValidationFailure("a NIE is X, Y or Z, 7 digits and a letter"))
            }
            return checkLetter(bytes, number: Int(first - 0x58) * 10_000_000 + number(bytes[1..<8]), kind: .nie)
        }
        if cifLetters.contains(first) {
            guard bytes.count == 9, bytes[1..<8].allSatisfy(isASCIIDigit) else {
                return .failure(ValidationFailure("a CIF is a letter, 7 digits and a control digit or letter"))
            }
            return checkCIF(bytes)
        }
        return .failure(ValidationFailure("not a DNI, NIE or CIF", detail: "not a DNI, NIE or CIF: it starts with '\(String(decoding: [first], as: UTF8.self))'"))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    private static func checkLetter(_ bytes: [UInt8], number: Int, kind: Kind) -> Result<TaxID, ValidationFailure> {
        let expected = dniLetters[number % 23]
        guard bytes[8] == expected else {
            return .failure(ValidationFailure("the check letter of this \(kind.rawValue) is wrong",
                                               detail: "the check letter of this \(kind.rawValue) should be \(Character(UnicodeScalar(expected))), not \(Character(UnicodeScalar(bytes[8])))"))
        }
        return .success(TaxID(value: String(decoding: bytes, as: UTF8.self), kind: kind))
    }

    private static func checkCIF(_ bytes: [UInt8]) -> Result<TaxID, ValidationFailure> {
        var sum = 0
        for position in 1...7 {
            let digit = Int(bytes[position] - 0x30)
            if position % 2 == 0 {
                sum += digit
            } else {
                let doubled = digit * 2
                sum += doubled / 10 + doubled % 10
            }
        }
        let control = (10 - sum % 10) % 10
        let digit = UInt8(0x30 + control)
        let letter = cifControlLetters[control]
        let given = bytes[8]
        // Public bodies and foreign entities use a letter; companies (A, B, E, H) a digit; others either.
        let wantsLetter: Bool? = switch bytes[0] {
        case 0x50, 0x51, 0x52, 0x53, 0x4E, 0x57: true   // P Q R S N W
        case 0x41, 0x42, 0x45, 0x48: false              // A B E H
        default: nil
        }
        let accepted = switch wantsLetter {
        case true?: given == letter
        case false?: given == digit
        case nil: given == digit || given == letter
        }
        guard accepted else {
            let expected = wantsLetter == true ? "\(Character(UnicodeScalar(letter)))"
                : wantsLetter == false ? "\(control)" : "\(control) or \(Character(UnicodeScalar(letter)))"
            return .failure(ValidationFailure("the control character of this CIF is wrong",
                                               detail: "the control character of this CIF should be \(expected), not \(Character(UnicodeScalar(given)))"))
        }
        return .success(TaxID(value: String(decoding: bytes, as: UTF8.self), kind: .cif))
    }
}
