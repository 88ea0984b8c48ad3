import CFerryJSON

/// Ferry's one JSON parser: simdjson behind the `ferry_json.h` shim. It parses documents that lie
/// in a buffer (with `JSONParser.padding` readable bytes after each) into `JSONEvents`: keys,
/// values and the opening and closing of objects and arrays, every number's text as written.
/// One parser per thread; the events of a call stay valid until its next call.
final class JSONParser {
    /// Bytes that must be readable after each document (their content does not matter).
    static let padding = Int(FERRY_JSON_PADDING)
    /// Deepest nesting accepted inside a document.
    static let maxDepth = 512

    private let handle: OpaquePointer

    init() { handle = ferry_json_parser_new() }
    deinit { ferry_json_parser_free(handle) }

    /// Parses the documents `base[spans[2i] ..< spans[2i+1]]`, stopping at the first error.
    /// `objectsOnly`: each must be an object.
    func parse(base: UnsafePointer<UInt8>, spans: UnsafeBufferPointer<UInt32>, objectsOnly: Bool) -> JSONEvents {
        var result = ferry_json_result()
        ferry_json_parse(
            handle, base, spans.baseAddress, spans.count / 2, objectsOnly ? 1 : 0, Int32(Self.maxDepth), &result)
        return JSONEvents(result: result, base: base)
    }

    /// The simdjson build this processor uses ("haswell" with AVX2), for `docs/performance.md`'s figures.
    static var implementation: String { String(cString: ferry_json_implementation()) }
}

/// One event of a parse.
struct JSONEvent {
    enum Kind: UInt32 {
        case key = 1, string, number, `true`, `false`, null, object, endObject, array, endArray, endDocument
    }
    let kind: Kind
    /// The text of a key, string (unescaped) or number (as written); empty for the others.
    let text: UnsafeRawBufferPointer
}

/// What a parse made: its events in order (each document's ends with `.endDocument`), and the error
/// that stopped it, if one did.
struct JSONEvents {
    private let result: ferry_json_result
    private let base: UnsafePointer<UInt8>

    fileprivate init(result: ferry_json_result, base: UnsafePointer<UInt8>) {
        self.result = result
        self.base = base
    }

    var count: Int { result.event_count }
    /// Documents parsed in full.
    var documents: Int { result.documents }
    var failure: JSONFailure? {
        result.error == 0
            ? nil : JSONFailure(code: result.error, offset: result.error_offset < 0 ? nil : Int(result.error_offset))
    }

    @inline(__always)
    subscript(index: Int) -> JSONEvent {
        let event = result.events[index]
        let kind = JSONEvent.Kind(rawValue: event.kind & 0xFF)!
        let text: UnsafeRawBufferPointer
        if event.kind & UInt32(FERRY_JSON_IN_INPUT) != 0 || kind == .number {
            text = UnsafeRawBufferPointer(start: base + Int(event.start), count: Int(event.length))
        } else if kind == .key || kind == .string {
            text = UnsafeRawBufferPointer(start: result.arena.map { $0 + Int(event.start) }, count: Int(event.length))
        } else {
            text = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return JSONEvent(kind: kind, text: text)
    }

    /// Writes the value that starts at event `index` as compact JSON (strings quoted as
    /// `JSONText.appendQuoted` quotes them) and moves `index` past it. `repeated` gets the first key
    /// that an object inside the value gives twice.
    func appendCompact(from index: inout Int, to out: inout [UInt8], repeated: inout String?) {
        // Per open container: whether a member was written (a comma comes before the next one).
        var needsComma: [Bool] = []
        // The keys of the objects open, and where each object's start.
        var keys: [UnsafeRawBufferPointer] = []
        var keyStarts: [Int] = []
        var afterKey = false
        func beginValue() {
            if afterKey {
                afterKey = false
            } else if needsComma.last == true {
                out.append(UInt8(ascii: ","))
            }
        }
        func endValue() {
            if !needsComma.isEmpty { needsComma[needsComma.count - 1] = true }
        }
        repeat {
            let event = self[index]
            index += 1
            switch event.kind {
            case .key:
                if needsComma.last == true { out.append(UInt8(ascii: ",")) }
                if repeated == nil, let from = keyStarts.last,
                    keys[from...].contains(where: { $0.elementsEqual(event.text) })
                {
                    repeated = String(decoding: event.text, as: UTF8.self)
                }
                keys.append(event.text)
                JSONText.appendQuoted(event.text, to: &out)
                out.append(UInt8(ascii: ":"))
                afterKey = true
            case .string:
                beginValue()
                JSONText.appendQuoted(event.text, to: &out)
                endValue()
            case .number:
                beginValue()
                out.append(contentsOf: event.text)
                endValue()
            case .true, .false, .null:
                beginValue()
                out.append(
                    contentsOf: event.kind == .true ? "true".utf8 : event.kind == .false ? "false".utf8 : "null".utf8)
                endValue()
            case .object, .array:
                beginValue()
                out.append(event.kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "["))
                needsComma.append(false)
                if event.kind == .object { keyStarts.append(keys.count) }
            case .endObject, .endArray:
                out.append(event.kind == .endObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                needsComma.removeLast()
                if event.kind == .endObject { keys.removeSubrange(keyStarts.removeLast()...) }
                endValue()
            case .endDocument:
                return
            }
        } while !needsComma.isEmpty
    }
}

/// Why a parse stopped: simdjson's error code (or one of the shim's own) and where, when known.
struct JSONFailure: Error {
    let code: Int32
    /// The offset from the buffer's start; nil when the parser did not say.
    let offset: Int?

    static let invalidUTF8: Int32 = 10  // simdjson's UTF8_ERROR
    static let controlCharacter: Int32 = 13  // simdjson's UNESCAPED_CHARS

    /// What is wrong, for a user; `found` names what stands at the place.
    func message(found: String) -> String {
        switch code {
        case Int32(FERRY_JSON_TOO_DEEP), 4:
            "values are nested deeper than \(JSONParser.maxDepth) levels"
        case Int32(FERRY_JSON_BAD_NUMBER), 9:
            "a number that is not written as JSON writes numbers (no leading zeros, digits after a point and in an exponent), found \(found)"
        case 5: "a string holds an escape that JSON does not have, or half of a surrogate pair (\\u)"
        case 6: "expected 'true', found \(found)"
        case 7: "expected 'false', found \(found)"
        case 8: "expected 'null', found \(found)"
        case Self.invalidUTF8: "the text is not valid UTF-8"
        case Self.controlCharacter: "a raw control character inside a string"
        case 14: "a string is not closed: a '\"' is missing"
        case 12: "no value where one was expected"
        case 30: "something follows the value, found \(found)"
        case 27: "the value ends early: a ']' or '}' is missing"
        case Int32(FERRY_JSON_NOT_OBJECT): "the value is not an object, found \(found)"
        default:
            "the structure is broken here (a missing or extra comma, colon, quote or bracket, or a key without quotes), found \(found)"
        }
    }

    var hint: String {
        switch code {
        case Int32(FERRY_JSON_TOO_DEEP), 4: "customer data is never this deep; check how the file was produced"
        case Int32(FERRY_JSON_BAD_NUMBER), 9: "write \"0…\" in quotes to keep leading zeros"
        case 5: "write a backslash as \\\\"
        default: "fix the JSON at this place (a validator such as `jq . FILE` shows the same spot)"
        }
    }
}
