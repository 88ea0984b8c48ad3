/// Something a mapping found in one record: a value it dropped, kept, or a reason to reject the record.
public struct RecordIssue: Sendable, CustomStringConvertible {
    /// What happened because of it.
    public enum Action: String, Sendable {
        /// The record goes to the rejects file.
        case rejected
        /// The value is left out; the record goes on.
        case dropped
        /// The value is written as it was, unchecked (`invalid: keep`).
        case kept
        /// Worth knowing; nothing was changed (a guess, a contradiction between columns).
        case noted
    }

    public var record: Int
    public var line: Int
    public var column: String?
    public var field: CustomerField?
    /// The original value.
    public var value: String?
    public var message: String
    public var action: Action

    public var description: String {
        var text = "record \(record) (line \(line))"
        if let column { text += ", column '\(column)'" }
        if let field, field.rawValue != column { text += " → \(field.rawValue)" }
        if let value { text += ", value '\(value)'" }
        return "\(text): \(message) [\(action.rawValue)]"
    }
}

/// Counts kept while writing a target, for the run's summary.
public struct WriteStats: Sendable, Equatable {
    /// Records whose clinical notes stayed behind because the target mapping did not opt in.
    public var healthDataWithheld = 0
    /// Consents the source did not give, written as an explicit no because the target defaults to yes.
    public var consentsWrittenAsNo = 0
    /// Records whose `extras` the target has no place for.
    public var extrasNotWritten = 0

    public init() {}
}
