#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes records as numbered JSON array files of at most `size` records each (`batch-000001.json`,
/// ...), the payloads of one API call each, and a `manifest.json` listing every file's records by their
/// numbers in the input.
public final class BatchFilesWriter: RecordWriter {
    public let folder: String
    public let size: Int
    private var current: JSONWriter?
    private var currentFile: OutputFile?
    private var currentRecords: [Int] = []
    private var manifest: [(file: String, records: [Int])] = []
    private var created: [String] = []
    public var outputName: String { folder }
    public var needsColumnsUpFront: Bool { false }

    public init(folder: String, size: Int) throws {
        precondition(size > 0)
        self.folder = folder
        self.size = size
        var info = stat()
        if stat(folder, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw FerryError(
                    .usage, "with --batch-size, -o names a folder, and \(folder) is a file", hint: "give a folder path")
            }
            if let existing = BatchFilesWriter.firstBatchFile(in: folder) {
                throw FerryError(
                    .output, "\(folder) already holds batch files (\(existing))",
                    hint: "choose an empty folder, so batches of two runs cannot be mixed")
            }
        } else if mkdir(folder, 0o700) != 0 {
            throw FerryError(.output, "cannot create the folder \(folder): \(String(cString: strerror(errno)))")
        }
    }

    private static func firstBatchFile(in folder: String) -> String? {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("batch-") || name == "manifest.json" { return name }
        }
        return nil
    }

    public func begin(columns: [String]) throws {}

    public func write(_ batch: RecordBatch, columns: [String]) throws {
        var start = 0
        while start < batch.count {
            if current == nil { try open(columns: columns) }
            let take = min(size - currentRecords.count, batch.count - start)
            var part = RecordBatch()
            for index in start..<start + take {
                let record = batch[index]
                part.beginRecord()
                part.appendFields(of: record)
                part.endRecord(number: record.number, line: record.line)
                currentRecords.append(record.number)
            }
            try current!.write(part, columns: columns)
            start += take
            if currentRecords.count == size { try close() }
        }
    }

    private func open(columns: [String]) throws {
        let name =
            "batch-" + String(repeating: "0", count: max(0, 6 - String(manifest.count + 1).count))
            + String(manifest.count + 1) + ".json"
        let file = try OutputFile(path: folder + "/" + name)
        let writer = JSONWriter(file: file, layout: .array)
        try writer.begin(columns: columns)
        current = writer
        currentFile = file
        manifest.append((name, []))
    }

    private func close() throws {
        guard let writer = current else { return }
        try writer.finish()
        created.append(folder + "/" + manifest[manifest.count - 1].file)
        manifest[manifest.count - 1].records = currentRecords
        currentRecords = []
        current = nil
        currentFile = nil
    }

    public func finish() throws {
        try close()
        var text =
            "{\n  \"batch_size\": \(size),\n  \"records\": \(manifest.reduce(0) { $0 + $1.records.count }),\n  \"files\": ["
        for (index, entry) in manifest.enumerated() {
            text += index == 0 ? "\n" : ",\n"
            text += "    {\"file\": \"\(entry.file)\", \"records\": \(entry.records.count), \"input_records\": ["
            text += entry.records.map(String.init).joined(separator: ",")
            text += "]}"
        }
        text += manifest.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        let file = try OutputFile(path: folder + "/manifest.json")
        try file.write(Array(text.utf8))
        try file.commit()
    }

    public func abandon() {
        current?.abandon()
        for path in created { unlink(path) }
    }
}
