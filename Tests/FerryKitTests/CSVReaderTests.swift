import Foundation
import Testing

@testable import FerryKit

@Suite struct CSVDialectDetectionTests {
    @Test(arguments: [
        (",", UInt8(ascii: ",")), (";", UInt8(ascii: ";")), ("\t", UInt8(0x09)), ("|", UInt8(ascii: "|")),
    ])
    func detectsTheDelimiter(delimiter: String, byte: UInt8) throws {
        let scratch = Scratch()
        let rows = [
            ["nombre", "notas", "cp"], ["Ana", "uno, dos; tres", "28001"], ["Luis", "a|b", "08001"],
            ["Eva", "", "41001"],
        ]
        let text =
            rows.map {
                $0.map {
                    $0.contains(delimiter) || $0.contains(",") || $0.contains(";") || $0.contains("|")
                        ? "\"\($0)\"" : $0
                }.joined(separator: delimiter)
            }.joined(separator: "\n") + "\n"
        let result = try readAll(scratch.file("x.csv", text))
        #expect(result.dialect?.delimiter == byte)
        #expect(result.records[0]["notas"] == "uno, dos; tres")
    }

    @Test func aSemicolonFileWithCommasInItsValuesIsSemicolonSeparated() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", "nombre;direccion;saldo\nAna;Calle Mayor, 5;12,50\nLuis;Gran Vía, 1;0,00\n")
        let result = try readAll(path)
        #expect(result.dialect?.delimiter == UInt8(ascii: ";"))
        #expect(result.records[0]["saldo"] == "12,50")
    }

    @Test(arguments: [("\n", CSVDialect.LineEnding.lf), ("\r\n", .crlf), ("\r", .cr)])
    func detectsLineEndsAndReadsEach(ending: String, expected: CSVDialect.LineEnding) throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", ["a,b", "1,2", "3,4"].joined(separator: ending) + ending)
        let result = try readAll(path)
        #expect(result.dialect?.lineEnding == expected)
        #expect(result.records == [["a": "1", "b": "2"], ["a": "3", "b": "4"]])
        #expect(result.lines == [2, 3])
    }

    @Test func mixedLineEndsAreReportedAsMixed() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "a,b\r\n1,2\n3,4\r\n"))
        #expect(result.dialect?.lineEnding == .mixed)
        #expect(result.records.count == 2)
    }

    @Test func aFileWithoutHeaderGetsNumberedColumns() throws {
        let scratch = Scratch()
        let result = try readAll(
            scratch.file("x.csv", "12345678Z;612345678;ana@example.es\n87654321X;699111222;luis@example.es\n"))
        #expect(result.dialect?.hasHeader == false)
        #expect(result.columns == ["column_1", "column_2", "column_3"])
        #expect(result.records.count == 2)
        #expect(result.records[0]["column_1"] == "12345678Z")
        #expect(result.numbers == [1, 2])
    }

    @Test func theHeaderOptionOverridesDetection() throws {
        let scratch = Scratch()
        var options = ReadOptions()
        options.csv.hasHeader = false
        let result = try readAll(scratch.file("x.csv", "a,b\n1,2\n"), options: options)
        #expect(result.records == [["column_1": "a", "column_2": "b"], ["column_1": "1", "column_2": "2"]])
    }

    @Test func detectsASingleQuoteAsQuoteCharacter() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "'nombre','notas'\n'Ana','uno, dos'\n'Luis','tres'\n"))
        #expect(result.dialect?.quote == UInt8(ascii: "'"))
        #expect(result.records[0]["notas"] == "uno, dos")
    }

    @Test func aDoubledApostropheIsNotTakenForSingleQuotes() throws {
        // Found by the round-trip property test: a value `''` alone made `'` the quote character.
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "col1\r\n''\r\n"))
        #expect(result.dialect?.quote == UInt8(ascii: "\""))
        #expect(result.records == [["col1": "''"]])
    }

    @Test func theDelimiterOptionOverridesDetection() throws {
        let scratch = Scratch()
        var options = ReadOptions()
        options.csv.delimiter = UInt8(ascii: "|")
        let result = try readAll(scratch.file("x.csv", "a,b|c\n1,2|3\n"), options: options)
        #expect(result.columns == ["a,b", "c"])
    }
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsKeepDelimitersQuotesAndLineBreaks() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", "a;b;c\n\"x;y\";\"dice \"\"hola\"\"\";\"línea 1\r\nlínea 2\nlínea 3\"\n")
        let result = try readAll(path)
        #expect(result.records == [["a": "x;y", "b": "dice \"hola\"", "c": "línea 1\r\nlínea 2\nlínea 3"]])
    }

    @Test func aQuoteInsideAnUnquotedFieldIsLiteral() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "a,b\n5'10\",x\"y\n"))
        #expect(result.records == [["a": "5'10\"", "b": "x\"y"]])
    }

    @Test func spacesAroundValuesAreKept() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "a,b\n  Ana  ,\t612\t\n"))
        #expect(result.records == [["a": "  Ana  ", "b": "\t612\t"]])
    }

    @Test func lineNumbersCountLineBreaksInsideFieldsAndBlankLines() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", "a,b\n1,\"x\ny\nz\"\n\n2,3\r\n\r\n4,5\n")
        let result = try readAll(path)
        #expect(result.numbers == [1, 2, 3])
        #expect(result.lines == [2, 6, 8])
        #expect(result.diagnostics.contains { $0.contains("skipped 2 blank lines") })
    }

    @Test func aRaggedRowIsAnErrorThatNamesItsPlace() throws {
        let scratch = Scratch()
        let path = scratch.file("clientes.csv", "a,b,c\n1,2,3\n\"x\ny\",2\n")
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.location == Location(file: path, line: 3, record: 2))
        #expect(error?.message.contains("2 fields") == true)
        #expect(error?.hint?.contains("--allow-ragged") == true)
        #expect(error?.exitStatus == 3)
    }

    @Test func allowingRaggedRowsFillsMissingFieldsAndKeepsExtraOnes() throws {
        let scratch = Scratch()
        var options = ReadOptions()
        options.csv.allowRagged = true
        let result = try readAll(scratch.file("x.csv", "a,b,c\n1\n1,2,3,4,5\n"), options: options)
        #expect(result.columns == ["a", "b", "c", "_extra_1", "_extra_2"])
        #expect(
            result.records == [
                ["a": "1", "b": "", "c": ""], ["a": "1", "b": "2", "c": "3", "_extra_1": "4", "_extra_2": "5"],
            ])
        #expect(result.diagnostics.count == 2)
    }

    @Test func duplicateAndBlankHeadersAreMadeUniqueAndReported() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "email,Email,email,,email_2\n1,2,3,4,5\n"))
        #expect(result.columns == ["email", "Email", "email_3", "column_4", "email_2"])
        #expect(result.diagnostics.count == 2)
    }

    @Test func anEmptyFileHasItsOwnMessage() throws {
        let scratch = Scratch()
        let error = ferryError { _ = try readAll(scratch.file("x.csv", "")) }
        #expect(error?.message == "the file is empty (0 bytes)")
    }

    @Test func aByteOrderMarkOnlyFileHasItsOwnMessage() throws {
        let scratch = Scratch()
        let error = ferryError { _ = try readAll(scratch.file("x.csv", [0xEF, 0xBB, 0xBF])) }
        #expect(error?.message.contains("only a byte-order mark") == true)
    }

    @Test func aHeaderOnlyFileHasNoRecordsAndSaysSo() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", "nombre;email\r\n"))
        #expect(result.columns == ["nombre", "email"])
        #expect(result.records.isEmpty)
        #expect(result.diagnostics.contains { $0.contains("has a header (2 columns) but no records") })
    }

    @Test func anUnclosedQuoteIsAnErrorAtTheLineItOpens() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", "a,b\n1,2\n3,\"abc\n4,5\n")
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.location?.line == 3)
        #expect(error?.message.contains("never closed") == true)
    }

    @Test func aFieldOverTheLimitIsAnErrorNotAnAllocation() throws {
        let scratch = Scratch()
        var options = ReadOptions()
        options.csv.maxFieldBytes = 1000
        let path = scratch.file("x.csv", "a,b\n1,\"" + String(repeating: "x", count: 600_000) + "\"\n")
        let error = ferryError { _ = try readAll(path, options: options) }
        #expect(error?.location?.column == "b")
        #expect(error?.message.contains("larger than the limit of 1000 bytes") == true)
    }

    @Test func theDefaultFieldLimitIsOneMebibyte() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", "a\n" + String(repeating: "y", count: (1 << 20) + 1) + "\n")
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.message.contains("1 MiB") == true)
        let fits = scratch.file("y.csv", "a\n" + String(repeating: "y", count: 1 << 20) + "\n")
        #expect(try readAll(fits).records[0]["a"]?.utf8.count == 1 << 20)
    }

    @Test func recordsAcrossManyChunksArriveWholeAndInOrder() throws {
        let scratch = Scratch()
        var text = "n;nota\n"
        for i in 1...30_000 { text += "\(i);\"línea \(i)\nsegunda; \"\"parte\"\"\"\n" }
        let result = try readAll(scratch.file("x.csv", text))
        #expect(result.records.count == 30_000)
        #expect(result.records[29_999] == ["n": "30000", "nota": "línea 30000\nsegunda; \"parte\""])
        #expect(result.lines.last == 2 + 2 * 29_999)
    }
}
