import CLibCSV

/// libcsv's parser, configured so values come out exactly as written: no trimming of spaces, every
/// line break reported (so line numbers stay exact), and quotes read as Python's csv module reads
/// them: a quote inside an unquoted field is a literal character, and text after a closing quote
/// (`"a" x`) goes on as the unquoted rest of the field, where libcsv alone would reopen the quotes
/// and take the delimiters and line breaks that follow into the field.
final class LibCSVParser {
    typealias FieldCallback = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void
    typealias RecordCallback = @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void

    private let parser: UnsafeMutablePointer<csv_parser>

    init(delimiter: UInt8, quote: UInt8) {
        parser = .allocate(capacity: 1)
        // Strict, so libcsv stops at a stray quote instead of guessing; `parse` goes on from there.
        guard csv_init(parser, UInt8(CSV_REPALL_NL | CSV_STRICT)) == 0 else { fatalError("csv_init failed") }
        csv_set_delim(parser, delimiter)
        csv_set_quote(parser, quote)
        // libcsv trims spaces and tabs around unquoted fields by default; values must stay exact.
        csv_set_space_func(parser, ferry_csv_no_space)
        // Grow the field buffer in large steps: a big field should cost a few reallocations, not thousands.
        csv_set_blk_size(parser, 64 * 1024)
    }

    deinit {
        csv_free(parser)
        parser.deallocate()
    }

    /// Feeds a chunk; the callbacks run for every field and record end in it. `textAfterQuote` is
    /// told of each field where text follows its closing quote, with the field's bytes before it.
    func parse(
        _ chunk: UnsafeRawBufferPointer, context: UnsafeMutableRawPointer,
        field: FieldCallback, record: RecordCallback,
        textAfterQuote: (UnsafeRawBufferPointer) -> Void = { _ in }
    ) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var offset = 0
        while offset < chunk.count {
            let consumed = csv_parse(parser, base + offset, chunk.count - offset, field, record, context)
            offset += consumed
            guard offset < chunk.count else { return }
            guard csv_error(parser) == CSV_EPARSE else {
                fatalError("libcsv: \(String(cString: csv_strerror(csv_error(parser))))")
            }
            let afterClosingQuote = parser.pointee.quoted != 0
            let stray = base.load(fromByteOffset: offset, as: UInt8.self)
            guard ferry_csv_continue_unquoted(parser, stray) == 0 else { fatalError("libcsv: out of memory") }
            offset += 1
            if afterClosingQuote {
                // The field so far, without the byte just added.
                textAfterQuote(
                    UnsafeRawBufferPointer(start: parser.pointee.entry_buf, count: parser.pointee.entry_pos - 1))
            }
        }
    }

    /// Ends the input: the last field and record are delivered if the input did not end with a line break.
    func finish(context: UnsafeMutableRawPointer, field: FieldCallback, record: RecordCallback) {
        _ = csv_fini(parser, field, record, context)
    }

    /// True while the parser is inside a quoted field that has not been closed.
    var isInsideOpenQuote: Bool {
        parser.pointee.pstate == Int32(FERRY_CSV_FIELD_BEGUN) && parser.pointee.quoted != 0
    }

    /// True between records: nothing of a record has been read since the last one ended.
    var isAtRecordStart: Bool { parser.pointee.pstate == Int32(FERRY_CSV_ROW_NOT_BEGUN) }

    /// Bytes of the field being read so far.
    var pendingFieldBytes: Int { parser.pointee.entry_pos }
}

/// Whether a field holds a CR or LF, eight bytes at a time. (libcsv keeps its state in locals while
/// parsing, so the callback cannot ask whether the field was quoted; this check is as cheap.)
@inline(__always)
func containsLineBreak(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let count = bytes.count
    guard let base = bytes.baseAddress else { return false }
    var i = 0
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    while i + 8 <= count {
        let word = (base + i).loadUnaligned(as: UInt64.self)
        let lf = word ^ (ones &* 0x0A)
        let cr = word ^ (ones &* 0x0D)
        if ((lf &- ones) & ~lf & highs) | ((cr &- ones) & ~cr & highs) != 0 { return true }
        i += 8
    }
    while i < count {
        let byte = base.load(fromByteOffset: i, as: UInt8.self)
        if byte == 0x0A || byte == 0x0D { return true }
        i += 1
    }
    return false
}

/// Counts the line breaks inside a field's text: CRLF, LF and a lone CR each count once.
@inline(__always)
func lineBreaks(in bytes: UnsafeRawBufferPointer) -> Int {
    var breaks = 0
    var previousCR = false
    for byte in bytes {
        if byte == 0x0A {
            if !previousCR { breaks += 1 }; previousCR = false
        } else if byte == 0x0D {
            breaks += 1; previousCR = true
        } else {
            previousCR = false
        }
    }
    return breaks
}
