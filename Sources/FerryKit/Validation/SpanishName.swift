/// Spanish personal names: capitalisation and compound surnames.
public enum SpanishName {
    /// Words that stay lower case inside a name and bind to the word after them (`de la Fuente`).
    static let particles: Set<String> = [
        "de", "del", "la", "las", "los", "el", "da", "das", "do", "dos", "van", "von", "der", "di",
    ]
    /// Words that join two surnames (`Ortega y Gasset`, `Vilaró i Puig`).
    static let conjunctions: Set<String> = ["y", "i", "e"]
    /// Capitalised words that bind to the word after them (`San Martín`, `Santa María`).
    static let saints: Set<String> = ["san", "santa", "santo", "sant"]

    /// Title-cases a name written all in capitals or all in small letters (`JOSÉ LUIS` → `José Luis`,
    /// `garcía de la fuente` → `García de la Fuente`, `martín-sanz` → `Martín-Sanz`). A name already
    /// in mixed case is left as written: `McDonald` and `DeMarco` know their own capitals.
    public static func titleCased(_ text: String) -> String {
        // Most names settle it on ASCII letters alone (`María`): only look at Unicode case when needed.
        var asciiUpper = false, asciiLower = false
        for byte in text.utf8 {
            if byte &- 0x41 < 26 { asciiUpper = true } else if byte &- 0x61 < 26 { asciiLower = true }
        }
        if asciiUpper && asciiLower { return text }
        let hasUpper = asciiUpper || text.contains { $0.isUppercase }
        let hasLower = asciiLower || text.contains { $0.isLowercase }
        guard !(hasUpper && hasLower) else { return text }
        var words: [String] = []
        for (position, word) in text.lowercased().split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if position > 0, particles.contains(String(word)) || conjunctions.contains(String(word)) {
                words.append(String(word))
                continue
            }
            words.append(capitalizedParts(word))
        }
        return words.joined(separator: " ")
    }

    /// `titleCased` on bytes, for ASCII text and for text whose ASCII letters are already in mixed
    /// case (returned as it is); nil for the rest, which needs Unicode's case rules.
    static func titleCased(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var asciiUpper = false, asciiLower = false, ascii = true
        // Latin-1 letters (`Á`, `ñ`: C3 80–BF) count too: their case is known, so `Íñigo` is mixed case.
        var latinUpper = false, latinLower = false
        var previous: UInt8 = 0
        for byte in text {
            if byte &- 0x41 < 26 {
                asciiUpper = true
            } else if byte &- 0x61 < 26 {
                asciiLower = true
            } else if byte >= 0x80 {
                ascii = false
            }
            if previous == 0xC3 {
                if byte >= 0x80 && byte <= 0x9E && byte != 0x97 { latinUpper = true }
                if byte >= 0x9F && byte <= 0xBF && byte != 0xB7 { latinLower = true }
            }
            previous = byte
        }
        if (asciiUpper || latinUpper) && (asciiLower || latinLower) { return copyBytes(text, to: out) }
        guard ascii else { return nil }
        var wordStart = 0
        var position = 0
        for i in 0...text.count where i == text.count || text[i] == 0x20 {
            let word = UnsafeBufferPointer(rebasing: text[wordStart..<i])
            if position > 0, isParticleOrConjunction(word) {
                for k in wordStart..<i { out[k] = FerryKit.asciiLower(text[k]) }
            } else {
                var startOfPart = true
                for k in wordStart..<i {
                    out[k] = startOfPart ? FerryKit.asciiUpper(text[k]) : FerryKit.asciiLower(text[k])
                    startOfPart = text[k] == 0x2D || text[k] == 0x27
                }
            }
            if i < text.count { out[i] = 0x20 }
            wordStart = i + 1
            position += 1
        }
        return text.count
    }

    /// Whether an ASCII word, in any case, is one of `particles` or `conjunctions`.
    private static func isParticleOrConjunction(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard word.count <= 3, word.count > 0 else { return false }
        var packed: UInt32 = 0
        for byte in word { packed = packed << 8 | UInt32(FerryKit.asciiLower(byte)) }
        return particleWords.contains(packed)
    }

    private static let particleWords: Set<UInt32> = Set(
        (particles.union(conjunctions)).map { word in
            word.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        })

    /// Capitalises each part of a word split by `-` or `'` (`o'neill` → `O'Neill`).
    private static func capitalizedParts(_ word: Substring) -> String {
        var out = ""
        var startOfPart = true
        for character in word {
            out += startOfPart ? character.uppercased() : String(character)
            startOfPart = character == "-" || character == "'" || character == "’"
        }
        return out
    }

    /// Splits a surnames text into the first and the second surname, keeping particles with the word
    /// they introduce: `García de la Fuente` → (`García`, `de la Fuente`), `del Río Muñoz` →
    /// (`del Río`, `Muñoz`), `Etxeberria San Martín` → (`Etxeberria`, `San Martín`),
    /// `Vilaró i Puig` → (`Vilaró`, `Puig`). `certain` is false when the words allow more than one
    /// reading (three or more free words): then the first word is the first surname.
    public static func splitSurnames(_ text: String) -> (first: String, second: String?, certain: Bool) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return ("", nil, true) }
        var units: [[String]] = []
        var pending: [String] = []
        var sawConjunction = false
        for (index, word) in words.enumerated() {
            let lower = word.lowercased()
            if index > 0, pending.isEmpty, conjunctions.contains(lower), index < words.count - 1 {
                sawConjunction = true
                continue
            }
            pending.append(word)
            let binds = particles.contains(lower) || saints.contains(lower)
            if !binds || index == words.count - 1 {
                units.append(pending)
                pending = []
            }
        }
        if !pending.isEmpty { units.append(pending) }
        switch units.count {
        case 1: return (units[0].joined(separator: " "), nil, true)
        case 2: return (units[0].joined(separator: " "), units[1].joined(separator: " "), true)
        default:
            return (
                units[0].joined(separator: " "),
                units.dropFirst().map { $0.joined(separator: " ") }.joined(separator: " "),
                sawConjunction && units.count == 2
            )
        }
    }

    /// The two surnames as one text, the inverse of `splitSurnames` where the split is certain.
    public static func joinSurnames(_ first: String?, _ second: String?) -> String? {
        switch (first?.isEmpty == false ? first : nil, second?.isEmpty == false ? second : nil) {
        case let (a?, b?): "\(a) \(b)"
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }
}
