/// Where in an input something happened: every message about data names its place.
public struct Location: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based physical line; for a sheet of a workbook, its row.
    public var line: Int?
    /// The sheet of a workbook (.xlsx) the place is on.
    public var sheet: String?
    /// 1-based record number (the header row is not a record).
    public var record: Int?
    /// Column name, or for JSON the key.
    public var column: String?
    /// 1-based column in the line, counted in bytes (JSON syntax errors).
    public var lineColumn: Int?
    /// Offset in bytes from the start of the file (encoding errors).
    public var byteOffset: Int?

    public init(
        file: String, line: Int? = nil, record: Int? = nil, column: String? = nil,
        lineColumn: Int? = nil, byteOffset: Int? = nil
    ) {
        self.file = file
        self.line = line
        self.record = record
        self.column = column
        self.lineColumn = lineColumn
        self.byteOffset = byteOffset
    }

    public var description: String {
        var parts: [String] = []
        if let sheet { parts.append("sheet '\(sheet)'") }
        if let line, sheet != nil {
            parts.append("row \(line)")
        } else if let line {
            parts.append(lineColumn.map { "line \(line), column \($0)" } ?? "line \(line)")
        }
        if let record { parts.append("record \(record)") }
        if let column { parts.append("column '\(column)'") }
        if let byteOffset { parts.append("byte \(byteOffset)") }
        return parts.isEmpty ? file : "\(file): \(parts.joined(separator: ", "))"
    }
}

/// An error that stops a run. It says where, what, and what the user can do about it.
public struct FerryError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, which decides the exit status (PRODUCT.md: 2 usage or mapping, 3 could not go on).
    public enum Kind: Sendable {
        case usage
        case mapping
        case input
        case output
        /// The API could not be reached, or refused the credentials.
        case network
        /// The user stopped the run (Ctrl-C); what was done is kept.
        case stopped
    }

    public var kind: Kind
    public var location: Location?
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(_ kind: Kind, _ message: String, at location: Location? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.hint = hint
    }

    /// The process exit status for this error.
    public var exitStatus: Int32 {
        switch kind {
        case .usage, .mapping: 2
        case .input, .output, .network, .stopped: 3
        }
    }

    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let hint { text += "\n  → \(hint)" }
        return text
    }
}

/// Something worth telling the user that does not stop the run (a renamed header, a skipped blank line).
public struct Diagnostic: Sendable, CustomStringConvertible {
    public var location: Location?
    public var message: String

    public init(_ message: String, at location: Location? = nil) {
        self.message = message
        self.location = location
    }

    public var description: String { location.map { "\($0): \(message)" } ?? message }
}
