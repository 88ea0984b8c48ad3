#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Raw bytes from a file or from standard input (`-`), read in chunks.
public final class ByteSource {
    /// The name used in messages: the path, or `standard input`.
    public let name: String
    /// The path, or nil for standard input.
    public let path: String?
    private let fd: Int32
    /// Bytes read so far.
    public private(set) var offset: Int = 0

    /// Opens `path` for reading; `-` is standard input.
    public init(path: String) throws {
        if path == "-" {
            self.name = "standard input"
            self.path = nil
            self.fd = STDIN_FILENO
            return
        }
        self.name = path
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw FerryError(
                .input, "cannot open the input file: \(reason)", at: Location(file: path),
                hint: "check the path and that you may read it")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FerryError(
                .input, "is a directory, not a file", at: Location(file: path), hint: "name a CSV or JSON file")
        }
        self.fd = fd
    }

    deinit {
        if path != nil { close(fd) }
    }

    /// Size in bytes when the input is a regular file.
    public var fileSize: Int? {
        var info = stat()
        guard path != nil, fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// The share of a file of `size` bytes read so far, for progress bars; nil when the size is
    /// unknown (a pipe).
    public func fraction(ofSize size: Int?) -> Double? {
        size.map { Double(offset) / Double(max(1, $0)) }
    }

    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the input.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            #if canImport(Glibc)
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
                let n = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if n >= 0 {
                offset += n
                return n
            }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw FerryError(.input, "read failed: \(reason)", at: Location(file: name, byteOffset: offset))
        }
    }

    /// Fills `buffer` as far as the input allows (short only at the end of the input).
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var total = 0
        while total < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if n == 0 { break }
            total += n
        }
        return total
    }
}

/// The line on which byte `offset` of a file lies, found by reading the file again from its start.
/// Used only to place an error, so the hot path never counts lines of raw bytes.
/// Lines end at LF; a file without any LF but with CRs is counted by its CRs (old Mac line ends).
func lineNumber(ofByte offset: Int, inFile path: String) -> Int? {
    guard let source = try? ByteSource(path: path) else { return nil }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var remaining = offset
    var lineFeeds = 0, carriageReturns = 0
    while remaining > 0 {
        let want = min(buffer.count, remaining)
        let n =
            (try? buffer.withUnsafeMutableBytes {
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]))
            }) ?? 0
        if n == 0 { break }
        for byte in buffer[0..<n] {
            if byte == 0x0A { lineFeeds += 1 } else if byte == 0x0D { carriageReturns += 1 }
        }
        remaining -= n
    }
    return 1 + (lineFeeds == 0 ? carriageReturns : lineFeeds)
}
