#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where records end in CSV text, so a file can be cut into chunks that separate libcsv parsers
/// read at the same time. It is not a tokenizer: it follows only what decides whether a line
/// break ends a record, the quotes, exactly as `LibCSVParser` reads them (as Python's csv module
/// does). A quote opens a quoted field only at a field's start (after a delimiter or line break);
/// inside one, `""` is a quote, and any other quote ends the quoted part (text after it is the
/// unquoted rest of the field). Outside quoted fields every CR and LF ends a record.
enum CSVRecordBoundary {
    /// The offset just past the last record end in `text`, which must start where a record starts;
    /// nil when no record ends in it. A CR is taken as an end only when what follows it is known and
    /// is not an LF (a CRLF is cut after its LF).
    static func lastEnd(in text: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8) -> Int? {
        guard let base = text.baseAddress else { return nil }
        let start = base.assumingMemoryBound(to: UInt8.self)
        let end = text.count
        func find(_ byte: UInt8, from: Int, to: Int? = nil) -> Int? {
            let to = to ?? end
            guard from < to, let found = memchr(base + from, Int32(byte), to - from) else { return nil }
            return UnsafeRawPointer(found) - base
        }
        // Forward, quote by quote: the stretches outside quoted fields, where line breaks end records.
        var outside: [(from: Int, to: Int)] = []
        var position = 0
        scan: while position < end {
            var opening = end
            var search = position
            while let at = find(quote, from: search) {
                if at == 0 || start[at - 1] == delimiter || start[at - 1] == 0x0A || start[at - 1] == 0x0D {
                    opening = at
                    break
                }
                search = at + 1
            }
            if opening > position { outside.append((position, opening)) }
            guard opening < end else { break }
            var inside = opening + 1
            while let at = find(quote, from: inside) {
                guard at + 1 < end else { break scan }
                let next = start[at + 1]
                if next == quote {
                    inside = at + 2
                } else {
                    position = at + 1
                    continue scan
                }
            }
            break
        }
        // The last stretch with a line break holds the last record end: its last LF, or a later CR
        // known not to be the first half of a CRLF (`memchr` line by line, never byte by byte).
        for stretch in outside.reversed() {
            var last: Int?
            var from = stretch.from
            while let at = find(0x0A, from: from, to: stretch.to) {
                last = at + 1
                from = at + 1
            }
            from = last ?? stretch.from
            while let at = find(0x0D, from: from, to: stretch.to) {
                if at + 1 < end && start[at + 1] != 0x0A { last = at + 1 }
                from = at + 1
            }
            if let last { return last }
        }
        return nil
    }
}

/// A piece of a CSV input that starts where a record starts and ends where one ends (or where the
/// input ends, when `last`), with the share of the input read when it was cut.
struct CSVChunk: @unchecked Sendable {
    var bytes: [UInt8]
    var last: Bool
    var fraction: Double?
}

/// Cuts a CSV file into chunks at record ends, reading it on one thread: the text is decoded as the
/// reader of the same file decodes it, and each chunk is about `target` bytes.
final class CSVChunks {
    private let input: DecodedInput
    private let delimiter: UInt8
    private let quote: UInt8
    private let target: Int
    /// The most bytes held without finding a record end: past it the first record is larger, as
    /// written, than any record the reader accepts, and the parser that gets the chunk stops with the
    /// error one reader would give (or, for a record that large only with its quotes, says so).
    private let limit: Int
    private var pending: [UInt8] = []
    private var ended = false
    private let size: Int?

    /// Opens the file at `path` again, to be cut as `reader` reads it.
    init(reopening path: String, as reader: CSVReader, target: Int) throws {
        let source = try ByteSource(path: path)
        size = source.fileSize
        input = try DecodedInput(source: source, encoding: reader.options.encoding)
        delimiter = reader.dialect.delimiter
        quote = reader.dialect.quote
        self.target = max(target, 1)
        limit = max(reader.options.maxRecordBytes, reader.options.maxFieldBytes) + 2 * target
    }

    /// The next chunk; nil after the last. `buffer` gives the storage for the next chunk's bytes
    /// (chunks handed back, so no fresh memory is touched for each).
    func next(buffer: () -> [UInt8] = { [] }) throws -> CSVChunk? {
        while true {
            while pending.count < target, !ended {
                if try input.nextChunk({ pending.append(contentsOf: $0) }) == nil { ended = true }
            }
            let fraction = input.source.fraction(ofSize: size)
            if ended {
                guard !pending.isEmpty else { return nil }
                defer { pending = [] }
                return CSVChunk(bytes: pending, last: true, fraction: fraction)
            }
            let cut = pending.withUnsafeBytes { CSVRecordBoundary.lastEnd(in: $0, delimiter: delimiter, quote: quote) }
            if let cut {
                var rest = buffer()
                rest.append(contentsOf: pending[cut...])
                pending.removeSubrange(cut...)
                defer { pending = rest }
                return CSVChunk(bytes: pending, last: false, fraction: fraction)
            }
            if pending.count >= limit {
                defer { pending = [] }
                return CSVChunk(bytes: pending, last: false, fraction: fraction)
            }
            // One record longer than the chunk: read on until it ends.
            if try input.nextChunk({ pending.append(contentsOf: $0) }) == nil { ended = true }
        }
    }
}
