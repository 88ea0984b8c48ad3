import ArgumentParser
import FerryKit
import Foundation

/// `--report FILE` and `--show-pii`, shared by the commands that move records.
struct ReportOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write the report to FILE: .json (stable schema), .md or .html (one self-contained page with charts).",
            valueName: "file"))
    var report: String?

    @Flag(
        help:
            "Show personal data (tax ids, phones, e-mails, names) unmasked in reports and warnings. Health data stays hidden unless the mapping lets it move."
    )
    var showPII = false

    func validate() throws {
        if let report, ReportFormat(path: report) == nil {
            throw ValidationError("--report takes a file ending in .json, .md or .html, not '\(report)'")
        }
    }

    var masked: Bool { !showPII }

    /// The run's report, masked unless --show-pii; written to the --report file when there is one.
    func finish(_ collector: ReportCollector, result: MappedConversionResult, input: String) throws -> RunReport {
        let report = collector.report(result: result, inputPath: input, showPII: showPII, createdAt: Self.timestamp())
        try write(report)
        return report
    }

    /// Writes the report file, all or nothing.
    private func write(_ report: RunReport) throws {
        guard let path = self.report, let format = ReportFormat(path: path) else { return }
        let text: String
        do { text = try format.render(report) } catch {
            throw FerryError(.output, "could not encode the report: \(error)")
        }
        let file = try OutputFile(path: path)
        do {
            try file.write(Array(Redactor.shared.redact(text).utf8))
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    static func timestamp() -> String { utcTimestamp() }
}

/// The progress bar on standard error: records, rate, ETA and rejections so far. Drawn only when
/// standard error is a terminal and the command is not `--quiet`, at most ten times a second.
final class ProgressBar {
    private let enabled: Bool
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drawn = false

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func update(_ progress: RunProgress) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        let elapsed = now.timeIntervalSince(started)
        let done = progress.done
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = ""
        if let fraction = progress.fraction {
            let width = 24, full = Int((Double(width) * min(1, fraction)).rounded(.down))
            line += "[" + String(repeating: "█", count: full) + String(repeating: "·", count: width - full) + "] "
            line += "\(Int(fraction * 100))% "
        }
        line += "\(done) records · \(Int(rate))/s"
        if let fraction = progress.fraction, fraction > 0.01, fraction < 1 {
            line += " · ETA " + Self.clock(elapsed / fraction - elapsed)
        }
        if progress.totals.rejected > 0 { line += " · \(progress.totals.rejected) rejected" }
        if progress.totals.uncertain > 0 { line += " · \(progress.totals.uncertain) uncertain" }
        FileHandleStderr.write("\r\u{1B}[2K" + line)
        drawn = true
    }

    /// Clears the bar so the summary starts on a clean line.
    func finish() {
        if drawn { FileHandleStderr.write("\r\u{1B}[2K") }
        drawn = false
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (minutes, rest) = (total / 60, total % 60)
        return "\(minutes):\(rest < 10 ? "0" : "")\(rest)"
    }
}

/// Whether standard error shows colour: a terminal, and no NO_COLOR.
var stderrIsColorTerminal: Bool {
    isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        && ProcessInfo.processInfo.environment["TERM"] != "dumb"
}
