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
        /// The target may or may not have the record: its answer was lost (`migrate`).
        case uncertain
        /// Not sent: an earlier run settled it, or the target already has the customer (`migrate`).
        case skipped
    }

    public var record: Int
    public var line: Int
    public var column: String?
    public var field: CustomerField?
    /// The original value.
    public var value: String?
    /// What is wrong, the same words for every value that fails the same way (reports count them).
    public var message: String
    /// This value's particulars ("should be Z, not X"), which may reveal part of it.
    public var detail: String?
    public var action: Action

    public init(
        record: Int, line: Int, column: String?, field: CustomerField?, value: String?, message: String,
        detail: String? = nil, action: Action
    ) {
        self.record = record
        self.line = line
        self.column = column
        self.field = field
        self.value = value
        self.message = message
        self.detail = detail
        self.action = action
    }

    /// An issue for the reason a check gave.
    init(
        record: Int, line: Int, column: String?, field: CustomerField?, value: String?, _ reason: ValidationFailure,
        action: Action
    ) {
        self.init(
            record: record, line: line, column: column, field: field, value: value, message: reason.message,
            detail: reason.detail, action: action)
    }

    /// The full text, personal data included.
    public var description: String { text(masked: false) }

    /// The issue in one line; with `masked`, the value is masked as its field's kind and details that
    /// could reveal a personal value are left out.
    public func text(masked: Bool) -> String {
        var text = "record \(record) (line \(line))"
        if let column { text += ", column '\(column)'" }
        if let field, field.rawValue != column { text += " → \(field.rawValue)" }
        if let value { text += ", value '\(masked ? PIIMask.mask(value, field: field) : value)'" }
        return "\(text): \(reason(masked: masked)) [\(action.rawValue)]"
    }

    /// The message, or its detail when that is safe to show.
    public func reason(masked: Bool) -> String {
        guard let detail else { return message }
        if masked, field.map({ $0.isPersonal }) ?? true { return message }
        return detail
    }
}

/// Counts kept while writing a target, for the run's summary.
public struct WriteStats: Sendable, Equatable {
    /// Records whose clinical notes stayed behind because the target mapping did not opt in.
    public var healthDataWithheld = 0
    /// Consents the source did not give, written as an explicit no because the target defaults to yes.
    public private(set) var consentsWrittenAsNo = 0
    /// Records whose `extras` the target has no place for.
    public var extrasNotWritten = 0
    /// `consentsWrittenAsNo` by consent, in `CustomerField.allCases` order of the consents.
    private var consentsWrittenAsNoByField = [0, 0, 0, 0, 0]

    public init() {}

    mutating func consentWrittenAsNo(_ field: CustomerField) {
        consentsWrittenAsNo += 1
        if let index = WriteStats.consents.firstIndex(of: field) { consentsWrittenAsNoByField[index] += 1 }
    }

    /// Adds the counts of another part of the same run.
    mutating func add(_ other: WriteStats) {
        healthDataWithheld += other.healthDataWithheld
        consentsWrittenAsNo += other.consentsWrittenAsNo
        extrasNotWritten += other.extrasNotWritten
        for index in consentsWrittenAsNoByField.indices {
            consentsWrittenAsNoByField[index] += other.consentsWrittenAsNoByField[index]
        }
    }

    /// How many absent values of one consent were written as an explicit no.
    public func consentsWrittenAs(no field: CustomerField) -> Int {
        WriteStats.consents.firstIndex(of: field).map { consentsWrittenAsNoByField[$0] } ?? 0
    }

    static let consents = CustomerField.allCases.filter(\.isConsent)
}
