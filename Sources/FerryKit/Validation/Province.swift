#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A lower-case letter without its accent (`á` → `a`, `ñ` → `n`, `ç` → `c`); other characters as they are.
func unaccented(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
    switch scalar {
    case "á", "à", "ä", "â", "ª": "a"
    case "é", "è", "ë", "ê": "e"
    case "í", "ì", "ï", "î": "i"
    case "ó", "ò", "ö", "ô", "º": "o"
    case "ú", "ù", "ü", "û": "u"
    case "ñ": "n"
    case "ç": "c"
    default: scalar
    }
}

/// Spain's provinces by INE code, and the names exports use for them (Spanish, co-official, old).
public enum Province {
    /// The official name of the province with an INE code ("28" → "Madrid").
    public static func name(ofCode code: String) -> String? {
        guard let index = Int(code), (1...52).contains(index), code.utf8.count == 2 else { return nil }
        return SpanishData.provinces[index - 1].name
    }

    /// Why a text names no province.
    static let failure = ValidationFailure("not an INE province code (01–52) or a province name")

    /// The INE code of a province name, ignoring case, accents and the article's place
    /// ("La Coruña", "Coruña, A", "a coruña" → "15").
    public static func code(ofName name: String) -> String? {
        if let code = codesByOfficialName[name] { return code }
        let key = foldedName(name)
        if key.count == 2, let number = Int(key), (1...52).contains(number) { return key }
        return namesByKey[key]
    }

    /// The INE code (2 bytes into `out`) of an official name written exactly, or of a 2-digit code:
    /// the common cases of `code(ofName:)`, on bytes. False leaves the text to `code(ofName:)`.
    static func exactCode(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        if text.count == 2, isASCIIDigit(text[0]), isASCIIDigit(text[1]) {
            let number = Int(text[0] - 0x30) * 10 + Int(text[1] - 0x30)
            guard number >= 1, number <= 52 else { return false }
            out[0] = text[0]; out[1] = text[1]
            return true
        }
        let hash = fnv1a(text, seed: 0)
        var slot = Int(hash & UInt64(officialNameSlots.count - 1))
        while let index = officialNameSlots[slot] {
            let name = officialNameBytes[index]
            if name.count == text.count,
                name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 })
            {
                out[0] = UInt8(0x30 + (index + 1) / 10); out[1] = UInt8(0x30 + (index + 1) % 10)
                return true
            }
            slot = (slot + 1) & (officialNameSlots.count - 1)
        }
        return false
    }

    /// The official names' bytes, by INE code − 1.
    static let officialNameBytes: [[UInt8]] = SpanishData.provinces.map { Array($0.name.utf8) }

    /// An open-addressing table of the official names: slot → index into `officialNameBytes`.
    private static let officialNameSlots: [Int?] = {
        var slots = [Int?](repeating: nil, count: 256)
        for (index, name) in officialNameBytes.enumerated() {
            var slot = Int(fnv1a(name, seed: 0) & 255)
            while slots[slot] != nil { slot = (slot + 1) & 255 }
            slots[slot] = index
        }
        return slots
    }()

    /// Lower case, no accents, no punctuation; "coruna, a" and "a coruna" both become "a coruna".
    static func foldedName(_ name: String) -> String {
        var folded = ""
        for scalar in name.lowercased().unicodeScalars {
            switch scalar {
            case "-", "/", ".", "'", "’": folded.append(" ")
            default: folded.unicodeScalars.append(unaccented(scalar))
            }
        }
        var words = folded.split(whereSeparator: { $0 == " " }).map(String.init)
        // "Coruña, A" → "A Coruña"; "Palmas, Las" → "Las Palmas".
        if let comma = words.firstIndex(where: { $0.hasSuffix(",") }), comma == words.count - 2 {
            let article = words.removeLast()
            words[comma].removeLast()
            words.insert(article, at: 0)
        }
        return words.joined(separator: " ")
    }

    /// The official names as written, so the common case skips folding.
    private static let codesByOfficialName: [String: String] = Dictionary(
        uniqueKeysWithValues: SpanishData.provinces.map { ($0.name, $0.code) })

    private static let namesByKey: [String: String] = {
        var table: [String: String] = [:]
        for province in SpanishData.provinces { table[foldedName(province.name)] = province.code }
        let others: [(String, String)] = [
            ("araba", "01"), ("alava", "01"), ("araba alava", "01"), ("alava araba", "01"),
            ("alacant", "03"), ("alicante alacant", "03"), ("baleares", "07"), ("islas baleares", "07"),
            ("balears", "07"), ("la coruna", "15"), ("coruna", "15"), ("gerona", "17"), ("guipuzcoa", "20"),
            ("gipuzkoa guipuzcoa", "20"), ("lerida", "25"), ("rioja", "26"), ("orense", "32"), ("palmas", "35"),
            ("tenerife", "38"), ("sta cruz de tenerife", "38"), ("vizcaya", "48"), ("bizkaia vizcaya", "48"),
            ("castello", "12"), ("castellon de la plana", "12"), ("castello de la plana", "12"),
            ("valencia valencia", "46"), ("navarra nafarroa", "31"), ("nafarroa", "31"),
            ("principado de asturias", "33"),
        ]
        for (name, code) in others { table[name] = code }
        return table
    }()
}
