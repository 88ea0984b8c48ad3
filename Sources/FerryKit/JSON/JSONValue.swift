import Foundation

/// A JSON value held whole: what Ferry makes of a small document (an API answer, a nested value
/// the reader kept as compact text, an `extras` object). Parsed by `JSONParser`; numbers keep their
/// text as written, and an object keeps its members in order, a key given twice included.
enum JSONValue: Sendable, Equatable {
    case string(String)
    /// A number, as written.
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([Member])

    struct Member: Sendable, Equatable {
        var key: String
        var value: JSONValue
    }

    /// Parses `text` as one JSON value (white space around it allowed); nil when it is not one.
    init?(parsing text: some Collection<UInt8>) {
        var buffer = [UInt8](text)
        let count = buffer.count
        guard count < Int(UInt32.max) else { return nil }
        buffer.append(contentsOf: repeatElement(0, count: JSONParser.padding))
        let parser = JSONValue.parser
        guard
            let value = buffer.withUnsafeBufferPointer({ bytes -> JSONValue? in
                let events = [0, UInt32(count)].withUnsafeBufferPointer {
                    parser.parse(base: bytes.baseAddress!, spans: $0, objectsOnly: false)
                }
                guard events.failure == nil, events.documents == 1 else { return nil }
                var index = 0
                return JSONValue(events, at: &index)
            })
        else { return nil }
        self = value
    }

    init?(parsing text: String) { self.init(parsing: Array(text.utf8)) }

    /// The value whose events start at `index`; moves `index` past them.
    private init(_ events: JSONEvents, at index: inout Int) {
        let event = events[index]
        index += 1
        switch event.kind {
        case .string, .key: self = .string(String(decoding: event.text, as: UTF8.self))
        case .number: self = .number(String(decoding: event.text, as: UTF8.self))
        case .true: self = .bool(true)
        case .false: self = .bool(false)
        case .object:
            var members: [Member] = []
            while events[index].kind == .key {
                let key = String(decoding: events[index].text, as: UTF8.self)
                index += 1
                members.append(Member(key: key, value: JSONValue(events, at: &index)))
            }
            index += 1
            self = .object(members)
        case .array:
            var elements: [JSONValue] = []
            while events[index].kind != .endArray { elements.append(JSONValue(events, at: &index)) }
            index += 1
            self = .array(elements)
        default: self = .null
        }
    }

    /// A parser per thread: parsing a value allocates nothing after the first on a thread.
    private static var parser: JSONParser {
        let key = "ferry.JSONValue.parser"
        if let parser = Thread.current.threadDictionary[key] as? JSONParser { return parser }
        let parser = JSONParser()
        Thread.current.threadDictionary[key] = parser
        return parser
    }

    /// The members of an object with each key once: a key given more than once keeps its last
    /// value, in its first place (RFC 8259 allows repeats; most readers take the last). Nil when
    /// this is not an object.
    var uniqueMembers: [Member]? {
        guard case .object(let members) = self else { return nil }
        var unique: [Member] = []
        var index: [String: Int] = [:]
        for member in members {
            if let at = index[member.key] {
                unique[at].value = member.value
            } else {
                index[member.key] = unique.count
                unique.append(member)
            }
        }
        return unique
    }

    /// The member `key` of an object (its last value, when given twice); nil otherwise.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The value at a dotted path: `["data", "id_customer"]` in `{"data": {"id_customer": "X"}}`.
    func value(at path: [String]) -> JSONValue? {
        var value: JSONValue? = self
        for key in path { value = value?[key] }
        return value
    }

    var isObject: Bool {
        if case .object = self { true } else { false }
    }

    var elements: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// A scalar as text: a string as it is, a number as written (`1.0` as `1`), a boolean as
    /// true/false; nil for null, arrays and objects.
    var scalarText: String? {
        switch self {
        case .string(let text): return text
        case .number(let text):
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let double = Double(text),
                double == double.rounded(), abs(double) < 1e15
            {
                return String(Int64(double))
            }
            return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    /// The kind a record field of this value has.
    var kind: ValueKind {
        switch self {
        case .string: .string
        case .number: .number
        case .bool: .bool
        case .null: .null
        case .array, .object: .json
        }
    }

    /// The value as compact JSON text (strings quoted as `JSONText` quotes them); `sortedKeys`
    /// orders each object's members by key.
    func compactText(sortedKeys: Bool = false) -> String {
        var out: [UInt8] = []
        appendCompact(to: &out, sortedKeys: sortedKeys)
        return String(decoding: out, as: UTF8.self)
    }

    func appendCompact(to out: inout [UInt8], sortedKeys: Bool = false) {
        switch self {
        case .string(let text): JSONText.appendQuoted(text, to: &out)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.appendCompact(to: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let ordered = sortedKeys ? members.sorted { $0.key < $1.key } : members
            for (index, member) in ordered.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.appendCompact(to: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The text a record field holds for this value: a scalar's text, compact JSON for the rest.
    var fieldText: String {
        switch self {
        case .string(let text), .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: ""
        case .array, .object: compactText()
        }
    }
}
