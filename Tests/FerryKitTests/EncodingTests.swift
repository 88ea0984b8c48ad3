import Foundation
import Testing

@testable import FerryKit

@Suite struct EncodingTests {
    let text = "nombre;ciudad;nota\nJosé;Cádiz;€ 5, ñandú\n"

    @Test func readsUTF8WithAndWithoutByteOrderMark() throws {
        let scratch = Scratch()
        let plain = try readAll(scratch.file("a.csv", text))
        let bom = try readAll(scratch.file("b.csv", [0xEF, 0xBB, 0xBF] + Array(text.utf8)))
        #expect(plain.records == bom.records)
        #expect(bom.columns.first == "nombre")
        #expect(bom.encoding.hasByteOrderMark && bom.encoding.encoding == .utf8)
        #expect(plain.records[0]["nota"] == "€ 5, ñandú")
    }

    @Test(arguments: [TextEncoding.utf16LE, .utf16BE])
    func readsUTF16WithByteOrderMark(encoding: TextEncoding) throws {
        let scratch = Scratch()
        let data = ("\u{FEFF}" + text).data(using: encoding == .utf16LE ? .utf16LittleEndian : .utf16BigEndian)!
        let result = try readAll(scratch.file("x.csv", Array(data)))
        #expect(result.encoding.encoding == encoding)
        #expect(result.records == [["nombre": "José", "ciudad": "Cádiz", "nota": "€ 5, ñandú"]])
    }

    @Test func detectsAndTranscodesWindows1252() throws {
        let scratch = Scratch()
        let data = text.data(using: .windowsCP1252)!
        let result = try readAll(scratch.file("x.csv", Array(data)))
        #expect(result.encoding.encoding == .windows1252)
        #expect(result.records[0]["nota"] == "€ 5, ñandú")
    }

    @Test func aByteWindows1252LeavesUndefinedMeansISO88591() throws {
        let scratch = Scratch()
        let result = try readAll(scratch.file("x.csv", Array("a,b\nJos".utf8) + [0xE9, 0x2C, 0x81] + [0x0A]))
        #expect(result.encoding.encoding == .iso8859_1)
        #expect(result.records[0]["a"] == "José")
        #expect(result.records[0]["b"] == "\u{81}")
    }

    @Test func aWindows1252FileThatStartsWithPagesOfASCIIIsStillDecodedRight() throws {
        let scratch = Scratch()
        var bytes = Array("n;nombre\n".utf8)
        for i in 0..<20_000 { bytes += Array("\(i);Ana\n".utf8) }
        bytes += Array("20000;Mu".utf8) + [0xF1] + Array("oz\n".utf8)
        let result = try readAll(scratch.file("x.csv", bytes))
        #expect(result.encoding.encoding == .windows1252)
        #expect(result.records.last?["nombre"] == "Muñoz")
    }

    @Test func invalidUTF8AfterValidUTF8IsAnErrorThatSaysWhere() throws {
        let scratch = Scratch()
        let path = scratch.file("x.csv", Array("a,b\n1,café\n2,caf".utf8) + [0xE9] + Array("\n".utf8))
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.location?.line == 3)
        #expect(error?.location?.byteOffset == 17)
        #expect(error?.message.contains("0xE9 is not valid UTF-8") == true)
        #expect(error?.hint?.contains("--encoding windows-1252") == true)
    }

    @Test func invalidUTF8FarIntoALargeFileIsAnError() throws {
        let scratch = Scratch()
        var bytes = Array("a,b\n".utf8)
        for i in 0..<30_000 { bytes += Array("\(i),ñ\n".utf8) }
        bytes += [0x78, 0x2C, 0xFF, 0x0A]
        let path = scratch.file("x.csv", bytes)
        let error = ferryError { _ = try readAll(path) }
        #expect(error?.location?.line == 30_002)
    }

    @Test func aNamedEncodingIsUsedInsteadOfDetection() throws {
        let scratch = Scratch()
        var options = ReadOptions()
        options.csv.encoding = .iso8859_1
        let result = try readAll(scratch.file("x.csv", Array("a\n".utf8) + [0xC3, 0xA9, 0x0A]), options: options)
        #expect(result.records[0]["a"] == "Ã©")
    }

    @Test func theMessyWindows1252SampleReadsWithAccentsIntact() throws {
        var options = ReadOptions()
        options.csv.allowRagged = true
        let result = try readAll(
            Repository.sampleData.appendingPathComponent("export-windows1252.csv").path, options: options)
        #expect(result.encoding.encoding == .windows1252)
        #expect(result.dialect?.delimiter == UInt8(ascii: ";"))
        #expect(result.dialect?.lineEnding == .crlf)
        #expect(result.columns.prefix(4) == ["Código", "Nombre", "Apellidos", "NIF"])
        #expect(result.records[3]["Nombre"] == "Íñigo")
        #expect(result.records[3]["Observaciones"] == "Alergia al látex;\r\nrevisar antes de cada cita")
        #expect(result.records.count == 10)
    }
}
