/// How a CSV file is written: what `inspect` reports and what the reader uses.
public struct CSVDialect: Sendable, Equatable, CustomStringConvertible {
    /// How records end.
    public enum LineEnding: String, Sendable {
        case lf = "LF", crlf = "CRLF", cr = "CR", mixed = "mixed", none = "none (one line)"
    }

    public var delimiter: UInt8
    public var quote: UInt8
    public var hasHeader: Bool
    public var lineEnding: LineEnding

    public init(
        delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), hasHeader: Bool = true,
        lineEnding: LineEnding = .lf
    ) {
        self.delimiter = delimiter
        self.quote = quote
        self.hasHeader = hasHeader
        self.lineEnding = lineEnding
    }

    public var description: String {
        "delimiter \(Self.name(of: delimiter)), quote \(Self.name(of: quote)), \(hasHeader ? "header row" : "no header row"), line ends \(lineEnding.rawValue)"
    }

    /// A delimiter or quote as a user writes it: `,` `;` `tab` `|`.
    public static func name(of byte: UInt8) -> String {
        switch byte {
        case 0x09: "tab"
        case 0x20: "space"
        default: "'" + String(UnicodeScalar(byte)) + "'"
        }
    }

    /// Reads a user's delimiter: a single character, or `tab`, `\t`, `comma`, `semicolon`, `pipe`.
    public static func parseDelimiter(_ text: String) -> UInt8? {
        switch text.lowercased() {
        case "tab", "\\t", "\t": return 0x09
        case "comma": return UInt8(ascii: ",")
        case "semicolon": return UInt8(ascii: ";")
        case "pipe": return UInt8(ascii: "|")
        default:
            let bytes = Array(text.utf8)
            return bytes.count == 1 && bytes[0] != 0x0A && bytes[0] != 0x0D ? bytes[0] : nil
        }
    }
}

/// What the user says about a CSV input; anything left nil is detected.
public struct CSVReadOptions: Sendable {
    public var delimiter: UInt8?
    public var quote: UInt8?
    public var hasHeader: Bool?
    public var encoding: TextEncoding?
    /// Accept records with too few fields (filled empty) or too many (kept as `_extra_N`).
    public var allowRagged = false
    /// Largest field accepted, in bytes (after transcoding).
    public var maxFieldBytes = 1 << 20
    /// Largest record accepted, in bytes.
    public var maxRecordBytes = 16 << 20
    /// About how many bytes each parser gets when a file is read by several at once (`CSVChunks`).
    public var chunkBytes = 256 << 10

    public init() {}
}
