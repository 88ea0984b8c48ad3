import Foundation
import Testing

@testable import FerryKit

/// The compiled, byte-level path must map every record it takes exactly as the ordinary path does:
/// the same output bytes, the same rejects, the same issues and counts. Each test converts one
/// input both ways and compares everything, and checks that the compiled path really took records.
@Suite struct CompiledMappingTests {
    /// What one conversion produced.
    struct Outcome: Equatable {
        var output: [UInt8]
        var rejects: [UInt8]
        var totals: RunTotals
        var issues: [String]
        var stats: WriteStats
        var compiled: Int
    }

    static func convert(
        _ input: String, from source: Profile, to target: Profile, format: FileFormat, compiled: Bool,
        scratch: Scratch, readOptions: ReadOptions = ReadOptions()
    ) throws -> Outcome {
        let name = compiled ? "compiled" : "ordinary"
        let output = scratch.path("\(name).\(format.rawValue)")
        let rejects = scratch.path("\(name)-rejects.csv")
        var conversion = MappedConversion(inputPath: input, readOptions: readOptions, source: source, target: target)
        conversion.usesCompiledMapping = compiled
        let writer = format.writer(into: try OutputFile(path: output))
        let result = try conversion.run(
            into: writer, rejects: try RejectsFile(path: rejects, inputMayGrowColumns: false))
        return Outcome(
            output: bytes(of: output), rejects: bytes(of: rejects), totals: result.totals,
            issues: result.issues.kept.map {
                "\($0.record) \($0.line) \($0.column ?? "-") \($0.action.rawValue) \($0.text(masked: false))"
            },
            stats: result.stats, compiled: result.compiledRecords)
    }

    /// Converts both ways and compares; returns how many records the compiled path took.
    @discardableResult
    static func compare(
        _ input: String, from source: Profile, to target: Profile, format: FileFormat = .ndjson,
        readOptions: ReadOptions = ReadOptions(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (compiled: Int, read: Int) {
        let scratch = Scratch()
        let fast = try convert(
            input, from: source, to: target, format: format, compiled: true, scratch: scratch, readOptions: readOptions)
        let slow = try convert(
            input, from: source, to: target, format: format, compiled: false, scratch: scratch, readOptions: readOptions
        )
        #expect(slow.compiled == 0, sourceLocation: sourceLocation)
        #expect(fast.totals == slow.totals, sourceLocation: sourceLocation)
        #expect(fast.stats == slow.stats, sourceLocation: sourceLocation)
        #expect(fast.issues == slow.issues, sourceLocation: sourceLocation)
        #expect(fast.rejects == slow.rejects, sourceLocation: sourceLocation)
        if fast.output != slow.output {
            let a = String(decoding: fast.output, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            let b = String(decoding: slow.output, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record(
                "outputs differ at line \(first + 1):\ncompiled: \(first < a.count ? a[first] : "<end>")\nordinary: \(first < b.count ? b[first] : "<end>")",
                sourceLocation: sourceLocation)
        }
        return (fast.compiled, fast.totals.read)
    }

    static func sample(rows: Int, seed: UInt64, scratch: Scratch) throws -> String {
        try writeSample(rows: rows, seed: seed, scratch, name: "sample-\(seed).csv")
    }

    @Test func sampleExportToMovinAndKoibox() throws {
        let scratch = Scratch()
        let input = try Self.sample(rows: 3000, seed: 7, scratch: scratch)
        let export = try ProfileCatalog.load(Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
        for target in ["movin", "koibox", "canonical"] {
            let (compiled, read) = try Self.compare(input, from: export, to: try ProfileCatalog.load(target))
            // Nearly every sample record is clean; the compiled path must be the one that took them.
            #expect(compiled > read * 9 / 10, "\(target): compiled \(compiled) of \(read)")
        }
        try Self.compare(input, from: export, to: try ProfileCatalog.load("movin"), format: .csv)
    }

    /// Values chosen to sit on every edge of the checks: each column takes one at random.
    static let hostile: [String: [String]] = [
        "nombre": [
            "", "  ", "Daniel", "JOSÉ LUIS", "josé luis", "MARÍA DE LA O", "maría", "ANA", "ana belén", "o'neill",
            "MARTÍN-SANZ",
            "  Ana   María ", "ÁLVARO", "McDonald", "\tLuis", "DE LA FUENTE", "y", "Ñandú", "ﬁona", "İlker",
            "Íñigo", "Óscar", "ÍÑIGO", "íñigo", "Ægir", "ÀNGEL", "àngel", "JOSé",
        ],
        "apellido1": [
            "", "GARCÍA", "garcia", "DE LA FUENTE", "del río", "San Martín", "VAN DER BERG", "o'connor", "Y", "DEL",
            "  ",
            "Pérez  Gil", "SAN-MARTÍN",
        ],
        "apellido2": ["", "López", "LOPEZ", "de la torre", "I PUIG", "x"],
        "dni": [
            "", "12345678Z", "12.345.678-z", "ES12345678Z", "1234567L", "X1234567L", "Y1234567X", "Z1234567R",
            "B12345674",
            "A58818501", "P2800000J", "Q2826000H", "N0032484H", "12345678A", "ABC", "12345678", "B1234567",
            "ES 12345678Z", "1234567890123",
            "x1234567l", "  12345678z  ", "K1234567L", "ñ1234567", "00000000T",
        ],
        "movil": [
            "", "612345678", "612 34 56 78", "+34 612 34 56 78", "0034612345678", "+34612345678", "912345678",
            "812345678",
            "712345678", "700000000", "5123", "+33 6 12 34 56 78", "+44 7911 123456", "612-345-678", "(612) 345 678",
            "612.345.678",
            "abc", "+", "++34612345678", "61234567", "6123456789", "963 123 456", "929123456", "949 00 00 00",
            "969004589", "969 46 10 05", "900123456", "+34 900 123 456", "+1 212 555 0100", "51", "0034 969004589",
        ],
        "fijo": ["", "912345678", "+34 91 234 56 78", "612345678", "1234", "+1 212 555 0100"],
        "email": [
            "", "ana@example.es", "Ana.Perez@Example.ES", " ana@x.com ", "ana@@x.com", "ana@x", "ana@x.c", "a..b@x.com",
            ".a@x.com",
            "ana@-x.com", "ana@x-.com", "ana@xn--bcher-kva.example", "ana@XN--bcher-kva.ex", "ñandú@correo.es",
            "ana@correo.españa",
            "a b@x.com", "ana@x.com.", "ana@x..com", "@x.com", "ana@", String(repeating: "a", count: 65) + "@x.com",
            "ana@x.c0m",
        ],
        "direccion": ["", "Calle Mayor, 1", "  Calle   Mayor  ", "Avda.\tde la Paz", "línea\nsegunda", "\"comillas\""],
        "localidad": ["", "Madrid", "  Alcalá   de Henares ", "L'Hospitalet"],
        "codigo_postal": ["", "28001", "8036", "08036", " 28001 ", "99999", "00123", "2800", "280011", "28-001", "5"],
        "provincia": [
            "", "Madrid", "Barcelona", "28", "08", "La Coruña", "Coruña, A", "madrid", "MADRID", "Álava", "Araba/Álava",
            "Neverland",
            "99", "Valencia", "Castellón", "Illes Balears",
        ],
        "fecha_nacimiento": [
            "", "11/02/1980", "1/2/1980", "31/02/1980", "29/02/2000", "29/02/1900", "01/01/1899", "01/01/2999",
            "1980-02-11", " 11/02/1980 ", "11/02/80", "aa/bb/cccc", "00/01/1990",
        ],
        "sexo": ["", "m", "h", "M", "H", "x", "mujer", "f"],
        "is_suscrito_newsletter": [
            "", "1", "0", "true", "FALSE", "sí", "SÍ", "si", "no", "x", "on", "off", "yes", "maybe", " 1 ", "2",
        ],
        "notas": ["", "Cliente habitual", "línea\r\ncon salto", "comillas \"dentro\"", "tab\there", "🙂 emoji"],
        "code": ["", "1", "42", "0042", "abc", "1.5", "-3"],
    ]

    @Test func hostileValuesMapTheSameBothWays() throws {
        let scratch = Scratch()
        var random = SystemRandomNumberGenerator()
        let columns = SampleCustomers.columns
        var rows = ["\(columns.joined(separator: ";"))"]
        for _ in 0..<4000 {
            let row = columns.map { column -> String in
                // Mostly a plain value (the second of each list), so some records are clean throughout.
                let choices = Self.hostile[column]!
                let value = Bool.random(using: &random) ? choices[1] : choices.randomElement(using: &random)!
                return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            rows.append(row.joined(separator: ";"))
        }
        let input = scratch.file("hostile.csv", rows.joined(separator: "\n") + "\n")
        let export = try ProfileCatalog.load(Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
        for target in ["movin", "koibox", "canonical"] {
            let (compiled, read) = try Self.compare(input, from: export, to: try ProfileCatalog.load(target))
            #expect(compiled > 0 && compiled < read, "\(target): compiled \(compiled) of \(read)")
        }
    }

    /// A mapping pair that uses what the built-in ones do not: joined columns, constants, defaults,
    /// choice tables, other date and yes/no styles, upper/lower/trim/digits, extras by name.
    @Test func everyCompiledFeatureAgrees() throws {
        let source = try ProfileCatalog.parse(
            yaml: """
                ferry: mapping 1
                name: features-in
                dates: d/M/yyyy
                fields:
                  - column: first
                    field: givenName
                    required: true
                    transforms: [trim, name_case]
                  - columns: [last1, last2]
                    field: familyName1
                    join: " "
                    transforms: [collapse_spaces]
                  - column: id
                    field: taxId
                  - column: kind
                    field: kind
                    values: {person: P, company: C}
                  - column: sex
                    field: gender
                  - column: lang
                    field: language
                  - column: country
                    field: countryCode
                  - column: stars
                    field: rating
                  - column: since
                    field: registeredAt
                    date_format: yyyy-MM-dd
                  - column: vip
                    field: vip
                  - column: phone
                    field: mobilePhone
                  - column: zip
                    field: postalCode
                  - column: tag
                    field: origin
                    transforms: [upper]
                  - column: ref
                    field: code
                    transforms: [digits]
                    default: "0"
                  - column: legacy
                """, file: "features-in.yaml")
        let target = try ProfileCatalog.parse(
            yaml: """
                ferry: mapping 1
                name: features-out
                dates: dd.MM.yyyy
                booleans: "sí/no"
                phones: national_digits
                fields:
                  - column: name
                    field: givenName
                    transforms: [lower]
                  - column: surname
                    field: familyName1
                  - column: nif
                    field: taxId
                  - column: type
                    field: kind
                    values: {person: persona, company: empresa}
                  - column: gender
                    field: gender
                  - column: lang
                    field: language
                  - column: country
                    field: countryCode
                  - column: rating
                    field: rating
                  - column: since
                    field: registeredAt
                  - column: vip
                    field: vip
                    booleans: "1/0"
                  - column: whatsapp
                    field: consentWhatsapp
                    system_default: true
                  - column: whatsapp_again
                    field: consentWhatsapp
                    system_default: true
                  - column: sms
                    field: consentSms
                    system_default: true
                  - column: mobile
                    field: mobilePhone
                  - column: zip
                    field: postalCode
                  - column: province
                    field: provinceCode
                    transforms: [province_code]
                  - column: origin
                    field: origin
                    default: web
                  - column: ref
                    field: code
                  - column: source
                    value: ferry
                  - column: legacy
                  - column: unknown
                """, file: "features-out.yaml")
        let values: [String: [String]] = [
            "first": ["Ana", " ANA ", "", "josé", "JOSÉ"], "last1": ["García", "", " DE  LA "], "last2": ["Pérez", ""],
            "id": ["12345678Z", "B12345674", "X1234567L", "bad", ""], "kind": ["P", "C", "p", "X", ""],
            "sex": ["female", "MALE", "Other", "f", ""], "lang": ["es", "CA", "español", "e", ""],
            "country": ["es", "FR", "ESP", ""],
            "stars": ["0", "5", "6", "2.0", "x", ""], "since": ["2020-01-31", "2020-02-30", "31/01/2020", ""],
            "vip": ["1", "no", "quizá", ""],
            "phone": ["612345678", "+34 712 345 678", "912345678", "+33612345678", ""],
            "zip": ["28001", "8001", "60000", ""], "tag": ["web", "Tienda", "ñu", ""], "ref": ["A-12", "007", "x", ""],
            "legacy": ["old", "", "  "],
        ]
        let columns = [
            "first", "last1", "last2", "id", "kind", "sex", "lang", "country", "stars", "since", "vip", "phone", "zip",
            "tag", "ref", "legacy",
        ]
        var random = SystemRandomNumberGenerator()
        var lines = [columns.joined(separator: ",")]
        for _ in 0..<3000 {
            lines.append(columns.map { "\"\(values[$0]!.randomElement(using: &random)!)\"" }.joined(separator: ","))
        }
        let scratch = Scratch()
        let input = scratch.file("features.csv", lines.joined(separator: "\n") + "\n")
        let (compiled, read) = try Self.compare(input, from: source, to: target)
        #expect(compiled > 0 && compiled < read, "compiled \(compiled) of \(read)")
        try Self.compare(input, from: source, to: target, format: .csv)
    }

    /// A plan's report (fill rates, samples, consents, duplicates, reasons) is the same whether the
    /// records went through the compiled path on several threads or the ordinary way on one.
    @Test func reportsAgree() throws {
        let scratch = Scratch()
        let input = try Self.sample(rows: 6000, seed: 3, scratch: scratch)
        let export = try ProfileCatalog.load(Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
        for targetName in ["movin", "koibox"] {
            let target = try ProfileCatalog.load(targetName)
            var reports: [RunReport] = []
            for compiled in [true, false] {
                let collector = ReportCollector(kind: .plan, source: export, target: target)
                var conversion = MappedConversion(inputPath: input, source: export, target: target)
                conversion.usesCompiledMapping = compiled
                conversion.workers = compiled ? 3 : 1
                var result = try conversion.run(into: DiscardingWriter(), report: collector)
                #expect(
                    (result.compiledRecords > 5000) == compiled, "\(targetName): compiled \(result.compiledRecords)")
                result.seconds = 0
                reports.append(collector.report(result: result, inputPath: input, showPII: true, createdAt: "now"))
            }
            #expect(reports[0] == reports[1], "\(targetName)")
            #expect(reports[0].duplicates.list.count > 0)
        }
    }

    /// The yes/no spellings are matched as packed words; each must still mean what its text says,
    /// in any case and with spaces around it.
    @Test func yesNoSpellingsMatchTheirText() {
        for (text, value) in BooleanStyle.spellings {
            #expect(BooleanStyle.digits.parse(text) == value, "\(text)")
            #expect(BooleanStyle.json.parse(" \(text.uppercased()) ") == value, "\(text)")
        }
        for text in ["", "2", "yess", "nope", "\u{0}1", "1\u{0}", "sì", "tru", "falsey"] {
            #expect(BooleanStyle.digits.parse(text) == nil, "\(text)")
        }
    }

    /// The e-mail check on bytes accepts exactly what the plainly written check accepts, and
    /// normalizes the same way.
    @Test func emailCheckOnBytesAgreesWithThePlainOne() {
        let pieces = [
            "a", "Z", "0", ".", "..", "-", "@", "_", "+", "ñ", " ", "\t", "xn--", "XN--", "es", "com", "é", "!", "\"",
            "(", "@@",
        ]
        var random = SystemRandomNumberGenerator()
        var valid = 0
        for _ in 0..<20_000 {
            // Mostly address-shaped: a local part, an @, a domain.
            let shaped = Bool.random(using: &random)
            let text =
                shaped
                ? ["a", "Ana.", "ñ", "x+y", ".b"].randomElement(using: &random)! + "@" + ["Ex", "xn--b", "-d", "co-"]
                    .randomElement(using: &random)! + "." + ["ES", "com", "c", "xn--p1ai", "XN--P1AI", "e1"]
                    .randomElement(using: &random)!
                : (0..<Int.random(in: 1...9, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                    .joined()
            let fast =
                text.utf8.withContiguousStorageIfAvailable { input in
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(input.count, 1)) { out in
                        EmailAddress.normalize(input, into: out.baseAddress!).map {
                            String(decoding: UnsafeBufferPointer(start: out.baseAddress, count: $0), as: UTF8.self)
                        }
                    }
                } ?? nil
            let plain = try? EmailAddress.parseSlowly(text).get()
            #expect(fast == plain, "\(text)")
            if plain != nil { valid += 1 }
        }
        #expect(valid > 1000, "only \(valid) valid addresses were tried")
    }

    /// The duplicate finder's radix sort orders like `sort()`, repeats and extremes included.
    @Test func radixSortOrdersLikeSort() {
        var random = SystemRandomNumberGenerator()
        for count in [0, 1, 63, 64, 65, 1000, 100_000] {
            var values = (0..<count).map { _ in
                Bool.random(using: &random)
                    ? UInt64.random(in: 0...UInt64.max, using: &random) : UInt64.random(in: 0...50, using: &random)
            }
            if count > 2 { values[0] = .max; values[1] = 0 }
            var sorted = values
            radixSort(&sorted)
            #expect(sorted == values.sorted(), "\(count) values")
        }
    }

    /// JSON input: values keep their kinds (numbers, nulls, nested objects) through extras.
    @Test func jsonInputAgrees() throws {
        let scratch = Scratch()
        var records: [String] = []
        for n in 0..<500 {
            let email = n % 3 == 0 ? "null" : "\"C\(n)@Example.com\""
            records.append(
                "{\"nombre\": \"ANA\", \"apellido1\": \"Ruiz\", \"email\": \(email), \"code\": \(n), \"extra\": {\"a\": [1, 2]}, \"flag\": true, \"movil\": \"6123456\(n % 10)\(n % 7)\"}"
            )
        }
        let input = scratch.file("in.ndjson", records.joined(separator: "\n") + "\n")
        for target in ["movin", "canonical"] {
            let (compiled, read) = try Self.compare(
                input, from: try ProfileCatalog.load("koibox"), to: try ProfileCatalog.load(target))
            #expect(compiled > read / 2, "\(target): compiled \(compiled) of \(read)")
        }
    }
}
