/// Why a value is not acceptable, in words a user can act on.
/// `message` is the same for every value that fails the same way, so reports can count reasons;
/// `detail`, when there is one, names this value's particulars (the letter it should have had) and
/// may reveal part of the value, so masked reports leave it out.
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var detail: String?

    public init(_ message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail
    }

    public var description: String { detail ?? message }

    static let requiredValueMissing = ValidationFailure("a required value is missing")
}

/// Bytes of ASCII text, for validators that look at characters one by one without `Character`.
@inline(__always)
func isASCIIDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

@inline(__always)
func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

@inline(__always)
func asciiUpper(_ byte: UInt8) -> UInt8 { byte &- 0x61 < 26 ? byte - 0x20 : byte }

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte + 0x20 : byte }
