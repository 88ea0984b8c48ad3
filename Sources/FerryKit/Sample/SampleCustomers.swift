/// Deterministic, realistic synthetic Spanish customers with Koibox field names: the data behind the
/// demo, the tests and the benchmarks. The same seed always gives the same file.
public struct SampleCustomers {
    /// The columns, in order.
    public static let columns = [
        "code", "nombre", "apellido1", "apellido2", "dni", "movil", "fijo", "email", "direccion", "localidad",
        "codigo_postal", "provincia", "fecha_nacimiento", "sexo", "is_suscrito_newsletter", "notas",
    ]

    public let seed: UInt64
    /// Damage most records the ways real exports are damaged (`ferry sample --messy`).
    public let messy: Bool

    public init(seed: UInt64 = 1, messy: Bool = false) {
        self.seed = seed
        self.messy = messy
    }

    /// Writes `rows` customers with `writer`, in batches.
    public func write(rows: Int, to writer: any RecordWriter) throws {
        var random = SplitMix64(seed: seed)
        let totalWeight = SpanishData.provinces.reduce(0) { $0 + $1.weight }
        var batch = RecordBatch()
        try writer.begin(columns: Self.columns)
        var row = 0
        do {
            while row < rows {
                batch.removeAll()
                let end = min(rows, row + 2048)
                while row < end {
                    row += 1
                    batch.beginRecord()
                    var values = customer(number: row, random: &random, totalWeight: totalWeight)
                    if messy { damage(&values, &random) }
                    for (column, value) in values.enumerated() {
                        batch.appendField(column: column, kind: .string, bytes: value.utf8)
                    }
                    batch.endRecord(number: row, line: row + 1)
                }
                try writer.write(batch, columns: Self.columns)
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }

    private func customer(number: Int, random: inout SplitMix64, totalWeight: Int) -> [String] {
        let female = random.chance(0.52)
        let given = female ? random.pick(SpanishData.femaleNames) : random.pick(SpanishData.maleNames)
        let surname1 =
            random.chance(0.06) ? random.pick(SpanishData.compoundSurnames) : random.pick(SpanishData.surnames)
        let surname2 =
            random.chance(0.05)
            ? "" : random.chance(0.06) ? random.pick(SpanishData.compoundSurnames) : random.pick(SpanishData.surnames)
        let province = pickProvince(&random, totalWeight: totalWeight)
        let town = province.towns[random.below(province.towns.count)]
        let postalBase = Int(town.postalCode)!
        let postalCode = pad(postalBase + random.below(town.postalCode.hasSuffix("001") ? 40 : 8), 5)
        return [
            String(number),
            random.chance(0.003) ? "" : given,
            surname1,
            surname2,
            taxID(&random),
            mobile(&random),
            random.chance(0.6) ? "" : landline(province.landlinePrefix, &random),
            random.chance(0.12) ? "" : email(given, surname1, &random),
            random.chance(0.08)
                ? "" : "\(random.pick(SpanishData.streets)), \(1 + random.below(180))\(random.pick(SpanishData.doors))",
            town.name,
            postalCode,
            province.name,
            random.chance(0.1)
                ? "" : "\(pad(1 + random.below(28), 2))/\(pad(1 + random.below(12), 2))/\(1935 + random.below(72))",
            random.chance(0.05) ? "" : (female ? "m" : "h"),
            random.chance(0.2) ? "" : (random.chance(0.55) ? "1" : "0"),
            random.chance(0.55) ? "" : random.pick(SpanishData.notes),
        ]
    }

    /// What messy exports hold: nine records in ten get one or two of a wrong DNI letter, an
    /// impossible phone, a province that contradicts the postal code, a date that does not exist,
    /// and names in capitals.
    private func damage(_ values: inout [String], _ random: inout SplitMix64) {
        guard random.chance(0.9) else { return }
        for _ in 0..<(random.chance(0.3) ? 2 : 1) {
            switch random.below(5) {
            case 0:
                var id = Array(values[4].uppercased())
                if id.count == 9, let letter = Self.checkLetters.firstIndex(of: id[8]) {
                    id[8] = Self.checkLetters[(letter + 1 + random.below(22)) % 23]
                    values[4] = String(id)
                } else {
                    values[4] = "\(pad(random.below(100_000_000), 8))\(random.pick(["A", "I", "O", "U"]))"
                }
            case 1:
                values[5] = random.pick([
                    "6\(pad(random.below(1_000_000), 6))", "5\(pad(random.below(100_000_000), 8))", "000 000 000",
                ])
            case 2:
                let others = SpanishData.provinces.filter { $0.name != values[11] }
                values[11] = others[random.below(others.count)].name
            case 3:
                values[12] =
                    random.pick(["31/02/", "30/02/", "00/05/", "12/13/", "32/01/"]) + String(1935 + random.below(72))
            default:
                values[1] = values[1].uppercased()
                values[2] = values[2].uppercased()
            }
        }
    }

    private func pickProvince(_ random: inout SplitMix64, totalWeight: Int) -> SpanishData.Province {
        var ticket = random.below(totalWeight)
        for province in SpanishData.provinces {
            if ticket < province.weight { return province }
            ticket -= province.weight
        }
        return SpanishData.provinces[27]
    }

    static let checkLetters = Array("TRWAGMYFPDXBNJZSQVHLCKE")

    /// Mostly valid DNIs, some NIEs, a few with a wrong letter, written the ways exports write them.
    private func taxID(_ random: inout SplitMix64) -> String {
        if random.chance(0.03) { return "" }
        let isNIE = random.chance(0.08)
        let prefix = isNIE ? random.below(3) : 0
        let digits = isNIE ? random.below(10_000_000) : random.below(100_000_000)
        let value = isNIE ? prefix * 10_000_000 + digits : digits
        var letter = Self.checkLetters[value % 23]
        if random.chance(0.02) { letter = Self.checkLetters[(value + 1 + random.below(22)) % 23] }
        let body = isNIE ? "\(["X", "Y", "Z"][prefix])\(pad(digits, 7))" : pad(digits, 8)
        if !isNIE && random.chance(0.04) {
            let text = Array(body)
            return "\(String(text[0..<2])).\(String(text[2..<5])).\(String(text[5..<8]))-\(letter)"
        }
        return random.chance(0.03) ? (body + String(letter)).lowercased() : body + String(letter)
    }

    private func mobile(_ random: inout SplitMix64) -> String {
        if random.chance(0.04) { return "" }
        // 71–74: the 7 ranges libphonenumber knows as mobile.
        let first = random.chance(0.9) ? "6" : "7\(1 + random.below(4))"
        let number = first + pad(random.below(first.count == 1 ? 100_000_000 : 10_000_000), first.count == 1 ? 8 : 7)
        let d = Array(number)
        switch random.below(20) {
        case 0, 1: return "+34 \(String(d[0..<3])) \(String(d[3..<5])) \(String(d[5..<7])) \(String(d[7..<9]))"
        case 2, 3: return "\(String(d[0..<3])) \(String(d[3..<6])) \(String(d[6..<9]))"
        case 4: return "0034\(number)"
        case 5: return "\(String(d[0..<3]))-\(String(d[3..<6]))-\(String(d[6..<9]))"
        default: return number
        }
    }

    private func landline(_ prefix: String, _ random: inout SplitMix64) -> String {
        prefix + pad(random.below(Int(pow10(9 - prefix.count))), 9 - prefix.count)
    }

    private func email(_ given: String, _ surname: String, _ random: inout SplitMix64) -> String {
        let user = asciiFolded(given.split(separator: " ").first.map(String.init) ?? given) + "." + asciiFolded(surname)
        let suffix = random.chance(0.4) ? String(random.below(100)) : ""
        return user + suffix + "@" + random.pick(SpanishData.emailDomains)
    }

    /// Lower case, accents removed, only letters, digits and hyphens.
    private func asciiFolded(_ text: String) -> String {
        let table: [Character: Character] = [
            "á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ü": "u", "ñ": "n", "ç": "c", "'": "-",
        ]
        return String(
            text.lowercased().compactMap { character -> Character? in
                if let plain = table[character] { return plain }
                return character.isASCII && (character.isLetter || character.isNumber || character == "-")
                    ? character : nil
            })
    }

    private func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { value, _ in value * 10 } }
}

/// Zero-padded decimal.
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// A small, fast, seedable random number generator (SplitMix64): the same seed gives the same
/// sequence on every machine, which the sample data depends on.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// One element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T { elements[below(elements.count)] }

    /// A number in `0..<1`.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }
}
