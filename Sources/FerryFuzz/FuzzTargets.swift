import FerryKit
import Foundation

/// libFuzzer harnesses for the parts of Ferry that read what users hand it: the CSV reader, the JSON
/// reader and the mapping-file parser. Every input must end in records or a `FerryError`; a crash, a
/// hang or a runaway allocation is a finding. A JSON input is also converted to CSV twice, read in
/// windows of a few bytes (so records, lines and errors fall across window ends and the reading goes
/// back) and in one window, on two threads: two outputs (or errors) that differ are a finding too. Built by `scripts/fuzz` with `-sanitize=fuzzer`; the
/// target is chosen with `FERRY_FUZZ_TARGET` (csv, json, mapping).
///
/// Without `-DFUZZING` (an ordinary `swift build`) the same harness replays the files it is given,
/// which is how a crashing input is checked after a fix.
enum FuzzTarget: String, CaseIterable {
    case csv, json, mapping

    /// Where inputs are written for the readers, which read files: a private file in memory-backed
    /// `/dev/shm` when there is one.
    static let scratch: String = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(folder)/ferry-fuzz-\(getpid())"
    }()

    /// Runs one input through the target.
    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .csv, .json:
            guard
                FileManager.default.createFile(
                    atPath: Self.scratch, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
            else { return }
            var options = ReadOptions()
            options.format = self == .csv ? .csv : .json
            // The first byte also picks reader options, so each is fuzzed.
            let first = bytes.first ?? 0
            options.csv.allowRagged = first & 1 == 1
            options.csv.maxFieldBytes = first & 2 == 2 ? 64 : 1 << 20
            if first & 4 == 4 { options.csv.hasHeader = false }
            readEverything(Self.scratch, options: options)
            if self == .json { convertInWindows(Self.scratch, small: first & 8 == 8 ? 64 : 700, options: options) }
        case .mapping:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? ProfileCatalog.parse(yaml: text, file: "fuzz.yaml")
        }
    }

    private func readEverything(_ path: String, options: ReadOptions) {
        guard let opened = try? InputFile.open(path, options: options) else { return }
        var batch = RecordBatch()
        while (try? opened.reader.read(into: &batch)) == true {
            // Touch every field, as a writer would.
            for record in 0..<batch.count {
                let view = batch[record]
                for column in 0..<opened.reader.columns.count { _ = view.string(column: column) }
            }
        }
    }

    /// Converts `path` to CSV read in windows of `small` bytes and in one window; traps if the two
    /// differ.
    private func convertInWindows(_ path: String, small: Int, options: ReadOptions) {
        func converted(window: Int) -> String {
            var options = options
            options.jsonWindowBytes = window
            let output = Self.scratch + ".csv"
            defer { try? FileManager.default.removeItem(atPath: output) }
            do {
                var conversion = Conversion(inputPath: path, readOptions: options)
                conversion.workers = 2
                let result = try conversion.run(into: CSVWriter(file: try OutputFile(path: output)))
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? "<unreadable output>"
                return text + result.diagnostics.map(\.description).joined(separator: "\n")
            } catch {
                return "error: \(error)"
            }
        }
        let inWindows = converted(window: small)
        let whole = converted(window: 1 << 20)
        if inWindows != whole {
            fatalError("read in windows of \(small) bytes:\n\(inWindows)\nin one window:\n\(whole)")
        }
    }

    static var selected: FuzzTarget {
        let name = ProcessInfo.processInfo.environment["FERRY_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data("set FERRY_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }
}

#if FUZZING
    /// libFuzzer's driver. SwiftPM links an executable target's `main` to `FerryFuzz_main`, so the
    /// entry point starts the driver itself, with the same callback libFuzzer's own `main` would use.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    nonisolated(unsafe) private var target = FuzzTarget.csv

    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        target.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    @_cdecl("FerryFuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        target = FuzzTarget.selected
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { fuzzOneInput($0, $1) }
    }
#else
    /// Replays inputs: `FERRY_FUZZ_TARGET=csv ferry-fuzz FILE...`.
    @main struct Replay {
        static func main() throws {
            let target = FuzzTarget.selected
            for path in CommandLine.arguments.dropFirst() {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                data.withUnsafeBytes { target.run($0) }
                print("\(path): read without a crash")
            }
            try? FileManager.default.removeItem(atPath: FuzzTarget.scratch)
        }
    }
#endif
