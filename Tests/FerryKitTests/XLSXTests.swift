import Foundation
import Testing

@testable import FerryKit

/// The .xlsx reader and writer, checked against openpyxl and xlsx2csv (Debian's python3-openpyxl and
/// xlsx2csv, which scripts/test installs) on the committed workbooks in Fixtures/xlsx (made by
/// openpyxl, make-workbooks.py, and by libxlsxwriter through Ferry) and on workbooks Ferry writes.
@Suite struct XLSXTests {
    static let folder = Repository.fixtures.appendingPathComponent("xlsx")
    static func fixture(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// openpyxl's reading of a sheet (`data_only`: formulas give their cached value): per row with
    /// content, its number and each non-empty cell as [kind, text] by 0-based column. Dates as ISO
    /// (with the time when it is not midnight), times as HH:MM:SS, numbers as Python writes them.
    static func openpyxl(_ path: String, sheet: String) throws -> [(
        row: Int, cells: [Int: (kind: String, text: String)]
    )] {
        let script = """
            import datetime, json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
            out = []
            for row in wb[sys.argv[2]].iter_rows():
                cells = {}
                for c in row:
                    v = c.value
                    if v is None or v == "":
                        continue
                    if isinstance(v, bool): t = ["bool", "true" if v else "false"]
                    elif isinstance(v, datetime.datetime):
                        t = ["date", v.date().isoformat() if v.time() == datetime.time(0) else v.isoformat(timespec="seconds")]
                    elif isinstance(v, datetime.date): t = ["date", v.isoformat()]
                    elif isinstance(v, datetime.time): t = ["date", v.isoformat(timespec="seconds")]
                    elif isinstance(v, (int, float)): t = ["number", repr(v)]
                    else: t = ["text", str(v)]
                    cells[c.column - 1] = t
                if cells:
                    out.append({"row": row[0].row, "cells": cells})
            print(json.dumps(out))
            """
        let answer = try python(script, [path, sheet])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [[String: Any]])
        return rows.map { row in
            let cells = (row["cells"] as? [String: [String]]) ?? [:]
            return (
                row["row"] as? Int ?? 0,
                Dictionary(uniqueKeysWithValues: cells.map { (Int($0.key)!, ($0.value[0], $0.value[1])) })
            )
        }
    }

    static func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3: \(String(decoding: complaint, as: UTF8.self))")
        return String(decoding: answer, as: UTF8.self)
    }

    /// Every row Ferry reads is the row openpyxl reads, cell by cell, and no row after the header is
    /// left out.
    static func expectSameAsOpenpyxl(_ path: String, sheet: String, headerRow: Int, date1904: Bool = false) throws {
        var options = ReadOptions()
        options.sheet = sheet
        let ferry = try readAll(path, options: options)
        let reference = try openpyxl(path, sheet: sheet)
        let header = try #require(reference.first { $0.row == headerRow })
        for (column, name) in ferry.columns.enumerated() where header.cells[column] != nil {
            #expect(header.cells[column]?.text == name, "header column \(column + 1)")
        }
        let records = reference.filter { $0.row > headerRow }
        #expect(ferry.lines == records.map(\.row), "the rows read, by number")
        for (index, row) in records.enumerated() where index < ferry.records.count {
            var values: [Int: (kind: ValueKind, text: String)] = [:]
            for (name, value) in ferry.records[index] where !value.isEmpty {
                let column = try #require(ferry.columns.firstIndex(of: name))
                values[column] = (ferry.kinds[index][name] ?? .string, value)
            }
            #expect(Set(values.keys) == Set(row.cells.keys), "row \(row.row): the cells with content")
            for (column, expected) in row.cells {
                guard let value = values[column] else { continue }
                switch expected.kind {
                case "number":
                    #expect(value.kind == .number, "row \(row.row) column \(column + 1) is a number")
                    #expect(Double(value.text) == Double(expected.text), "row \(row.row) column \(column + 1)")
                case "bool":
                    #expect(value.kind == .bool && value.text == expected.text, "row \(row.row) column \(column + 1)")
                case "date"
                where !expected.text.contains("-") && value.text.hasPrefix(date1904 ? "1904-01-01" : "1899-12-31"):
                    // Serial 0 (below 1) with a date format: openpyxl reads a time of day, Excel shows
                    // the epoch's day (1904-01-01), as Ferry reads it.
                    #expect(expected.text == "00:00:00")
                default:
                    #expect(value.text == expected.text, "row \(row.row) column \(column + 1)")
                }
            }
        }
    }

    @Test func aWorkbookMadeByOpenpyxlReadsAsOpenpyxlReadsIt() throws {
        try Self.expectSameAsOpenpyxl(Self.fixture("clientes-openpyxl.xlsx"), sheet: "Clientes", headerRow: 3)
        try Self.expectSameAsOpenpyxl(Self.fixture("clientes-openpyxl.xlsx"), sheet: "Otra", headerRow: 1)
        try Self.expectSameAsOpenpyxl(Self.fixture("mac1904-openpyxl.xlsx"), sheet: "Mac", headerRow: 1, date1904: true)
    }

    @Test func aWorkbookMadeByLibxlsxwriterReadsAsOpenpyxlReadsIt() throws {
        try Self.expectSameAsOpenpyxl(Self.fixture("clientes-libxlsxwriter.xlsx"), sheet: "Sheet1", headerRow: 1)
    }

    /// Prefixed elements (`x:row`), parts found through the relationships (`strings.xml`), rich text
    /// runs joined and the phonetic reading left out, cells and rows without `r`, spaces kept, a
    /// custom date format with quoted text and a locale, a string formula's value.
    @Test func aHandWrittenWorkbookWithPrefixesReadsAsOpenpyxlReadsIt() throws {
        try Self.expectSameAsOpenpyxl(Self.fixture("handmade-prefixed.xlsx"), sheet: "Clientes", headerRow: 1)
        let result = try readAll(Self.fixture("handmade-prefixed.xlsx"))
        #expect(result.records[0]["nombre"] == "Ana María" && result.records[0]["notas"] == "  con espacios  ")
        #expect(result.records.map { $0["nacimiento"] ?? "" } == ["1990-01-01", "2000-01-01"])
    }

    @Test func datesComeFromTheNumberFormatNeverAsSerials() throws {
        let result = try readAll(Self.fixture("clientes-openpyxl.xlsx"))
        // The first visible sheet: 'Oculta' is hidden.
        #expect(result.columns.first == "nombre")
        let births = result.records.map { $0["fecha_nacimiento"] ?? "" }
        // 32874 in dd/mm/yyyy, 59 in the built-in mm-dd-yy (before Lotus's 29 February), 1900-03-01.
        #expect(births == ["1990-05-12", "1985-01-02", "1990-01-01", "1900-02-28", "1900-03-01"])
        #expect(result.records[0]["alta"] == "2021-03-04T10:30:15")
        #expect(result.records[0]["hora"] == "09:45:00")
        #expect(result.records[2]["alta"] == "2021-01-01T12:00:00")
        // Text stays text: the postal code keeps its zero, the phone with spaces is as typed.
        #expect(result.records[0]["codigo_postal"] == "08001")
        #expect(result.records[4]["movil"] == " 611 22 33 44 ")
        #expect(result.kinds[1]["movil"] == .number)
        let mac = try readAll(Self.fixture("mac1904-openpyxl.xlsx"))
        #expect(mac.records.map { $0["fecha_nacimiento"] ?? "" } == ["1990-05-12", "1904-01-01"])
        #expect(mac.records[0]["ultima_cita"] == "2024-02-29T18:00:00")
    }

    @Test func titleRowsAndCellsPastTheHeaderAreNoted() throws {
        let result = try readAll(Self.fixture("clientes-openpyxl.xlsx"))
        #expect(
            result.diagnostics.contains {
                $0.contains("skipped 1 row above the header") && $0.contains("Listado de clientes")
            })
        #expect(result.columns.last == "column_12")
        #expect(result.records[2]["column_12"] == "más allá del encabezado")
        #expect(result.diagnostics.contains { $0.contains("sheet 'Clientes', row 7") })
        #expect(result.diagnostics.contains { $0.contains("formula error") })
    }

    @Test func aMergedHeaderCellNamesEveryColumnItCovers() throws {
        let result = try readAll(Self.fixture("merged-openpyxl.xlsx"))
        #expect(
            result.columns == [
                "nombre", "dirección", "dirección_2", "dirección_3", "email", "teléfonos", "teléfonos_2",
            ])
        #expect(result.records[0]["dirección_3"] == "Madrid" && result.records[0]["teléfonos_2"] == "912345678")
        #expect(
            result.diagnostics.contains { $0.contains("header cells B1:D1 are merged: 'dirección' names 3 columns") })
        #expect(result.diagnostics.contains { $0.contains("header cells F1:G1 are merged") })
        try Self.expectSameAsOpenpyxl(Self.fixture("merged-openpyxl.xlsx"), sheet: "Fusionadas", headerRow: 1)
    }

    @Test func withoutAHeaderEveryRowIsARecord() throws {
        var options = ReadOptions()
        options.csv.hasHeader = false
        options.sheet = "Otra"
        let result = try readAll(Self.fixture("clientes-openpyxl.xlsx"), options: options)
        #expect(result.columns == ["column_1", "column_2"])
        #expect(result.records == [["column_1": "a", "column_2": "b"], ["column_1": "1.5", "column_2": "x"]])
        #expect(result.lines == [1, 2])
    }

    @Test func sheetsAreChosenByNameOrNumberAndAWrongOneListsThem() throws {
        var options = ReadOptions()
        options.sheet = "3"
        #expect(
            try readAll(Self.fixture("clientes-openpyxl.xlsx"), options: options).records == [["a": "1.5", "b": "x"]])
        options.sheet = "otra"
        #expect(try readAll(Self.fixture("clientes-openpyxl.xlsx"), options: options).columns == ["a", "b"])
        options.sheet = "Facturas"
        let error = ferryError { _ = try readAll(Self.fixture("clientes-openpyxl.xlsx"), options: options) }
        #expect(error?.message == "the workbook has no sheet 'Facturas'")
        #expect(error?.hint?.contains("1 'Oculta', 2 'Clientes', 3 'Otra'") == true)
    }

    @Test func inspectShowsTheSheetsAndTheDateSystem() throws {
        let inspection = try Inspection.inspect(Self.fixture("clientes-openpyxl.xlsx"))
        #expect(inspection.format == "xlsx")
        let workbook = try #require(inspection.workbook)
        #expect(workbook.sheet == "Clientes" && workbook.dateSystem == "1900")
        #expect(workbook.sheets.map(\.name) == ["Oculta", "Clientes", "Otra"])
        #expect(workbook.sheets.map(\.hidden) == [true, false, false])
        #expect(workbook.sheets[1].range == "A1:L9" && workbook.sheets[1].rows == 9 && workbook.sheets[1].columns == 12)
        #expect(try Inspection.inspect(Self.fixture("mac1904-openpyxl.xlsx")).workbook?.dateSystem == "1904")
    }

    @Test func whatIsNotAWorkbookIsNamed() throws {
        let scratch = Scratch()
        let notZip = scratch.file("a.xlsx", "nombre;apellido\nAna;Ruiz\n")
        #expect(
            ferryError { _ = try readAll(notZip) }?.message == "is not an .xlsx workbook (an .xlsx is a zip archive)")
        let workbook = bytes(of: Self.fixture("mac1904-openpyxl.xlsx"))
        let cut = scratch.file("cut.xlsx", Array(workbook.prefix(workbook.count / 2)))
        #expect(ferryError { _ = try readAll(cut) }?.message.contains("damaged or incomplete zip") == true)
        // An OLE compound file: its signature, then (for a workbook protected with a password) the
        // name of its EncryptedPackage stream in UTF-16, as in the directory of such a file.
        let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)
        let stream = Array("EncryptedPackage".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let protected = scratch.file("protected.xlsx", signature + stream + [UInt8](repeating: 0, count: 512))
        let error = ferryError { _ = try readAll(protected) }
        #expect(error?.message == "the workbook is protected with a password, so its cells cannot be read")
        #expect(error?.hint?.contains("remove the password") == true)
        // The same message for a workbook really encrypted, as Excel does it (msoffcrypto-tool).
        let real = ferryError { _ = try readAll(Self.fixture("protected-msoffcrypto.xlsx")) }
        #expect(real?.message == "the workbook is protected with a password, so its cells cannot be read")
        let old = scratch.file("old.xls", signature + [UInt8](repeating: 0, count: 512))
        #expect(ferryError { _ = try readAll(old) }?.message.contains("Excel 97-2003 workbook (.xls)") == true)
        // A workbook given the name of a text file, or read as CSV, is not taken for text.
        let named = scratch.file("clientes.csv", workbook)
        let text = ferryError { _ = try readAll(named) }
        #expect(text?.message == "is a workbook or another archive, not CSV or JSON text")
        #expect(text?.hint?.contains("--input-format xlsx") == true)
        #expect(
            try readAll(
                named,
                options: {
                    var o = ReadOptions(); o.format = .xlsx; return o
                }()
            ).records.count == 2)
        // A zip that is no workbook, and a workbook whose sheet is not well-formed XML (made with
        // Python's zipfile from the fixture, the sheet cut in the middle of a row).
        let zip = scratch.path("notes.xlsx")
        let broken = scratch.path("broken.xlsx")
        _ = try Self.python(
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("notes.txt", "hola")
            with zipfile.ZipFile(sys.argv[2]) as src, zipfile.ZipFile(sys.argv[3], "w") as dst:
                for item in src.infolist():
                    data = src.read(item.filename)
                    if item.filename == "xl/worksheets/sheet1.xml":
                        data = data[: data.index(b"<row r=\\"2\\"") + 20]
                    dst.writestr(item, data)
            """, [zip, Self.fixture("mac1904-openpyxl.xlsx"), broken])
        #expect(ferryError { _ = try readAll(zip) }?.message.contains("not an Excel workbook") == true)
        // A sheet whose bytes do not match the checksum the archive records for them (the CRC-32 in
        // its local and central headers changed, the data left as it is).
        let flipped = scratch.path("crc.xlsx")
        _ = try Self.python(
            """
            import struct, sys, zipfile
            data = bytearray(open(sys.argv[1], "rb").read())
            info = zipfile.ZipFile(sys.argv[1]).getinfo("xl/worksheets/sheet1.xml")
            wrong = struct.pack("<I", info.CRC ^ 1)
            data[info.header_offset + 14 : info.header_offset + 18] = wrong
            at = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\\x01\\x02")) - 46
            data[at + 16 : at + 20] = wrong
            open(sys.argv[2], "wb").write(data)
            """, [Self.fixture("mac1904-openpyxl.xlsx"), flipped])
        #expect(
            ferryError { _ = try readAll(flipped) }?.message.contains("is damaged: its checksum does not match") == true
        )
        let xml = ferryError { _ = try readAll(broken) }
        #expect(xml?.message.contains("xl/worksheets/sheet1.xml") == true)
        #expect(xml?.location?.file == broken)
    }

    /// Writes records through the .xlsx writer; openpyxl and xlsx2csv read the file.
    @Test func theWriterKeepsTextAsTextAndDatesAsDates() throws {
        let scratch = Scratch()
        let input = scratch.file(
            "in.ndjson",
            """
            {"dni":"01234567L","codigo_postal":"08001","movil":"612345678","fecha":"1990-05-12","saldo":12.5,"vip":true,"notas":"=HYPERLINK(\\"x\\")\\nlínea"}
            {"dni":"X1234567L","codigo_postal":"01001","movil":"+34 612 34 56 79","fecha":"1899-12-31","saldo":1234567890123456789,"vip":false,"notas":null}

            """)
        let output = scratch.path("out.xlsx")
        try convert(input, to: output)
        let answer = try Self.python(
            """
            import datetime, json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.active
            rows = [[[c.data_type, c.value if not isinstance(c.value, datetime.datetime) else c.value.isoformat()] for c in r] for r in ws.iter_rows()]
            print(json.dumps({"freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "bold": ws["A1"].font.b, "rows": rows}))
            """, [output])
        let read = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        #expect(read["freeze"] as? String == "A2")
        #expect(read["filter"] as? String == "A1:G3")
        #expect(read["bold"] as? Bool == true)
        let rows = try #require(read["rows"] as? [[[Any]]])
        #expect(
            rows[0].map { $0[1] as? String } == ["dni", "codigo_postal", "movil", "fecha", "saldo", "vip", "notas"])
        // Tax ids, postal codes and phones are text cells ('s'), never numbers.
        for row in rows.dropFirst() {
            for column in 0..<3 { #expect(row[column][0] as? String == "s") }
        }
        #expect(rows[1][0][1] as? String == "01234567L" && rows[1][1][1] as? String == "08001")
        #expect(rows[1][3][0] as? String == "d" && rows[1][3][1] as? String == "1990-05-12T00:00:00")
        // A day before 1900 is no Excel date: it stays text.
        #expect(rows[2][3][0] as? String == "s" && rows[2][3][1] as? String == "1899-12-31")
        #expect(rows[1][4][0] as? String == "n" && rows[1][5][0] as? String == "b")
        // 19 digits do not fit a double: kept as text, whole.
        #expect(rows[2][4][1] as? String == "1234567890123456789")
        #expect(rows[1][6][1] as? String == "=HYPERLINK(\"x\")\nlínea" && rows[1][6][0] as? String == "s")
        // xlsx2csv, another reader, sees the same text; Ferry reads its own file back as written.
        let csv = try Self.python(
            "import subprocess, sys; sys.stdout.write(subprocess.run(['xlsx2csv', sys.argv[1]], capture_output=True, text=True, check=True).stdout)",
            [output])
        #expect(
            csv.hasPrefix(
                "dni,codigo_postal,movil,fecha,saldo,vip,notas\n01234567L,08001,612345678,1990-05-12,12.5,TRUE,"))
        let back = try readAll(output)
        let original = try readAll(input)
        #expect(
            back.records.map { $0.filter { !$0.value.isEmpty } }
                == original.records.map { $0.filter { !$0.value.isEmpty } })
    }

    @Test func aWorkbookCannotGoToStandardOutput() throws {
        let scratch = Scratch()
        let input = scratch.file("in.csv", "a,b\n1,2\n")
        let writer = XLSXWriter(file: try OutputFile(path: "-"))
        let error = ferryError { _ = try Conversion(inputPath: input).run(into: writer) }
        #expect(error?.message == "a workbook cannot be written to standard output")
    }
}
