/// Country codes (ISO 3166-1 alpha-2, `ES`) and language codes (ISO 639-1, `es`), checked on bytes.
enum ISOCode {
    /// Two ASCII letters, written upper case to `out` (room for 2); false for anything else, which no
    /// case rule turns into a country code.
    static func country(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        guard text.count == 2, isASCIILetter(text[0]), isASCIILetter(text[1]) else { return false }
        out[0] = asciiUpper(text[0])
        out[1] = asciiUpper(text[1])
        return true
    }

    static let countryFailure = ValidationFailure("a country is its two-letter ISO code (ES, FR, PT)")

    /// What a language is read as: its code written lower case to `out` (room for 2); `unknown` for
    /// ASCII text that is neither a code nor a known name; `needsUnicode` for other text, whose case
    /// (and canonical equivalence, `ñ` written as `n` and a tilde) only `String` knows.
    enum LanguageReading { case code, unknown, needsUnicode }

    static func language(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>)
        -> LanguageReading
    {
        if text.count == 2, isASCIILetter(text[0]), isASCIILetter(text[1]) {
            out[0] = asciiLower(text[0])
            out[1] = asciiLower(text[1])
            return .code
        }
        guard text.allSatisfy({ $0 < 0x80 }) else { return .needsUnicode }
        guard let code = languageNames[String(decoding: text.lazy.map(asciiLower), as: UTF8.self)] else {
            return .unknown
        }
        let bytes = Array(code.utf8)
        out[0] = bytes[0]
        out[1] = bytes[1]
        return .code
    }

    /// `language` for text that needs Unicode's rules: its code, or nil.
    static func language(_ text: String) -> String? {
        let lower = text.lowercased()
        if lower.utf8.count == 2, lower.utf8.allSatisfy(isASCIILetter) { return lower }
        return languageNames[lower]
    }

    static let languageFailure = ValidationFailure("a language is its two-letter ISO 639-1 code (es, ca, en)")

    static let languageNames: [String: String] = [
        "español": "es", "espanol": "es", "castellano": "es", "spanish": "es", "català": "ca", "catala": "ca",
        "catalán": "ca", "catalan": "ca", "euskera": "eu", "euskara": "eu", "gallego": "gl", "galego": "gl",
        "english": "en", "inglés": "en", "ingles": "en", "français": "fr", "francés": "fr", "frances": "fr",
        "french": "fr", "deutsch": "de", "alemán": "de", "portugués": "pt", "português": "pt", "italiano": "it",
    ]
}
