/// What a column's values are, whatever its header says: DNIs, e-mails, mobiles, dates in some
/// format, postal codes, yes/no, names. Built from the first values of the column.
public struct ColumnContent: Sendable {
    /// The kind of value most of the column holds.
    public enum Kind: String, Sendable {
        case empty, taxId = "tax id", email = "e-mail", mobilePhone = "mobile phone", landlinePhone = "landline phone",
            phone, date, postalCode = "postal code", boolean = "yes/no", gender, province, provinceCode =
            "province code",
            countryCode = "country code", givenName = "given name", surname, surnames = "two surnames", street,
            sequence = "record number", integer = "whole number", decimal = "number", freeText = "free text", text
    }

    public var kind: Kind
    /// The share of non-empty values of that kind.
    public var share: Double
    /// Non-empty values looked at.
    public var values: Int
    /// For dates: the format that reads them all (`dd/MM/yyyy`).
    public var dateFormat: String?
    /// For dates: whether most are 10 or more years ago (birth dates rather than sign-up dates).
    public var mostlyOld = false
    /// For yes/no: the style (`sí/no`, `1/0`).
    public var booleans: BooleanStyle?
    /// For gender: the column's spelling of each canonical value (`female` → `M`).
    public var genderValues: [(canonical: String, column: String)] = []
    /// Names and streets written in capitals (`JOSÉ LUIS`): the mapping adds `name_case`.
    public var mostlyCapitals = false

    /// Whether the kind is sure enough to overrule a header.
    public var isDistinctive: Bool {
        switch kind {
        case .taxId, .email, .mobilePhone, .landlinePhone, .phone, .date, .postalCode: share >= 0.8
        default: false
        }
    }

    /// Looks at up to `limit` non-empty values.
    public static func analyze(_ values: [String], jsonKinds: [ValueKind] = []) -> ColumnContent {
        let values = values.map { Trim.trimmed($0) }.filter { !$0.isEmpty }
        guard !values.isEmpty else { return ColumnContent(kind: .empty, share: 1, values: 0) }
        let count = Double(values.count)
        var result = ColumnContent(kind: .text, share: 1, values: values.count)
        func share(_ predicate: (String) -> Bool) -> Double { Double(values.lazy.filter(predicate).count) / count }

        // E-mails, tax ids, phones: the values that tell most.
        let emails = share { $0.contains("@") && (try? EmailAddress.parse($0).get()) != nil }
        let atSigns = share { $0.contains("@") }
        if atSigns >= 0.8 { return result.with(.email, max(emails, atSigns)) }
        let taxIds = share { (try? TaxID.parse($0).get()) != nil || looksLikeTaxId($0) }
        if taxIds >= 0.8 { return result.with(.taxId, taxIds) }
        var mobiles = 0, landlines = 0, phones = 0
        for value in values where looksLikePhone(value) {
            guard case .success(let phone) = PhoneNumber.parse(value) else { continue }
            phones += 1
            if phone.kind == .mobile { mobiles += 1 } else if phone.kind == .landline { landlines += 1 }
        }
        if Double(phones) / count >= 0.8 {
            let kind: Kind =
                Double(mobiles) >= 0.7 * Double(phones)
                ? .mobilePhone
                : Double(landlines) >= 0.7 * Double(phones) ? .landlinePhone : .phone
            return result.with(kind, Double(phones) / count)
        }

        // Dates, in the format that reads the most values (Spanish day-first wins a tie).
        if share({ $0.utf8.contains { isASCIIDigit($0) } && ($0.contains("/") || $0.contains("-") || $0.contains(".")) }
        ) >= 0.8 {
            var best: (DateFormat, Int)?
            for format in dateFormats {
                let read = values.lazy.filter { (try? format.parse($0).get()) != nil }.count
                if read > (best?.1 ?? 0) { best = (format, read) }
            }
            // Impossible days (31/02) read in no format, so half the values in one format is enough.
            if let (format, read) = best, Double(read) / count >= 0.5 {
                result.dateFormat = format.pattern
                let cutoff = CalendarDate.today().year - 10
                let old = values.lazy.compactMap { try? format.parse($0).get() }.filter { $0.year <= cutoff }.count
                result.mostlyOld = Double(old) >= 0.7 * Double(read)
                return result.with(.date, Double(read) / count)
            }
        }

        let allDigits = values.allSatisfy { $0.utf8.allSatisfy(isASCIIDigit) }
        if allDigits {
            let numbers = values.compactMap { Int($0) }
            var steps = 0
            for index in numbers.indices.dropFirst() where numbers[index] == numbers[index - 1] + 1 { steps += 1 }
            if numbers.count > 2, Double(steps) >= 0.9 * Double(numbers.count - 1) { return result.with(.sequence, 1) }
            let postal = share {
                ($0.utf8.count == 5 || $0.utf8.count == 4) && (try? PostalCode.parse($0).get()) != nil
            }
            if postal >= 0.9, values.contains(where: { $0.utf8.count == 5 }) { return result.with(.postalCode, postal) }
        }

        // Closed sets: yes/no, gender, provinces, countries.
        let distinct = Set(values.map { $0.lowercased() })
        if let style = booleanStyle(distinct) {
            result.booleans = style
            return result.with(.boolean, 1)
        }
        if let genders = genderSpelling(values) {
            result.genderValues = genders
            return result.with(.gender, 1)
        }
        if allDigits, values.allSatisfy({ $0.utf8.count == 2 && Province.name(ofCode: $0) != nil }) {
            return result.with(.provinceCode, 1)
        }
        let provinces = share { Province.code(ofName: $0) != nil && !$0.utf8.allSatisfy(isASCIIDigit) }
        if provinces >= 0.9 { return result.with(.province, provinces) }
        if values.allSatisfy({ $0.utf8.count == 2 && countryCodes.contains($0.uppercased()) }) {
            return result.with(.countryCode, 1)
        }
        if allDigits { return result.with(.integer, 1) }
        if values.allSatisfy({ FieldCodec.number($0, decimalComma: $0.contains(",")) != nil }) {
            return result.with(.decimal, 1)
        }

        // Words: streets, names, free text.
        result.mostlyCapitals = share { value in value.contains { $0.isLetter } && value == value.uppercased() } >= 0.5
        let streets = share { startsWithStreetType($0) }
        if streets >= 0.6 { return result.with(.street, streets) }
        let nameShaped = share(looksLikeName)
        if nameShaped >= 0.8 {
            let given = share { PersonNames.isGivenName($0) }
            let surnameShare = share { PersonNames.isSurnames($0) }
            if given >= 0.5, given >= surnameShare { return result.with(.givenName, given) }
            if surnameShare >= 0.5 {
                let twoOrMore = share { SpanishName.splitSurnames($0).second != nil }
                return result.with(twoOrMore >= 0.6 ? .surnames : .surname, surnameShare)
            }
        }
        let averageLength = values.reduce(0) { $0 + $1.count } / values.count
        let words = share { $0.split(separator: " ").count >= 4 }
        if averageLength >= 25 || words >= 0.5 { return result.with(.freeText, words) }
        return result
    }

    private func with(_ kind: Kind, _ share: Double) -> ColumnContent {
        var copy = self
        copy.kind = kind
        copy.share = share
        return copy
    }

    static let dateFormats: [DateFormat] =
        ([
            "dd/MM/yyyy", "d/M/yyyy", "yyyy-MM-dd", "dd-MM-yyyy", "dd.MM.yyyy", "MM/dd/yyyy",
            "M/d/yyyy", "yyyy/MM/dd", "dd/MM/yyyy HH:mm", "dd/MM/yyyy HH:mm:ss",
            "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "iso_datetime",
        ] as [String])
        .compactMap { try? DateFormat($0) }

    static let countryCodes: Set<String> = [
        "ES", "FR", "PT", "DE", "IT", "GB", "UK", "US", "AD", "MA", "NL", "BE", "CH", "IE",
        "AR", "MX", "CO", "VE", "PE", "EC", "CL", "UY", "BR", "RO", "BG", "PL", "CN", "RU",
    ]

    /// `12.345.678-Z`, `x1234567l`, `B12345678`: the shape of a tax id, even with a wrong letter.
    static func looksLikeTaxId(_ value: String) -> Bool {
        let characters = value.uppercased().filter { $0.isLetter || $0.isNumber }
        guard (8...10).contains(characters.count), characters.allSatisfy(\.isASCII) else { return false }
        let letters = characters.filter(\.isLetter).count
        guard letters >= 1, letters <= 2 else { return false }
        let first = characters.first!, last = characters.last!
        return (first.isNumber && last.isLetter) || "XYZKLM".contains(first)
            || ("ABCDEFGHJNPQRSUVW".contains(first) && characters.dropFirst().prefix(7).allSatisfy(\.isNumber))
    }

    static func looksLikePhone(_ value: String) -> Bool {
        var digits = 0
        for byte in value.utf8 {
            if isASCIIDigit(byte) { digits += 1 } else if !" +-.()/".utf8.contains(byte) { return false }
        }
        return digits >= 9
    }

    static func booleanStyle(_ distinct: Set<String>) -> BooleanStyle? {
        let styles: [(BooleanStyle, Set<String>)] = [
            (.digits, ["1", "0"]), (.words, ["true", "false"]), (.spanish, ["sí", "si", "no"]), (.letters, ["s", "n"]),
            (.mark, ["x"]),
        ]
        for (style, allowed) in styles where distinct.isSubset(of: allowed) && (distinct.count > 1 || style == .mark) {
            return style
        }
        if distinct.isSubset(of: ["yes", "no", "y", "n"]), distinct.count > 1 { return .words }
        return nil
    }

    /// `H`/`M` (Spanish: M is mujer), `M`/`F` (English: M is male), `hombre`/`mujer`, `male`/`female`.
    static func genderSpelling(_ values: [String]) -> [(canonical: String, column: String)]? {
        var counts: [String: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        let folded = Set(counts.keys.map { HeaderVocabulary.fold($0) })
        let spanish: [String: String] = [
            "h": "male", "m": "female", "hombre": "male", "mujer": "female", "v": "male",
            "varon": "male", "masculino": "male", "femenino": "female", "otro": "other", "o": "other",
        ]
        let english: [String: String] = [
            "m": "male", "f": "female", "male": "male", "female": "female", "other": "other",
            "o": "other", "x": "other", "man": "male", "woman": "female",
        ]
        let table: [String: String]
        if folded.isSubset(of: Set(spanish.keys)) && !folded.contains("f") {
            table = spanish
        } else if folded.isSubset(of: Set(english.keys)) {
            table = english
        } else {
            return nil
        }
        guard folded.count >= 2 || folded.contains(where: { $0.count > 1 }) else { return nil }
        var spelling: [String: (String, Int)] = [:]
        for (value, count) in counts {
            guard let canonical = table[HeaderVocabulary.fold(value)] else { return nil }
            if count > spelling[canonical]?.1 ?? 0 { spelling[canonical] = (value, count) }
        }
        return ["female", "male", "other"].compactMap { canonical in spelling[canonical].map { (canonical, $0.0) } }
    }

    static func startsWithStreetType(_ value: String) -> Bool {
        let folded = HeaderVocabulary.fold(value)
        let first = folded.split(separator: " ").first.map(String.init) ?? ""
        return [
            "calle", "c", "cl", "avda", "avenida", "av", "plaza", "pza", "pl", "paseo", "po", "rua", "carrer", "camino",
            "ctra", "carretera", "ronda", "travesia", "via", "urbanizacion", "urb", "pasaje", "glorieta", "callejon",
            "street", "st", "avenue", "road", "poligono", "barrio", "cami", "passeig", "placa", "gran",
        ].contains(first)
            && value.count > 6
    }

    /// One to four words of letters, each starting with a capital (or all capitals), no digits.
    static func looksLikeName(_ value: String) -> Bool {
        let words = value.split(separator: " ")
        guard (1...5).contains(words.count), value.count <= 40 else { return false }
        return value.allSatisfy { $0.isLetter || $0 == " " || $0 == "-" || $0 == "'" || $0 == "." }
    }
}
