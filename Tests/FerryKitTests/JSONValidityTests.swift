import Foundation
import Testing

@testable import FerryKit

/// Whatever the input, JSON output is JSON: a value its column declares a number or a boolean is
/// written as one only when it is one.
@Suite struct JSONValidityTests {
    /// Pieces of text that make numbers, almost-numbers and other values.
    private static let pieces = [
        "0", "00", "0042", "42", "7", "-", "+", ".", ",", "5", "e", "E3", "1e", "12.5", "-0", "true", "false",
        "S", "N", "sí", "NaN", "Infinity", " ", "\"", "\\", "\n", "ñ", "x", "2026-02-30", "+34", "600123456",
        "12345678Z", "a@b.es", "28001", "{", "}",
    ]

    /// Random text in every column of every built-in profile, converted into every built-in profile
    /// as NDJSON and as a JSON array: Foundation's parser reads every output whole.
    @Test func randomTextInEveryColumnOfEveryProfileGivesValidJSON() throws {
        let scratch = Scratch()
        var random = SplitMix64(seed: 2042)
        for sourceName in ProfileCatalog.builtInNames {
            let source = try ProfileCatalog.load(sourceName)
            let columns = source.writtenColumns
            var csv = columns.map(Self.quoted).joined(separator: ",") + "\n"
            for _ in 0..<400 {
                let row = columns.map { _ -> String in
                    let count = Int(random.next() % 4)
                    return (0..<count).map { _ in Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }.joined()
                }
                csv += row.map(Self.quoted).joined(separator: ",") + "\n"
            }
            let input = scratch.file("\(sourceName).csv", csv)
            for targetName in ProfileCatalog.builtInNames {
                let target = try ProfileCatalog.load(targetName)
                for format in [FileFormat.ndjson, .json] {
                    let output = scratch.path("\(sourceName)-\(targetName).\(format.rawValue)")
                    let conversion = MappedConversion(inputPath: input, source: source, target: target)
                    let result = try conversion.run(into: format.writer(into: try OutputFile(path: output)))
                    let data = FileManager.default.contents(atPath: output) ?? Data()
                    var records = 0
                    if format == .json {
                        let parsed = try? JSONSerialization.jsonObject(with: data) as? [Any]
                        #expect(parsed != nil, "\(sourceName) → \(targetName): the JSON array does not parse")
                        records = parsed?.count ?? -1
                    } else {
                        for line in data.split(separator: 0x0A) {
                            let parsed = try? JSONSerialization.jsonObject(with: Data(line))
                            #expect(
                                parsed != nil,
                                "\(sourceName) → \(targetName): \(String(decoding: line, as: UTF8.self)) is not JSON")
                            records += 1
                        }
                    }
                    #expect(records == result.totals.written)
                }
            }
        }
    }

    /// A Koibox `code` is an integer: `0042` and `12.5` are not written as numbers; they are kept as
    /// text in `manual_code` (the entry's `fallback_column:`), and say so.
    @Test func aCodeThatIsNotAWholeNumberIsKeptInManualCode() throws {
        let scratch = Scratch()
        let input = scratch.file(
            "codes.csv", "code,givenName\n0042,Ana\n42,Eva\n12.5,Luz\n1e3,Sol\n-7,Mar\n")
        let output = scratch.path("out.ndjson")
        let result = try MappedConversion(
            inputPath: input, source: try ProfileCatalog.load("canonical"), target: try ProfileCatalog.load("koibox")
        ).run(into: FileFormat.ndjson.writer(into: try OutputFile(path: output)))
        let objects = text(of: output).split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
        }
        #expect(objects.map { ($0["code"] as? NSNumber)?.stringValue ?? "-" } == ["-", "42", "-", "-", "-7"])
        #expect(objects.map { $0["manual_code"] as? String ?? "-" } == ["0042", "-", "12.5", "1e3", "-"])
        #expect(result.issues.kept.map(\.value) == ["0042", "12.5", "1e3"])
        #expect(
            result.issues.kept.allSatisfy {
                $0.message == "this system takes a whole number here; kept as text in `manual_code`"
                    && $0.action == .kept
            })
    }

    /// Without a fallback column, a value its `type:` cannot hold is dropped with a warning.
    @Test func withoutAFallbackColumnAMisfitIsDropped() throws {
        let scratch = Scratch()
        let target = try mapping(
            """
            ferry: mapping 1
            fields:
              - column: numero
                field: code
                type: integer
            """, scratch)
        let input = scratch.file("codes.csv", "code,givenName\n0042,Ana\n42,Eva\n")
        let output = scratch.path("out.ndjson")
        let result = try MappedConversion(
            inputPath: input, source: try ProfileCatalog.load("canonical"), target: target
        ).run(into: FileFormat.ndjson.writer(into: try OutputFile(path: output)))
        #expect(text(of: output) == "{}\n{\"numero\":42}\n")
        #expect(result.issues.kept.map(\.action) == [.dropped])
    }

    /// `fallback_column:` and `on_clash:` are checked, each error on its line.
    @Test func aFallbackColumnMustBeAWrittenColumn() throws {
        let scratch = Scratch()
        let cases: [(String, String, Int)] = [
            ("    fallback_column: manual\n", "`fallback_column: manual` is not a written column", 6),
            ("    on_clash: reject\n", "`on_clash:` says what happens", 6),
            ("    fallback_column: texto\n    on_clash: maybe\n", "`on_clash:` is `fallback`", 7),
        ]
        for (extra, message, line) in cases {
            let error = ferryError {
                _ = try mapping(
                    """
                    ferry: mapping 1
                    fields:
                      - column: numero
                        field: code
                        type: integer
                    \(extra)  - column: texto
                    """, scratch)
            }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
            #expect(error?.location?.line == line)
        }
    }

    /// JSON's number grammar, held to Python's `json` module on the same texts.
    @Test func theNumberGrammarIsJSONs() {
        // Python's json.loads, with NaN refused and no space around, accepts exactly the first list.
        let numbers = ["0", "-0", "42", "-7", "12.5", "1e3", "1E+3", "1.5e-3", "0.0", "123456789012345678901234567890"]
        let others = [
            "", "-", "+5", "0042", "00", "1.", ".5", "1e", "1e+", "0x10", "1,5", " 1", "1 ", "NaN", "--1", "١",
        ]
        for text in numbers { #expect(JSONText.fits(text, kind: .number, wholeNumber: false), "\(text)") }
        for text in others { #expect(!JSONText.fits(text, kind: .number, wholeNumber: false), "\(text)") }
        for text in ["0", "-0", "42", "-7", "123456789012345678901234567890"] {
            #expect(JSONText.fits(text, kind: .number, wholeNumber: true), "\(text)")
        }
        for text in ["12.5", "1e3", "0.0", "0042"] { #expect(!JSONText.fits(text, kind: .number, wholeNumber: true)) }
        #expect(JSONText.fits("true", kind: .bool, wholeNumber: false))
        #expect(!JSONText.fits("S", kind: .bool, wholeNumber: false))
    }

    /// A mapping whose `value:` or `default:` cannot be written as its `type:` says so, with its line.
    @Test func aConstantThatIsNotItsTypeIsAMappingError() throws {
        let scratch = Scratch()
        let error = ferryError {
            _ = try mapping(
                """
                ferry: mapping 1
                fields:
                  - column: id_status
                    value: "open"
                    type: integer
                """, scratch)
        }
        #expect(error?.message.contains("`value: open` is not a whole number") == true)
        #expect(error?.location?.line == 5)
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
