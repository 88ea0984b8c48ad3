/// A Spanish postal code: five digits, the first two the province's INE code (01–52).
public enum PostalCode {
    /// Checks `text` and returns the five-digit code. Four digits get their leading zero back
    /// (spreadsheets drop it: `8036` → `08036`), which `restoredZero` reports.
    public static func parse(_ text: String) -> Result<(code: String, restoredZero: Bool), ValidationFailure> {
        var digits: [UInt8] = []
        for byte in text.utf8 {
            if isASCIIDigit(byte) {
                digits.append(byte)
            } else if byte != 0x20 && byte != 0x09 {
                return .failure(ValidationFailure("a Spanish postal code has only digits"))
            }
        }
        var restored = false
        if digits.count == 4 {
            digits.insert(0x30, at: 0)
            restored = true
        }
        guard digits.count == 5 else { return .failure(ValidationFailure("a Spanish postal code has 5 digits")) }
        let province = Int(digits[0] - 0x30) * 10 + Int(digits[1] - 0x30)
        guard (1...52).contains(province) else {
            return .failure(ValidationFailure("a Spanish postal code starts with a province number from 01 to 52"))
        }
        return .success((String(decoding: digits, as: UTF8.self), restored))
    }

    /// The check on bytes, for the hot path: a valid code is written to `out` (5 bytes); false otherwise.
    static func normalize(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        var count = 0
        for byte in text {
            if isASCIIDigit(byte) {
                guard count < 5 else { return false }
                out[count] = byte
                count += 1
            } else if byte != 0x20 && byte != 0x09 {
                return false
            }
        }
        if count == 4 {
            for i in stride(from: 4, to: 0, by: -1) { out[i] = out[i - 1] }
            out[0] = 0x30
            count = 5
        }
        guard count == 5 else { return false }
        let province = Int(out[0] - 0x30) * 10 + Int(out[1] - 0x30)
        return province >= 1 && province <= 52
    }

    /// The INE province code of a valid postal code: its first two digits.
    public static func provinceCode(of code: String) -> String { String(code.prefix(2)) }
}
