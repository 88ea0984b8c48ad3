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
    public let input: DecodedInput
    public var inputName: String { input.source.name }
    public private(set) var columns: [String] = []
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var recordsRead = 0
    /// Pages (`{"count", ..., "results": [...]}`) met so far.
    public private(set) var pages = 0
    /// Deepest nesting accepted inside a value.
    public static let maxDepth = JSONParser.maxDepth
    public let maxFieldBytes: Int
    /// The largest record the window grows to hold.
    private let maxRecordBytes: Int

    private let parser = JSONParser()
    private var batch = RecordBatch()

    // The window: `window[0..<filled]` holds the input from file offset `windowFileOffset`, with
    // `JSONParser.padding` bytes allocated after it; the scanner stands at `position`.
    private var window: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var windowFileOffset = 0
    private var exhausted = false
    /// The line the scanner stands on, and the file offset where it starts.
    private var line = 1
    private var lineStart = 0

    /// Records found in the window and not parsed yet: their bounds in the window, the line each
    /// starts on and the file offset of that line.
    private var spans: [UInt32] = []
    private var spanLines: [(line: Int, start: Int)] = []
    /// Per record found by the line shortcut (`lineRecord`), the state of the frame it was found in;
    /// nil for a record the scanner found.
    private var spanGuesses: [Guess?] = []
    private var recordsFound = 0
    /// False for the one step after a line the shortcut took for a record was none.
    private var mayGuess = true

    private struct Guess {
        var frame: Frame?
    }

    private var frames: [Frame] = []
    private var columnIndex: [String: Int] = [:]
    /// Keys by their position in the previous object, so the usual case (the same keys in the same
    /// order) needs no dictionary look-up.
    private var keyCache: [(key: [UInt8], column: Int)] = []
    /// Per column, the ordinal of the last record that set it and the index of its field there:
    /// finds repeated keys in O(1).
    private var seenInRecord: [(record: Int, field: Int)] = []
    private var recordOrdinal = 0
    /// Objects with a key given more than once (RFC 8259 allows it; the last value counts), and
    /// the first of them: the key and the line its record starts on.
    private var repeatedKeys = 0
    private var firstRepeatedKey: (key: String, line: Int)?
    private var pageCounts: [String] = []
    private var nestedScratch: [UInt8] = []

    private enum Frame {
        case topArray(Expecting)
        case page(openedAtLine: Int)
        case pageResults(Expecting)
    }

    private enum Expecting {
        case first, afterElement, afterComma
    }

    private static let pageKeys: Set<String> = ["count", "next", "previous"]
    private static let windowBytes = 1 << 20

    public init(input: DecodedInput, maxFieldBytes: Int = 1 << 20) throws {
        self.input = input
        self.maxFieldBytes = maxFieldBytes
        self.maxRecordBytes = max(64 << 20, 4 * maxFieldBytes)
        capacity = Self.windowBytes
        window = .allocate(capacity: capacity + JSONParser.padding)
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

    deinit { window.deallocate() }

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
        if out.isEmpty { noteTotals() }
        return !out.isEmpty
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
        while spans.count / 2 < limit {
            let step: Step
            do {
                step = try self.step()
            } catch {
                // Lines taken for records may be none, and the scanner then reads on from elsewhere:
                // they are parsed first, and the step is taken again after them.
                if pendingGuesses > 0 { return true }
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
        if mayGuess, position < filled, window[position] == UInt8(ascii: "{"), lineRecord() { return .progressed }
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
        spans.append(UInt32(start))
        spans.append(UInt32(end))
        spanLines.append((line, lineStart))
        spanGuesses.append(nil)
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
        spans.append(UInt32(start))
        spans.append(UInt32(end))
        spanLines.append((line, lineStart))
        spanGuesses.append(Guess(frame: frame))
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
            throw failure.error(in: self, at: failure.offset ?? member.valueStart, inputName: inputName)
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
        let target = max(Self.windowBytes, 2 * rest)
        while filled < target {
            let got: Void? = try input.nextChunk { chunk in
                if filled + chunk.count > capacity {
                    let grown = UnsafeMutablePointer<UInt8>.allocate(
                        capacity: max(2 * capacity, filled + chunk.count) + JSONParser.padding)
                    grown.update(from: window, count: filled)
                    window.deallocate()
                    window = grown
                    capacity = max(2 * capacity, filled + chunk.count)
                }
                (window + filled).update(from: chunk.bindMemory(to: UInt8.self).baseAddress!, count: chunk.count)
                filled += chunk.count
            }
            if got == nil {
                exhausted = true
                break
            }
        }
    }

    // MARK: Parsing records

    /// Parses the records found and adds them to the batch.
    private func parseSpans() throws {
        defer {
            spans.removeAll(keepingCapacity: true)
            spanLines.removeAll(keepingCapacity: true)
            spanGuesses.removeAll(keepingCapacity: true)
            pendingGuesses = 0
        }
        let events = spans.withUnsafeBufferPointer { parser.parse(base: window, spans: $0, objectsOnly: true) }
        var index = 0
        for document in 0..<events.documents {
            try fill(events, from: &index, line: spanLines[document].line)
        }
        if let failure = events.failure {
            let document = events.documents
            if let guess = spanGuesses[document] {
                // A line taken for a record is none: the scanner goes back to it and looks through.
                position = Int(spans[2 * document])
                (line, lineStart) = spanLines[document]
                if let frame = guess.frame { frames[frames.count - 1] = frame }
                recordsFound -= spanGuesses.count - document
                mayGuess = false
                return
            }
            let start = Int(spans[2 * document])
            let offset = failure.offset ?? locate(failure.code, inSpanFrom: start, to: Int(spans[2 * document + 1]))
            line = spanLines[document].line
            lineStart = spanLines[document].start
            throw failure.error(in: self, at: offset, inputName: inputName)
        }
    }

    /// Adds the record whose events start at `index` to the batch.
    private func fill(_ events: JSONEvents, from index: inout Int, line: Int) throws {
        recordOrdinal += 1
        batch.beginRecord()
        var position = 0
        var repeated = false
        index += 1  // the record's opening
        while true {
            let key = events[index]
            index += 1
            guard key.kind == .key else { break }  // the record's end
            let column = columnFor(key: key.text, position: position)
            let earlier = markSeen(column, field: batch.fields.count)
            let value = events[index]
            switch value.kind {
            case .string:
                if value.text.count > maxFieldBytes {
                    throw FerryError(
                        .input, "a value is larger than the limit of \(describe(bytes: maxFieldBytes))",
                        at: Location(file: inputName, line: line, column: columns[column]),
                        hint: "if the value is real, raise the limit with --max-field-size")
                }
                batch.appendField(column: column, kind: .string, value.text)
                index += 1
            case .number:
                batch.appendField(column: column, kind: .number, value.text)
                index += 1
            case .true:
                batch.appendField(column: column, kind: .bool, UnsafeRawBufferPointer(staticString: "true"))
                index += 1
            case .false:
                batch.appendField(column: column, kind: .bool, UnsafeRawBufferPointer(staticString: "false"))
                index += 1
            case .null:
                batch.appendField(column: column, kind: .null, UnsafeRawBufferPointer(start: nil, count: 0))
                index += 1
            default:
                nestedScratch.removeAll(keepingCapacity: true)
                var nestedRepeat: String?
                events.appendCompact(from: &index, to: &nestedScratch, repeated: &nestedRepeat)
                nestedScratch.withUnsafeBytes { batch.appendField(column: column, kind: .json, $0) }
                if let nestedRepeat {
                    repeatedKeys += 1
                    if firstRepeatedKey == nil { firstRepeatedKey = (nestedRepeat, line) }
                }
            }
            if let earlier {
                // The key again: its last value counts, as most JSON readers take it.
                batch.replaceFieldWithLast(earlier)
                if !repeated {
                    repeatedKeys += 1
                    if firstRepeatedKey == nil { firstRepeatedKey = (columns[column], line) }
                }
                repeated = true
            }
            position += 1
        }
        index += 1  // the document's end
        batch.endRecord(number: recordsRead + batch.count + 1, line: line)
    }

    /// Marks `column` as set in this record by `field`; the index of the field that set it
    /// before in the same record, if one did.
    private func markSeen(_ column: Int, field: Int) -> Int? {
        if seenInRecord[column].record == recordOrdinal { return seenInRecord[column].field }
        seenInRecord[column] = (recordOrdinal, field)
        return nil
    }

    private func columnFor(key: UnsafeRawBufferPointer, position: Int) -> Int {
        if position < keyCache.count {
            let cached = keyCache[position]
            if cached.key.count == key.count,
                key.isEmpty || cached.key.withUnsafeBytes({ memcmp($0.baseAddress!, key.baseAddress!, key.count) }) == 0
            {
                return cached.column
            }
        }
        let name = String(decoding: key, as: UTF8.self)
        let column: Int
        if let known = columnIndex[name] {
            column = known
        } else {
            column = columns.count
            columns.append(name)
            columnIndex[name] = column
            seenInRecord.append((0, 0))
        }
        if position < keyCache.count {
            keyCache[position] = (Array(key), column)
        } else if position == keyCache.count {
            keyCache.append((Array(key), column))
        }
        return column
    }

    // MARK: Errors

    /// Where in a record the parser's error lies when simdjson did not say: the invalid UTF-8
    /// byte, or the raw control character inside a string.
    private func locate(_ code: Int32, inSpanFrom start: Int, to end: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: window + start, count: end - start)
        if code == JSONFailure.invalidUTF8 {
            var firstNonASCII: Int?
            if case .invalid(let at) = checkUTF8(bytes, firstNonASCII: &firstNonASCII) { return start + at }
            return start
        }
        var inString = false
        var k = 0
        while k < bytes.count {
            let byte = bytes[k]
            if inString {
                if byte < 0x20 { return start + k }
                if byte == UInt8(ascii: "\\") { k += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            k += 1
        }
        return start
    }

    /// The place at `offset` in the window (which must lie on or after the scanner's line).
    fileprivate func location(at offset: Int) -> Location {
        var lineNumber = line
        var start = lineStart
        var k = max(lineStart - windowFileOffset, 0)
        while k < offset {
            if window[k] == 0x0A {
                lineNumber += 1
                start = windowFileOffset + k + 1
            }
            k += 1
        }
        return Location(
            file: inputName, line: lineNumber, record: nil, column: nil,
            lineColumn: windowFileOffset + offset - start + 1)
    }

    fileprivate func byte(at offset: Int) -> UInt8? { offset < filled ? window[offset] : nil }

    private func syntaxError(_ message: String, hint: String?, at offset: Int? = nil) -> FerryError {
        FerryError(
            .input, "invalid JSON: \(message)", at: location(at: offset ?? position),
            hint: hint ?? "fix the JSON at this place (a validator such as `jq . FILE` shows the same spot)")
    }

    fileprivate func describeByte(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(String(UnicodeScalar(byte)))'" }
        return hex(byte)
    }

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

    private func noteTotals() {
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
        if let (key, line) = firstRepeatedKey {
            let objects = repeatedKeys == 1 ? "1 object gives" : "\(repeatedKeys) objects give"
            diagnostics.append(
                Diagnostic(
                    "\(objects) a key more than once (the first: '\(key)', on line \(line)); the last value of each counts, as most JSON readers take it (values nested in a record are passed on as written)",
                    at: Location(file: inputName)))
        }
    }
    private var notedTotals = false
}

extension JSONFailure {
    /// The error at `offset` of the reader's window, worded for a user.
    fileprivate func error(in reader: JSONReader, at offset: Int, inputName: String) -> FerryError {
        let location = reader.location(at: offset)
        if code == Self.invalidUTF8, let byte = reader.byte(at: offset) {
            return FerryError(
                .input, "byte \(hex(byte)) is not valid UTF-8: JSON is UTF-8", at: location,
                hint:
                    "the file is not all UTF-8; if Windows software saved it, run again with --encoding windows-1252, otherwise fix the text at this place"
            )
        }
        if code == Self.controlCharacter, let byte = reader.byte(at: offset), byte < 0x20 {
            return FerryError(
                .input, "invalid JSON: a raw control character (\(hex(byte))) inside a string", at: location,
                hint: byte == 0x0A
                    ? "a line break inside a string must be written \\n; the string may be missing its closing quote"
                    : "write it as an escape such as \\u00\(hex(byte).dropFirst(2))")
        }
        return FerryError(
            .input, "invalid JSON: \(message(found: reader.describeByte(reader.byte(at: offset))))", at: location,
            hint: hint)
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes of a static string.
    init(staticString: StaticString) {
        self.init(start: staticString.utf8Start, count: staticString.utf8CodeUnitCount)
    }
}
