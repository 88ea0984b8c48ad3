import Foundation
import Testing

/// The built `ferry` executable, run as a user runs it.
struct Ferry {
    static let executable: URL = {
        // Tests run from the build folder that also holds the `ferry` product.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("ferry").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("ferry")
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `ferry` (or `executable`) with `arguments`, feeding `stdin`, in `directory`;
    /// `environment` replaces the process environment when given. With `timeLimit`, a run still going
    /// after that many seconds is killed (SIGKILL), so a test of a hang ends on its own.
    static func run(
        _ arguments: [String], stdin: Data = Data(), in directory: URL? = nil,
        executable: URL = Ferry.executable, environment: [String: String]? = nil, timeLimit: Double? = nil
    ) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        if let timeLimit {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// `run`, on a thread of its own: a test that serves the sandbox in-process must not block the
    /// threads that answer its requests.
    static func runInBackground(
        _ arguments: [String], stdin: Data = Data(), in directory: URL? = nil,
        environment: [String: String]? = nil, timeLimit: Double? = nil
    ) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try run(arguments, stdin: stdin, in: directory, environment: environment, timeLimit: timeLimit)
                    })
            }
        }
    }
}

final class Folder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-cli-\(UUID().uuidString)")
    init() { try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

@Suite struct FerryCommandTests {
    @Test func sampleThenConvertThenInspectEndToEnd() throws {
        let folder = Folder()
        let sample = try Ferry.run(["sample", "--rows", "2000", "--seed", "5", "-o", folder.path("clientes.csv")])
        #expect(sample.status == 0)
        let convert = try Ferry.run(["convert", folder.path("clientes.csv"), "-o", folder.path("clientes.json")])
        #expect(convert.status == 0)
        #expect(convert.stderr.contains("read 2000 = written 2000 + rejected 0 + skipped 0"))
        #expect(convert.stderr.contains("delimiter ';'"))
        let records =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path("clientes.json"))))
            as! [[String: String]]
        #expect(records.count == 2000)
        #expect(records[0].keys.contains("apellido2"))
        let back = try Ferry.run([
            "convert", folder.path("clientes.json"), "-o", folder.path("back.csv"), "--output-delimiter", ";",
            "--line-ending", "lf",
        ])
        #expect(back.status == 0)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: folder.path("back.csv")))
                == Data(contentsOf: URL(fileURLWithPath: folder.path("clientes.csv"))))
        let inspect = try Ferry.run(["inspect", folder.path("clientes.csv"), "--json"])
        #expect(inspect.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
        #expect(report["records"] as? Int == 2000)
        #expect(report["encoding"] as? String == "utf-8")
        #expect((report["dialect"] as? [String: Any])?["delimiter"] as? String == ";")
        let columns = report["columns"] as! [[String: Any]]
        #expect(columns.count == 16)
        #expect((columns[0]["samples"] as? [String])?.count == 3)
        #expect(columns[0]["fillRate"] as? Double == 1.0)
    }

    @Test func csvForASpreadsheetNeverStartsACellWithAFormula() throws {
        let input = Data(
            "{\"nombre\":\"=HYPERLINK(\\\"http://x.example\\\",\\\"pulse\\\")\",\"n\":\"-3\",\"e\":\"@SUM(A1)\",\"t\":\"\\tx\"}\n"
                .utf8)
        let plain = try Ferry.run(["convert", "-", "--format", "csv", "--line-ending", "lf", "-q"], stdin: input)
        #expect(
            plain.stdout == "nombre,n,e,t\n\"=HYPERLINK(\"\"http://x.example\"\",\"\"pulse\"\")\",-3,@SUM(A1),\tx\n",
            "plain conversions keep values exact")
        for flag in ["--bom", "--excel"] {
            let guarded = try Ferry.run(
                ["convert", "-", "--format", "csv", "--line-ending", "lf", "-q", flag], stdin: input)
            #expect(
                guarded.stdout
                    == "\u{FEFF}nombre,n,e,t\n\"'=HYPERLINK(\"\"http://x.example\"\",\"\"pulse\"\")\",'-3,'@SUM(A1),'\tx\n"
            )
        }
        let raw = try Ferry.run(
            ["convert", "-", "--format", "csv", "--line-ending", "lf", "-q", "--bom", "--raw-values"], stdin: input)
        #expect(raw.stdout == "\u{FEFF}" + plain.stdout)

        // The rejects file is for people, in a spreadsheet: guarded too.
        let folder = Folder()
        try "nombre;notas\n;=cmd|' /C calc'!A0\n".write(
            toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        let run = try Ferry.run([
            "convert", folder.path("in.csv"), "--from", "koibox", "--to", "movin", "-o", folder.path("out.json"),
            "--rejects", folder.path("rejects.csv"),
        ])
        let rejects = (try? String(contentsOfFile: folder.path("rejects.csv"), encoding: .utf8)) ?? ""
        #expect(run.status == 1, "\(run.stderr)")
        #expect(rejects.contains(",'=cmd|' /C calc'!A0,"), "\(rejects)")
    }

    @Test func standardInputToStandardOutput() throws {
        let run = try Ferry.run(["convert", "-", "--format", "ndjson", "-q"], stdin: Data("a;b\r\n1;\"x;y\"\r\n".utf8))
        #expect(run.status == 0)
        #expect(run.stdout == "{\"a\":\"1\",\"b\":\"x;y\"}\n")
        #expect(run.stderr.isEmpty)
    }

    @Test func jsonFromStandardInputToCSVLearnsEveryColumn() throws {
        let run = try Ferry.run(
            ["convert", "-", "--format", "csv", "--line-ending", "lf", "-q"],
            stdin: Data("{\"a\":1}\n{\"b\":true}\n".utf8))
        #expect(run.status == 0)
        #expect(run.stdout == "a,b\n1,\ntrue\n".replacingOccurrences(of: "true\n", with: ",true\n"))
    }

    @Test func badInputExitsThreeWithALocatedMessageAndWritesNothing() throws {
        let folder = Folder()
        try Data("a,b\n1,2\n3\n".utf8).write(to: URL(fileURLWithPath: folder.path("bad.csv")))
        let run = try Ferry.run(["convert", folder.path("bad.csv"), "-o", folder.path("out.json")])
        #expect(run.status == 3)
        #expect(run.stderr.contains("bad.csv: line 3, record 2"))
        #expect(run.stderr.contains("--allow-ragged"))
        #expect(folder.contents == ["bad.csv"])
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try Ferry.run(["convert"]).status == 2)
        #expect(try Ferry.run(["convert", "x.csv", "--delimiter", "ab"]).status == 2)
        #expect(try Ferry.run(["convert", "x.csv", "-o", "out.xyz"]).status == 2)
        #expect(try Ferry.run(["frobnicate"]).status == 2)
        #expect(try Ferry.run(["--help"]).status == 0)
    }

    @Test func aMissingInputExitsThree() throws {
        let run = try Ferry.run(["convert", "/nonexistent/clientes.csv"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("cannot open the input file"))
    }

    @Test func theWindows1252SampleConvertsWithItsRaggedRowAccepted() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("SampleData/export-windows1252.csv").path
        let refused = try Ferry.run(["convert", sample, "--format", "ndjson"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("line 8, record 6"))
        let accepted = try Ferry.run(["convert", sample, "--format", "ndjson", "--allow-ragged"])
        #expect(accepted.status == 0)
        #expect(accepted.stdout.contains("\"Nombre\":\"Íñigo\""))
        #expect(accepted.stdout.contains("\"Saldo\":\" teléfono francés\",\"_extra_1\":\"\""))
        #expect(accepted.stderr.contains("windows-1252"))
    }
}
