import Foundation
import Testing

@testable import FerryKit

/// A JSON file read in windows by fillers on several threads reads exactly as one reader reads it:
/// the same records with the same numbers and lines, the same columns in the same order, the same
/// notes and the same error.
@Suite struct JSONChunksTests {
    /// What reading `path` gave: its columns, each record (with its number and line), the notes,
    /// or the error. `window` nil: one reader reads it (`JSONReader.read`); otherwise windows of
    /// that many bytes go to `workers` threads (`readInOrder`).
    static func outcome(of path: String, window: Int?, workers: Int = 2) -> String {
        do {
            guard let window else {
                let result = try readAll(path)
                let records = zip(result.records, zip(result.numbers, result.lines)).map { record, place in
                    "\(place.0)@\(place.1): "
                        + result.columns.compactMap { column in record[column].map { "\(column)=\($0)" } }
                        .joined(separator: " ")
                }
                return describe(columns: result.columns, records: records, notes: result.diagnostics)
            }
            var options = ReadOptions()
            options.jsonWindowBytes = window
            let input = try InputFile.open(path, options: options)
            #expect(input.jsonChunks() != nil)
            let collected = Handoff([String]())
            let read = try readInOrder(
                input, workers: workers, pool: BufferPool(keep: 4),
                work: { _, batch in
                    (0..<batch.records.count).map { index -> String in
                        let record = batch.records[index]
                        // In column order, as the plain reading lists them.
                        return "\(record.number)@\(record.line): "
                            + record.fields.sorted { $0.column < $1.column }
                            .map { "\(batch.columns[Int($0.column)])=\(batch.records.string($0))" }
                            .joined(separator: " ")
                    }
                },
                put: { lines, _ in collected.value += lines })
            #expect(read == collected.value.count)
            let columns = input.reader.columns
            return describe(
                columns: columns, records: collected.value, notes: input.reader.diagnostics.map(\.description))
        } catch {
            return "error: \(error)"
        }
    }
    static func describe(columns: [String], records: [String], notes: [String]) -> String {
        (["columns: " + columns.joined(separator: ",")] + records + notes).joined(separator: "\n")
    }

    /// Expects every window size to read `text` as one reader does; returns that reading.
    @discardableResult
    static func expectSameInChunks(_ text: String, name: String, windows: [Int] = [64, 700, 4096, 1 << 20])
        -> String
    {
        let scratch = Scratch()
        let path = scratch.file(name, text)
        let whole = outcome(of: path, window: nil)
        for window in windows {
            let chunked = outcome(of: path, window: window)
            #expect(chunked == whole, "\(name), windows of \(window) bytes")
        }
        return whole
    }

    @Test func everyLayoutReadsInChunksAsWhole() {
        for (name, text) in JSONReaderTests.layouts(seed: 21) {
            let whole = Self.expectSameInChunks(text, name: name.replacingOccurrences(of: " ", with: "-") + ".json")
            #expect(whole.components(separatedBy: "\n").filter { $0.contains("@") }.count == 300, "\(name)")
        }
    }

    /// Keys met first in later windows, in different orders, get the columns one reader gives them.
    @Test func columnsAreNumberedInTheOrderOfTheFile() {
        var random = SplitMix64(seed: 5)
        let keys = ["a", "b", "c", "d", "e", "f", "g", "h"]
        let lines = (0..<2000).map { index -> String in
            var members = ["\"id\": \(index)"]
            for key in keys where random.below(40) == 0 { members.append("\"\(key)\(index % 7)\": \(index)") }
            // And keys new all through the file, so windows read at the same time both meet some.
            if index % 3 == 0 { members.append("\"k\(index / 3)\": 1") }
            return "{" + members.shuffled(using: &random).joined(separator: ", ") + "}"
        }
        let whole = Self.expectSameInChunks(lines.joined(separator: "\n") + "\n", name: "keys.ndjson")
        #expect(whole.hasPrefix("columns: id,"))
        #expect(whole.components(separatedBy: "\n")[0].components(separatedBy: ",").count > 20)
    }

    /// An object over two lines whose first line looks like a whole record (it starts with '{' and
    /// ends with '}'): the line shortcut takes it for one, the parser finds it is none, and the reading
    /// goes back to it, in whichever window it lies.
    @Test func aLineTakenForARecordThatIsNoneSendsTheReadingBack() {
        let lines = (0..<1500).map { index in
            index % 250 == 7 ? "{\"id\": \(index), \"b\": {\"x\": 1}\n, \"c\": 2}" : "{\"id\": \(index), \"n\": \"v\"}"
        }
        let whole = Self.expectSameInChunks(lines.joined(separator: "\n") + "\n", name: "two-lines.ndjson")
        #expect(whole.contains("8@8: id=7 b={\"x\":1} c=2"))
        #expect(whole.contains("1258@1263: id=1257"))
        let array = "[\n" + lines.joined(separator: ",\n") + "\n]\n"
        Self.expectSameInChunks(array, name: "two-lines.json")
    }

    /// The first error in the file is the one reported, with the file's line and record, whichever
    /// window it lies in: a broken record, a value that is no object, invalid UTF-8, a file cut short.
    @Test func errorsArePlacedInTheWholeFile() {
        let good = (0..<1200).map { "{\"id\": \($0), \"name\": \"n\($0)\"}" }
        var cases: [(String, String)] = []
        var broken = good
        broken[900] = "{\"id\": 900, \"name\": \"x\",}"
        broken[1100] = "{\"id\": 1100"
        cases.append(("broken.ndjson", broken.joined(separator: "\n")))
        var notObject = good
        notObject[1000] = "[1, 2]"
        cases.append(("array.json", "[\n" + notObject.joined(separator: ",\n") + "\n]"))
        var spread = good
        spread[800] = "{\"id\": 800, \"b\": {\"x\": 1}\n, \"c\": }"
        cases.append(("spread.ndjson", spread.joined(separator: "\n")))
        cases.append(("cut.json", "[\n" + good.joined(separator: ",\n").dropLast(12)))
        cases.append(
            ("open.ndjson", (good[..<700] + ["{\"id\": 1, \"b\": {\"x\": 1}"] + good[700...]).joined(separator: "\n")))
        for (name, text) in cases {
            let whole = Self.expectSameInChunks(text, name: name)
            #expect(whole.hasPrefix("error: "), "\(name)")
            #expect(whole.contains("line "), "\(name)")
        }
    }

    /// The records after a broken one are never handed on, even those in windows read before the
    /// reading went back to it: a migration sends nothing past the error.
    @Test func nothingAfterAnErrorIsHandedOn() throws {
        var lines = (0..<1200).map { "{\"id\": \($0)}" }
        lines[900] = "{\"id\": 900,}"
        let scratch = Scratch()
        let path = scratch.file("broken.ndjson", lines.joined(separator: "\n"))
        for window in [64, 700, 4096] {
            var options = ReadOptions()
            options.jsonWindowBytes = window
            let input = try InputFile.open(path, options: options)
            let numbers = Handoff([Int]())
            let error = ferryError {
                _ = try readInOrder(
                    input, workers: 2, pool: BufferPool(keep: 4),
                    work: { _, batch in (0..<batch.records.count).map { batch.records[$0].number } },
                    put: { put, _ in numbers.value += put })
            }
            #expect(error?.location?.line == 901)
            #expect(numbers.value == Array(1...numbers.value.count), "windows of \(window) bytes")
            #expect(numbers.value.count <= 900, "windows of \(window) bytes")
        }
    }

    /// What is counted over the whole file is counted once per record: keys given twice (the first
    /// named), pages and the records they say they hold.
    @Test func notesCountTheWholeFile() {
        let records = (0..<900).map { index in
            index % 300 == 150 ? "{\"id\": \(index), \"id\": 0}" : "{\"id\": \(index)}"
        }
        let repeated = Self.expectSameInChunks(records.joined(separator: "\n"), name: "repeated.ndjson")
        #expect(repeated.contains("3 objects give a key more than once (the first: 'id', on line 151)"))
        let pages = stride(from: 0, to: 900, by: 200).map {
            "{\"count\": 950, \"next\": null, \"results\": [\n"
                + records[$0..<min($0 + 200, 900)].joined(separator: ",\n")
                + "\n]}"
        }
        let paged = Self.expectSameInChunks(pages.joined(separator: "\n"), name: "pages.json")
        #expect(paged.contains("the pages say 950 records in all but the file holds 900"))
    }

    /// CSV output takes its header from the first window's keys and reads the file once; a key met
    /// later (in a later window, or in the last record) starts the output over with every column, so
    /// the file is what two passes write: every record, under a header that names every key.
    @Test func aKeyMetAfterTheHeaderStartsTheOutputOverWithEveryColumn() throws {
        let scratch = Scratch()
        for late in [2500, 2999, 3] {
            let lines = (0..<3000).map { index in
                index == late
                    ? "{\"id\": \(index), \"name\": \"n\(index)\", \"late\": \"x,y\"}"
                    : "{\"id\": \(index), \"name\": \"n\(index)\"}"
            }
            let input = scratch.file("late-\(late).ndjson", lines.joined(separator: "\n"))
            var options = ReadOptions()
            options.jsonWindowBytes = 4096
            let output = scratch.path("late-\(late).csv")
            let result = try convert(input, to: output, options: options)
            #expect(result.totals.written == 3000)
            #expect(result.columns == ["id", "name", "late"])
            let written = text(of: output).split(separator: "\r\n", omittingEmptySubsequences: false)
            let expected =
                ["id,name,late"]
                + (0..<3000).map { $0 == late ? "\($0),n\($0),\"x,y\"" : "\($0),n\($0)," } + [""]
            #expect(written.count == expected.count, "a late key on record \(late)")
            let difference = zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(
                difference == nil,
                "a late key on record \(late): line \(difference.map { "\($0.offset + 1): \($0.element)" } ?? "")")
            let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
            #expect(!left.contains { $0.contains(".ferry-") }, "no temporary output is left: \(left)")
        }
    }
}
