import Foundation
import Testing

@testable import FerryKit

@Suite struct SampleCustomersTests {
    func sample(rows: Int, seed: UInt64, _ scratch: Scratch, name: String = "s.csv") throws -> String {
        try writeSample(rows: rows, seed: seed, scratch, name: name)
    }

    /// `--messy`: most records carry at least one warning when read through the export's mapping,
    /// of every kind the issue lists; the clean sample of the same seed hardly any.
    @Test func aMessySampleHasAWarningInMostRecords() throws {
        let scratch = Scratch()
        func warned(messy: Bool) throws -> (records: Int, reasons: Set<String>) {
            let path = scratch.path(messy ? "messy.csv" : "clean.csv")
            var options = CSVWriteOptions()
            options.delimiter = UInt8(ascii: ";")
            try SampleCustomers(seed: 2, messy: messy).write(
                rows: 400, to: CSVWriter(file: try OutputFile(path: path), options: options))
            let source = try ProfileCatalog.load(
                Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
            let result = try MappedConversion(inputPath: path, source: source, target: try ProfileCatalog.load("movin"))
                .run(into: FileFormat.ndjson.writer(into: try OutputFile(path: scratch.path("out.ndjson"))))
            #expect(result.issues.total == result.issues.kept.count)
            return (Set(result.issues.kept.map(\.record)).count, Set(result.issues.kept.map(\.message)))
        }
        let messy = try warned(messy: true), clean = try warned(messy: false)
        #expect(messy.records > 300)
        #expect(clean.records < 60)
        for reason in ["check letter of this DNI", "phone number", "another province", "no such day in the calendar"] {
            #expect(messy.reasons.contains { $0.contains(reason) }, "\(reason) not in \(messy.reasons)")
        }
    }

    @Test func theSameSeedGivesTheSameFileAndAnotherSeedAnother() throws {
        let scratch = Scratch()
        let a = try sample(rows: 500, seed: 3, scratch, name: "a.csv")
        let b = try sample(rows: 500, seed: 3, scratch, name: "b.csv")
        let c = try sample(rows: 500, seed: 4, scratch, name: "c.csv")
        #expect(bytes(of: a) == bytes(of: b))
        #expect(bytes(of: a) != bytes(of: c))
    }

    @Test func customersLookSpanishAndConsistent() throws {
        let scratch = Scratch()
        let result = try readAll(try sample(rows: 3000, seed: 1, scratch))
        #expect(result.columns == SampleCustomers.columns)
        #expect(result.dialect?.delimiter == UInt8(ascii: ";"))
        let provinceCodes = Dictionary(uniqueKeysWithValues: SpanishData.provinces.map { ($0.name, $0.code) })
        var validDNI = 0, withTaxID = 0
        for record in result.records {
            // Postal codes keep their leading zero and match their province.
            let postal = record["codigo_postal"]!
            #expect(postal.count == 5)
            #expect(String(postal.prefix(2)) == provinceCodes[record["provincia"]!])
            let tax = record["dni"]!.uppercased().filter { $0.isLetter || $0.isNumber }
            if !tax.isEmpty {
                withTaxID += 1
                let digits =
                    tax.first!.isLetter
                    ? String(["X": "0", "Y": "1", "Z": "2"][tax.first!]!) + tax.dropFirst().dropLast()
                    : String(tax.dropLast())
                if let number = Int(digits), SampleCustomers.checkLetters[number % 23] == tax.last! { validDNI += 1 }
            }
            if let date = record["fecha_nacimiento"], !date.isEmpty {
                let parts = date.split(separator: "/")
                #expect(parts.count == 3 && parts[0].count == 2 && parts[1].count == 2 && parts[2].count == 4)
            }
        }
        #expect(Double(validDNI) / Double(withTaxID) > 0.95)
        #expect(Double(validDNI) / Double(withTaxID) < 1.0)
        let notes = result.records.compactMap { $0["notas"] }
        #expect(
            notes.contains { $0.contains(";") } && notes.contains { $0.contains("\"") }
                && notes.contains { $0.contains("\n") })
        let surnames = result.records.flatMap { [$0["apellido1"]!, $0["apellido2"]!] }
        #expect(surnames.contains { $0.hasPrefix("de la ") } && surnames.contains { $0.hasPrefix("del ") })
        #expect(result.records.contains { $0["movil"]!.hasPrefix("+34 ") })
    }
}
