import CPhoneNumber

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A phone number that exists, in E.164 form (`+34612345678`). Spanish numbers of the common shapes
/// are recognised by a fast path whose ranges are those of libphonenumber's metadata for ES (a test
/// compares the two); everything else goes through libphonenumber.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// What line a number is.
    public enum Kind: String, Sendable {
        case mobile, landline, either, other

        /// The kind of a number `ferry_phone_parse` accepted (its positive answer).
        init(library kind: Int32) {
            switch kind {
            case FERRY_PHONE_MOBILE.rawValue: self = .mobile
            case FERRY_PHONE_FIXED_LINE.rawValue: self = .landline
            case FERRY_PHONE_FIXED_OR_MOBILE.rawValue: self = .either
            default: self = .other
            }
        }
    }

    /// How a number is written for a target.
    public enum Style: String, Sendable, CaseIterable {
        /// `+34612345678`
        case e164
        /// `+34 612 34 56 78`
        case international
        /// `612 34 56 78` for numbers of the default region, E.164 for others.
        case national
        /// `612345678` for numbers of the default region, E.164 for others.
        case nationalDigits = "national_digits"
        /// `+34 612345678`: the country code, a space and the national digits, for a system that
        /// keeps the prefix in a column of its own (Koibox's `prefijo_tel` beside `movil`).
        case countryAndDigits = "country_and_digits"
    }

    public let e164: String
    public let kind: Kind

    public var description: String { e164 }

    /// A number kept as given (a mapping that says `invalid: keep`).
    public init(unverified text: String) {
        self.e164 = text
        self.kind = .other
    }

    init(e164: String, kind: Kind) {
        self.e164 = e164
        self.kind = kind
    }

    /// Parses `text`, taking `region` for numbers written without a country code.
    public static func parse(_ text: String, region: String = "ES") -> Result<PhoneNumber, ValidationFailure> {
        number(text) { bytes, out in
            if region == "ES", let known = spanishWithoutLibrary(bytes, into: out) { return known.map { (12, $0) } }
            return library(bytes, region: region, into: out)
        }
        .mapError { failure($0, text: text, region: region) }
    }

    /// `44 7400123456` as `+44 7400123456`: a text that starts with what can be a country calling
    /// code written without its `+` (one to three digits, not starting with 0, then a space), as a
    /// system's column of prefixes holds it; nil for any other text. Tried only after the text fails
    /// as it is, so `612 345 678` stays a Spanish mobile.
    static func withPlus(_ text: String) -> String? {
        let code = text.prefix { $0.isASCII && $0.isNumber }
        guard (1...3).contains(code.count), code.first != "0", text.dropFirst(code.count).first == " " else {
            return nil
        }
        return "+" + text
    }

    /// Parses with libphonenumber only (for the test that holds the fast path to it).
    public static func parseWithLibrary(_ text: String, region: String = "ES") -> PhoneNumber? {
        try? number(text) { library($0, region: region, into: $1) }.get()
    }

    /// `read`'s answer on the bytes of `text` (the E.164 form goes to its second argument, room for
    /// 32 bytes), as a number.
    private static func number(
        _ text: String,
        read: (UnsafeBufferPointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Result<(count: Int, kind: Kind), Failure>
    ) -> Result<PhoneNumber, Failure> {
        var input = text
        return input.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
                read(bytes, out.baseAddress!).map {
                    PhoneNumber(
                        e164: String(
                            decoding: UnsafeBufferPointer(start: out.baseAddress, count: $0.count), as: UTF8.self),
                        kind: $0.kind)
                }
            }
        }
    }

    /// What the shapes of Spanish numbers decide without libphonenumber: a number of the fast path
    /// (its E.164 form, 12 bytes, goes to `out`, and its kind is returned) or one that cannot exist
    /// (`impossibleInSpain`); nil leaves the text to libphonenumber.
    static func spanishWithoutLibrary(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>)
        -> Result<Kind, Failure>?
    {
        if let kind = spanishFastPath(text, into: out) { return .success(kind) }
        if impossibleInSpain(text) { return .failure(.impossible) }
        return nil
    }

    /// Why a text is not a phone number.
    enum Failure: Error {
        /// No digit at all.
        case noDigits
        /// libphonenumber could not read it as a number.
        case unparseable
        /// It reads as a number that cannot exist.
        case impossible
    }

    /// The words for a failure, the same for every value that fails the same way.
    static func failure(_ failure: Failure, text: String, region: String) -> ValidationFailure {
        switch failure {
        case .noDigits: ValidationFailure(text.isEmpty ? "the phone number is empty" : "a phone number has digits")
        case .unparseable: ValidationFailure("not a phone number")
        case .impossible:
            ValidationFailure(
                "no phone number of \(region) or any other country has this shape (wrong length or prefix)")
        }
    }

    /// libphonenumber on bytes, for what the fast path leaves: the E.164 form goes to `out` (room for
    /// 32 bytes) and its length and kind are returned.
    static func library(_ text: UnsafeBufferPointer<UInt8>, region: String, into out: UnsafeMutablePointer<UInt8>)
        -> Result<(count: Int, kind: Kind), Failure>
    {
        guard text.contains(where: isASCIIDigit) else { return .failure(.noDigits) }
        let kind = text.withMemoryRebound(to: CChar.self) { chars in
            out.withMemoryRebound(to: CChar.self, capacity: 32) {
                ferry_phone_parse(chars.baseAddress, chars.count, region, $0, 32)
            }
        }
        guard kind > 0 else { return .failure(kind == FERRY_PHONE_UNPARSEABLE.rawValue ? .unparseable : .impossible) }
        return .success((strlen(UnsafeRawPointer(out).assumingMemoryBound(to: CChar.self)), Kind(library: kind)))
    }

    /// The number written in `style`; `region` is the one national styles are relative to.
    public func formatted(_ style: Style, region: String = "ES") -> String {
        // A number kept unchecked has no known prefix: only its digits' column gets it.
        if style == .countryAndDigits, kind == .other, !e164.hasPrefix("+") { return " " + e164 }
        guard kind != .other || e164.hasPrefix("+") else { return e164 }
        switch style {
        case .e164:
            return e164
        case .nationalDigits:
            if region == "ES", e164.hasPrefix("+34"), e164.utf8.count == 12 { return String(e164.dropFirst(3)) }
            guard isInRegion(region), let national = library(style: 2) else { return e164 }
            return String(national.filter(\.isNumber))
        case .national:
            guard isInRegion(region), let national = library(style: 2) else { return e164 }
            return national
        case .international:
            return library(style: 1) ?? e164
        case .countryAndDigits:
            if e164.hasPrefix("+34"), e164.utf8.count == 12 { return "+34 " + e164.dropFirst(3) }
            guard let international = library(style: 1), let space = international.firstIndex(of: " ") else {
                return e164
            }
            return international[..<space] + " " + international[space...].filter(\.isNumber)
        }
    }

    /// The ISO region of the number ("ES", "FR"), when libphonenumber knows it.
    public var region: String? {
        if e164.hasPrefix("+34") { return "ES" }
        var text = e164
        return text.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 8) { out in
                let status = bytes.withMemoryRebound(to: CChar.self) {
                    ferry_phone_region($0.baseAddress, $0.count, out.baseAddress, out.count)
                }
                return status == 0 ? String(cString: out.baseAddress!) : nil
            }
        }
    }

    private func isInRegion(_ region: String) -> Bool { self.region == region }

    private func library(style: Int32) -> String? {
        var text = e164
        return text.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { out in
                let length = bytes.withMemoryRebound(to: CChar.self) {
                    ferry_phone_format($0.baseAddress, $0.count, style, out.baseAddress, out.count)
                }
                return length < 0 ? nil : String(cString: out.baseAddress!)
            }
        }
    }

    /// Recognises `612345678`, `612 34 56 78`, `612-345-678`, `+34 612…` and `0034 612…` when the nine
    /// digits fall in a range libphonenumber's ES metadata lists as mobile or fixed line; nil otherwise
    /// (the caller then asks libphonenumber, so the fast path never decides a doubtful number).
    static func spanishFastPath(_ text: String) -> PhoneNumber? {
        var copy = text
        return copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { out in
                spanishFastPath(input, into: out.baseAddress!).map {
                    PhoneNumber(
                        e164: String(decoding: UnsafeBufferPointer(start: out.baseAddress, count: 12), as: UTF8.self),
                        kind: $0)
                }
            }
        }
    }

    /// Whether plain digits (with spaces, dashes or dots) written without a country code cannot be
    /// a Spanish number nor one of another country: a length no Spanish number has (3–8, 10, 12–17
    /// digits, the first not 0; 11 may be `34` and nine digits), or nine digits starting 1–4 or 5
    /// but not 51. libphonenumber says the same of each (a test sweeps every such shape), but only
    /// after its regular expressions, the costliest step of a messy export.
    static func impossibleInSpain(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var count = 0
        var first: UInt8 = 0, second: UInt8 = 0
        for byte in text {
            if isASCIIDigit(byte) {
                if count == 0 { first = byte } else if count == 1 { second = byte }
                count += 1
            } else if byte != 0x20 && byte != 0x2D && byte != 0x2E {
                return false
            }
        }
        guard count >= 3, first != 0x30 else { return false }
        switch count {
        case 3...8, 10, 12...17: return true
        case 9: return first <= 0x34 || first == 0x35 && second != 0x31
        default: return false
        }
    }

    /// The fast path on bytes: the E.164 form (12 bytes) is written to `out` and the kind returned.
    static func spanishFastPath(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Kind? {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var count = 0
        var plus = false
        for byte in text {
            if isASCIIDigit(byte) {
                guard count < 13 else { return nil }
                withUnsafeMutableBytes(of: &digits) { $0[count] = byte }
                count += 1
            } else if byte == 0x2B {  // '+'
                guard count == 0, !plus else { return nil }
                plus = true
            } else if byte != 0x20 && byte != 0x2D && byte != 0x2E && byte != 0x09 {
                return nil
            }
        }
        return withUnsafeBytes(of: &digits) { all -> Kind? in
            var start = 0
            if plus {
                guard count == 11, all[0] == 0x33, all[1] == 0x34 else { return nil }
                start = 2
            } else if count == 13 {
                guard all[0] == 0x30, all[1] == 0x30, all[2] == 0x33, all[3] == 0x34 else { return nil }
                start = 4
            } else if count != 9 {
                return nil
            }
            let n = UnsafeRawBufferPointer(rebasing: all[start..<start + 9])
            let a = n[0] - 0x30, b = n[1] - 0x30
            let kind: Kind
            switch a {
            case 6: kind = .mobile
            case 7 where b >= 1 && b <= 4 || b == 8: kind = .mobile
            case 9
            where b == 1 || b == 3 || b == 5 || (b == 2 || b == 6 || b == 8) && n[2] != 0x39 || b == 4 && n[2] != 0x30
                || b == 7 && n[2] != 0x30 && n[2] != 0x33:
                kind = .landline
            case 8
            where b == 1 || b == 3 || b == 5 || b == 6 || (b == 2 || b == 8) && n[2] != 0x39
                || (b == 4 || b == 7) && n[2] != 0x30:
                kind = .landline
            default: return nil
            }
            out[0] = 0x2B; out[1] = 0x33; out[2] = 0x34
            for i in 0..<9 { out[3 + i] = n[i] }
            return kind
        }
    }
}
