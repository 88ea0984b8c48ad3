import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where output goes: a file written under a temporary name and renamed into place only when the run
/// completes (so a failed run never leaves a half-written file where a good one is expected), or
/// standard output (`-`). Writes are buffered.
public final class OutputFile {
    /// The name used in messages.
    public let name: String
    private let finalPath: String?
    private let temporaryPath: String?
    private var fd: Int32
    /// Bytes waiting to be written; writers append to it and call `flushIfFull`.
    var pending: [UInt8] = []
    private static let flushSize = 256 * 1024
    private var done = false
    /// Bytes written so far.
    public private(set) var bytesWritten = 0
    /// Temporary files of outputs not yet completed or dropped, and of standard input held for a
    /// second pass, for `removeUnfinished`.
    private static let unfinished = NIOLockedValueBox(Set<String>())

    /// Counts `path` among the temporary files an interrupted run removes, until `removeTemporary`.
    public static func trackTemporary(_ path: String) { unfinished.withLockedValue { _ = $0.insert(path) } }

    /// Removes a temporary file that `trackTemporary` counted.
    public static func removeTemporary(_ path: String) {
        unlink(path)
        unfinished.withLockedValue { _ = $0.remove(path) }
    }

    /// Removes the temporary file of every output still being written (and any copy of standard
    /// input): what a process interrupted mid-run calls before it exits, so it leaves nothing behind.
    public static func removeUnfinished() {
        unfinished.withLockedValue { paths in
            for path in paths { unlink(path) }
            paths.removeAll()
        }
    }

    /// Opens `path` for writing (`-` is standard output). Files are created with mode 0600: they hold
    /// personal data.
    public init(path: String) throws {
        pending.reserveCapacity(Self.flushSize + 64 * 1024)
        if path == "-" {
            name = "standard output"
            finalPath = nil
            temporaryPath = nil
            fd = STDOUT_FILENO
            return
        }
        name = path
        finalPath = path
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let base = path.split(separator: "/").last.map(String.init) ?? path
        var info = stat()
        if stat(directory.isEmpty ? "/" : directory, &info) != 0 {
            throw FerryError(
                .output, "the output folder '\(directory)' does not exist", at: Location(file: path),
                hint: "create the folder first, or choose another output path")
        }
        var template = Array("\(directory.isEmpty ? "" : directory)/.\(base).ferry-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw FerryError(
                .output, "cannot create the output file: \(reason)", at: Location(file: path),
                hint: "check that the folder exists and that you may write in it")
        }
        fchmod(fd, 0o600)
        self.fd = fd
        let temporaryPath = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        self.temporaryPath = temporaryPath
        Self.unfinished.withLockedValue { _ = $0.insert(temporaryPath) }
    }

    deinit {
        if !done { abandon() }
    }

    /// Appends bytes to the output.
    public func write(_ bytes: some Collection<UInt8>) throws {
        pending.append(contentsOf: bytes)
        try flushIfFull()
    }

    @inline(__always)
    func flushIfFull() throws {
        if pending.count >= Self.flushSize { try flush() }
    }

    /// Writes everything pending.
    public func flush() throws {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                let reason = String(cString: strerror(code))
                let hint =
                    switch code {
                    case ENOSPC, EDQUOT: "free some disk space and run again; nothing was put in place of the output"
                    case EFBIG:
                        "the output reached a file size limit (ulimit -f, or the file system's); raise it, or split the output with --batch-size, and run again"
                    default: "check the output path and run again"
                    }
                throw FerryError(.output, "writing failed: \(reason)", at: Location(file: name), hint: hint)
            }
            offset += n
        }
        bytesWritten += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Whether `startOver` can drop what was written: a file can, standard output cannot.
    public var canStartOver: Bool { temporaryPath != nil && !done }

    /// Drops everything written so far: the file is empty again.
    func startOver() throws {
        precondition(canStartOver, "\(name) cannot start over")
        pending.removeAll(keepingCapacity: true)
        if ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 {
            let reason = String(cString: strerror(errno))
            throw FerryError(
                .output, "writing failed: \(reason)", at: Location(file: name),
                hint: "check the output path and run again")
        }
        bytesWritten = 0
    }

    /// Completes the output: flushes, syncs and moves the file into place.
    public func commit() throws {
        try flush()
        done = true
        guard let temporaryPath, let finalPath else { return }
        defer { Self.unfinished.withLockedValue { _ = $0.remove(temporaryPath) } }
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FerryError(
                .output, "writing failed: \(reason)", at: Location(file: finalPath),
                hint: "free some disk space and run again")
        }
        fd = -1
        if rename(temporaryPath, finalPath) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FerryError(
                .output, "cannot move the output into place: \(reason)", at: Location(file: finalPath),
                hint: "check that the path is not a folder and that you may write there")
        }
    }

    /// Drops the output: the temporary file is removed and nothing appears under the final name.
    /// The file the output is written into until `commit` moves it into place, for libraries that
    /// write files by name (libxlsxwriter); nil for standard output.
    var workingPath: String? { temporaryPath }

    public func abandon() {
        done = true
        pending.removeAll()
        guard let temporaryPath else { return }
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
        Self.unfinished.withLockedValue { _ = $0.remove(temporaryPath) }
    }
}

#if canImport(Darwin)
    private enum Glibc {
        static func write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
    }
#endif
