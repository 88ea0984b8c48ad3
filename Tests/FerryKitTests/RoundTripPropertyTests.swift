import Foundation
import PropertyBased
import Testing

@testable import FerryKit

/// Random fields full of delimiters, quotes, line breaks and non-ASCII text survive CSV → JSON → CSV.
@Suite struct RoundTripPropertyTests {
    static let alphabet: [Character] = Array("ab ,;|\t\"'\n\r\r\nñáéÉü€😀ß\\{}[]:0") + ["\r\n"]
    static let field = Gen.element(of: alphabet).array(of: 0...12).map { (characters: [Character?]) -> String in
        String(characters.compactMap { $0 })
    }
    static let table = field.array(of: 1...4).array(of: 1...6)

    @Test func csvToJSONToCSVKeepsEveryValue() async throws {
        await propertyCheck(
            count: 150, input: Self.table,
            Gen.element(of: [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(0x09), UInt8(ascii: "|")])
        ) { rows, chosen in
            let delimiter = chosen!
            let scratch = Scratch()
            let width = rows.map(\.count).max()!
            let header = (1...width).map { "col\($0)" }
            let padded = rows.map { $0 + Array(repeating: "", count: width - $0.count) }
            var options = CSVWriteOptions()
            options.delimiter = delimiter
            // Write the table with Ferry's CSV writer, from a JSON file written by hand.
            let objects = padded.map { row in Dictionary(uniqueKeysWithValues: zip(header, row)) }
            let json = try! JSONSerialization.data(withJSONObject: objects)
            let source = scratch.file("source.json", Array(json))
            var readJSON = ReadOptions()
            readJSON.format = .json
            try! convert(source, to: scratch.path("a.csv"), options: readJSON, csv: options)
            var readCSV = ReadOptions()
            readCSV.csv.delimiter = options.delimiter
            readCSV.csv.hasHeader = true
            try! convert(scratch.path("a.csv"), to: scratch.path("b.json"), options: readCSV)
            try! convert(scratch.path("b.json"), to: scratch.path("c.csv"), csv: options)
            let back = try! readAll(scratch.path("c.csv"), options: readCSV)
            #expect(back.records == objects)
            #expect(bytes(of: scratch.path("c.csv")) == bytes(of: scratch.path("a.csv")))
        }
    }
}
