/// Numbers as exports write them: `12.50`, `12,50` (with a decimal comma), `1.250,00`, `1,250.00`,
/// `1 250`, `-3`, `2.5e3`. The group separator (whichever of `.` and `,` is not the decimal one) and
/// spaces are dropped; what is left must be a plain decimal number: no hexadecimal, no `inf`, no `nan`.
enum Number {
    /// Why a text is not the number a field takes.
    enum Failure: Error, Equatable {
        case notANumber, notWhole
        case outside(ClosedRange<Int>)
        case outsideDecimal(ClosedRange<Double>)
    }

    /// The numbers a whole-number field takes: below 10^15 in size, so a Double holds them exactly.
    static let wholeLimit = 1e15

    /// The text cleaned into `out` (room for `text.count` bytes): an optional sign, digits, at most
    /// one `.` and an exponent. Its length, or nil when it is no number.
    private static func clean(
        _ text: UnsafeBufferPointer<UInt8>, decimalComma: Bool, into out: UnsafeMutablePointer<UInt8>
    )
        -> Int?
    {
        let point: UInt8 = decimalComma ? 0x2C : 0x2E
        let group: UInt8 = decimalComma ? 0x2E : 0x2C
        var count = 0, digits = 0
        var seenPoint = false, exponentAt = -1, exponentDigits = 0
        for byte in text where byte != 0x20 && byte != group {
            switch byte {
            case 0x30...0x39:
                if exponentAt >= 0 { exponentDigits += 1 } else { digits += 1 }
            case point:
                guard !seenPoint, exponentAt < 0 else { return nil }
                seenPoint = true
                out[count] = 0x2E
                count += 1
                continue
            case 0x2B, 0x2D:  // a sign: first, or first of the exponent
                guard count == 0 || (exponentAt >= 0 && count == exponentAt + 1) else { return nil }
            case 0x45, 0x65:
                guard digits > 0, exponentAt < 0 else { return nil }
                exponentAt = count
            default:
                return nil
            }
            out[count] = byte
            count += 1
        }
        guard digits > 0, exponentAt < 0 || exponentDigits > 0 else { return nil }
        return count
    }

    /// A number; nil when the text is none (or too large to be finite).
    static func read(_ text: UnsafeBufferPointer<UInt8>, decimalComma: Bool) -> Double? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(text.count, 1)) { out in
            guard let count = clean(text, decimalComma: decimalComma, into: out.baseAddress!) else { return nil }
            guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: out[..<count]), as: UTF8.self)),
                value.isFinite
            else { return nil }
            return value
        }
    }

    /// A whole number within `range`: plain digits at once, anything else (`1.250`, `3,0`, `2e3`)
    /// through `read`.
    static func whole(_ text: UnsafeBufferPointer<UInt8>, decimalComma: Bool, range: ClosedRange<Int>?) -> Result<
        Int, Failure
    > {
        var number = 0
        var plain = text.count > 0 && text.count <= 15
        if plain {
            for byte in text {
                guard isASCIIDigit(byte) else {
                    plain = false
                    break
                }
                number = number * 10 + Int(byte - 0x30)
            }
        }
        if !plain {
            guard let value = read(text, decimalComma: decimalComma) else { return .failure(.notWhole) }
            guard value == value.rounded(), abs(value) < wholeLimit else { return .failure(.notWhole) }
            number = Int(value)
        }
        if let range, !range.contains(number) { return .failure(.outside(range)) }
        return .success(number)
    }

    /// A number within `range`.
    static func decimal(_ text: UnsafeBufferPointer<UInt8>, decimalComma: Bool, range: ClosedRange<Double>?)
        -> Result<Double, Failure>
    {
        guard let value = read(text, decimalComma: decimalComma) else { return .failure(.notANumber) }
        if let range, !range.contains(value) { return .failure(.outsideDecimal(range)) }
        return .success(value)
    }

    /// A failure in words; `decimalComma` says which decimal mark the field expects.
    static func failure(_ failure: Failure, decimalComma: Bool) -> ValidationFailure {
        switch failure {
        case .notANumber:
            ValidationFailure(
                decimalComma ? "not a number (decimal comma: 12,50)" : "not a number (decimal point: 12.50)")
        case .notWhole: ValidationFailure("not a whole number")
        case .outside(let range): ValidationFailure("outside \(range.lowerBound)–\(range.upperBound)")
        case .outsideDecimal(let range):
            ValidationFailure(
                "outside \(CanonicalValue.decimalText(range.lowerBound))–\(CanonicalValue.decimalText(range.upperBound))"
            )
        }
    }
}
