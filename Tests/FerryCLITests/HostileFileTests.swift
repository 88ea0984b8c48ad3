import Foundation
import Testing

/// One `ferry` run with its peak resident memory, measured by the kernel for that process alone.
struct MeasuredRun {
    var status: Int32
    var stderr: String
    var peakMiB: Double
}

extension Ferry {
    /// Runs `ferry` under a small Python parent that reports the child's peak resident set size.
    /// Not `wait4` from here: a child spawned from this (large, multi-threaded) test process shares
    /// its memory until `exec`, and Linux keeps that high-water mark in the child's figure.
    static func runMeasured(_ arguments: [String], in folder: Folder) throws -> MeasuredRun {
        let measure = """
            import resource, subprocess, sys
            code = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode
            print(code if code >= 0 else 128 - code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let run = try Ferry.run(
            ["-c", measure, executable.path] + arguments, executable: URL(fileURLWithPath: "/usr/bin/python3"),
            environment: ferryEnvironment)
        let figures = run.stdout.split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard run.status == 0, figures.count == 2 else {
            throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "the measuring parent failed: \(run.stderr)"])
        }
        // Linux reports ru_maxrss in KiB.
        return MeasuredRun(status: Int32(figures[0]), stderr: run.stderr, peakMiB: Double(figures[1]) / 1024)
    }
}

/// The hostile-file corpus (Tests/Hostile, and files too large to store, made here): each file gets
/// its documented handling — a located error with what to do, or a successful read that loses
/// nothing — with bounded memory and no crash. A failed run leaves no output behind.
@Suite struct HostileFileTests {
    static let corpus = repositoryRoot.appendingPathComponent("Tests/Hostile")
    static func stored(_ name: String) -> String { corpus.appendingPathComponent(name).path }
    /// Peak memory allowed for any of these runs: far below the sizes involved, so a reader that
    /// loads a whole file or line cannot pass.
    static let memoryBoundMiB = 120.0

    /// `ferry convert FILE -o OUT` (plus `extra`), with its peak memory checked.
    func convert(_ input: String, _ folder: Folder, _ extra: [String] = [], output: String = "out.ndjson") throws
        -> MeasuredRun
    {
        let run = try Ferry.runMeasured(["convert", input, "-o", folder.path(output)] + extra, in: folder)
        #expect(run.status < 128, "ferry crashed (\(run.status)): \(run.stderr)")
        #expect(run.peakMiB < Self.memoryBoundMiB, "peak memory \(run.peakMiB) MiB")
        return run
    }

    /// A run that fails: exit 3, every `expected` text in its message, and no output file.
    func expectRefused(_ input: String, _ expected: [String], _ extra: [String] = []) throws {
        let folder = Folder()
        let run = try convert(input, folder, extra)
        #expect(run.status == 3, "\(run.stderr)")
        for text in expected { #expect(run.stderr.contains(text), "missing '\(text)' in: \(run.stderr)") }
        #expect(run.stderr.contains("→"), "the error says what to do")
        #expect(!FileManager.default.fileExists(atPath: folder.path("out.ndjson")), "a failed run leaves no output")
    }

    func records(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func invalidUTF8InAUTF8FileIsLocated() throws {
        try expectRefused(
            Self.stored("invalid-utf8.csv"),
            ["invalid-utf8.csv: line 4, byte 58", "byte 0xFF is not valid UTF-8", "--encoding windows-1252"])
    }

    @Test func mixedEncodingsStopAtTheFirstForeignByte() throws {
        // UTF-8 accents on line 2, Latin-1 on line 3: neither reading is right for the whole file.
        try expectRefused(
            Self.stored("mixed-encodings.csv"), ["line 3", "byte 0xE9 is not valid UTF-8", "may mix encodings"])
    }

    @Test func aNULByteIsLocatedAndExplained() throws {
        try expectRefused(Self.stored("nul-byte.csv"), ["nul-byte.csv: line 3", "a NUL character", "tr -d"])
        // The same in a Windows-1252 file, where every byte is some character.
        let folder = Folder()
        let latin = folder.path("latin.csv")
        try Data("nombre;apellidos\nJosé;Pérez\nA\u{0};B\n".data(using: .isoLatin1)!).write(
            to: URL(fileURLWithPath: latin))
        try expectRefused(latin, ["line 3", "a NUL character", "windows-1252"])
    }

    @Test func anUnterminatedQuoteAtTheEndNamesTheLineItOpens() throws {
        try expectRefused(Self.stored("unterminated-quote.csv"), ["line 3, record 2", "never closed"])
    }

    @Test func emptyAndByteOrderMarkOnlyFilesHaveTheirOwnMessages() throws {
        try expectRefused(Self.stored("empty.csv"), ["the file is empty (0 bytes)"])
        try expectRefused(Self.stored("bom-only.csv"), ["only a byte-order mark"])
    }

    @Test func aHeaderOnlyFileIsReadAsNoRecordsAndSaysSo() throws {
        let folder = Folder()
        let run = try convert(Self.stored("header-only.csv"), folder)
        #expect(run.status == 0)
        #expect(run.stderr.contains("header (3 columns) but no records"))
        #expect(run.stderr.contains("read 0 = written 0 + rejected 0 + skipped 0"))
    }

    @Test func raggedRowsAreLocatedOrKeptOnRequest() throws {
        try expectRefused(
            Self.stored("ragged.csv"),
            ["line 3, record 2", "the record has 2 fields; the header has 3", "--allow-ragged"])
        let folder = Folder()
        let kept = try convert(Self.stored("ragged.csv"), folder, ["--allow-ragged"])
        #expect(kept.status == 0)
        #expect(kept.stderr.contains("read 3 = written 3"))
        let rows = try records(folder.path("out.ndjson"))
        #expect(rows[1]["email"] as? String == "")
        #expect(rows[2]["_extra_1"] as? String == "extra")
    }

    @Test func duplicateAndBlankHeadersGetUniqueNames() throws {
        let folder = Folder()
        let run = try convert(Self.stored("duplicate-headers.csv"), folder)
        #expect(run.status == 0)
        #expect(run.stderr.contains("header 'email' appears more than once; column 3 is named 'email_2'"))
        let row = try records(folder.path("out.ndjson"))[0]
        #expect(row["email"] as? String == "ana@example.es" && row["email_2"] as? String == "ana@trabajo.es")
        #expect(row["column_4"] as? String == "x" && row["nombre_2"] as? String == "Ana Maria")
    }

    @Test func jsonNestedTenThousandLevelsIsAnErrorNotACrash() throws {
        try expectRefused(Self.stored("deep-nesting.json"), ["nested deeper than 512 levels"])
    }

    @Test func aFiveMegabyteFieldIsRefusedByDefaultAndReadWhenAllowed() throws {
        let folder = Folder()
        let input = folder.path("big-field.csv")
        let value = String(repeating: "nota larga ", count: 5 * 1024 * 1024 / 11 + 1)
        try Data(("nombre;notas\nAna;corta\nLuis;" + value + "\nMar;otra\n").utf8).write(
            to: URL(fileURLWithPath: input))
        try expectRefused(
            input, ["line 3, record 2, column 'notas'", "larger than the limit of 1 MiB", "--max-field-size"])
        let run = try convert(input, folder, ["--max-field-size", "8MiB"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("read 3 = written 3"))
        let rows = try records(folder.path("out.ndjson"))
        #expect((rows[1]["notas"] as? String)?.utf8.count == value.utf8.count)
        #expect(rows[2]["nombre"] as? String == "Mar")
    }

    @Test func tenThousandColumnsAreReadWhole() throws {
        let folder = Folder()
        let input = folder.path("wide.csv")
        let width = 10_000
        var text = (0..<width).map { "campo_\($0)" }.joined(separator: ";") + "\n"
        for row in 0..<3 { text += (0..<width).map { "r\(row)c\($0)" }.joined(separator: ";") + "\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        let run = try convert(input, folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains("delimiter ';'"), "lines longer than the sniffer's usual sample are still split right")
        #expect(run.stderr.contains("read 3 = written 3"))
        let rows = try records(folder.path("out.ndjson"))
        #expect(rows.count == 3 && rows.allSatisfy { $0.count == width })
        #expect(rows[2]["campo_9999"] as? String == "r2c9999")
    }

    @Test func aRecordLargerThanABatchIsNotDropped() throws {
        // A regression: a record over the reader's batch size (256 KiB) ended the input silently.
        let folder = Folder()
        let input = folder.path("long-record.csv")
        let width = 50_000
        let text =
            (0..<width).map { "c\($0)" }.joined(separator: ";") + "\n"
            + (0..<width).map { "valor_\($0)" }.joined(separator: ";") + "\nfin"
            + String(repeating: ";", count: width - 1) + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        let run = try convert(input, folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("read 2 = written 2"))
    }

    /// 100 MB without a line break, made here: one field, then one line of tiny fields.
    @Test func aHundredMegabyteLineIsRefusedInBoundedMemory() throws {
        let folder = Folder()
        /// `head`, then `unit` repeated to 100 MB, with no line break.
        func longLine(_ name: String, after head: String, _ unit: String) throws -> String {
            let path = folder.path(name)
            FileManager.default.createFile(atPath: path, contents: Data(head.utf8))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            let block = Data(String(repeating: unit, count: (1 << 20) / unit.utf8.count).utf8)
            for _ in 0..<(100_000_000 / block.count) { try handle.write(contentsOf: block) }
            try handle.close()
            return path
        }
        try expectRefused(
            try longLine("one-field.csv", after: "nombre;email\n", "x"),
            ["line 2, record 1, column 'nombre'", "larger than the limit of 1 MiB"])
        try expectRefused(
            try longLine("many-fields.csv", after: "nombre;email\n", "a;"),
            ["line 2, record 1", "more than 100000 fields"])
        // The same line as the header: the whole file is one line.
        try expectRefused(
            try longLine("one-line.csv", after: "", "a;"), ["line 1", "more than 100000 fields"], ["--delimiter", ";"])
    }
}

/// An interrupted `convert` (Ctrl-C or SIGTERM) removes its temporary output and its copy of standard
/// input, and exits 3.
@Suite struct InterruptedConversionTests {
    @Test(arguments: [SIGINT, SIGTERM])
    func anInterruptedConversionLeavesNothingBehind(signal: Int32) async throws {
        let folder = Folder(), temporary = Folder()
        let process = Process()
        process.executableURL = Ferry.executable
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary.url.path]) { $1 }
        // Standard input that stays open: the run is surely in the middle when the signal comes.
        process.arguments = ["convert", "-", "--format", "csv", "-o", folder.path("out.ndjson")]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("nombre;email\nAna;ana@example.es\n".utf8))
        for _ in 0..<100 where folder.contents.isEmpty { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(
            folder.contents.count == 1 && folder.contents[0].hasPrefix(".out.ndjson.ferry-"),
            "the run writes a temporary file first")
        kill(process.processIdentifier, signal)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try input.fileHandleForWriting.close()
        #expect(process.terminationStatus == 3)
        #expect(message.contains("stopped on request; nothing was written"))
        #expect(folder.contents.isEmpty, "nothing is left: \(folder.contents)")
        #expect(temporary.contents.isEmpty, "no copy of standard input is left: \(temporary.contents)")
    }
}

/// Inputs `scripts/fuzz` found crashing (Tests/FuzzCrashers/TARGET/), replayed through the same
/// harness, built without the fuzzer: each must now read to an end or a clear error.
@Suite struct FuzzRegressionTests {
    @Test(arguments: ["csv", "json", "mapping"])
    func crashersFoundByTheFuzzerNoLongerCrash(target: String) throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/FuzzCrashers/\(target)")
        var inputs = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().map {
            folder.appendingPathComponent($0).path
        }
        // The hostile corpus too, so the harness itself is exercised for every target.
        inputs += ((try? FileManager.default.contentsOfDirectory(atPath: HostileFileTests.corpus.path)) ?? []).sorted()
            .map { HostileFileTests.corpus.appendingPathComponent($0).path }
        let harness = Ferry.executable.deletingLastPathComponent().appendingPathComponent("FerryFuzz")
        let run = try Ferry.run(inputs, executable: harness, environment: ["FERRY_FUZZ_TARGET": target])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == inputs.count, "every input was read: \(run.stdout)")
    }
}
