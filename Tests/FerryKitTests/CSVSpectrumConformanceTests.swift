import Foundation
import Testing

@testable import FerryKit

/// Every case of the csv-spectrum acid test reproduces exactly.
@Suite struct CSVSpectrumConformanceTests {
    static let cases = [
        "comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "newlines", "newlines_crlf",
        "quotes_and_newlines", "simple", "simple_crlf", "utf8",
    ]

    @Test(arguments: cases)
    func reproducesExpectedRecords(name: String) throws {
        let folder = Repository.fixtures.appendingPathComponent("csv-spectrum")
        let result = try readAll(folder.appendingPathComponent("csvs/\(name).csv").path)
        let expectedData = try Data(contentsOf: folder.appendingPathComponent("json/\(name).json"))
        let expected = try JSONSerialization.jsonObject(with: expectedData) as! [[String: String]]
        #expect(result.records == expected)
        #expect(result.dialect?.hasHeader == true)
    }

    /// Upstream's expected file is inconsistent for this case: the CSV's own text is kept, and the
    /// quote inside the unquoted field is a literal character.
    @Test func locationCoordinatesKeepsItsTextAndLiteralQuotes() throws {
        let path = Repository.fixtures.appendingPathComponent("csv-spectrum/csvs/location_coordinates.csv").path
        let result = try readAll(path)
        #expect(result.columns == ["Contact Phone Number", "Location Coordinates", "Cities", "Counties"])
        #expect(
            result.records == [
                [
                    "Contact Phone Number": "2095257564",
                    "Location Coordinates": "37\u{FFFD}36'37.8\"N 121\u{FFFD}2'17.9\"W",
                    "Cities": "Modesto",
                    "Counties": "Stanislaus",
                ]
            ])
    }

    /// The conformance files written back out as CSV read back to the same records.
    @Test(arguments: cases)
    func survivesWritingBackToCSV(name: String) throws {
        let scratch = Scratch()
        let source = Repository.fixtures.appendingPathComponent("csv-spectrum/csvs/\(name).csv").path
        try convert(source, to: scratch.path("out.csv"))
        #expect(try readAll(scratch.path("out.csv")).records == readAll(source).records)
    }
}
