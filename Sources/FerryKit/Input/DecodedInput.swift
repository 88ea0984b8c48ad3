#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An input as a stream of UTF-8 chunks: detects the encoding from the first bytes (or takes the one
/// the user names), strips a byte-order mark, and transcodes. Bytes that are not valid in the encoding
/// stop the stream with an error that says where they are; nothing is replaced silently.
public final class DecodedInput {
    /// How much is examined to decide the encoding and, later, the CSV dialect.
    public static let sniffLength = 64 * 1024

    public let source: ByteSource
    public private(set) var report: EncodingReport
    /// True until the first non-ASCII byte of a UTF-8 input without BOM: until then Windows-1252 is
    /// still possible, and the first such byte decides.
    private var undecidedASCII = false
    private let chunkSize: Int
    private var raw: [UInt8]
    /// Bytes at the start of `raw` kept from the previous read (an incomplete sequence).
    private var carried = 0
    /// File offset of `raw[0]`.
    private var rawFileOffset = 0
    private var converted: [UInt8] = []
    private var converter: IconvConverter?
    /// False once a reader that checks UTF-8 itself reads the input (`readAsJSON`).
    private var checksUTF8 = true
    /// Whether the encoding was named by the user rather than detected.
    private let forcedEncoding: Bool
    private var pushedBack: [[UInt8]] = []
    private var reachedEnd = false
    /// Bytes decoded so far (after transcoding), for progress reports.
    public private(set) var decodedBytes = 0

    /// Opens `source`; `encoding` forces an encoding instead of detecting it.
    public init(source: ByteSource, encoding forced: TextEncoding? = nil, chunkSize: Int = 256 * 1024) throws {
        self.source = source
        self.forcedEncoding = forced != nil
        self.chunkSize = max(chunkSize, Self.sniffLength)
        self.raw = [UInt8](repeating: 0, count: self.chunkSize + 8)
        let n = try raw.withUnsafeMutableBytes {
            try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<Self.sniffLength]))
        }
        reachedEnd = n < Self.sniffLength
        let head = Array(raw[0..<n])
        if ArchiveSignature(head) != nil {
            throw FerryError(
                .input, "is a workbook or another archive, not CSV or JSON text", at: Location(file: source.name),
                hint: source.path == nil
                    ? "a workbook cannot be read from standard input: give the .xlsx file's path"
                    : "if it is an Excel workbook, name it .xlsx or pass --input-format xlsx")
        }
        var bomLength = 0
        if let forced {
            report = EncodingReport(encoding: forced, hasByteOrderMark: false, reason: "as requested")
            if !forced.byteOrderMark.isEmpty, head.starts(with: forced.byteOrderMark) {
                bomLength = forced.byteOrderMark.count
                report.hasByteOrderMark = true
            }
        } else {
            (report, bomLength, undecidedASCII) = try Self.detect(head, complete: reachedEnd, name: source.name)
        }
        if report.encoding != .utf8 {
            converter = try IconvConverter(from: report.encoding)
        }
        // Keep the examined bytes (less the BOM) as the first raw chunk.
        if bomLength > 0 {
            raw.replaceSubrange(0..<bomLength, with: []); raw.append(contentsOf: repeatElement(0, count: bomLength))
        }
        carried = n - bomLength
        rawFileOffset = bomLength
    }

    /// Reads the input as JSON, which is UTF-8 (RFC 8259): no single-byte guess from the first bytes
    /// (a byte that is not UTF-8 is the JSON reader's error, with its place), and no check here,
    /// since the JSON parser checks every byte itself. An encoding the user named, a byte-order mark
    /// and UTF-16 stay as they are, and so do bytes already handed out (`peek`).
    public func readAsJSON() {
        guard !forcedEncoding, !report.hasByteOrderMark, pushedBack.isEmpty, decodedBytes == 0 else { return }
        switch report.encoding {
        case .utf8:
            if undecidedASCII {
                undecidedASCII = false
                report.reason = "JSON is UTF-8"
            }
            checksUTF8 = false
        case .windows1252, .iso8859_1:
            report = EncodingReport(encoding: .utf8, hasByteOrderMark: false, reason: "JSON is UTF-8")
            converter = nil
            undecidedASCII = false
            checksUTF8 = false
        default:
            break
        }
    }

    /// The same file opened again, to be read from its start as this input is read: the encoding
    /// found for this one, with the same checks. Standard input cannot be opened again.
    func reopened() throws -> DecodedInput {
        guard let path = source.path else { preconditionFailure("standard input cannot be read again") }
        let again = try DecodedInput(
            source: try ByteSource(path: path), encoding: report.encoding, chunkSize: chunkSize)
        again.checksUTF8 = checksUTF8
        again.report = report
        return again
    }

    /// True when the input held nothing but a byte-order mark.
    public var isOnlyByteOrderMark: Bool {
        report.hasByteOrderMark && source.offset == report.encoding.byteOrderMark.count
    }

    /// Decides the encoding from the first bytes of an input.
    static func detect(_ head: [UInt8], complete: Bool, name: String) throws -> (EncodingReport, Int, Bool) {
        if head.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || head.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw FerryError(
                .input, "the file is UTF-32, which Ferry does not read", at: Location(file: name),
                hint: "save it as UTF-8 (or UTF-16) and run again")
        }
        for encoding in [TextEncoding.utf8, .utf16LE, .utf16BE] where head.starts(with: encoding.byteOrderMark) {
            return (
                EncodingReport(encoding: encoding, hasByteOrderMark: true, reason: "byte-order mark"),
                encoding.byteOrderMark.count, false
            )
        }
        // UTF-16 without a BOM: text in Latin script has a NUL in every other byte.
        let pairs = min(head.count / 2, 512)
        if pairs >= 4 {
            var evenZeros = 0, oddZeros = 0
            for k in 0..<pairs {
                if head[2 * k] == 0 { evenZeros += 1 }
                if head[2 * k + 1] == 0 { oddZeros += 1 }
            }
            if oddZeros * 10 >= pairs * 7 && evenZeros * 10 < pairs {
                return (
                    EncodingReport(
                        encoding: .utf16LE, hasByteOrderMark: false, reason: "NUL bytes in every other position"), 0,
                    false
                )
            }
            if evenZeros * 10 >= pairs * 7 && oddZeros * 10 < pairs {
                return (
                    EncodingReport(
                        encoding: .utf16BE, hasByteOrderMark: false, reason: "NUL bytes in every other position"), 0,
                    false
                )
            }
        }
        var firstNonASCII: Int?
        let check = head.withUnsafeBytes { checkUTF8($0, firstNonASCII: &firstNonASCII) }
        switch check {
        case .invalid(let at) where firstNonASCII.map({ $0 < at }) == true:
            // Valid UTF-8 characters first, then a byte that is not: the file mixes encodings. Read it
            // as UTF-8, so the reader stops at the bad byte and says where, instead of turning the
            // good characters into mojibake.
            return (
                EncodingReport(
                    encoding: .utf8, hasByteOrderMark: false,
                    reason: "UTF-8 characters first; the file may mix encodings"), 0, false
            )
        case .incomplete where complete, .invalid:
            return (singleByteGuess(head), 0, false)
        case .valid, .incomplete:
            if firstNonASCII == nil {
                return (
                    EncodingReport(
                        encoding: .utf8, hasByteOrderMark: false,
                        reason: "ASCII so far; the first non-ASCII byte decides"), 0, true
                )
            }
            return (EncodingReport(encoding: .utf8, hasByteOrderMark: false, reason: "valid UTF-8"), 0, false)
        }
    }

    /// Windows-1252 unless the bytes use one of the five positions Windows-1252 leaves undefined.
    static func singleByteGuess(_ bytes: some Sequence<UInt8>) -> EncodingReport {
        let undefinedIn1252: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        if bytes.contains(where: { undefinedIn1252.contains($0) }) {
            return EncodingReport(
                encoding: .iso8859_1, hasByteOrderMark: false,
                reason: "not UTF-8; uses bytes that Windows-1252 does not define")
        }
        return EncodingReport(
            encoding: .windows1252, hasByteOrderMark: false, reason: "not UTF-8; Spanish Windows text")
    }

    /// Returns decoded bytes from the start of the input without consuming them (for dialect sniffing).
    public func peek(atLeast length: Int) throws -> [UInt8] {
        var collected: [UInt8] = []
        var chunks: [[UInt8]] = []
        while collected.count < length {
            guard let chunk = try nextChunk({ Array($0) }) else { break }
            chunks.append(chunk)
            collected.append(contentsOf: chunk)
        }
        pushedBack = chunks + pushedBack
        return collected
    }

    /// True once every chunk has been handed out.
    public var isFinished: Bool { reachedEnd && carried == 0 && pushedBack.isEmpty }
    /// True once the whole input has been read from its source: what `peek` returned is all of it.
    public var hasReadEverything: Bool { reachedEnd && carried == 0 }

    /// Calls `body` with the next chunk of UTF-8 text; returns nil at the end of the input.
    /// The chunk is only valid inside `body`.
    public func nextChunk<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        if !pushedBack.isEmpty {
            let chunk = pushedBack.removeFirst()
            return try chunk.withUnsafeBytes(body)
        }
        while true {
            var available = carried
            if !reachedEnd {
                let n = try raw.withUnsafeMutableBytes {
                    try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[carried..<chunkSize]))
                }
                if n == 0 { reachedEnd = true }
                available += n
            }
            if available == 0 {
                if undecidedASCII {
                    undecidedASCII = false
                    report.reason = "ASCII only"
                }
                return nil
            }
            switch try decode(count: available) {
            case .carry:
                carried = available
            case .inPlace(let end, let keepFrom):
                let result = try raw.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
                decodedBytes += end
                shiftRaw(consumed: keepFrom, total: available)
                return result
            case .converted(let consumed, let produced):
                shiftRaw(consumed: consumed, total: available)
                if produced == 0 { continue }
                decodedBytes += produced
                return try converted.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
        }
    }

    private enum Decoded {
        /// Nothing can be decoded until more bytes arrive.
        case carry
        /// `raw[0..<end]` is valid UTF-8; `raw[keepFrom...]` waits for the next read.
        case inPlace(end: Int, keepFrom: Int)
        /// `converted[0..<produced]` holds the text of `raw[0..<consumed]`.
        case converted(consumed: Int, produced: Int)
    }

    private func decode(count: Int) throws -> Decoded {
        if let at = nulOffset(count: count) {
            throw encodingError(
                at: rawFileOffset + at, "a NUL character (byte 0x00), which is never part of a customer list",
                hint:
                    "the file may be damaged or binary, or UTF-16 that was not recognised (then run again with --encoding utf-16le or utf-16be); otherwise remove the NUL bytes (tr -d '\\000' < FILE > CLEAN) and check the records around this place"
            )
        }
        if report.encoding == .utf8 && !checksUTF8 { return .inPlace(end: count, keepFrom: count) }
        if report.encoding == .utf8 {
            var firstNonASCII: Int?
            let check = raw.withUnsafeBytes {
                checkUTF8(UnsafeRawBufferPointer(rebasing: $0[0..<count]), firstNonASCII: &firstNonASCII)
            }
            if undecidedASCII, let first = firstNonASCII {
                switch check {
                case .invalid(let at) where at == first, .incomplete(let at) where at == first && reachedEnd:
                    return try switchToSingleByte(count: count, at: at)
                case .incomplete(let at) where at == first:
                    break  // wait for the rest of the character
                default:
                    undecidedASCII = false
                    report.reason = "valid UTF-8 (decided at byte \(rawFileOffset + first))"
                }
            }
            switch check {
            case .valid:
                return .inPlace(end: count, keepFrom: count)
            case .incomplete(let at):
                if reachedEnd {
                    throw encodingError(at: rawFileOffset + at, "the file ends in the middle of a UTF-8 character")
                }
                return at == 0 ? .carry : .inPlace(end: at, keepFrom: at)
            case .invalid(let at):
                throw encodingError(at: rawFileOffset + at, "byte \(hex(raw[at])) is not valid UTF-8")
            }
        }
        guard let converter else { fatalError("a non-UTF-8 encoding without a converter") }
        let result = raw.withUnsafeBytes { rawBytes in
            converter.convert(
                UnsafeRawBufferPointer(rebasing: rawBytes[0..<count]), into: &converted, atEnd: reachedEnd)
        }
        switch result {
        case .converted(let consumed, let produced):
            if consumed == 0 && produced == 0 { return .carry }
            return .converted(consumed: consumed, produced: produced)
        case .invalid(let at):
            throw encodingError(
                at: rawFileOffset + at, "byte \(hex(raw[at])) is not a character in \(report.encoding.rawValue)")
        }
    }

    private func shiftRaw(consumed: Int, total: Int) {
        let rest = total - consumed
        if rest > 0 {
            raw.withUnsafeMutableBytes { buffer in
                let base = buffer.baseAddress!
                memmove(base, base + consumed, rest)
            }
        }
        carried = rest
        rawFileOffset += consumed
    }

    /// The first non-ASCII byte of an input that looked like UTF-8 is not UTF-8: the input is in a
    /// single-byte encoding, and everything before was ASCII, which reads the same in both.
    private func switchToSingleByte(count: Int, at: Int) throws -> Decoded {
        undecidedASCII = false
        var guess = Self.singleByteGuess(raw[at..<count])
        guess.reason += " (decided at byte \(rawFileOffset + at))"
        report = guess
        converter = try IconvConverter(from: guess.encoding)
        return try decode(count: count)
    }

    /// Where the first NUL character of `raw[0..<count]` is: a 0x00 byte, or in UTF-16 a zero code unit.
    /// Text never holds one; a file that does is damaged, binary, or in an encoding not recognised.
    private func nulOffset(count: Int) -> Int? {
        raw.withUnsafeBytes { buffer -> Int? in
            guard let base = buffer.baseAddress, count > 0 else { return nil }
            switch report.encoding {
            case .utf16LE, .utf16BE:
                // Code units start at even file offsets (a BOM is two bytes).
                var i = (rawFileOffset & 1 == 0) ? 0 : 1
                while i + 1 < count {
                    if buffer[i] == 0 && buffer[i + 1] == 0 { return i }
                    i += 2
                }
                return nil
            default:
                guard let found = memchr(base, 0, count) else { return nil }
                return base.distance(to: UnsafeRawPointer(found))
            }
        }
    }

    private func encodingError(at offset: Int, _ what: String, hint given: String? = nil) -> FerryError {
        let line = source.path.flatMap { lineNumber(ofByte: offset, inFile: $0) }
        let hint =
            given
            ?? {
                switch report.encoding {
                case .utf8:
                    "the file is not all UTF-8. If Windows software saved it, run again with --encoding windows-1252; if it mixes encodings, fix the text at this place"
                case .windows1252:
                    "if the file is ISO-8859-1, run again with --encoding iso-8859-1; otherwise fix the byte at this place"
                default:
                    "name the right encoding with --encoding (\(TextEncoding.allowedNames))"
                }
            }()
        return FerryError(
            .input, "\(what) (reading as \(report.encoding.rawValue), \(report.reason))",
            at: Location(file: source.name, line: line, byteOffset: offset), hint: hint)
    }
}

/// Transcodes a single-byte or UTF-16 encoding to UTF-8 with the C library's iconv.
final class IconvConverter {
    private let handle: iconv_t

    enum Result {
        /// Consumed this many input bytes and wrote this many output bytes; the rest of the input is
        /// an incomplete character to carry over.
        case converted(consumed: Int, produced: Int)
        /// The byte at this input offset is not valid in the encoding.
        case invalid(at: Int)
    }

    init(from encoding: TextEncoding) throws {
        let handle = iconv_open("UTF-8", encoding.iconvName)
        guard let handle, Int(bitPattern: handle) != -1 else {
            throw FerryError(.input, "this system's iconv cannot read \(encoding.rawValue)")
        }
        self.handle = handle
    }

    deinit { iconv_close(handle) }

    /// Converts as much of `input` as is complete into the start of `output` (grown when too small).
    func convert(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], atEnd: Bool) -> Result {
        let capacity = input.count * 3 + 16
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        var inLeft = input.count
        var outLeft = output.count
        var status = 0
        var savedErrno: Int32 = 0
        var inPointer = UnsafeMutablePointer<CChar>(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        output.withUnsafeMutableBytes { out in
            var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress?.assumingMemoryBound(to: CChar.self)
            status = iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
            savedErrno = errno
        }
        let consumed = input.count - inLeft
        let produced = output.count - outLeft
        if status == -1 && savedErrno == EILSEQ { return .invalid(at: consumed) }
        if status == -1 && savedErrno == EINVAL && atEnd { return .invalid(at: consumed) }
        return .converted(consumed: consumed, produced: produced)
    }
}

/// A byte as `0xAB`, for messages.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
}
