/// A Spanish tax identifier (DNI, NIE, CIF, or a K, L or M NIF) whose check character has been
/// verified, in its normalized form: upper case, no spaces, dots, dashes or `ES` prefix (`12.345.678-z` → `12345678Z`).
public struct TaxID: Sendable, Hashable, CustomStringConvertible {
    /// The kind of identifier; the canonical `taxIdType`.
    public enum Kind: String, Sendable, CaseIterable {
        case dni = "DNI"
        case nie = "NIE"
        case cif = "CIF"
        /// A personal NIF without a DNI or NIE: K (Spaniards under 14), L (Spaniards living abroad),
        /// M (foreigners without a NIE). A letter, 7 digits and the DNI check letter of the digits.
        case nif = "NIF"
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

    init(value: String, kind: Kind) {
        self.value = value
        self.kind = kind
    }

    /// The DNI/NIE check letters, indexed by the number modulo 23.
    static let dniLetters = Array("TRWAGMYFPDXBNJZSQVHLCKE".utf8)
    /// The letters a CIF can start with (the kind of organisation).
    static let cifLetters = Array("ABCDEFGHJNPQRSUVW".utf8)
    /// The letters of personal NIFs that are neither a DNI nor a NIE (K, L, M).
    static let nifLetters = Array("KLM".utf8)
    /// CIF control letters, indexed by the control digit.
    static let cifControlLetters = Array("JABCDEFGHI".utf8)

    /// Checks and normalizes `text`.
    public static func parse(_ text: String) -> Result<TaxID, ValidationFailure> {
        var copy = text
        let valid: TaxID? = copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { out in
                normalize(input, into: out.baseAddress!).map {
                    TaxID(
                        value: String(decoding: UnsafeBufferPointer(start: out.baseAddress, count: 9), as: UTF8.self),
                        kind: $0)
                }
            }
        }
        if let valid { return .success(valid) }
        return .failure(failure(text))
    }

    /// The whole check on bytes, for the hot path and for `parse`: a valid id is written normalized
    /// (9 bytes) to `out`, which has room for 12, and its kind returned; nil when it is not valid.
    static func normalize(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Kind? {
        var count = 0
        for byte in text where byte != 0x20 && byte != 0x2E && byte != 0x2D && byte != 0x09 {
            guard count < 11 else { return nil }
            out[count] = asciiUpper(byte)
            count += 1
        }
        var b = out
        if count == 11, b[0] == 0x45, b[1] == 0x53 { b += 2; count = 9 }
        guard count >= 8 else { return nil }
        for i in 0..<count where !(isASCIIDigit(b[i]) || isASCIILetter(b[i])) { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard isASCIIDigit(b[i]) else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        let first = b[0]
        var kind: Kind
        var number: Int
        if isASCIIDigit(first) {
            if count == 8 {
                // Seven digits and the letter: a DNI that lost its leading zero.
                guard isASCIILetter(b[7]), digits(0..<7) != nil else { return nil }
                for i in stride(from: 8, to: 0, by: -1) { b[i] = b[i - 1] }
                b[0] = 0x30
                count = 9
            }
            guard count == 9, let value = digits(0..<8), isASCIILetter(b[8]) else { return nil }
            (kind, number) = (.dni, value)
        } else if first == 0x58 || first == 0x59 || first == 0x5A {
            guard count == 9, let value = digits(1..<8), isASCIILetter(b[8]) else { return nil }
            (kind, number) = (.nie, Int(first - 0x58) * 10_000_000 + value)
        } else if nifLetters.contains(first) {
            guard count == 9, let value = digits(1..<8), isASCIILetter(b[8]) else { return nil }
            (kind, number) = (.nif, value)
        } else if cifLetters.contains(first) {
            guard count == 9, digits(1..<8) != nil, cifControlAccepted(b) else { return nil }
            kind = .cif
            number = 0
        } else {
            return nil
        }
        if kind != .cif, b[8] != dniLetters[number % 23] { return nil }
        if b != out { for i in 0..<9 { out[i] = b[i] } }
        return kind
    }

    /// Whether a CIF's control character (its ninth) is the right digit or letter for its kind.
    private static func cifControlAccepted(_ b: UnsafeMutablePointer<UInt8>) -> Bool {
        let control = cifControl(b)
        let given = b[8]
        return switch cifWantsLetter(b[0]) {
        case true?: given == cifControlLetters[control]
        case false?: given == UInt8(0x30 + control)
        case nil: given == UInt8(0x30 + control) || given == cifControlLetters[control]
        }
    }

    private static func cifControl(_ b: UnsafePointer<UInt8>) -> Int {
        var sum = 0
        for position in 1...7 {
            let digit = Int(b[position] - 0x30)
            if position % 2 == 0 {
                sum += digit
            } else {
                let doubled = digit * 2
                sum += doubled / 10 + doubled % 10
            }
        }
        return (10 - sum % 10) % 10
    }

    /// Public bodies (P, Q, S) use a letter; companies (A, B, E, H) a digit; others either, as
    /// python-stdnum and jquery-validation accept: foreign entities (N), religious bodies (R) and
    /// permanent establishments of non-residents (W) are written both ways.
    private static func cifWantsLetter(_ first: UInt8) -> Bool? {
        switch first {
        case 0x50, 0x51, 0x53: true  // P Q S
        case 0x41, 0x42, 0x45, 0x48: false  // A B E H
        default: nil
        }
    }

    /// A tax id that is not Spanish (a passport, a foreign national or tax number), normalized like
    /// a Spanish one (upper case, without spaces, dots, dashes or slashes), or nil. It has 5 to 20
    /// digits and letters, at least one digit, and not the shape of any Spanish id: a text shaped
    /// like a DNI, NIE, NIF or CIF (its letter missing or doubled included) that fails its check is
    /// a Spanish id with a mistake, not a foreign one.
    static func foreign(_ text: String) -> String? {
        var bytes: [UInt8] = []
        for byte in text.utf8 where byte != 0x20 && byte != 0x2E && byte != 0x2D && byte != 0x09 && byte != 0x2F {
            guard isASCIIDigit(byte) || isASCIILetter(byte) else { return nil }
            bytes.append(asciiUpper(byte))
        }
        guard (5...20).contains(bytes.count), bytes.contains(where: isASCIIDigit) else { return nil }
        var body = bytes[...]
        if bytes.count == 11, bytes[0] == 0x45, bytes[1] == 0x53 { body = bytes[2...] }  // ES prefix
        // The shape of a Spanish id, whole: a leading letter (a NIE's, a K, L or M NIF's, a CIF's)
        // or none, its digits, and at most two letters after them (a check letter, and a typo).
        let first = body.first!
        let lead = isASCIILetter(first) ? 1 : 0
        let digits = body.dropFirst(lead).prefix(while: isASCIIDigit).count
        let trailing = body.count - lead - digits
        let letters = body.suffix(trailing).allSatisfy(isASCIILetter) && trailing <= 2
        let spanish: Bool
        if lead == 0 {
            spanish = letters && (7...8).contains(digits)
        } else if nifLetters.contains(first) || (0x58...0x5A).contains(first) {
            spanish = letters && digits == 7
        } else if cifLetters.contains(first) {
            spanish = (letters && digits == 7) || (trailing == 0 && digits == 8)
        } else {
            spanish = false
        }
        return spanish ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The note on a foreign tax id, which is kept with the type OTHER.
    static let foreignNote = ValidationFailure(
        "not a Spanish tax id (DNI, NIE, NIF or CIF); kept as a foreign id of type OTHER")

    /// Why `text`, which `normalize` refused, is not a valid tax id.
    static func failure(_ text: String) -> ValidationFailure {
        var bytes: [UInt8] = []
        for byte in text.utf8 where byte != 0x20 && byte != 0x2E && byte != 0x2D && byte != 0x09 {
            bytes.append(asciiUpper(byte))
        }
        // An intra-EU VAT prefix: ES12345678Z.
        if bytes.count == 11, bytes[0] == 0x45, bytes[1] == 0x53 { bytes.removeFirst(2) }
        if bytes.isEmpty { return ValidationFailure("the tax id is empty") }
        guard bytes.allSatisfy({ isASCIIDigit($0) || isASCIILetter($0) }) else {
            return ValidationFailure("a tax id has only digits and letters")
        }
        let first = bytes[0]
        func letterFailure(_ kind: Kind, number: Int) -> ValidationFailure {
            ValidationFailure(
                "the check letter of this \(kind.rawValue) is wrong",
                detail:
                    "the check letter of this \(kind.rawValue) should be \(Character(UnicodeScalar(dniLetters[number % 23]))), not \(Character(UnicodeScalar(bytes[8])))"
            )
        }
        if isASCIIDigit(first) {
            if bytes.count == 8, isASCIILetter(bytes[7]), bytes[0..<7].allSatisfy(isASCIIDigit) {
                bytes.insert(0x30, at: 0)
            }
            guard bytes.count == 9, bytes[0..<8].allSatisfy(isASCIIDigit), isASCIILetter(bytes[8]) else {
                return ValidationFailure("a DNI is 8 digits and a letter")
            }
            return letterFailure(.dni, number: number(bytes[0..<8]))
        }
        if first == 0x58 || first == 0x59 || first == 0x5A {  // X Y Z
            guard bytes.count == 9, bytes[1..<8].allSatisfy(isASCIIDigit), isASCIILetter(bytes[8]) else {
                return ValidationFailure("a NIE is X, Y or Z, 7 digits and a letter")
            }
            return letterFailure(.nie, number: Int(first - 0x58) * 10_000_000 + number(bytes[1..<8]))
        }
        if nifLetters.contains(first) {
            guard bytes.count == 9, bytes[1..<8].allSatisfy(isASCIIDigit), isASCIILetter(bytes[8]) else {
                return ValidationFailure("a NIF of K, L or M is the letter, 7 digits and a check letter")
            }
            return letterFailure(.nif, number: number(bytes[1..<8]))
        }
        if cifLetters.contains(first) {
            guard bytes.count == 9, bytes[1..<8].allSatisfy(isASCIIDigit) else {
                return ValidationFailure("a CIF is a letter, 7 digits and a control digit or letter")
            }
            let control = bytes.withUnsafeBufferPointer { cifControl($0.baseAddress!) }
            let letter = cifControlLetters[control]
            let wantsLetter = cifWantsLetter(bytes[0])
            let expected =
                wantsLetter == true
                ? "\(Character(UnicodeScalar(letter)))"
                : wantsLetter == false ? "\(control)" : "\(control) or \(Character(UnicodeScalar(letter)))"
            return ValidationFailure(
                "the control character of this CIF is wrong",
                detail:
                    "the control character of this CIF should be \(expected), not \(Character(UnicodeScalar(bytes[8])))"
            )
        }
        return ValidationFailure(
            "not a DNI, NIE, NIF or CIF",
            detail: "not a DNI, NIE, NIF or CIF: it starts with '\(String(decoding: [first], as: UTF8.self))'")
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
