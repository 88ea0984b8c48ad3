/// A text encoding Ferry reads. Everything is transcoded to UTF-8 before it is parsed.
public enum TextEncoding: String, CaseIterable, Sendable, CustomStringConvertible {
    case utf8 = "utf-8"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    /// What Spanish Windows software writes ("ANSI").
    case windows1252 = "windows-1252"
    case iso8859_1 = "iso-8859-1"

    /// Accepts the usual spellings: `utf8`, `UTF-8`, `cp1252`, `latin1`, `iso-8859-1`, ...
    public init?(name: String) {
        let key = name.lowercased().filter { $0.isLetter || $0.isNumber }
        switch key {
        case "utf8": self = .utf8
        case "utf16le": self = .utf16LE
        case "utf16be": self = .utf16BE
        case "windows1252", "cp1252", "win1252", "ansi": self = .windows1252
        case "iso88591", "latin1", "l1": self = .iso8859_1
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The name iconv knows the encoding by.
    var iconvName: String {
        switch self {
        case .utf8: "UTF-8"
        case .utf16LE: "UTF-16LE"
        case .utf16BE: "UTF-16BE"
        case .windows1252: "WINDOWS-1252"
        case .iso8859_1: "ISO-8859-1"
        }
    }

    /// The byte-order mark this encoding may start with.
    var byteOrderMark: [UInt8] {
        switch self {
        case .utf8: [0xEF, 0xBB, 0xBF]
        case .utf16LE: [0xFF, 0xFE]
        case .utf16BE: [0xFE, 0xFF]
        case .windows1252, .iso8859_1: []
        }
    }

    static let allowedNames = "utf-8, utf-16le, utf-16be, windows-1252 (cp1252), iso-8859-1 (latin1)"
}

/// How the encoding of an input was decided, for `inspect` and run summaries.
public struct EncodingReport: Sendable, CustomStringConvertible {
    public var encoding: TextEncoding
    public var hasByteOrderMark: Bool
    /// Why this encoding: a BOM, the bytes seen, or the user's option.
    public var reason: String

    public var description: String {
        "\(encoding.rawValue)\(hasByteOrderMark ? " with BOM" : "") (\(reason))"
    }
}

/// Result of checking bytes as UTF-8.
enum UTF8Check: Equatable {
    case valid
    /// The bytes from `at` on are the start of a sequence that the next bytes may complete.
    case incomplete(at: Int)
    case invalid(at: Int)
}

/// Checks that `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF).
/// `firstNonASCII` receives the offset of the first byte above 0x7F, if any.
func checkUTF8(_ bytes: UnsafeRawBufferPointer, firstNonASCII: inout Int?) -> UTF8Check {
    let count = bytes.count
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return .valid }
    var i = 0
    while i < count {
        // ASCII runs, eight bytes at a time.
        while i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        if i >= count { break }
        let lead = base[i]
        if lead < 0x80 { i += 1; continue }
        if firstNonASCII == nil { firstNonASCII = i }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalid(at: i)
        }
        for k in 1..<length {
            if i + k >= count { return .incomplete(at: i) }
            let byte = base[i + k]
            let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            if byte < lo || byte > hi { return .invalid(at: i) }
        }
        i += length
    }
    return .valid
}
