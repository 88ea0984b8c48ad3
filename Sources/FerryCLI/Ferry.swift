import ArgumentParser
import Dispatch
import FerryKit

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Ferry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Moves customer lists between systems: CSV, JSON, Koibox and Movin.",
        discussion: """
            Exit status: 0 every record written; 1 finished, but some records rejected or uncertain; \
            2 usage or mapping error (nothing written); 3 the run could not go on (input, output, network).
            """,
        subcommands: [
            ConvertCommand.self, PlanCommand.self, MigrateCommand.self, ExportCommand.self, JournalCommand.self,
            SandboxCommand.self, InspectCommand.self, MappingCommand.self, SampleCommand.self,
        ]
    )

    /// Runs the command line with Ferry's exit statuses (ArgumentParser's own usage status is 64).
    static func main() async {
        #if canImport(Glibc)
            // Batches are freed on other threads than the ones that made them; with glibc's sliding
            // threshold such buffers would stay in the heap and the peak memory would wander (57–90 MB
            // for the same run). A fixed threshold maps big buffers and gives them back.
            _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 128 * 1024)
        #endif
        // Past a file size limit (`ulimit -f`) a write fails with EFBIG instead of killing the process,
        // so the run can say so and remove its half-written temporary file.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            // `migrate` stops gracefully on Ctrl-C; the other commands stop at once, leaving nothing.
            let interrupts = command is MigrateCommand || command is SandboxCommand ? [] : removeOutputOnInterrupt()
            defer { interrupts.forEach { $0.cancel() } }
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as FerryError {
            Terminal.error(error.description)
            Glibc.exit(error.exitStatus)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            Terminal.error(fullMessage(for: error))
            Glibc.exit(2)
        }
    }
}

/// Calls `handler` on Ctrl-C or SIGTERM instead of letting the signal end the process; the sources
/// returned keep it installed.
func onInterrupt(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

/// On Ctrl-C or SIGTERM, removes the temporary files of unfinished outputs and exits with status 3:
/// an interrupted run leaves no half-written file, and nothing under the output's name.
func removeOutputOnInterrupt() -> [any DispatchSourceSignal] {
    onInterrupt {
        OutputFile.removeUnfinished()
        Terminal.error("stopped on request; nothing was written (an output appears only when its run completes)")
        Glibc.exit(FerryError(.stopped, "").exitStatus)
    }
}

/// Messages for the person at the terminal, on standard error so standard output stays data. Every
/// one passes through the redactor, which masks every secret in use.
enum Terminal {
    static func note(_ text: String) {
        FileHandleStderr.write(Redactor.shared.redact(text) + "\n")
    }

    static func error(_ text: String) {
        FileHandleStderr.write("ferry: " + Redactor.shared.redact(text) + "\n")
    }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes {
                Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset)
            }
            if n <= 0 { return }
            offset += n
        }
    }
}

#if canImport(Glibc)
    /// glibc's `mallopt` (malloc.h, which Swift's Glibc module leaves out).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
