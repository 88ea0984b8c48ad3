/// A province's name (`Madrid`, `Bizkaia`, `La Coruña`, `Coruña, A`) or INE code → its INE code (`28`);
/// writing gives the official name back.
struct ProvinceCode: Transform {
    static let name = "province_code"
    static let summary = "province name or INE code → INE code (2 digits); written back as the official name"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("the province is written with its official name") }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        guard let code = Province.code(ofName: text) else { return .failure(Province.failure) }
        return .success(code)
    }

    func write(_ text: String) -> String { Province.name(ofCode: text) ?? text }

    func readBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        Province.exactCode(text, into: out) ? 2 : nil
    }

    func writeBytes(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        guard text.count == 2, isASCIIDigit(text[0]), isASCIIDigit(text[1]) else { return copyBytes(text, to: out) }
        let number = Int(text[0] - 0x30) * 10 + Int(text[1] - 0x30)
        guard number >= 1, number <= 52 else { return copyBytes(text, to: out) }
        return Province.officialNameBytes[number - 1].withUnsafeBufferPointer { copyBytes($0, to: out) }
    }
}
