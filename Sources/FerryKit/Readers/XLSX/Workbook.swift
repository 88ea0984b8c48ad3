import CFerryZlib
import Foundation
import ZIPFoundation

/// An .xlsx workbook (Office Open XML, a zip of XML parts) opened for reading: its sheets, its date
/// system, which cell styles show dates, and its shared strings, read when a sheet needs them.
/// Every part is streamed through `XMLStream`; only the styles and the shared strings are kept.
final class Workbook {
    struct Sheet: Sendable {
        var name: String
        /// The sheet's part in the archive (`xl/worksheets/sheet1.xml`).
        var part: String
        var hidden: Bool
    }

    let path: String
    let sheets: [Sheet]
    /// Dates count from 1904-01-01 instead of 1900 (`<workbookPr date1904="1">`, old Mac workbooks).
    let date1904: Bool
    let styles: CellStyles
    private let archive: Archive
    private let sharedStringsPart: String?

    /// Opens `path`; a file that is no .xlsx gets an error that says what it is instead.
    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw Workbook.notAWorkbook(path)
        }
        self.archive = archive
        let main =
            try Workbook.relationships(in: archive, rels: "_rels/.rels", base: "", path: path)
            .first(ofType: "/officeDocument") ?? "xl/workbook.xml"
        guard archive[main] != nil else {
            throw FerryError(
                .input, "is a zip archive but not an Excel workbook (it has no \(main))", at: Location(file: path),
                hint: "open it in Excel or LibreOffice and save it as .xlsx, or as CSV")
        }
        let folder = main.contains("/") ? String(main[..<main.lastIndex(of: "/")!]) + "/" : ""
        let rels = folder + "_rels/" + (main.split(separator: "/").last.map(String.init) ?? "workbook.xml") + ".rels"
        let targets = try Workbook.relationships(in: archive, rels: rels, base: folder, path: path)

        // The workbook part: sheet names in tab order and the date system.
        final class WorkbookPart: XMLStream.Handler {
            var sheets: [(name: String, id: String, hidden: Bool)] = []
            var date1904 = false
            func start(_ name: XMLName, _ attributes: XMLAttributes) {
                if name.is("sheet"), let sheetName = attributes.string("name"), let id = attributes.string("id") {
                    let state = attributes.string("state")
                    sheets.append((sheetName, id, state == "hidden" || state == "veryHidden"))
                } else if name.is("workbookPr"), let value = attributes.string("date1904") {
                    date1904 = value == "1" || value == "true"
                }
            }
        }
        let workbook = WorkbookPart()
        try Workbook.stream(main, of: archive, path: path, into: workbook)
        sheets = workbook.sheets.compactMap { sheet in
            targets.byID[sheet.id].map { Sheet(name: sheet.name, part: $0.target, hidden: sheet.hidden) }
        }
        date1904 = workbook.date1904
        sharedStringsPart =
            targets.first(ofType: "/sharedStrings")
            ?? (archive[folder + "sharedStrings.xml"] != nil ? folder + "sharedStrings.xml" : nil)
        let stylesPart = targets.first(ofType: "/styles") ?? folder + "styles.xml"
        let styles = CellStyles()
        if archive[stylesPart] != nil { try Workbook.stream(stylesPart, of: archive, path: path, into: styles) }
        self.styles = styles
        guard !sheets.isEmpty else {
            throw FerryError(
                .input, "the workbook has no sheets", at: Location(file: path),
                hint: "open it in Excel or LibreOffice and check that it holds the list")
        }
    }

    /// The sheet `--sheet` names (a name, or a 1-based position among all sheets); the first
    /// visible sheet when nil.
    func sheet(named choice: String?) throws -> Sheet {
        guard let choice else { return sheets.first { !$0.hidden } ?? sheets[0] }
        if let sheet = sheets.first(where: { $0.name == choice })
            ?? sheets.first(where: {
                $0.name.lowercased() == choice.lowercased()
            })
        {
            return sheet
        }
        if let position = Int(choice), position >= 1, position <= sheets.count { return sheets[position - 1] }
        throw FerryError(
            .usage, "the workbook has no sheet '\(choice)'", at: Location(file: path),
            hint: "its sheets are "
                + sheets.enumerated().map { "\($0.offset + 1) '\($0.element.name)'" }.joined(separator: ", ")
                + "; pass --sheet with one of those names or numbers")
    }

    /// The workbook's shared strings (the text of `t="s"` cells), read once.
    func sharedStrings() throws -> SharedStrings {
        let strings = SharedStrings()
        if let part = sharedStringsPart, archive[part] != nil {
            try Workbook.stream(part, of: archive, path: path, into: strings)
        }
        return strings
    }

    /// A sheet's used range, from its `<dimension>` near the start of its part; nil when it has none.
    func range(of sheet: Sheet) throws -> SheetRange? {
        final class Dimension: XMLStream.Handler {
            var parser: XMLStream?
            var found: SheetRange?
            func start(_ name: XMLName, _ attributes: XMLAttributes) {
                if name.is("dimension") {
                    found = attributes.string("ref").flatMap(SheetRange.init)
                    parser?.stop()
                } else if name.is("sheetData") {
                    parser?.stop()
                }
            }
        }
        let dimension = Dimension()
        try stream(sheet.part, into: dimension, stopping: { dimension.parser = $0 })
        return dimension.found
    }

    /// A sheet's merged cells (`<mergeCell ref="B1:D1">`, after its rows): a pass of their own
    /// over the part, through a second handle on the file, as the rows are being read with the first.
    func mergedRanges(of part: String) throws -> [SheetRange] {
        final class Merges: XMLStream.Handler {
            var found: [SheetRange] = []
            func start(_ name: XMLName, _ attributes: XMLAttributes) {
                if name.is("mergeCell"), let range = attributes.string("ref").flatMap(SheetRange.init) {
                    found.append(range)
                }
            }
        }
        let merges = Merges()
        let second: Archive
        do { second = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw Workbook.notAWorkbook(path)
        }
        try Workbook.stream(part, of: second, path: path, into: merges)
        return merges.found
    }

    /// The uncompressed size of a part, for progress.
    func size(of part: String) -> Int { archive[part].map { Int($0.uncompressedSize) } ?? 0 }

    /// Streams a part's XML into `handler`, in pieces of 64 KiB; `progress` hears how many bytes of
    /// it were parsed so far. Stops early, without error, when the handler stops the stream.
    func stream(
        _ part: String, into handler: any XMLStream.Handler, stopping: ((XMLStream) -> Void)? = nil,
        progress: ((Int) -> Void)? = nil
    ) throws {
        try Workbook.stream(part, of: archive, path: path, into: handler, stopping: stopping, progress: progress)
    }

    private struct StoppedEarly: Error {}

    private static func stream(
        _ part: String, of archive: Archive, path: String, into handler: any XMLStream.Handler,
        stopping: ((XMLStream) -> Void)? = nil, progress: ((Int) -> Void)? = nil
    ) throws {
        guard let entry = archive[part] else {
            throw FerryError(
                .input, "the workbook lacks its part \(part)", at: Location(file: path),
                hint: "the file is damaged; open it in Excel or LibreOffice and save it again")
        }
        let parser = XMLStream(handler: handler)
        stopping?(parser)
        var parsed = 0
        do {
            // The checksum by zlib's crc32 as the bytes come (ZIPFoundation's own costs a tenth of
            // the reading), compared with the archive's when the part is read whole.
            var crc: UInt = 0
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: true) { data in
                try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                    if let base = bytes.baseAddress {
                        crc = crc32(crc, base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
                    }
                    do throws(XMLStreamError) {
                        try parser.feed(bytes)
                    } catch {
                        throw FerryError(
                            .input, "\(part) is not well-formed XML: \(error.reason) (line \(error.line) of the part)",
                            at: Location(file: path),
                            hint: "the file is damaged; open it in Excel or LibreOffice and save it again")
                    }
                }
                parsed += data.count
                progress?(parsed)
                if parser.stopped { throw StoppedEarly() }
            }
            if !parser.stopped {
                guard UInt32(truncatingIfNeeded: crc) == entry.checksum else {
                    throw FerryError(
                        .input, "\(part) is damaged: its checksum does not match", at: Location(file: path),
                        hint: "download or copy the workbook again, or open it in Excel and save it again")
                }
                do throws(XMLStreamError) {
                    try parser.feed(UnsafeRawBufferPointer(start: nil, count: 0), last: true)
                } catch {
                    throw FerryError(
                        .input, "\(part) ends before its XML does: \(error.reason)", at: Location(file: path),
                        hint: "the file is damaged or cut short; open it in Excel or LibreOffice and save it again")
                }
            }
        } catch is StoppedEarly {
            return
        } catch let error as FerryError {
            throw error
        } catch {
            throw FerryError(
                .input, "cannot unpack \(part) from the workbook: \(error)", at: Location(file: path),
                hint: "the file is damaged or cut short; open it in Excel or LibreOffice and save it again")
        }
    }

    /// A package's relationships (`Id` → `Target`, with `Type`), targets made paths in the archive.
    private struct Relationships {
        var byID: [String: (target: String, type: String)] = [:]
        var order: [String] = []
        func first(ofType suffix: String) -> String? {
            order.lazy.compactMap { byID[$0] }.first { $0.type.hasSuffix(suffix) }?.target
        }
    }

    private static func relationships(in archive: Archive, rels: String, base: String, path: String) throws
        -> Relationships
    {
        final class Rels: XMLStream.Handler {
            var found = Relationships()
            let base: String
            init(base: String) { self.base = base }
            func start(_ name: XMLName, _ attributes: XMLAttributes) {
                guard name.is("Relationship"), let id = attributes.string("Id"),
                    let target = attributes.string("Target")
                else { return }
                if attributes.string("TargetMode") == "External" { return }
                let resolved = target.hasPrefix("/") ? String(target.dropFirst()) : Workbook.resolve(target, from: base)
                found.byID[id] = (resolved, attributes.string("Type") ?? "")
                found.order.append(id)
            }
        }
        let handler = Rels(base: base)
        if archive[rels] != nil { try stream(rels, of: archive, path: path, into: handler) }
        return handler.found
    }

    /// `target` relative to the folder `base` (`worksheets/sheet1.xml` from `xl/`), `..` resolved.
    static func resolve(_ target: String, from base: String) -> String {
        var parts = base.split(separator: "/").map(String.init)
        for piece in target.split(separator: "/") {
            if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(String(piece)) }
        }
        return parts.joined(separator: "/")
    }

    /// The error for a file that is not an .xlsx, saying what it looks like.
    static func notAWorkbook(_ path: String) -> FerryError {
        let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 1 << 20)) ?? Data()
        if ArchiveSignature(head) == .compound {
            // An OLE compound file: a workbook encrypted with a password, or an .xls from Excel 97-2003.
            let encrypted = Array("EncryptedPackage".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            if head.range(of: Data(encrypted)) != nil {
                return FerryError(
                    .input, "the workbook is protected with a password, so its cells cannot be read",
                    at: Location(file: path),
                    hint: "open it in Excel, remove the password (File > Info > Protect Workbook) and save it again")
            }
            return FerryError(
                .input, "is an Excel 97-2003 workbook (.xls), which Ferry does not read", at: Location(file: path),
                hint: "open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or as CSV")
        }
        if head.starts(with: [0x50, 0x4B]) {  // any zip record, not only a file's: what is left of one
            return FerryError(
                .input, "is a damaged or incomplete zip archive, so the workbook cannot be opened",
                at: Location(file: path), hint: "download or copy it again, or open it in Excel and save it again")
        }
        return FerryError(
            .input, "is not an .xlsx workbook (an .xlsx is a zip archive)", at: Location(file: path),
            hint: "if it is CSV or JSON, give it that extension or pass --input-format")
    }
}

/// What the first bytes of a file say it is, when it is no text: a zip archive (an .xlsx, also a
/// damaged one) or an OLE compound file (an .xls, or an .xlsx protected with a password).
enum ArchiveSignature {
    case zip, compound

    init?(_ head: some Collection<UInt8>) {
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            self = .zip
        } else if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            self = .compound
        } else {
            return nil
        }
    }
}

/// A sheet's used range (`A1:P1001`).
public struct SheetRange: Sendable {
    public let text: String
    public let rows: Int
    public let columns: Int
    /// Its corners: rows from 1, columns from 0.
    let firstRow: Int, lastRow: Int, firstColumn: Int, lastColumn: Int

    init?(_ text: String) {
        let corners = text.split(separator: ":").map { XLSXReference.cell(String($0)) }
        guard let first = corners.first ?? nil, let last = corners.count > 1 ? corners[1] : first else { return nil }
        self.text = text
        rows = last.row - first.row + 1
        columns = last.column - first.column + 1
        (firstRow, lastRow, firstColumn, lastColumn) = (first.row, last.row, first.column, last.column)
    }
}

/// Which cell styles (`s="N"`, the index into `<cellXfs>`) show a number as a date or a time,
/// from the style's number format: the built-in date formats, or a format code with date parts.
final class CellStyles: XMLStream.Handler {
    enum Shown: UInt8 { case number, date, dateTime, time }
    private(set) var shown: [Shown] = []
    private var custom: [Int: String] = [:]
    private var inCellXfs = false

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("numFmt"), let id = attributes.string("numFmtId").flatMap(Int.init),
            let code = attributes.string("formatCode")
        {
            custom[id] = code
        } else if name.is("cellXfs") {
            inCellXfs = true
        } else if inCellXfs, name.is("xf") {
            let id = attributes.string("numFmtId").flatMap(Int.init) ?? 0
            shown.append(custom[id].map(CellStyles.kind(ofCode:)) ?? CellStyles.kind(ofBuiltIn: id))
        }
    }
    func end(_ name: XMLName) { if name.is("cellXfs") { inCellXfs = false } }

    func kind(ofStyle index: Int) -> Shown { index >= 0 && index < shown.count ? shown[index] : .number }

    /// ECMA-376 18.8.30: 14-17 dates, 18-21 times, 22 date and time, 45-47 times; 27-36 and 50-58
    /// are the East Asian dates.
    static func kind(ofBuiltIn id: Int) -> Shown {
        switch id {
        case 14...17, 27...31, 34...36, 50...58: .date
        case 22: .dateTime
        case 18...21, 32, 33, 45...47: .time
        default: .number
        }
    }

    /// A format code's kind, from its letters outside quotes, escapes and brackets (`[Red]`,
    /// `[$-409]`; `[h]` counts as hours): `d` or `y` is a date, `h` or `s` a time, `m` alone a
    /// month (`mmmm`), `m` beside `h` or `s` minutes. `General` and `0.00E+00` are numbers.
    static func kind(ofCode code: String) -> Shown {
        var letters = Set<Character>()
        var quoted = false, bracket = false, escaped = false
        for character in code.lowercased() {
            if escaped { escaped = false; continue }
            if quoted { if character == "\"" { quoted = false }; continue }
            if bracket {
                if character == "]" { bracket = false } else if "hms".contains(character) { letters.insert(character) }
                continue
            }
            switch character {
            case "\"": quoted = true
            case "[": bracket = true
            case "\\", "_", "*": escaped = true
            case "d", "y", "m", "h", "s": letters.insert(character)
            default: break
            }
        }
        if code.lowercased() == "general" { return .number }
        let date = letters.contains("d") || letters.contains("y") || letters == ["m"]
        let time = letters.contains("h") || letters.contains("s")
        return date ? (time ? .dateTime : .date) : time ? .time : .number
    }
}

/// The workbook's shared strings, one buffer of UTF-8 with their ends: the text of each `<si>`, rich
/// runs joined, phonetic readings (`<rPh>`) left out.
final class SharedStrings: XMLStream.Handler {
    private(set) var bytes: [UInt8] = []
    private(set) var ends: [Int] = []
    private var inItem = false, inText = false, inPhonetic = false

    var count: Int { ends.count }

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("si") {
            inItem = true
        } else if name.is("rPh") {
            inPhonetic = true
        } else if name.is("t") {
            inText = inItem && !inPhonetic
        }
    }

    func end(_ name: XMLName) {
        if name.is("si") {
            ends.append(bytes.count)
            inItem = false
        } else if name.is("rPh") {
            inPhonetic = false
        } else if name.is("t") {
            inText = false
        }
    }

    func text(_ text: UnsafeRawBufferPointer) { if inText { bytes.append(contentsOf: text) } }

    /// The `index`th string, nil when there is none.
    func withString<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[index]])) }
    }
}
