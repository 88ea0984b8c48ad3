import Foundation
import Testing

@testable import FerryKit

/// Quotes read as Python's csv module reads them: text after a closing quote is the unquoted rest
/// of the field, never a reopened quote that swallows the delimiters and lines after it.
@Suite struct CSVQuoteTests {
    /// The rows libcsv (as `LibCSVParser` drives it) makes of `text`, blank rows left out, and how
    /// many fields had text after their closing quote; nil rows when a quote is still open at the end.
    static func rows(of text: [UInt8]) -> (rows: [[String]]?, afterQuote: Int) {
        final class Rows {
            var rows: [[String]] = []
            var row: [String] = []
        }
        let collected = Rows()
        let context = Unmanaged.passUnretained(collected).toOpaque()
        let field: LibCSVParser.FieldCallback = { data, length, context in
            Unmanaged<Rows>.fromOpaque(context!).takeUnretainedValue().row.append(
                String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
        }
        let record: LibCSVParser.RecordCallback = { _, context in
            let collected = Unmanaged<Rows>.fromOpaque(context!).takeUnretainedValue()
            if !collected.row.isEmpty { collected.rows.append(collected.row) }
            collected.row = []
        }
        let parser = LibCSVParser(delimiter: UInt8(ascii: ";"), quote: 0x22)
        var afterQuote = 0
        text.withUnsafeBytes {
            parser.parse($0, context: context, field: field, record: record) { _ in afterQuote += 1 }
        }
        if parser.isInsideOpenQuote { return (nil, afterQuote) }
        parser.finish(context: context, field: field, record: record)
        return (collected.rows, afterQuote)
    }

    /// 4,000 random texts of quotes, delimiters, spaces, letters and line breaks (most malformed),
    /// read by Ferry's parser and by Python's csv module: the same rows and fields.
    @Test func randomTextsReadAsPythonReadsThem() throws {
        var random = SplitMix64(seed: 29)
        let alphabet = Array("a\"\"\"; \nx;\r".utf8)
        var texts: [[UInt8]] = []
        for _ in 0..<4_000 {
            let length = 1 + random.below(24)
            texts.append((0..<length).map { _ in alphabet[random.below(alphabet.count)] })
        }
        let script = """
            import csv, io, json, sys
            out = []
            for text in json.load(sys.stdin):
                rows = [row for row in csv.reader(io.StringIO(text, newline=''), delimiter=';') if row]
                out.append(rows)
            json.dump(out, sys.stdout)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let payload = try JSONSerialization.data(withJSONObject: texts.map { String(decoding: $0, as: UTF8.self) })
        input.fileHandleForWriting.write(payload)
        try input.fileHandleForWriting.close()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let python = try #require(try JSONSerialization.jsonObject(with: answer) as? [[[String]]])
        #expect(python.count == texts.count)
        var compared = 0, withTextAfterQuote = 0
        for (text, expected) in zip(texts, python) {
            let ours = Self.rows(of: text)
            // A quote open at the end is an error in Ferry's reader; Python closes the field.
            guard let rows = ours.rows else { continue }
            compared += 1
            if ours.afterQuote > 0 { withTextAfterQuote += 1 }
            #expect(rows == expected, "\(String(decoding: text, as: UTF8.self).debugDescription)")
        }
        #expect(compared > 2_000)
        #expect(withTextAfterQuote > 500)
    }

    /// The fields of the issue: text after a closing quote no longer merges the fields and lines
    /// after it into one; each is kept in its value and placed in a note.
    @Test func textAfterAClosingQuoteIsKeptAndPlaced() throws {
        let scratch = Scratch()
        let path = scratch.file(
            "quotes.csv",
            "nombre;apellido1;email\n\"Ana\" ;\"Ruiz\";ana@example.com\n\"Luis\"x;Gil;luis@example.com\nEva;\"Sanz\n\";\"eva\"@example.com\nPia;Roca;pia@example.com\n"
        )
        for chunk in [1 << 20, 1, 13] {
            var options = ReadOptions()
            options.csv.chunkBytes = chunk
            let read = try readAll(path, options: options)
            #expect(read.records.count == 4)
            #expect(read.records[0] == ["nombre": "Ana ", "apellido1": "Ruiz", "email": "ana@example.com"])
            #expect(read.records[1] == ["nombre": "Luisx", "apellido1": "Gil", "email": "luis@example.com"])
            #expect(read.records[2] == ["nombre": "Eva", "apellido1": "Sanz\n", "email": "eva@example.com"])
            #expect(read.records[3]["nombre"] == "Pia")
            #expect(read.lines == [2, 3, 4, 6])
            let notes = read.diagnostics.filter { $0.contains("closing quote") }
            let said =
                ": text follows the closing quote of this field; it is kept as the rest of the value, as Python's csv module reads it (check that the value is whole)"
            #expect(notes.count == 3, "\(read.diagnostics)")
            for (note, place) in zip(
                notes,
                [
                    "line 2, record 1, column 'nombre'", "line 3, record 2, column 'nombre'",
                    "line 5, record 3, column 'email'",
                ])
            {
                #expect(note.hasSuffix(place + said), "\(note)")
            }
        }
    }
}
