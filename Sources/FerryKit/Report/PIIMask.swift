/// Masks personal data for reports and terminal messages: enough is left to recognise a value
/// you already know (`12******Z`, `+34 6** *** *78`, `j***@example.es`, `M. G.`), not enough to
/// learn one. Reports and warnings mask by default; `--show-pii` turns it off.
public enum PIIMask {
    /// How a value is masked.
    public enum Kind: Sendable, Equatable {
        case taxId, phone, email, name, street, date, freeText, healthData
    }

    /// The masking a canonical field needs; nil when the field is not personal data.
    public static func kind(of field: CustomerField) -> Kind? {
        switch field {
        case .taxId: .taxId
        case .mobilePhone, .landlinePhone, .otherPhone: .phone
        case .email: .email
        case .givenName, .familyName1, .familyName2: .name
        case .street: .street
        case .birthDate: .date
        case .notes: .freeText
        case .clinicalNotes: .healthData
        default: nil
        }
    }

    /// Masks `value` as its field's kind; a value of no known field (an unmapped column, an extra)
    /// is masked by what it looks like, since nothing says it is harmless.
    public static func mask(_ value: String, field: CustomerField?) -> String {
        if let field {
            guard let kind = kind(of: field) else { return value }
            return mask(value, as: kind)
        }
        return mask(value, as: guessKind(value))
    }

    /// The kind a value looks like, for values no field names.
    public static func guessKind(_ value: String) -> Kind {
        var digits = 0, letters = 0, spaces = 0
        var at = false
        for byte in value.utf8 {
            if isASCIIDigit(byte) {
                digits += 1
            } else if isASCIILetter(byte) || byte >= 0x80 {
                letters += 1
            } else if byte == 0x20 {
                spaces += 1
            } else if byte == 0x40 {
                at = true
            }
        }
        if at { return .email }
        if digits >= 6 { return letters > 0 && letters <= 2 ? .taxId : .phone }
        if value.utf8.count > 40 || spaces > 3 { return .freeText }
        return .name
    }

    public static func mask(_ value: String, as kind: Kind) -> String {
        switch kind {
        case .taxId: maskTaxId(value)
        case .phone: maskPhone(value)
        case .email: maskEmail(value)
        case .name: maskName(value)
        case .street: maskStreet(value)
        case .date: String(value.map { $0.isNumber ? "*" : $0 })
        case .freeText: "[text, \(value.count) characters]"
        case .healthData: "[health data, not shown]"
        }
    }

    /// `12345678Z` → `12******Z`: the first two and the last character.
    static func maskTaxId(_ value: String) -> String {
        let characters = Array(value.filter { $0.isLetter || $0.isNumber })
        guard characters.count > 4 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(2)) + String(repeating: "*", count: characters.count - 3)
            + String(characters.last!)
    }

    /// `+34612345678` → `+34 6** *** *78`: the country code, the first digit and the last two.
    static func maskPhone(_ value: String) -> String {
        var digits = value.filter(\.isASCII).filter(\.isNumber)
        var prefix = ""
        if value.hasPrefix("+") || value.hasPrefix("00") {
            if value.hasPrefix("00") { digits.removeFirst(2) }
            let codeLength =
                digits.hasPrefix("34") || digits.hasPrefix("33") || digits.hasPrefix("44") || digits.hasPrefix("49")
                ? 2
                : digits.hasPrefix("1") || digits.hasPrefix("7") ? 1 : min(3, max(0, digits.count - 6))
            prefix = "+" + digits.prefix(codeLength) + " "
            digits.removeFirst(codeLength)
        }
        guard digits.count >= 5 else { return prefix + String(repeating: "*", count: digits.count) }
        let masked = Array(
            String(digits.prefix(1)) + String(repeating: "*", count: digits.count - 3) + String(digits.suffix(2)))
        var grouped = ""
        for (index, character) in masked.enumerated() {
            if index > 0, index % 3 == 0 { grouped += " " }
            grouped.append(character)
        }
        return prefix + grouped
    }

    /// `juana.perez@example.es` → `j***@example.es`.
    static func maskEmail(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") else { return maskName(value) }
        let local = value[..<at]
        return (local.first.map(String.init) ?? "") + "***" + value[at...]
    }

    /// `María José García` → `M. J. G.`: each word's initial.
    static func maskName(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { word in
            word.first.map { String($0) + "." } ?? ""
        }.joined(separator: " ")
    }

    /// `Calle Mayor 5, 3º B` → `Calle M*** …`: the street type and an initial.
    static func maskStreet(_ value: String) -> String {
        let words = value.split(separator: " ")
        guard let first = words.first else { return "" }
        guard words.count > 1 else { return String(first.prefix(1)) + "***" }
        return String(first) + " " + String(words[1].prefix(1)) + "*** …"
    }
}
