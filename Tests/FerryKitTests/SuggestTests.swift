import Foundation
import Testing

@testable import FerryKit

/// `ferry mapping suggest` on exports it has never seen (Tests/FerryKitTests/Fixtures/suggest,
/// written by make-corpus.py): Spanish programs, English CRMs, lying and blank headers.
@Suite struct SuggestAccuracyTests {
    static let folder = Repository.fixtures.appendingPathComponent("suggest")

    /// The share of columns mapped to the right field (or rightly left unmapped), per file and in
    /// all; `scripts/suggest-accuracy` prints these lines. The goal is 95%.
    @Test func columnsAreMappedCorrectly() throws {
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
            as! [String: [String: Any]]
        var right = 0, total = 0
        var lines: [String] = []
        for (file, columns) in expected.sorted(by: { $0.key < $1.key }) {
            let suggestion = try MappingSuggestion.suggest(Self.folder.appendingPathComponent(file).path)
            var fileRight = 0
            var misses: [String] = []
            for column in suggestion.columns {
                guard let want = columns[column.name] else {
                    Issue.record("\(file): column '\(column.name)' is not in expected.json")
                    continue
                }
                let got = column.fields.isEmpty ? nil : column.fields.map(\.rawValue).joined(separator: "+")
                if got == want as? String {
                    fileRight += 1
                } else {
                    misses.append("\(column.name) → \(got ?? "nothing"), not \(want as? String ?? "nothing")")
                }
            }
            #expect(suggestion.columns.count == columns.count, "\(file)")
            right += fileRight
            total += columns.count
            lines.append(
                "suggest accuracy: \(file): \(fileRight)/\(columns.count)"
                    + (misses.isEmpty ? "" : " — missed: " + misses.joined(separator: "; ")))
        }
        lines.append("suggest accuracy: all: \(right)/\(total) = \(Double(right * 1000 / total) / 10)%")
        print(lines.joined(separator: "\n"))
        #expect(expected.count >= 6)
        #expect(Double(right) >= 0.95 * Double(total), "\(lines.joined(separator: "\n"))")
    }

    /// Every suggested mapping loads as it is, and reads its own file.
    @Test func suggestedMappingsLoadAndRead() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
        where file.hasSuffix(".csv") || file.hasSuffix(".tsv") {
            let path = Self.folder.appendingPathComponent(file).path
            let suggestion = try MappingSuggestion.suggest(path)
            let profile = try ProfileCatalog.parse(
                yaml: suggestion.yaml(name: "t", date: "2026-11-23"), file: file + ".yaml")
            let result = try MappedConversion(
                inputPath: path, source: profile, target: ProfileCatalog.load("canonical")
            )
            .run(into: DiscardingWriter())
            #expect(result.totals.read == 80, "\(file)")
            #expect(result.totals.written == 80, "\(file)")
            // Dates are read with the format the values showed: none is dropped as unreadable.
            #expect(
                !result.issues.kept.contains { $0.message.hasPrefix("not a date") },
                "\(file): \(result.issues.kept.prefix(3))")
        }
    }

    @Test func headersAreMatchedWithoutAccentsCasePunctuation() {
        let cases: [(String, HeaderVocabulary.Meaning)] = [
            ("Nombre", .field(.givenName)), ("First name", .field(.givenName)),
            ("Primer apellido", .field(.familyName1)),
            ("Apellidos", .surnames), ("NIF", .field(.taxId)), ("D.N.I.", .field(.taxId)),
            ("Tel. móvil", .field(.mobilePhone)),
            ("Tlf", .phone), ("Correo electrónico", .field(.email)), ("E-mail", .field(.email)),
            ("C.P.", .field(.postalCode)),
            ("ZIP", .field(.postalCode)), ("Población", .field(.city)), ("Town", .field(.city)),
            ("F. nacimiento", .field(.birthDate)),
            ("Observaciones", .field(.notes)), ("TELÉFONO MÓVIL DEL CLIENTE", .field(.mobilePhone)),
        ]
        for (header, meaning) in cases {
            #expect(HeaderVocabulary.meaning(of: header)?.meaning == meaning, "\(header)")
        }
        #expect(HeaderVocabulary.meaning(of: "Saldo") == nil)
        #expect(HeaderVocabulary.meaning(of: "column_3") == nil)
    }

    @Test func valuesOverruleAHeaderThatSaysSomethingElse() {
        let emails = (1...20).map { "persona\($0)@example.es" }
        let columns = MappingSuggestion.decide(headers: ["Teléfono"], contents: [ColumnContent.analyze(emails)])
        #expect(columns[0].fields == [.email])
        #expect(columns[0].reason.contains("whatever the header"))
    }

    @Test func noFieldIsMappedTwice() {
        let mobiles = (0..<20).map { "6\(String(format: "%08d", 12_345_678 + $0 * 7919))" }
        let columns = MappingSuggestion.decide(
            headers: ["Móvil", "Tel. móvil", "Teléfono"],
            contents: Array(repeating: ColumnContent.analyze(mobiles), count: 3))
        let fields = columns.flatMap(\.fields)
        #expect(Set(fields).count == fields.count)
        #expect(columns[0].fields == [.mobilePhone])
        #expect(columns[2].fields == [.otherPhone])
    }
}
