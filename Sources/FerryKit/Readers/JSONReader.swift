import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads JSON as a stream of record batches. The input may be a top-level array of objects, NDJSON
/// (one object per line, or any whitespace between objects), Django-REST pages
/// (`{"count", "next", "previous", "results": [...]}`, one or several, also inside an array), or a mix.
///
/// The input is read in windows of about a megabyte. A small scanner finds where each record (an
/// object at the top, in the top-level array or in a page's results) begins and ends, minding
/// strings; simdjson (`JSONParser`) parses and checks the records of a window; the events it gives
/// fill the batch. Nested values are kept as compact JSON text; numbers keep their text as written.
public final class JSONReader: RecordReader {
    public private(set) var input: DecodedInput
    public var inputName: String { input.source.name }
    public var columns: [String] { filler.columns }
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var recordsRead = 0
    /// Pages (`{"count", ..., "results": [...]}`) met so far.
    public private(set) var pages = 0
    /// Deepest nesting accepted inside a value.
    public static let maxDepth = JSONParser.maxDepth
    public let maxFieldBytes: Int
    /// The largest record the window grows to hold.
    private let maxRecordBytes: Int
    /// About how much input a window holds.
    let windowBytes: Int

    let filler: JSONRecordFiller
    /// For the values of a page's own keys.
    private let parser = JSONParser()
    private var batch = RecordBatch()

    // The window: `window[0..<filled]` holds the input from file offset `windowFileOffset`, with
    // `JSONParser.padding` bytes allocated after it; the scanner stands at `position`.
    private var buffer: JSONWindowBuffer
    private var window: UnsafeMutablePointer<UInt8>
    private var filled = 0
    private var position = 0
    private var windowFileOffset = 0
    private var exhausted = false
    /// The line the scanner stands on, and the file offset where it starts.
    private var line = 1
    private var lineStart = 0

    /// Records found in the window and not parsed yet.
    private var spans = JSONSpans()
    /// Per record found by the line shortcut (`lineRecord`), the state of the frame it was found in.
    private var guessFrames: [Frame?] = []
    /// The frames, pages and page counts when the first record of `spans` taken by the line
    /// shortcut was found: while such records wait to be parsed no frame opens or closes, so going
    /// back to one of them needs only these and its own frame.
    private var beforeGuesses: (frames: [Frame], pages: Int, pageCounts: Int) = ([], 0, 0)
    private var recordsFound = 0
    /// False for the one step after a line the shortcut took for a record was none.
    private var mayGuess = true
    /// False once reading in chunks went back to a line taken for a record that was none: the
    /// shortcut is not taken again in this file, so a file goes back at most once.
    private var guessing = true
    /// An error the scanner met while records found before it waited to be parsed: it is thrown
    /// after them, unless one of them was a line taken for a record that is none (the scanner then
    /// reads on from elsewhere).
    private var pendingError: (any Error)?

    private var frames: [Frame] = []
    /// The `count` of each page, as written.
    private var pageCounts: [String] = []

    enum Frame {
        case topArray(Expecting)
        case page(openedAtLine: Int)
        case pageResults(Expecting)
    }

    enum Expecting {
        case first, afterElement, afterComma
    }

    private static let pageKeys: Set<String> = ["count", "next", "previous"]

    /// `windowBytes`: about how much input each window holds (a megabyte; tests cut small files
    /// into many windows).
    public init(input: DecodedInput, maxFieldBytes: Int = 1 << 20, windowBytes: Int = 1 << 20) throws {
        self.input = input
        self.maxFieldBytes = maxFieldBytes
        self.maxRecordBytes = max(64 << 20, 4 * maxFieldBytes)
        self.windowBytes = max(windowBytes, 1)
        filler = JSONRecordFiller(name: input.source.name, maxFieldBytes: maxFieldBytes)
        buffer = JSONWindowBuffer(capacity: self.windowBytes)
        window = buffer.base
        input.readAsJSON()
        try refill()
        skipWhitespace()
        if position == filled {
            if input.isOnlyByteOrderMark {
                throw FerryError(
                    .input, "the file holds only a byte-order mark and no JSON", at: Location(file: input.source.name),
                    hint: "export the data again; the file was saved empty")
            }
            throw FerryError(
                .input,
                input.source.offset == 0 ? "the file is empty (0 bytes)" : "the file holds only whitespace, no JSON",
                at: Location(file: input.source.name),
                hint: "check that the export finished and that this is the right file")
        }
    }

    public func read(into out: inout RecordBatch) throws -> Bool {
        batch.removeAll()
        while batch.count < 2048 && batch.byteCount < 512 * 1024 {
            if spans.isEmpty {
                guard try scan(upTo: 2048 - batch.count) else { break }
            }
            try parseSpans()
        }
        out.removeAll()
        swap(&out, &batch)
        recordsRead += out.count
        if out.isEmpty { noteTotals(filler.repeatedKeys) }
        return !out.isEmpty
    }

    // MARK: Reading in chunks

    /// The next window's records, for a filler on another thread (`workOnJSONChunks`): the window
    /// is handed over and the next one starts with what the scanner has not passed. A chunk ends
    /// where the window does (or `windowBytes` into it: the input comes in pieces of its own
    /// size), after `chunkRecords` records, or where a frame would open or close while records
    /// taken by the line shortcut wait. nil after the last. `generation` counts the
    /// times reading went back (`rewind`).
    func nextChunk(generation: Int) throws -> JSONChunk? {
        if let pendingError {
            self.pendingError = nil
            throw pendingError
        }
        while true {
            let step: Step
            do {
                step = try self.step()
            } catch {
                if !spans.isEmpty {
                    pendingError = error
                    return cut(generation: generation)
                }
                throw error
            }
            switch step {
            case .progressed:
                if spans.count >= Self.chunkRecords || position >= windowBytes { return cut(generation: generation) }
            case .parseFirst:
                return cut(generation: generation)
            case .end:
                return spans.isEmpty ? nil : cut(generation: generation)
            case .needMore:
                if !spans.isEmpty { return cut(generation: generation) }
                if exhausted {
                    throw syntaxError(
                        "the file ends in the middle of a page", hint: "the file may be cut short; export it again")
                }
                try refill()
            }
        }
    }

    /// Records per chunk at most, as `read` gives per batch.
    static let chunkRecords = 2048

    private func cut(generation: Int) -> JSONChunk {
        var taken = JSONSpans()
        swap(&taken, &spans)
        let chunk = JSONChunk(
            buffer: buffer, filled: filled, fileOffset: windowFileOffset, name: inputName, spans: taken,
            firstRecord: recordsFound - taken.count + 1, generation: generation,
            fraction: input.source.fraction(ofSize: input.source.fileSize),
            guessFrames: guessFrames, beforeGuesses: beforeGuesses)
        let rest = filled - position
        buffer = spareBuffers.take(capacity: max(windowBytes, rest))
        window = buffer.base
        window.update(from: chunk.buffer.base + position, count: rest)
        windowFileOffset += position
        filled = rest
        position = 0
        forgetSpans()
        return chunk
    }

    /// Windows handed back by the fillers, for the next chunks.
    let spareBuffers = JSONWindowBuffer.Spares()

    /// Reads on from `point`, a line taken for a record that is none, as the scanner stood when it
    /// found it, looking through every record from there on: the file is opened again and read
    /// from that place.
    func rewind(to point: JSONResumePoint) throws {
        input = try input.reopened()
        filled = 0
        position = 0
        exhausted = false
        windowFileOffset = point.fileOffset
        (line, lineStart) = point.line
        frames = point.frames
        pages = point.pages
        pageCounts.removeSubrange(point.pageCounts...)
        recordsFound = point.recordsBefore
        forgetSpans()
        pendingError = nil
        mayGuess = true
        guessing = false
        try fill(upTo: windowBytes, skipping: windowFileOffset)
    }

    /// After reading in chunks: what the fillers found, in file order.
    func finishReadInChunks(records: Int, columns: [String], repeatedKeys: JSONRecordFiller.RepeatedKeys) {
        recordsRead = records
        filler.adopt(columns, remap: nil)
        noteTotals(repeatedKeys)
    }

    // MARK: Finding records

    private enum Step {
        case progressed, needMore, end
        /// The step would open or close a frame while lines taken for records wait to be parsed:
        /// they go first, since going back to one of them needs the frames as they were.
        case parseFirst
    }

    /// Lines taken for records (`lineRecord`) that wait to be parsed.
    private var pendingGuesses = 0

    /// Finds up to `limit` records in the window, reading more input when one does not fit; false
    /// when the input holds no more.
    private func scan(upTo limit: Int) throws -> Bool {
        if let pendingError {
            self.pendingError = nil
            throw pendingError
        }
        while spans.count < limit {
            let step: Step
            do {
                step = try self.step()
            } catch {
                // The records found before the error go first, so the first error in the file is
                // the one reported; and a line taken for a record may be none, the scanner then
                // reading on from elsewhere.
                if !spans.isEmpty {
                    pendingError = error
                    return true
                }
                throw error
            }
            switch step {
            case .parseFirst: return true
            case .progressed: continue
            case .end: return !spans.isEmpty
            case .needMore:
                if !spans.isEmpty { return true }
                if exhausted {
                    throw syntaxError(
                        "the file ends in the middle of a page", hint: "the file may be cut short; export it again")
                }
                try refill()
            }
        }
        return true
    }

    /// Takes the next structural step at the scanner's place: a bracket, a comma, a page's own key,
    /// or a whole record. Takes nothing when the window ends first (`needMore`).
    private func step() throws -> Step {
        skipWhitespace()
        if mayGuess, guessing, position < filled, window[position] == UInt8(ascii: "{"), lineRecord() {
            return .progressed
        }
        mayGuess = true
        guard let frame = frames.last else {
            guard position < filled else { return exhausted ? .end : .needMore }
            switch window[position] {
            case UInt8(ascii: "["):
                if pendingGuesses > 0 { return .parseFirst }
                position += 1
                frames.append(.topArray(.first))
                return .progressed
            case UInt8(ascii: "{"):
                return try object(mayBePage: true)
            default:
                throw syntaxError(
                    "expected an object or an array of objects, found \(describeByte(window[position]))",
                    hint:
                        "Ferry reads a JSON array of objects, NDJSON (one object per line) or API pages with \"results\""
                )
            }
        }
        switch frame {
        case .topArray(let expecting), .pageResults(let expecting):
            let inPage: Bool = if case .pageResults = frame { true } else { false }
            func set(_ expecting: Expecting) {
                frames[frames.count - 1] = inPage ? .pageResults(expecting) : .topArray(expecting)
            }
            guard position < filled else {
                if !exhausted { return .needMore }
                throw syntaxError(
                    "the file ends inside an array: a ']' is missing",
                    hint: "the file may be cut short; export it again")
            }
            let byte = window[position]
            if byte == UInt8(ascii: "]") && expecting != .afterComma {
                if pendingGuesses > 0 { return .parseFirst }
                position += 1
                frames.removeLast()
                return .progressed
            }
            if expecting == .afterElement {
                guard byte == UInt8(ascii: ",") else {
                    throw syntaxError(
                        "expected ',' or ']' after an array element, found \(describeByte(byte))", hint: nil)
                }
                position += 1
                set(.afterComma)
                return .progressed
            }
            guard byte == UInt8(ascii: "{") else {
                throw syntaxError(
                    byte == UInt8(ascii: "]")
                        ? "a ',' before ']': JSON allows no comma after the last element"
                        : "record \(recordsFound + 1) is \(describeValue(byte)), not an object",
                    hint: "each element of the array must be an object, one per customer")
            }
            let arrayFrame = frames.count - 1
            let step = try object(mayBePage: !inPage)
            // The element is read (a record, or a page whose frames now lie above the array's).
            if step == .progressed {
                frames[arrayFrame] = inPage ? .pageResults(.afterElement) : .topArray(.afterElement)
            }
            return step
        case .page(let openedAt):
            guard position < filled else {
                if !exhausted { return .needMore }
                throw syntaxError(
                    "the file ends inside the page object opened on line \(openedAt)", hint: "the file may be cut short"
                )
            }
            if window[position] == UInt8(ascii: "}") {
                if pendingGuesses > 0 { return .parseFirst }
                position += 1
                frames.removeLast()
                return .progressed
            }
            guard window[position] == UInt8(ascii: ",") else {
                throw syntaxError(
                    "expected ',' or '}' after the page's results, found \(describeByte(window[position]))", hint: nil)
            }
            var at = position + 1
            var lines = Lines()
            guard let member = try pageMember(at: &at, lines: &lines) else { return .needMore }
            guard let name = member.name, Self.pageKeys.contains(name) else {
                throw syntaxError(
                    "the page object opened on line \(openedAt) has a key '\(member.name ?? "?")' besides count, next, previous and results",
                    hint:
                        "an object with \"results\" is read as an API page; rename the key or wrap the records in an array"
                )
            }
            try checkPageValue(member, name: name)
            commit(to: at, lines)
            return .progressed
        }
    }

    /// Newlines passed over while looking ahead: how many, and the offset (in the window) after
    /// the last one.
    private struct Lines {
        var count = 0
        var lastEnd: Int?
    }

    private func commit(to offset: Int, _ lines: Lines) {
        position = offset
        line += lines.count
        if let end = lines.lastEnd { lineStart = windowFileOffset + end }
    }

    /// The object at the scanner: a record, or (when `mayBePage`) an API page, whose results it opens.
    private func object(mayBePage: Bool) throws -> Step {
        let start = position
        var at = position + 1
        var lines = Lines()
        if mayBePage {
            // While every key so far is a page's own (count, next, previous), the object may be a page.
            var members: [PageMember] = []
            while true {
                skipWhitespace(&at, &lines)
                guard at < filled else { return try endsEarly(inObjectAt: start) }
                guard window[at] == UInt8(ascii: "\""), let member = try pageMember(at: &at, lines: &lines, first: true)
                else {
                    if at >= filled { return try endsEarly(inObjectAt: start) }
                    break
                }
                if member.name == "results" && member.value.first == UInt8(ascii: "[") {
                    if pendingGuesses > 0 { return .parseFirst }
                    for earlier in members { try checkPageValue(earlier, name: earlier.name!) }
                    let openedAt = line
                    commit(to: member.valueStart + 1, lines)
                    frames.append(.page(openedAtLine: openedAt))
                    frames.append(.pageResults(.first))
                    pages += 1
                    return .progressed
                }
                guard let name = member.name, Self.pageKeys.contains(name),
                    !members.contains(where: { $0.name == name })
                else { break }
                members.append(member)
                skipWhitespace(&at, &lines)
                guard at < filled else { return try endsEarly(inObjectAt: start) }
                guard window[at] == UInt8(ascii: ",") else { break }
                at += 1
            }
        }
        // A record: from its '{' to the matching '}'.
        at = start
        lines = Lines()
        guard let end = valueEnd(from: &at, lines: &lines) else { return try endsEarly(inObjectAt: start) }
        if end - start > maxRecordBytes {
            throw syntaxError(
                "a record is larger than \(describe(bytes: maxRecordBytes))",
                hint: "a closing quote or bracket may be missing; if the record is real, raise --max-field-size")
        }
        spans.append(from: start, to: end, line: (line, lineStart), guessed: false)
        guessFrames.append(nil)
        recordsFound += 1
        commit(to: end, lines)
        return .progressed
    }

    /// The shortcut for the usual layout, one record per line (NDJSON, and arrays written one
    /// element per line): when the line at the scanner (which stands on a '{') ends in '}' (or
    /// '},' in an array), it is taken for a record without looking through it. The parser then
    /// finds whether it is one: when it is not (an object over several lines, two on one line),
    /// the scanner goes back and finds the record's end itself (`parseSpans`).
    private func lineRecord() -> Bool {
        let frame = frames.last
        var mayBePage = true
        switch frame {
        case nil, .topArray(.first), .topArray(.afterComma): break
        case .pageResults(.first), .pageResults(.afterComma): mayBePage = false
        default: return false
        }
        let start = position
        guard let found = memchr(window + start, 0x0A, filled - start) else { return false }
        let newline = UnsafeMutableRawPointer(found).assumingMemoryBound(to: UInt8.self) - window
        var end = newline
        func trimSpace() {
            while end > start, window[end - 1] == 0x20 || window[end - 1] == 0x0D || window[end - 1] == 0x09 {
                end -= 1
            }
        }
        trimSpace()
        var comma = false
        if frame != nil, end > start, window[end - 1] == UInt8(ascii: ",") {
            comma = true
            end -= 1
            trimSpace()
        }
        guard end - start >= 2, window[end - 1] == UInt8(ascii: "}") else { return false }
        if mayBePage {
            // An object whose first key is a page's own may be a page: the scanner decides.
            var at = start + 1
            var lines = Lines()
            skipWhitespace(&at, &lines)
            for key in Self.pageKeyPrefixes where end - at >= key.count {
                if memcmp(window + at, key, key.count) == 0 { return false }
            }
        }
        if pendingGuesses == 0 { beforeGuesses = (frames, pages, pageCounts.count) }
        spans.append(from: start, to: end, line: (line, lineStart), guessed: true)
        guessFrames.append(frame)
        pendingGuesses += 1
        recordsFound += 1
        if let frame {
            let after: Expecting = comma ? .afterComma : .afterElement
            if case .pageResults = frame {
                frames[frames.count - 1] = .pageResults(after)
            } else {
                frames[frames.count - 1] = .topArray(after)
            }
        }
        position = comma ? newline : end
        return true
    }

    private static let pageKeyPrefixes: [[UInt8]] = ["\"count\"", "\"next\"", "\"previous\"", "\"results\""].map {
        Array($0.utf8)
    }

    /// The window ended inside the object at `start`: more input is needed, or the file is cut short.
    private func endsEarly(inObjectAt start: Int) throws -> Step {
        guard exhausted else {
            if filled - position > maxRecordBytes {
                throw syntaxError(
                    "a record is larger than \(describe(bytes: maxRecordBytes))",
                    hint: "a closing quote or bracket may be missing; if the record is real, raise --max-field-size")
            }
            return .needMore
        }
        var at = start
        var lines = Lines()
        skipString: do {
            // Name what is open at the end: a string or the object.
            var inString = false
            while at < filled {
                let byte = window[at]
                if inString {
                    if byte == UInt8(ascii: "\\") { at += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == 0x0A {
                    lines.count += 1
                }
                at += 1
            }
            if inString {
                commit(to: filled, Lines())
                throw syntaxError(
                    "the file ends inside a string of the object that starts on line \(line - lines.count)",
                    hint: "a closing '\"' is missing")
            }
            break skipString
        }
        position = filled
        throw syntaxError(
            "the file ends inside the object that starts on line \(line)",
            hint: "the file may be cut short; export it again")
    }

    /// A key of an object that may be a page, and the bounds of its value.
    private struct PageMember {
        /// The key as written (nil when it is no plain string).
        var name: String?
        var valueStart: Int
        var valueEnd: Int
        var value: UnsafeBufferPointer<UInt8>
    }

    /// Reads `"key": value` at `at` (after a ',' when not `first`); nil when the window ends first.
    private func pageMember(at: inout Int, lines: inout Lines, first: Bool = false) throws -> PageMember? {
        skipWhitespace(&at, &lines)
        guard at < filled else { return nil }
        guard window[at] == UInt8(ascii: "\"") else {
            if first { return nil }
            throw syntaxError("expected a key in quotes, found \(describeByte(window[at]))", hint: nil, at: at)
        }
        let keyStart = at + 1
        var end = at
        guard valueEnd(from: &end, lines: &lines) != nil else { return nil }
        let raw = UnsafeBufferPointer(start: window + keyStart, count: end - 1 - keyStart)
        let name = raw.contains(UInt8(ascii: "\\")) ? nil : String(decoding: raw, as: UTF8.self)
        at = end
        skipWhitespace(&at, &lines)
        guard at < filled else { return nil }
        guard window[at] == UInt8(ascii: ":") else {
            if first { return PageMember(name: nil, valueStart: at, valueEnd: at, value: .init(start: nil, count: 0)) }
            throw syntaxError("expected ':' after a key, found \(describeByte(window[at]))", hint: nil, at: at)
        }
        at += 1
        skipWhitespace(&at, &lines)
        guard at < filled else { return nil }
        let valueStart = at
        if first && name == "results" && window[at] == UInt8(ascii: "[") {
            // A page's results are read record by record, not looked through here.
            return PageMember(name: name, valueStart: at, valueEnd: at + 1, value: .init(start: window + at, count: 1))
        }
        guard let valueEnd = valueEnd(from: &at, lines: &lines) else { return nil }
        return PageMember(
            name: name, valueStart: valueStart, valueEnd: valueEnd,
            value: UnsafeBufferPointer(start: window + valueStart, count: valueEnd - valueStart))
    }

    /// Checks the value of one of a page's own keys with the parser, noting `count`.
    private func checkPageValue(_ member: PageMember, name: String) throws {
        let bounds = [UInt32(member.valueStart), UInt32(member.valueEnd)]
        let events = bounds.withUnsafeBufferPointer { parser.parse(base: window, spans: $0, objectsOnly: false) }
        if let failure = events.failure {
            throw view.error(failure, at: failure.offset ?? member.valueStart, line: line, lineStart: lineStart)
        }
        if name == "count", events.count > 0, events[0].kind == .number {
            pageCounts.append(String(decoding: events[0].text, as: UTF8.self))
        }
    }

    /// Where the value at `at` ends (moving `at` there): a string, a scalar, or an object or array
    /// with everything nested in it (brackets counted, strings minded); nil when the window ends
    /// first. Newlines outside strings are counted into `lines`.
    @inline(__always)
    private func valueEnd(from at: inout Int, lines: inout Lines) -> Int? {
        let p = window
        var k = at
        let end = filled
        switch p[k] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while k < end {
                let byte = p[k]
                switch Self.byteClass[Int(byte)] {
                case 1:
                    k += 1
                    while k < end {
                        let c = p[k]
                        if c == UInt8(ascii: "\"") { break }
                        k += c == UInt8(ascii: "\\") ? 2 : 1
                    }
                    if k >= end { return nil }
                case 2:
                    depth += 1
                case 3:
                    depth -= 1
                    if depth == 0 {
                        at = k + 1
                        return at
                    }
                case 4:
                    lines.count += 1
                    lines.lastEnd = k + 1
                default:
                    break
                }
                k += 1
            }
            return nil
        case UInt8(ascii: "\""):
            k += 1
            while k < end {
                let c = p[k]
                if c == UInt8(ascii: "\"") {
                    at = k + 1
                    return at
                }
                k += c == UInt8(ascii: "\\") ? 2 : 1
            }
            return nil
        default:
            while k < end {
                switch p[k] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    at = k
                    return k
                default: k += 1
                }
            }
            if exhausted {
                at = k
                return k
            }
            return nil
        }
    }

    /// 1: a quote, 2: an opening bracket, 3: a closing one, 4: a line feed, 0: anything else.
    private static let byteClass: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0x22: 1
        case 0x7B, 0x5B: 2
        case 0x7D, 0x5D: 3
        case 0x0A: 4
        default: 0
        }
    }

    private func skipWhitespace() {
        var lines = Lines()
        var at = position
        skipWhitespace(&at, &lines)
        commit(to: at, lines)
    }

    private func skipWhitespace(_ at: inout Int, _ lines: inout Lines) {
        while at < filled {
            switch window[at] {
            case 0x20, 0x09, 0x0D: at += 1
            case 0x0A:
                at += 1
                lines.count += 1
                lines.lastEnd = at
            default: return
            }
        }
    }

    /// Moves what the scanner has not passed to the window's start and reads more input after it,
    /// growing the window when one record needs more room.
    private func refill() throws {
        guard !exhausted else { return }
        let rest = filled - position
        if position > 0 {
            memmove(window, window + position, rest)
            windowFileOffset += position
            filled = rest
            position = 0
        }
        try fill(upTo: max(windowBytes, 2 * rest))
    }

    /// Reads input after `window[0..<filled]` until the window holds `target` bytes or the input ends.
    private func fill(upTo target: Int, skipping skip: Int = 0) throws {
        var skip = skip
        while filled < target {
            let got: Void? = try input.nextChunk { chunk in
                var chunk = chunk
                if skip > 0 {
                    let skipped = min(skip, chunk.count)
                    skip -= skipped
                    chunk = UnsafeRawBufferPointer(rebasing: chunk[skipped...])
                }
                if filled + chunk.count > buffer.capacity {
                    buffer.grow(to: max(2 * buffer.capacity, filled + chunk.count), keeping: filled)
                    window = buffer.base
                }
                if !chunk.isEmpty {
                    (window + filled).update(from: chunk.bindMemory(to: UInt8.self).baseAddress!, count: chunk.count)
                }
                filled += chunk.count
            }
            if got == nil {
                exhausted = true
                break
            }
        }
    }

    // MARK: Parsing records

    /// The window as the filler and the error messages see it.
    private var view: JSONWindow {
        JSONWindow(base: window, filled: filled, fileOffset: windowFileOffset, name: inputName)
    }

    /// Parses the records found and adds them to the batch.
    private func parseSpans() throws {
        defer { forgetSpans() }
        let first = recordsRead + batch.count + 1
        if let wrong = try filler.fill(spans, of: view, firstRecord: first, into: &batch) {
            // A line taken for a record is none: the scanner goes back to it and looks through.
            position = Int(spans.bounds[2 * wrong])
            (line, lineStart) = spans.lines[wrong]
            if let frame = guessFrames[wrong] { frames[frames.count - 1] = frame }
            recordsFound -= spans.count - wrong
            mayGuess = false
            pendingError = nil
        }
    }

    private func forgetSpans() {
        spans.removeAll()
        guessFrames.removeAll(keepingCapacity: true)
        pendingGuesses = 0
    }

    // MARK: Errors

    private func syntaxError(_ message: String, hint: String?, at offset: Int? = nil) -> FerryError {
        FerryError(
            .input, "invalid JSON: \(message)",
            at: view.location(at: offset ?? position, line: line, lineStart: lineStart),
            hint: hint ?? "fix the JSON at this place (a validator such as `jq . FILE` shows the same spot)")
    }

    private func describeByte(_ byte: UInt8?) -> String { view.describeByte(byte) }

    private func describeValue(_ byte: UInt8?) -> String {
        switch byte {
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case nil: "missing"
        default: "a number"
        }
    }

    private func noteTotals(_ repeatedKeys: JSONRecordFiller.RepeatedKeys) {
        guard !notedTotals else { return }
        notedTotals = true
        if pages > 0 {
            var note = "read \(pages) API page\(pages == 1 ? "" : "s")"
            if let first = pageCounts.first, pageCounts.allSatisfy({ $0 == first }), let total = Int(first),
                total != recordsRead
            {
                note +=
                    "; the pages say \(total) records in all but the file holds \(recordsRead): \(total > recordsRead ? "some pages are missing" : "some pages are repeated")"
            }
            diagnostics.append(Diagnostic(note, at: Location(file: inputName)))
        }
        if let (key, line) = repeatedKeys.first {
            let objects = repeatedKeys.objects == 1 ? "1 object gives" : "\(repeatedKeys.objects) objects give"
            diagnostics.append(
                Diagnostic(
                    "\(objects) a key more than once (the first: '\(key)', on line \(line)); the last value of each counts, as most JSON readers take it (values nested in a record are passed on as written)",
                    at: Location(file: inputName)))
        }
    }
    private var notedTotals = false
}

/// A window's records handed to a filler on another thread, with what reading on from one of them
/// needs (`JSONReader.rewind`).
struct JSONChunk: @unchecked Sendable {
    let buffer: JSONWindowBuffer
    let filled: Int
    let fileOffset: Int
    let name: String
    let spans: JSONSpans
    /// The number of the first record.
    let firstRecord: Int
    let generation: Int
    /// The share of the input read when the chunk was cut.
    let fraction: Double?
    fileprivate let guessFrames: [JSONReader.Frame?]
    fileprivate let beforeGuesses: (frames: [JSONReader.Frame], pages: Int, pageCounts: Int)

    var window: JSONWindow { JSONWindow(base: buffer.base, filled: filled, fileOffset: fileOffset, name: name) }

    /// Where the scanner stood when it found record `document`.
    func resumePoint(at document: Int) -> JSONResumePoint {
        var frames = beforeGuesses.frames
        if let frame = guessFrames[document] { frames[frames.count - 1] = frame }
        return JSONResumePoint(
            fileOffset: fileOffset + Int(spans.bounds[2 * document]), line: spans.lines[document], frames: frames,
            pages: beforeGuesses.pages, pageCounts: beforeGuesses.pageCounts, recordsBefore: firstRecord - 1 + document)
    }
}

/// A place in a JSON file to read on from, with the scanner's state there.
struct JSONResumePoint: @unchecked Sendable {
    let fileOffset: Int
    let line: (Int, Int)
    fileprivate let frames: [JSONReader.Frame]
    let pages: Int
    let pageCounts: Int
    let recordsBefore: Int
}

/// The memory of a window, with `JSONParser.padding` bytes after its capacity.
final class JSONWindowBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity + JSONParser.padding)
    }

    deinit { base.deallocate() }

    /// Grows to `capacity`, keeping the first `count` bytes.
    func grow(to capacity: Int, keeping count: Int) {
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + JSONParser.padding)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        self.capacity = capacity
    }

    /// Windows given back, so each chunk does not touch fresh memory.
    final class Spares: @unchecked Sendable {
        private let lock = NSLock()
        private var buffers: [JSONWindowBuffer] = []

        func take(capacity: Int) -> JSONWindowBuffer {
            lock.lock()
            let spare = buffers.popLast()
            lock.unlock()
            guard let spare else { return JSONWindowBuffer(capacity: capacity) }
            if spare.capacity < capacity { spare.grow(to: capacity, keeping: 0) }
            return spare
        }

        func give(_ buffer: JSONWindowBuffer) {
            lock.lock()
            if buffers.count < 8 { buffers.append(buffer) }
            lock.unlock()
        }
    }
}
