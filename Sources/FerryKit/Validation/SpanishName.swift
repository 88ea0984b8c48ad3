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
        // Most names are ASCII and Latin-1 letters (`MARÍA JOSÉ`, `Íñigo`): settled on bytes.
        var copy = text
        let onBytes: String? = copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(input.count, 1)) { out in
                titleCased(input, into: out.baseAddress!).map {
                    String(decoding: UnsafeBufferPointer(rebasing: out[..<$0]), as: UTF8.self)
                }
            }
        }
        return onBytes ?? titleCasedByUnicode(text)
    }

    /// `titleCased` by Unicode's case rules, for what the bytes cannot settle.
    static func titleCasedByUnicode(_ text: String) -> String {
        let hasUpper = text.contains { $0.isUppercase }
        let hasLower = text.contains { $0.isLowercase }
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

    /// `titleCased` on bytes, for text of ASCII and Latin-1 letters (`Á`, `ñ`: C3 80–BF in UTF-8,
    /// whose case is the bit 0x20 of the second byte) and for text whose letters of those kinds are
    /// already in mixed case (returned as it is); nil for the rest, which needs Unicode's case rules,
    /// and for `ß` and `ÿ` starting a word (their capitals are `SS` and `Ÿ`, outside Latin-1).
    static func titleCased(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        var upper = false, lower = false, latin = true
        var previous: UInt8 = 0
        for (i, byte) in text.enumerated() {
            if byte &- 0x41 < 26 {
                upper = true
            } else if byte &- 0x61 < 26 {
                lower = true
            } else if byte >= 0x80 {
                if byte == 0xC3 {
                    if i + 1 == text.count || text[i + 1] & 0xC0 != 0x80 { latin = false }
                } else if byte & 0xC0 != 0x80 || previous != 0xC3 {
                    latin = false
                } else if isLatinUpper(byte) {
                    upper = true
                } else if isLatinLower(byte) {
                    lower = true
                }
            }
            previous = byte
        }
        if upper && lower { return copyBytes(text, to: out) }
        guard latin else { return nil }
        var wordStart = 0
        var position = 0
        for i in 0...text.count where i == text.count || text[i] == 0x20 {
            let word = UnsafeBufferPointer(rebasing: text[wordStart..<i])
            let particle = position > 0 && isParticleOrConjunction(word)
            var startOfPart = !particle
            for k in wordStart..<i {
                let byte = text[k]
                if byte == 0xC3 {
                    out[k] = byte
                } else if byte >= 0x80 {
                    // The second byte of a Latin-1 letter: lower case, or upper at a part's start.
                    let small = isLatinUpper(byte) ? byte + 0x20 : byte
                    if startOfPart {
                        if small == 0x9F || small == 0xBF { return nil }  // ß, ÿ
                        out[k] = isLatinLower(small) ? small - 0x20 : small
                    } else {
                        out[k] = small
                    }
                    startOfPart = false
                } else {
                    out[k] = startOfPart ? FerryKit.asciiUpper(byte) : FerryKit.asciiLower(byte)
                    startOfPart = !particle && (byte == 0x2D || byte == 0x27)
                }
            }
            if i < text.count { out[i] = 0x20 }
            wordStart = i + 1
            position += 1
        }
        return text.count
    }

    /// The second byte of a Latin-1 capital (`À`–`Þ`, not `×`), and of a small letter (`ß`–`ÿ`, not `÷`).
    private static func isLatinUpper(_ byte: UInt8) -> Bool { byte >= 0x80 && byte <= 0x9E && byte != 0x97 }
    private static func isLatinLower(_ byte: UInt8) -> Bool { byte >= 0x9F && byte <= 0xBF && byte != 0xB7 }

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
