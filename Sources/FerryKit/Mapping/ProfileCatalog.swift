#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds and loads mappings: the built-in profiles by name (`koibox`, `movin`, `canonical`, read
/// from `Mappings/*.yaml`) or a user's mapping file by path.
public enum ProfileCatalog {
    /// The names of the built-in profiles.
    public static let builtInNames = ["koibox", "movin", "canonical"]

    /// Loads a built-in profile by name or a mapping file by path. A file may say
    /// `extends: movin` (or a path) to take a profile and change a few entries or fill its tables.
    public static func load(_ nameOrPath: String) throws(FerryError) -> Profile {
        try profile(try document(nameOrPath), name: nameOrPath)
    }

    /// Checks a mapping given as text, as if read from `file` (`ferry mapping suggest` checks its own).
    public static func parse(yaml: String, file: String) throws(FerryError) -> Profile {
        try profile(try MappingDocument(yaml: yaml, file: file), name: file)
    }

    private static func profile(_ document: MappingDocument, name nameOrPath: String) throws(FerryError) -> Profile {
        var base: MappingDocument?
        if let extends = document.extends {
            guard extends.value != nameOrPath else {
                throw FerryError(
                    .mapping, "a mapping cannot extend itself", at: Location(file: document.file, line: extends.line))
            }
            base = try self.document(extends.value)
            if base?.extends != nil {
                throw FerryError(
                    .mapping, "`\(extends.value)` extends another mapping itself; extend the base mapping directly",
                    at: Location(file: document.file, line: extends.line))
            }
        }
        return try Profile(document: document, base: base)
    }

    static func document(_ nameOrPath: String) throws(FerryError) -> MappingDocument {
        if builtInNames.contains(nameOrPath) {
            guard let folder = mappingsFolder() else {
                throw FerryError(
                    .mapping, "the built-in mapping `\(nameOrPath)` was not found",
                    hint: "set FERRY_MAPPINGS to the Mappings folder of Ferry's source, or give a mapping file's path")
            }
            let path = folder + "/" + nameOrPath + ".yaml"
            return try MappingDocument(yaml: try readText(path), file: path)
        }
        guard nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") else {
            throw FerryError(
                .usage,
                "`\(nameOrPath)` is neither a built-in profile (\(builtInNames.joined(separator: ", "))) nor a mapping file (.yaml)",
                hint: "name a built-in profile or the path of a mapping file")
        }
        return try MappingDocument(yaml: try readText(nameOrPath), file: nameOrPath)
    }

    /// The folder of the built-in mappings: `$FERRY_MAPPINGS`, then `share/ferry/Mappings` beside the
    /// executable's folder, then a `Mappings` folder in the executable's folder or one above it (a
    /// build inside the source tree), then the source tree this library was compiled from.
    public static func mappingsFolder() -> String? {
        var candidates: [String] = []
        if let fromEnvironment = getenv("FERRY_MAPPINGS") { candidates.append(String(cString: fromEnvironment)) }
        if let executable = executablePath() {
            var folder = parent(executable)
            candidates.append(parent(folder) + "/share/ferry/Mappings")
            for _ in 0..<5 {
                candidates.append(folder + "/Mappings")
                folder = parent(folder)
            }
        }
        candidates.append(parent(parent(parent(parent(#filePath)))) + "/Mappings")
        return candidates.first { access($0 + "/koibox.yaml", R_OK) == 0 }
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A mapping file's text.
    static func readText(_ path: String) throws(FerryError) -> String {
        guard let file = fopen(path, "rb") else {
            throw FerryError(
                .mapping, "cannot open the mapping file: \(String(cString: strerror(errno)))", at: Location(file: path),
                hint: "check the path; built-in profiles are \(builtInNames.joined(separator: ", "))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count < 16 << 20 else {
                throw FerryError(.mapping, "the mapping file is over 16 MiB", at: Location(file: path))
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FerryError(
                .mapping, "the mapping file is not UTF-8 text", at: Location(file: path), hint: "save it as UTF-8")
        }
        return text
    }
}
