import Foundation
import Testing

@testable import FerryKit

@Suite struct WriterTests {
    @Test func csvQuotesOnlyWhenNeeded() throws {
        let scratch = Scratch()
        let input = scratch.file(
            "in.json", #"[{"a": "plain", "b": "x,y", "c": "dice \"hola\"", "d": "1\n2", "e": " espacios ", "f": 12}]"#)
        try convert(input, to: scratch.path("out.csv"))
        #expect(
            text(of: scratch.path("out.csv"))
                == "a,b,c,d,e,f\r\nplain,\"x,y\",\"dice \"\"hola\"\"\",\"1\n2\", espacios ,12\r\n")
    }

    /// Random values full of delimiters, quotes and line breaks, at every place in values of every
    /// length (so the eight-byte scan and the bytes after it both meet them), written as CSV with
    /// either delimiter, read back by Python's csv module as the values they were.
    @Test func randomValuesReadBackByPythonAsWritten() throws {
        var random = SplitMix64(seed: 41)
        let alphabet = Array("aaaa,;\"\n\r=é ".unicodeScalars).map(String.init)
        let records = (0..<1_500).map { _ in
            (0..<3).map { _ in (0..<random.below(21)).map { _ in alphabet[random.below(alphabet.count)] }.joined() }
        }
        let scratch = Scratch()
        let objects = records.map { values in Dictionary(uniqueKeysWithValues: zip(["a", "b", "c"], values)) }
        let json = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
        let input = scratch.file("random.json", String(decoding: json, as: UTF8.self))
        for delimiter in [",", ";"] {
            var options = CSVWriteOptions()
            options.delimiter = UInt8(ascii: Unicode.Scalar(delimiter)!)
            let output = scratch.path("random-\(delimiter == "," ? "comma" : "semicolon").csv")
            try convert(input, to: output, csv: options)
            let script = """
                import csv, json, sys
                with open(sys.argv[1], newline='', encoding='utf-8') as f:
                    json.dump(list(csv.reader(f, delimiter=sys.argv[2])), sys.stdout)
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, output, delimiter]
            let answer = Pipe()
            process.standardOutput = answer
            try process.run()
            let data = answer.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String]])
            #expect(rows.first == ["a", "b", "c"])
            #expect(Array(rows.dropFirst()) == records, "delimiter \(delimiter)")
        }
    }

    @Test func csvDelimiterLineEndAndByteOrderMarkAreSelectable() throws {
        let scratch = Scratch()
        let input = scratch.file("in.csv", "a,b\n1;2,3\n")
        var options = CSVWriteOptions()
        options.delimiter = UInt8(ascii: ";")
        options.crlf = false
        options.byteOrderMark = true
        try convert(input, to: scratch.path("out.csv"), csv: options)
        #expect(bytes(of: scratch.path("out.csv")) == [0xEF, 0xBB, 0xBF] + Array("a;b\n\"1;2\";3\n".utf8))
    }

    @Test func aSingleColumnWithAnEmptyValueIsQuotedSoTheRecordSurvives() throws {
        let scratch = Scratch()
        let input = scratch.file("in.json", #"[{"a": "1"}, {"a": ""}, {"a": "3"}]"#)
        try convert(input, to: scratch.path("out.csv"))
        #expect(try readAll(scratch.path("out.csv")).records == [["a": "1"], ["a": ""], ["a": "3"]])
    }

    @Test func jsonOutputEscapesControlCharactersAndKeepsKinds() throws {
        let scratch = Scratch()
        let input = scratch.file(
            "in.json", #"[{"a": "x\u0001\t\"y\"", "n": -1.5e3, "b": false, "z": null, "o": {"k": [1]}}]"#)
        try convert(input, to: scratch.path("out.ndjson"))
        #expect(
            text(of: scratch.path("out.ndjson"))
                == #"{"a":"x\u0001\t\"y\"","n":-1.5e3,"b":false,"z":null,"o":{"k":[1]}}"# + "\n")
    }

    @Test func anEmptyInputGivesAnEmptyJSONArray() throws {
        let scratch = Scratch()
        try convert(scratch.file("in.csv", "a,b\n"), to: scratch.path("out.json"))
        #expect(text(of: scratch.path("out.json")) == "[]\n")
    }

    @Test func aFailedRunLeavesNoOutputAndNoTemporaryFile() throws {
        let scratch = Scratch()
        let input = scratch.file("in.csv", "a,b\n" + String(repeating: "1,2\n", count: 100_000) + "3,4,5\n")
        let error = ferryError { try convert(input, to: scratch.path("out.csv")) }
        #expect(error?.location?.record == 100_001)
        #expect(scratch.contents == ["in.csv"])
    }

    @Test func aFailedRunLeavesAnEarlierGoodOutputUntouched() throws {
        let scratch = Scratch()
        let good = scratch.file("good.csv", "a\n1\n")
        try convert(good, to: scratch.path("out.json"))
        let before = bytes(of: scratch.path("out.json"))
        let bad = scratch.file("bad.csv", "a,b\n1,2\n1\n")
        #expect(ferryError { try convert(bad, to: scratch.path("out.json")) } != nil)
        #expect(bytes(of: scratch.path("out.json")) == before)
    }

    @Test func aMissingOutputFolderIsAClearError() throws {
        let scratch = Scratch()
        let error = ferryError { _ = try OutputFile(path: scratch.path("no/such/out.csv")) }
        #expect(error?.message.contains("does not exist") == true)
        #expect(error?.exitStatus == 3)
    }

    @Test func outputFilesAreReadableOnlyByTheirOwner() throws {
        let scratch = Scratch()
        try convert(scratch.file("in.csv", "a\n1\n"), to: scratch.path("out.csv"))
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.path("out.csv"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func jsonInputWithVaryingKeysBecomesCSVWithEveryColumn() throws {
        let scratch = Scratch()
        let input = scratch.file("in.ndjson", "{\"a\":\"1\"}\n{\"b\":\"2\"}\n{\"c\":\"3\",\"a\":\"4\"}\n")
        try convert(input, to: scratch.path("out.csv"))
        #expect(text(of: scratch.path("out.csv")) == "a,b,c\r\n1,,\r\n,2,\r\n4,,3\r\n")
    }
}
