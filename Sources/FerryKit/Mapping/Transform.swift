/// How a transform's way back relates to its way in.
public enum Inverse: Sendable, Equatable {
    /// Writing gives back exactly what was read.
    case exact
    /// Reading tidies the text (spaces, capitals); writing gives back the tidy form, and reading that
    /// again changes nothing.
    case normalizes(String)
    /// Writing cannot give back everything that was read; the text says what is lost.
    case lossy(String)
}

/// One step of a field's way from a column's text into the canonical model, with its way back.
/// Each transform is one type in `Mapping/Transforms/`, registered in `Transforms.all`.
public protocol Transform: Sendable {
    /// The name a mapping file uses.
    static var name: String { get }
    /// What the argument is, for messages; nil when the transform takes none.
    static var argumentHelp: String? { get }
    /// A one-line description for docs and errors.
    static var summary: String { get }
    /// Throws a `ValidationFailure` when the argument is not acceptable.
    init(argument: String?) throws
    /// Column text → canonical text.
    func read(_ text: String) -> Result<String, ValidationFailure>
    /// Canonical text → column text.
    func write(_ text: String) -> String
    /// How `write` undoes `read`.
    var inverse: Inverse { get }
    /// The JSON kind `write` produces, when it is not a string (`json_key` builds an object).
    var writtenKind: ValueKind? { get }
    /// `read` on bytes, for the hot path: the result goes to `out`, which has room for
    /// `text.count * 2 + 16` bytes, and its length is returned; nil when only `read` can decide.
    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int?
    /// True when `write` gives its text back unchanged.
    var writesUnchanged: Bool { get }
    /// `write` on bytes (room as for `readBytes`); nil when only `write` can do it.
    func writeBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int?
}

extension Transform {
    /// The name a mapping file uses, from an instance.
    public var name: String { Self.name }
    public static var argumentHelp: String? { nil }
    public var writtenKind: ValueKind? { nil }
    public func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? { nil }
    public var writesUnchanged: Bool { false }
    public func writeBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? { nil }
}

/// Maps ASCII text byte by byte into `out`; nil for text with other characters, whose case takes
/// Unicode's rules.
@inline(__always)
func mapASCII(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, _ map: (UInt8) -> UInt8)
    -> Int?
{
    for (i, byte) in text.enumerated() {
        guard byte < 0x80 else { return nil }
        out[i] = map(byte)
    }
    return text.count
}

/// Copies bytes; returns how many.
@inline(__always)
func copyBytes(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
    if let base = text.baseAddress { out.update(from: base, count: text.count) }
    return text.count
}

/// The registry of transforms a mapping file can name.
public enum Transforms {
    /// A transform's name, help and maker.
    public struct Registration: Sendable {
        public let name: String
        public let argumentHelp: String?
        public let summary: String
        let make: @Sendable (String?) throws -> any Transform

        init<T: Transform>(_ type: T.Type) {
            name = T.name
            argumentHelp = T.argumentHelp
            summary = T.summary
            make = { argument in try T(argument: argument) }
        }
    }

    public static let all: [Registration] = [
        Registration(Trim.self), Registration(CollapseSpaces.self), Registration(NameCase.self),
        Registration(UpperCase.self),
        Registration(LowerCase.self), Registration(JSONKey.self), Registration(ProvinceCode.self),
        Registration(DigitsOnly.self),
        Registration(Prefix.self),
    ]

    /// The transform a mapping names, or why it cannot be made.
    static func make(_ name: String, argument: String?) -> Result<any Transform, ValidationFailure> {
        guard let registration = all.first(where: { $0.name == name }) else {
            return .failure(
                ValidationFailure(
                    "unknown transform `\(name)`; the transforms are \(all.map(\.name).joined(separator: ", "))"))
        }
        if registration.argumentHelp == nil, argument != nil {
            return .failure(ValidationFailure("the transform `\(name)` takes no argument"))
        }
        if let help = registration.argumentHelp, argument == nil {
            return .failure(ValidationFailure("the transform `\(name)` needs \(help), as `{\(name): ...}`"))
        }
        do {
            return .success(try registration.make(argument))
        } catch {
            return .failure(
                error as? ValidationFailure ?? ValidationFailure("the transform `\(name)` cannot use \(argument ?? "")")
            )
        }
    }
}
