import Foundation
import Testing

@testable import FerryKit

@Suite struct JSONReaderTests {
    @Test func readsATopLevelArrayOfObjectsWithTheirKinds() throws {
        let scratch = Scratch()
        let path = scratch.file(
            "x.json",
            #"[{"nombre": "Ana", "code": 7, "vip": true, "fijo": null, "provincia": {"id": 33, "text": "Madrid"}, "tags": [1, "a"]}]"#
        )
        let result = try readAll(path)
        #expect(
            result.records == [
                [
                    "nombre": "Ana", "code": "7", "vip": "true", "fijo": "", "provincia": #"{"id":33,"text":"Madrid"}"#,
                    "tags": #"[1,"a"]"#,
                ]
            ])
        #expect(
            result.kinds[0] == [
                "nombre": .string, "code": .number, "vip": .bool, "fijo": .null, "provincia": .json, "tags": .json,
            ])
    }

    @Test func readsNDJSONWithDifferentKeysPerLine() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.ndjson", "{\"a\":\"1\"}\n{\"b\":\"2\",\"a\":\"3\"}\n\n{}\n"))
        #expect(result.columns == ["a", "b"])
        #expect(result.records == [["a": "1"], ["b": "2", "a": "3"], [:]])
        #expect(result.lines == [1, 2, 4])
    }

    @Test func readsSeveralDjangoRESTPagesAndChecksTheirCount() throws {
        let scratch = Scratch()
        let page1 =
            #"{"count": 3, "next": "http://127.0.0.1/api/clientes/?limit=2&offset=2", "previous": null, "results": [{"id": 1}, {"id": 2}]}"#
        let page2 = #"{"count": 3, "next": null, "previous": "x", "results": [{"id": 3}]}"#
        let result = try readAll(scratch.file("x.json", page1 + "\n" + page2))
        #expect(result.columns == ["id"])
        #expect(result.records.map { $0["id"] } == ["1", "2", "3"])
        #expect(
            result.diagnostics == [
                "x.json: read 2 API pages".replacingOccurrences(of: "x.json", with: scratch.path("x.json"))
            ])
    }

    @Test func saysWhenPagesAreMissing() throws {
        let scratch = Scratch()
        let result = try readAll(
            scratch.file("x.json", #"{"count": 120, "next": "n", "previous": null, "results": [{"id": 1}]}"#))
        #expect(
            result.diagnostics.first?.contains(
                "the pages say 120 records in all but the file holds 1: some pages are missing") == true)
    }

    @Test func readsPagesInsideAnArrayAndResultsBeforeCount() throws {
        let scratch = Scratch()
        let result = try readAll(
            scratch.file(
                "x.json", #"[{"results": [{"id": 1}], "count": 2, "next": null}, {"count": 2, "results": [{"id": 2}]}]"#
            ))
        #expect(result.records.map { $0["id"] } == ["1", "2"])
        #expect(result.columns == ["id"])
    }

    @Test func anObjectWithOtherKeysBesideResultsIsARecord() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.json", #"{"nombre": "Ana", "count": 2, "results": [1, 2]}"#))
        #expect(result.records == [["nombre": "Ana", "count": "2", "results": "[1,2]"]])
    }

    @Test func unescapesStringsIncludingSurrogatePairs() throws {
        let scratch = Scratch()
        let result = try readAll(
            scratch.file("x.json", #"[{"a": "l\u00ednea 1\nl\u00EDnea 2 \"x\" \\ \/ \ud83d\ude00 ñ"}]"#))
        #expect(result.records[0]["a"] == "línea 1\nlínea 2 \"x\" \\ / 😀 ñ")
    }

    @Test func invalidJSONIsAnErrorWithLineAndColumn() throws {
        let scratch = Scratch()
        let path = scratch.file("x.json", "[\n  {\"a\": 1},\n  {\"a\": 2,, \"b\": 3}\n]")
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.location?.line == 3)
        #expect(error?.location?.lineColumn == 11)
        #expect(error?.message.contains("invalid JSON") == true)
    }

    @Test func aValueThatIsNotAnObjectIsAnErrorNamingItsPosition() throws {
        let scratch = Scratch()
        let path = scratch.file("x.json", "[{\"a\": 1},\n \"texto\"]")
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.message.contains("record 2 is a string, not an object") == true)
        #expect(error?.location?.line == 2)
    }

    @Test func anOversizeValueInAFirstObjectThatMayBeAPageIsAnErrorNotACrash() throws {
        // Found by scripts/fuzz (Tests/FuzzCrashers/json): the first object's columns are not known
        // until it ends, and the message looked its column up before then.
        let scratch = Scratch()
        let path = scratch.file("x.json", "{\"count\": \"" + String(repeating: "x", count: 100) + "\", \"n\": 0}")
        var options = ReadOptions()
        options.csv.maxFieldBytes = 64
        let error = ferryError { _ = try readAll(path, options: options) }
        #expect(error?.message.contains("larger than the limit of 64 bytes") == true)
        #expect(error?.location?.line == 1)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let scratch = Scratch()
        let path = scratch.file(
            "x.json", "[{\"a\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}]"
        )
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.message.contains("nested deeper than 512 levels") == true)
    }

    @Test(arguments: [
        "[{\"a\": \"x", "[{\"a\": 1}", "{\"a\": tru}", "[{\"a\": 01}]", "[{\"a\": \"x\ny\"}]", "[{\"a\": \"\\q\"}]",
        "[{a: 1}]", "[{\"a\": 1}] ]",
    ])
    func malformedInputsAreLocatedErrors(json: String) throws {
        let scratch = Scratch()
        let path = scratch.file("x.json", json)
        let error = ferryError { _ = try readAll(path) }
        #expect(error != nil)
        #expect(error?.location?.line != nil)
        #expect(error?.exitStatus == 3)
    }

    @Test func anEncodingErrorFarIntoTheFileStopsTheRunInsteadOfEndingIt() throws {
        let scratch = Scratch()
        var bytes = Array("[\n".utf8)
        for i in 0..<20_000 { bytes += Array("{\"n\": \"\(i) ñ\"},\n".utf8) }
        bytes += Array("{\"n\": \"x".utf8) + [0xFF] + Array("\"}]\n".utf8)
        let path = scratch.file("x.json", bytes)
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.message.contains("0xFF is not valid UTF-8") == true)
        #expect(error?.location?.line == 20_002)
    }

    @Test func anEncodingErrorInTheFirstBytesIsNotReportedAsAnEmptyFile() throws {
        let scratch = Scratch()
        let error = ferryError {
            _ = try readAll(scratch.file("x.json", Array("[{\"a\": \"ñ".utf8) + [0xFF] + Array("\"}]".utf8)))
        }
        #expect(error?.message.contains("not valid UTF-8") == true)
    }

    /// RFC 8259 allows a key twice; the last value counts, in the first one's place, as Python's
    /// json reads it, and the objects that do it are counted in a note.
    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        let scratch = Scratch()
        let path = scratch.file(
            "x.ndjson",
            """
            {"a": "1", "b": "x", "a": "2"}
            {"a": "q", "c": {"k": 1, "k": 2}, "b": "y", "b": "z", "b": "v"}
            {"b": "w"}

            """)
        let result = try readAll(path)
        #expect(result.records == [["a": "2", "b": "x"], ["a": "q", "b": "v", "c": #"{"k":1,"k":2}"#], ["b": "w"]])
        #expect(result.columns == ["a", "b", "c"])
        #expect(
            result.diagnostics.contains {
                $0.hasSuffix(
                    "3 objects give a key more than once (the first: 'a', on line 1); the last value of each counts, as most JSON readers take it (values nested in a record are passed on as written)"
                )
            }, "\(result.diagnostics)")
        // Where Ferry reads inside a nested value (`json_key`, `extras`), the last value counts too.
        #expect(JSONText.objectMembers(#"{"text": "A", "id": 3, "text": "B"}"#)?.map(\.value) == ["B", "3"])
        let many = "{" + (0..<40).map { "\"k\($0 % 20)\": \($0)" }.joined(separator: ",") + "}"
        #expect(JSONText.objectMembers(many)?.map(\.value) == (20..<40).map(String.init))
    }

    /// Random records of a few keys, many repeated, read by Ferry and by Python's json: the same values.
    @Test func repeatedKeysReadAsPythonReadsThem() throws {
        var random = SplitMix64(seed: 41)
        var lines: [String] = []
        for _ in 0..<500 {
            let members = (0..<(1 + random.below(6))).map { _ in
                "\"\(["a", "b", "c"][random.below(3)])\": \"\(random.below(100))\""
            }
            lines.append("{" + members.joined(separator: ", ") + "}")
        }
        let scratch = Scratch()
        let path = scratch.file("random.ndjson", lines.joined(separator: "\n") + "\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c", "import json, sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))", path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let python = try #require(try JSONSerialization.jsonObject(with: answer) as? [[String: String]])
        let result = try readAll(path)
        #expect(result.records == python)
        #expect(result.diagnostics.contains { $0.contains("give a key more than once") })
    }

    @Test func emptyAndWhitespaceOnlyFilesHaveTheirOwnMessages() throws {
        let scratch = Scratch()
        #expect(ferryError { _ = try readAll(scratch.file("a.json", "")) }?.message == "the file is empty (0 bytes)")
        #expect(
            ferryError { _ = try readAll(scratch.file("b.json", " \n")) }?.message
                == "the file holds only whitespace, no JSON")
        #expect(
            ferryError { _ = try readAll(scratch.file("c.json", [0xEF, 0xBB, 0xBF])) }?.message.contains(
                "byte-order mark") == true)
    }

    @Test func theKoiboxSamplePageReads() throws {
        let result = try readAll(Repository.sampleData.appendingPathComponent("koibox-clientes-page.json").path)
        #expect(result.records.count == 3)
        #expect(result.records[0]["provincia"] == #"{"id":33,"value":33,"text":"Madrid"}"#)
        #expect(result.records[2]["notas"] == "Paga en efectivo;\nsiempre puntual")
    }

    /// The same 300 records in every layout the reader knows, by name; the records come from `seed`.
    static func layouts(seed: UInt64) -> [String: String] {
        var random = SplitMix64(seed: seed)
        let records = (0..<300).map { index in
            var members = ["\"n\": \(index)", "\"text\": \"a\\\"}{,\\n ñ \(random.below(1000))\""]
            if random.below(3) == 0 { members.append("\"nested\": {\"k\": [1, {\"x\": \"]\"}]}") }
            if random.below(4) == 0 { members.append("\"odd\": \"line ends in }\"") }
            return "{" + members.joined(separator: ", ") + "}"
        }
        let pretty = records.map { $0.replacingOccurrences(of: ", \"", with: ",\n  \"") }
        return [
            "ndjson": records.joined(separator: "\n") + "\n",
            "crlf": records.joined(separator: "\r\n") + "\r\n",
            "pretty": pretty.joined(separator: "\n") + "\n",
            "several per line": stride(from: 0, to: records.count, by: 3).map {
                records[$0..<min($0 + 3, records.count)].joined(separator: " ")
            }.joined(separator: "\n"),
            "array, one per line": "[\n" + records.joined(separator: ",\n") + "\n]\n",
            "array, commas first": "[\n  " + records.joined(separator: "\n, ") + "\n]",
            "array, pretty": "[\n" + pretty.joined(separator: ",\n") + "\n]",
            "array, on one line": "[" + records.joined(separator: ",") + "]",
            "pages, one per line":
                "{\"count\": 300, \"results\": [\n" + records[..<150].joined(separator: ",\n")
                + "\n]}\n{\"results\": [\n" + records[150...].joined(separator: ",\n") + "], \"count\": 300}\n",
            "pages in an array": "[{\"results\": [" + records[..<10].joined(separator: ",\n") + "]},\n"
                + records[10...].joined(separator: ",\n") + "]",
        ]
    }

    /// The same records laid out as exports lay them out, and as they may be laid out: one per line,
    /// over several lines, several on a line, in an array with its commas anywhere, in pages. Each
    /// layout reads to the same records, on the lines Python's json finds them (the line shortcut
    /// takes one-per-line layouts; the scanner the others).
    @Test func everyLayoutOfTheSameRecordsReadsTheSame() throws {
        let layouts = Self.layouts(seed: 20)
        let scratch = Scratch()
        let expected = try readAll(scratch.file("reference.ndjson", layouts["ndjson"]!)).records
        #expect(expected.count == 300)
        #expect(expected[0]["text"]?.hasPrefix("a\"}{,\n ñ ") == true)
        for (name, text) in layouts {
            let path = scratch.file(name.replacingOccurrences(of: " ", with: "-") + ".json", text)
            let result = try readAll(path)
            #expect(result.records == expected, "\(name)")
            // Each record's line is where Python finds its opening brace.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                "-c",
                """
                import json, re, sys
                text = open(sys.argv[1], encoding="utf-8").read()
                lines = [text.count("\\n", 0, m.start()) + 1 for m in re.finditer(r'\\{"n"', text)]
                print(json.dumps(lines))
                """, path,
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let answer = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let lines = try #require(try JSONSerialization.jsonObject(with: answer) as? [Int])
            #expect(result.lines == lines, "\(name)")
        }
    }

    /// JSON is UTF-8: a Windows-1252 byte is an error at its place, not a reason to guess the encoding;
    /// a user who names the encoding gets it.
    @Test func aWindows1252ByteInJSONIsAnErrorAtItsPlace() throws {
        let scratch = Scratch()
        let bytes = Array("[\n{\"nombre\": \"Mu".utf8) + [0xF1] + Array("oz\"}\n]\n".utf8)
        let path = scratch.file("x.json", bytes)
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.message.contains("byte 0xF1 is not valid UTF-8") == true, "\(String(describing: error))")
        #expect(error?.location?.line == 2)
        #expect(error?.location?.lineColumn == 15)
        var options = ReadOptions()
        options.csv.encoding = .windows1252
        #expect(try readAll(path, options: options).records == [["nombre": "Muñoz"]])
    }

    @Test func aJSONValueKeepsNumbersAsWrittenAndItsMembersInOrder() throws {
        let value = try #require(
            JSONValue(
                parsing:
                    #" {"id": 12345678901234567890123, "x": 1.50, "b": false, "n": null, "id": "\u00e9", "a": [1, {"k": "v"}]} "#
            ))
        #expect(value["id"] == .string("é"))
        #expect(value.uniqueMembers?.map(\.key) == ["id", "x", "b", "n", "a"])
        #expect(
            value.compactText()
                == #"{"id":12345678901234567890123,"x":1.50,"b":false,"n":null,"id":"é","a":[1,{"k":"v"}]}"#)
        #expect(JSONValue(parsing: "12345678901234567890123")?.scalarText == "12345678901234567890123")
        #expect(JSONValue(parsing: "2.0")?.scalarText == "2")
        for invalid in ["", "{", "[1,]", "{\"a\": 01}", "{\"a\": 1} x", "\"\\q\"", "tru", "nul", "{a: 1}"] {
            #expect(JSONValue(parsing: invalid) == nil, "\(invalid)")
        }
    }
}
