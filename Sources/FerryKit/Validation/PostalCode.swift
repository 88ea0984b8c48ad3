/// A Spanish postal code: five digits, the first two the province's INE code (01–52).
public enum PostalCode {
    /// Why a text is no Spanish postal code.
    enum Failure: Error, Equatable {
        case notDigits, length, province
    }

    /// Checks `text` and returns the five-digit code. Four digits get their leading zero back
    /// (spreadsheets drop it: `8036` → `08036`), which `restoredZero` reports.
    public static func parse(_ text: String) -> Result<(code: String, restoredZero: Bool), ValidationFailure> {
        var copy = text
        return copy.withUTF8 { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 5) { out in
                check(input, into: out.baseAddress!)
                    .map { (String(decoding: UnsafeBufferPointer(out), as: UTF8.self), $0) }
                    .mapError(failure)
            }
        }
    }

    /// The whole check, on bytes: digits (spaces and tabs ignored), five of them, or four that lost
    /// their leading zero (then true), starting with a province number. A valid code is written to
    /// `out` (5 bytes).
    static func check(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Result<
        Bool, Failure
    > {
        var count = 0
        for byte in text {
            if isASCIIDigit(byte) {
                if count < 5 { out[count] = byte }
                count += 1
            } else if byte != 0x20 && byte != 0x09 {
                return .failure(.notDigits)
            }
        }
        let restored = count == 4
        if restored {
            for i in stride(from: 4, to: 0, by: -1) { out[i] = out[i - 1] }
            out[0] = 0x30
            count = 5
        }
        guard count == 5 else { return .failure(.length) }
        let province = Int(out[0] - 0x30) * 10 + Int(out[1] - 0x30)
        guard province >= 1 && province <= 52 else { return .failure(.province) }
        return .success(restored)
    }

    /// A failure in words.
    static func failure(_ failure: Failure) -> ValidationFailure {
        switch failure {
        case .notDigits: ValidationFailure("a Spanish postal code has only digits")
        case .length: ValidationFailure("a Spanish postal code has 5 digits")
        case .province: ValidationFailure("a Spanish postal code starts with a province number from 01 to 52")
        }
    }

    /// The note on four digits read as a Spanish postal code with its leading zero back.
    static let restoredNote =
        "four digits, read as a Spanish postal code that lost its leading zero; if the customer lives abroad, give the country in a column"

    /// The INE province code of a valid postal code: its first two digits.
    public static func provinceCode(of code: String) -> String { String(code.prefix(2)) }
}
