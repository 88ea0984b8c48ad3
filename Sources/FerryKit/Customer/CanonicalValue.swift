/// The typed value of one canonical field.
public enum CanonicalValue: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case bool(Bool)
    case integer(Int)
    case decimal(Double)
    case date(CalendarDate)
    case taxId(TaxID)
    case phone(PhoneNumber)

    /// The canonical text form: dates `YYYY-MM-DD`, phones E.164, booleans `true`/`false`.
    public var description: String {
        switch self {
        case .text(let text): text
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .decimal(let value): CanonicalValue.decimalText(value)
        case .date(let date): date.description
        case .taxId(let id): id.value
        case .phone(let phone): phone.e164
        }
    }

    /// A decimal without a trailing `.0` (`10`, `10.5`).
    static func decimalText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
