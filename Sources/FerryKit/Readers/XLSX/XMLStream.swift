import CExpat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A streaming XML parser over expat: bytes go in as they come (from a zip entry being inflated), and
/// each element's start, end and text go to the handler at once. Element and attribute names are
/// given without their namespace prefix (`x:row` is `row`), as the parts of an .xlsx use prefixes
/// freely. Nothing of the document is kept.
final class XMLStream {
    /// What the parser found; called while `feed` runs.
    /// `end` and `text` do nothing unless a handler needs them.
    protocol Handler: AnyObject {
        func start(_ name: XMLName, _ attributes: XMLAttributes)
        func end(_ name: XMLName)
        func text(_ bytes: UnsafeRawBufferPointer)
    }

    private let parser: XML_Parser
    /// Unowned and unchecked: the handler outlives every `feed` (the caller holds both), and a
    /// checked reference costs a retain per callback.
    private unowned(unsafe) let handler: any Handler
    /// Set by `stop()`: the document is left unread, as asked.
    private(set) var stopped = false

    init(handler: any Handler) {
        self.handler = handler
        parser = XML_ParserCreate(nil)
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetElementHandler(
            parser,
            { data, name, attributes in
                guard let data, let name else { return }
                let stream = Unmanaged<XMLStream>.fromOpaque(data).takeUnretainedValue()
                stream.handler.start(XMLName(name), XMLAttributes(attributes))
            },
            { data, name in
                guard let data, let name else { return }
                Unmanaged<XMLStream>.fromOpaque(data).takeUnretainedValue().handler.end(XMLName(name))
            })
        XML_SetCharacterDataHandler(parser) { data, text, length in
            guard let data, let text, length > 0 else { return }
            Unmanaged<XMLStream>.fromOpaque(data).takeUnretainedValue().handler.text(
                UnsafeRawBufferPointer(start: text, count: Int(length)))
        }
    }

    deinit { XML_ParserFree(parser) }

    /// Parses the next bytes of the document; `last` says there are no more. Throws the parser's
    /// error with its line.
    func feed(_ bytes: UnsafeRawBufferPointer, last: Bool = false) throws(XMLStreamError) {
        guard !stopped else { return }
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        var offset = 0
        repeat {
            let length = min(bytes.count - offset, Int(Int32.max))
            let status = XML_Parse(
                parser, base.map { $0 + offset }, Int32(length), last && offset + length == bytes.count ? 1 : 0)
            if stopped { return }
            if status == XML_STATUS_ERROR {
                let code = XML_GetErrorCode(parser)
                throw XMLStreamError(
                    reason: XML_ErrorString(code).map { String(cString: $0) } ?? "malformed XML",
                    line: Int(XML_GetCurrentLineNumber(parser)))
            }
            offset += length
        } while offset < bytes.count
    }

    /// Stops parsing from inside a handler: the rest of the document is not read.
    func stop() {
        stopped = true
        XML_StopParser(parser, 0)
    }
}

extension XMLStream.Handler {
    func end(_ name: XMLName) {}
    func text(_ bytes: UnsafeRawBufferPointer) {}
}

/// Why an XML part cannot be read, and where.
struct XMLStreamError: Error {
    var reason: String
    var line: Int
}

/// An element or attribute name without its namespace prefix.
struct XMLName {
    let local: UnsafePointer<CChar>

    init(_ name: UnsafePointer<CChar>) {
        var local = name
        var cursor = name
        while cursor.pointee != 0 {
            if cursor.pointee == 0x3A { local = cursor + 1 }
            cursor += 1
        }
        self.local = local
    }

    /// Whether the name is `name` (ASCII).
    @inline(__always)
    func `is`(_ name: StaticString) -> Bool { cStringIs(local, name) }
}

/// An element's attributes as expat gives them: name, value, name, value, ..., nil.
struct XMLAttributes {
    let pairs: UnsafeMutablePointer<UnsafePointer<CChar>?>?

    init(_ pairs: UnsafeMutablePointer<UnsafePointer<CChar>?>?) { self.pairs = pairs }

    /// The value of the attribute named `name` (without prefix), as a C string.
    func value(_ name: StaticString) -> UnsafePointer<CChar>? {
        guard let pairs else { return nil }
        var index = 0
        while let key = pairs[index] {
            if XMLName(key).is(name) { return pairs[index + 1] }
            index += 2
        }
        return nil
    }

    func string(_ name: StaticString) -> String? { value(name).map { String(cString: $0) } }

    /// The attribute's value as a whole number (digits only), nil when absent or not one.
    func integer(_ name: StaticString) -> Int? {
        guard var cursor = value(name), cursor.pointee != 0 else { return nil }
        var number = 0
        while cursor.pointee != 0 {
            let digit = Int(cursor.pointee) - 0x30
            guard digit >= 0, digit <= 9, number < Int.max / 10 - 9 else { return nil }
            number = number * 10 + digit
            cursor += 1
        }
        return number
    }
}

/// Whether a C string is `text` (ASCII).
@inline(__always)
func cStringIs(_ string: UnsafePointer<CChar>, _ text: StaticString) -> Bool {
    strcmp(string, UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
}
