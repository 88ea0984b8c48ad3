/// A province's name (`Madrid`, `Bizkaia`, `La Coruña`, `Coruña, A`) or INE code → its INE code (`28`);
/// writing gives the official name back.
struct ProvinceCode: Transform {
    static let name = "province_code"
    static let summary = "province name or INE code → INE code (2 digits); written back as the official name"
    init(argument: String?) {}
    var inverse: Inverse { .normalizes("the province is written with its official name") }

    func read(_ text: String) -> Result<String, ValidationFailure> {
        guard let code = Province.code(ofName: text) else {
            return .failure(ValidationFailure("not a Spanish province name or INE code"))
        }
        return .success(code)
    }

    func write(_ text: String) -> String { Province.name(ofCode: text) ?? text }
}
