import Foundation
import Testing

@testable import FerryKit

/// Paths of the repository, found from this file's place in it.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/FerryKitTests/Fixtures")
    static let sampleData = root.appendingPathComponent("SampleData")
}

/// A fresh folder for one test's files, removed when the test ends.
final class Scratch {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes bytes to a file in the folder and returns its path.
    @discardableResult
    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = url.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @discardableResult
    func file(_ name: String, _ text: String) -> String { file(name, Array(text.utf8)) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Names of the files in the folder.
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.sorted() ?? [] }
}

/// Everything a reader produced, as plain values for assertions.
struct ReadResult {
    var columns: [String]
    var records: [[String: String]]
    var kinds: [[String: ValueKind]]
    var lines: [Int]
    var numbers: [Int]
    var diagnostics: [String]
    var dialect: CSVDialect?
    var encoding: EncodingReport!  // nil for a workbook
}

/// Reads a whole input through the real readers.
func readAll(_ path: String, options: ReadOptions = ReadOptions()) throws -> ReadResult {
    let input = try InputFile.open(path, options: options)
    var records: [[String: String]] = []
    var kinds: [[String: ValueKind]] = []
    var lines: [Int] = []
    var numbers: [Int] = []
    var batch = RecordBatch()
    while try input.reader.read(into: &batch) {
        for index in 0..<batch.count {
            let record = batch[index]
            var values: [String: String] = [:]
            var kindsHere: [String: ValueKind] = [:]
            for field in record.fields {
                let name = input.reader.columns[Int(field.column)]
                values[name] = batch.string(field)
                kindsHere[name] = field.kind
            }
            records.append(values)
            kinds.append(kindsHere)
            lines.append(record.line)
            numbers.append(record.number)
        }
    }
    return ReadResult(
        columns: input.reader.columns, records: records, kinds: kinds, lines: lines, numbers: numbers,
        diagnostics: input.reader.diagnostics.map(\.description), dialect: input.dialect,
        encoding: input.decoded?.report
    )
}

/// The error a throwing call raised, as a FerryError.
func ferryError(_ body: () throws -> Void) -> FerryError? {
    do {
        try body()
        return nil
    } catch let error as FerryError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Converts `input` to `output` with a writer for the output's extension.
@discardableResult
func convert(
    _ input: String, to output: String, options: ReadOptions = ReadOptions(),
    csv: CSVWriteOptions = CSVWriteOptions()
) throws -> ConversionResult {
    let writer = FileFormat(path: output)!.writer(into: try OutputFile(path: output), csv: csv)
    return try Conversion(inputPath: input, readOptions: options).run(into: writer)
}

func bytes(of path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
func text(of path: String) -> String { String(decoding: bytes(of: path), as: UTF8.self) }

/// Writes `ferry sample`'s customers (a Koibox export, `;`-separated) into the scratch folder.
func writeSample(rows: Int, seed: UInt64, _ scratch: Scratch, name: String) throws -> String {
    let path = scratch.path(name)
    var options = CSVWriteOptions()
    options.delimiter = UInt8(ascii: ";")
    try SampleCustomers(seed: seed).write(rows: rows, to: CSVWriter(file: try OutputFile(path: path), options: options))
    return path
}
