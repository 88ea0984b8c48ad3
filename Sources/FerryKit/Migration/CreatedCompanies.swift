/// The ids the target gave the companies a migration created, by name: what a person's member
/// `created: company` refers to (Movin's `companies[].id_customer`). Made from the journal once
/// the migration's first phase has created the companies, so a resumed run finds them too. Names
/// are compared as `CreatedCompanies.folded` makes them, through the journal's keyed hash: the
/// journal holds no name.
final class CreatedCompanies: Sendable {
    private let maker: RecordIdentities.Maker
    private let ids: [String: String]

    /// `ids`: the target's id of each company, by `tag(of:maker:)` of its name.
    init(maker: RecordIdentities.Maker, ids: [String: String]) {
        self.maker = maker
        self.ids = ids
    }

    /// Whether the migration created the company of this key (`tag(of:maker:)`).
    func contains(tag: String) -> Bool { ids[tag] != nil }

    /// The target's id of the company of this name, when the migration created it.
    func id(named name: String) -> String? { ids[Self.tag(of: name, maker: maker)] }

    /// The journal's key for a company's name.
    static func tag(of name: String, maker: RecordIdentities.Maker) -> String {
        maker.tag("company\u{1F}" + folded(name))
    }

    /// A company's name as names are compared: case, accents, spacing and the dots and commas of
    /// `S.L.` or `S.A.,` aside, so `ACME, S.L.` and `Acme SL` are one company.
    static func folded(_ name: String) -> String {
        MatchKeys.folded(String(name.unicodeScalars.filter { $0 != "." && $0 != "," }.map(Character.init)))
    }
}
