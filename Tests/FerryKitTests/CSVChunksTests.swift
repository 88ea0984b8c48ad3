import Foundation
import Testing

@testable import FerryKit

/// A CSV file cut into chunks for several libcsv parsers reads exactly as one parser reads it whole:
/// the same records, numbers, lines, notes and errors.
@Suite struct CSVChunksTests {
    /// What libcsv reports while parsing: each field's bytes, and each record end's terminator.
    final class Events {
        var list: [String] = []
    }

    static func events(of pieces: [ArraySlice<UInt8>], delimiter: UInt8 = 0x2C) -> (events: [String], clean: [Bool]) {
        let events = Events()
        var clean: [Bool] = []
        let context = Unmanaged.passUnretained(events).toOpaque()
        let field: LibCSVParser.FieldCallback = { data, length, context in
            let events = Unmanaged<Events>.fromOpaque(context!).takeUnretainedValue()
            events.list.append(
                "f:" + String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
        }
        let record: LibCSVParser.RecordCallback = { terminator, context in
            Unmanaged<Events>.fromOpaque(context!).takeUnretainedValue().list.append("r:\(terminator)")
        }
        for (index, piece) in pieces.enumerated() {
            // A fresh parser for each piece, as each chunk gets one.
            let parser = LibCSVParser(delimiter: delimiter, quote: 0x22)
            piece.withUnsafeBytes { parser.parse($0, context: context, field: field, record: record) }
            clean.append(parser.isAtRecordStart)
            if index == pieces.count - 1 { parser.finish(context: context, field: field, record: record) }
        }
        return (events.list, clean)
    }

    /// Random texts made of what matters to the cut (quotes, delimiters, CR, LF, spaces), many of
    /// them malformed: the cut is always where libcsv is between records, so parsing the two sides
    /// with two parsers gives what one parser gives.
    @Test func theCutIsAlwaysWhereLibcsvIsBetweenRecords() {
        var random = SplitMix64(seed: 11)
        let alphabet: [UInt8] = Array("a\",\"\n\r \"b,\n".utf8)
        var cuts = 0
        for _ in 0..<20_000 {
            let length = 1 + random.below(60)
            let text = (0..<length).map { _ in alphabet[random.below(alphabet.count)] }
            guard let cut = text.withUnsafeBytes({ CSVRecordBoundary.lastEnd(in: $0, delimiter: 0x2C, quote: 0x22) })
            else { continue }
            cuts += 1
            #expect(cut > 0 && cut <= text.count)
            let whole = Self.events(of: [text[...]])
            let split = Self.events(of: [text[..<cut], text[cut...]])
            #expect(split.clean[0], "not between records after \(cut) bytes of \(Array(text))")
            #expect(
                whole.events == split.events,
                "cut at \(cut) of \(String(decoding: text, as: UTF8.self).debugDescription)")
        }
        #expect(cuts > 10_000)
    }

    @Test func theCutIsAfterTheLastRecordEnd() {
        func cut(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBytes { CSVRecordBoundary.lastEnd(in: $0, delimiter: 0x3B, quote: 0x22) }
        }
        #expect(cut("a;b\nc;d\ne;f") == 8)
        #expect(cut("a;b\r\nc;d\r\ne") == 10)
        // A CR at the very end may be the first half of a CRLF: not yet.
        #expect(cut("a;b\nc;d\r") == 4)
        #expect(cut("a;b\rc;d\re") == 8)
        // Line breaks inside quoted fields end nothing; a quote inside an unquoted value opens nothing.
        #expect(cut("a;\"x\ny\"\nb;\"open\nstill") == 8)
        #expect(cut("5\" TV;b\nc;d\nx") == 12)
        #expect(cut("\"a\"\"\n\"\"b\"\nc") == 10)
        #expect(cut("\"never closed\n\nat all") == nil)
        #expect(cut("one record") == nil)
    }

    /// The files the readers must read, and a sample with quoted line breaks, converted by one
    /// reader and by parsers of pieces as small as one byte: the same output, notes and errors.
    @Test func aFileReadInChunksReadsAsWhole() throws {
        let scratch = Scratch()
        let spectrum = Repository.fixtures.appendingPathComponent("csv-spectrum/csvs").path
        var inputs = try FileManager.default.contentsOfDirectory(atPath: spectrum)
            .filter { $0.hasSuffix(".csv") }.sorted().map { spectrum + "/" + $0 }
        inputs += try FileManager.default.contentsOfDirectory(atPath: Repository.root.path + "/Tests/Hostile")
            .filter { $0.hasSuffix(".csv") }.sorted().map { Repository.root.path + "/Tests/Hostile/" + $0 }
        inputs.append(try writeSample(rows: 600, seed: 5, scratch, name: "sample.csv"))
        inputs.append(Repository.sampleData.appendingPathComponent("clientes-koibox.csv").path)
        #expect(inputs.count > 20)
        for input in inputs {
            let whole = outcome(of: input, workers: 1, chunk: 1 << 20, scratch)
            for chunk in [1, 7, 64, 4096] {
                let chunked = outcome(of: input, workers: 2, chunk: chunk, scratch)
                #expect(chunked == whole, "\(input) in chunks of \(chunk) bytes")
            }
        }
    }

    /// Rejects, issues and their record and line numbers are those of the whole file.
    @Test func recordNumbersAndLinesAreTheFilesOwn() throws {
        let scratch = Scratch()
        let input = try writeSample(rows: 800, seed: 9, scratch, name: "sample.csv")
        let source = try ProfileCatalog.load(Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
        let target = try ProfileCatalog.load("movin")
        func run(workers: Int, chunk: Int) throws -> [String] {
            var options = ReadOptions()
            options.csv.chunkBytes = chunk
            var conversion = MappedConversion(inputPath: input, readOptions: options, source: source, target: target)
            conversion.workers = workers
            let output = scratch.path("out-\(workers)-\(chunk).ndjson"),
                rejects = scratch.path("rejects-\(workers)-\(chunk).csv")
            let result = try conversion.run(
                into: FileFormat.ndjson.writer(into: try OutputFile(path: output)),
                rejects: try RejectsFile(path: rejects, inputMayGrowColumns: false))
            return result.issues.kept.map { "\($0.record) \($0.line) \($0.text(masked: false))" }
                + [text(of: output), text(of: rejects), result.totals.accountingLine]
                + result.diagnostics.map(\.description)
        }
        let whole = try run(workers: 1, chunk: 1 << 20)
        #expect(whole.count > 10)
        for chunk in [1, 333, 8192] { #expect(try run(workers: 2, chunk: chunk) == whole) }
    }

    /// `--batch-size` files list the file's record numbers, however the file was cut.
    @Test func batchFilesNameTheFilesRecords() throws {
        let scratch = Scratch()
        // More than the first 256 KiB, which are read as one piece.
        let input = try writeSample(rows: 2_000, seed: 4, scratch, name: "sample.csv")
        let source = try ProfileCatalog.load(Repository.sampleData.appendingPathComponent("koibox-export.yaml").path)
        let target = try ProfileCatalog.load("movin")
        func manifest(chunk: Int) throws -> String {
            var options = ReadOptions()
            options.csv.chunkBytes = chunk
            var conversion = MappedConversion(inputPath: input, readOptions: options, source: source, target: target)
            conversion.workers = 2
            let folder = scratch.path("batches-\(chunk)")
            _ = try conversion.run(into: try BatchFilesWriter(folder: folder, size: 64))
            return text(of: folder + "/manifest.json")
        }
        let whole = try manifest(chunk: 1 << 20)
        #expect(whole.contains("\"batch_size\": 64"))
        #expect(try manifest(chunk: 2048) == whole)
    }

    /// An error in a later chunk names the file's record and line, and an earlier one wins.
    @Test func errorsArePlacedInTheWholeFile() throws {
        let scratch = Scratch()
        var text = "a,b\n"
        for row in 1...500 { text += row == 300 ? "x,y,z\n" : row == 420 ? "1,\"2\n3\"\n" : "\(row),\"v\(row)\"\n" }
        text += "only\n"
        let input = scratch.file("ragged.csv", text)
        let whole = outcome(of: input, workers: 1, chunk: 1 << 20, scratch)
        #expect(whole.contains("line 301, record 300"))
        for chunk in [5, 100, 1000] { #expect(outcome(of: input, workers: 2, chunk: chunk, scratch) == whole) }
    }

    /// The output, the notes and the error of a plain conversion to NDJSON.
    func outcome(of input: String, workers: Int, chunk: Int, _ scratch: Scratch) -> String {
        var options = ReadOptions()
        options.csv.chunkBytes = chunk
        let output = scratch.path("out.ndjson")
        do {
            var conversion = Conversion(inputPath: input, readOptions: options)
            conversion.workers = workers
            let result = try conversion.run(into: FileFormat.ndjson.writer(into: try OutputFile(path: output)))
            return text(of: output) + result.diagnostics.map(\.description).joined(separator: "\n")
                + result.totals.accountingLine
        } catch {
            return "error: \(error)"
        }
    }
}
