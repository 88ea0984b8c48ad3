/// Turns a column's text into a checked canonical value and back, for one field of one mapping:
/// the field's type decides the checks, the mapping's declarations (date format, boolean style,
/// phone style, value table, decimal comma) decide the written form.
///
/// A class so the per-field loops share it rather than copy it; it is configured while the mapping
/// is read and never changed afterwards, which is what makes it safe to share between threads.
final class FieldCodec: @unchecked Sendable {
    let field: CustomerField
    var dateFormat = DateFormat.iso
    var booleans = BooleanStyle.json
    var phones = PhoneNumber.Style.e164
    var region = "ES"
    var decimalComma = false
    /// The system's values for a choice field: canonical → column, in the file's order.
    var values: [(canonical: String, column: String)]?
    /// The JSON kind to write: nil follows the field's type.
    var jsonKind: ValueKind?
    /// Today, for birth dates that cannot be in the future.
    var today = CalendarDate.today()

    init(field: CustomerField) { self.field = field }

    /// Column text (not empty) → canonical value.
    func read(_ text: String) -> Result<CanonicalValue, ValidationFailure> {
        switch field.valueType {
        case .text:
            return .success(.text(text))
        case .choice(let allowed):
            let spellings = values?.map(\.column) ?? allowed
            var copy = text
            switch copy.withUTF8({ Choices.match($0, in: spellings.lazy.map(\.utf8)) }) {
            case .at(let position): return .success(.text(values?[position].canonical ?? allowed[position]))
            case .none: return .failure(choiceFailure)
            case .needsUnicode:
                let lower = text.lowercased()
                guard let position = spellings.firstIndex(where: { $0.lowercased() == lower }) else {
                    return .failure(choiceFailure)
                }
                return .success(.text(values?[position].canonical ?? allowed[position]))
            }
        case .taxId:
            // A foreign id is kept as OTHER (`FieldRule.read` notes it); a Spanish one must pass its check.
            return TaxID.parse(text).map(CanonicalValue.taxId).flatMapError { failure in
                TaxID.foreign(text).map { .success(.taxId(TaxID(value: $0, kind: .other))) } ?? .failure(failure)
            }
        case .phone:
            let parsed = PhoneNumber.parse(text, region: region)
            // A column of prefixes may hold a country's calling code without its `+` (`44`).
            if case .failure = parsed, phones == .countryAndDigits, let prefixed = PhoneNumber.withPlus(text),
                case .success(let phone) = PhoneNumber.parse(prefixed, region: region)
            {
                return .success(.phone(phone))
            }
            return parsed.map(CanonicalValue.phone)
        case .email:
            return EmailAddress.parse(text).map(CanonicalValue.text)
        case .postalCode:
            // Checked as Spanish only when the record's country is ES, which is settled once the
            // whole record is read (`MappingPlan.complete`).
            return .success(.text(text))
        case .provinceCode:
            guard let code = Province.code(ofName: text) else { return .failure(Province.failure) }
            return .success(.text(code))
        case .countryCode:
            var copy = text
            let code = copy.withUTF8 { bytes in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2) { out in
                    ISOCode.country(bytes, into: out.baseAddress!)
                        ? String(decoding: UnsafeBufferPointer(out), as: UTF8.self) : nil
                }
            }
            return code.map { .success(.text($0)) } ?? .failure(ISOCode.countryFailure)
        case .language:
            return ISOCode.language(text).map { .success(.text($0)) } ?? .failure(ISOCode.languageFailure)
        case .date:
            switch dateFormat.parse(text) {
            case .failure(let failure): return .failure(failure)
            case .success(let date):
                if let failure = implausible(date) { return .failure(failure) }
                return .success(.date(date))
            }
        case .boolean:
            guard let value = booleans.parse(text) else { return .failure(BooleanStyle.failure) }
            return .success(.bool(value))
        case .integer(let range):
            var copy = text
            return copy.withUTF8 { Number.whole($0, decimalComma: decimalComma, range: range) }
                .map(CanonicalValue.integer).mapError { Number.failure($0, decimalComma: decimalComma) }
        case .decimal(let range):
            var copy = text
            return copy.withUTF8 { Number.decimal($0, decimalComma: decimalComma, range: range) }
                .map(CanonicalValue.decimal).mapError { Number.failure($0, decimalComma: decimalComma) }
        }
    }

    /// Why a text is none of a choice field's values (the system's, or the canonical ones).
    var choiceFailure: ValidationFailure {
        if let values {
            return ValidationFailure("not one of \(values.map { "`\($0.column)`" }.joined(separator: ", "))")
        }
        guard case .choice(let allowed) = field.valueType else { return ValidationFailure("not one of its values") }
        return ValidationFailure("not one of \(allowed.joined(separator: ", "))")
    }

    /// Why a date that exists cannot be this field's (a birth date in the future or before 1900).
    func implausible(_ date: CalendarDate) -> ValidationFailure? {
        guard field == .birthDate else { return nil }
        if date > today { return ValidationFailure("a birth date cannot be in the future") }
        if date.year < 1900 { return ValidationFailure("a birth date before 1900 is not plausible") }
        return nil
    }

    /// Canonical value → column text and its JSON kind; fails when the system has no way to say it.
    func write(_ value: CanonicalValue) -> Result<(text: String, kind: ValueKind), ValidationFailure> {
        switch value {
        case .text(let text):
            if let values {
                guard let match = values.first(where: { $0.canonical == text }) else {
                    return .failure(
                        ValidationFailure(
                            "this system has no value for it (it knows \(values.map(\.canonical).joined(separator: ", ")))",
                            detail:
                                "this system has no value for `\(text)` (it knows \(values.map(\.canonical).joined(separator: ", ")))"
                        ))
                }
                return .success((match.column, jsonKind ?? .string))
            }
            return .success((text, jsonKind ?? .string))
        case .bool(let flag):
            let (text, literal) = booleans.format(flag)
            return .success((text, jsonKind ?? (literal ? .bool : .string)))
        case .integer(let number):
            return .success((String(number), jsonKind ?? .number))
        case .decimal(let number):
            var text = CanonicalValue.decimalText(number)
            if decimalComma { text = String(text.map { $0 == "." ? "," : $0 }) }
            return .success((text, jsonKind ?? (decimalComma ? .string : .number)))
        case .date(let date):
            return .success((dateFormat.format(date), jsonKind ?? .string))
        case .taxId(let id):
            return .success((id.value, jsonKind ?? .string))
        case .phone(let phone):
            return .success((phone.formatted(phones, region: region), jsonKind ?? .string))
        }
    }

    /// What this codec loses when writing, for `plan` and the round-trip tests.
    var loss: String? {
        if case .choice(let allowed) = field.valueType, let values {
            let missing = allowed.filter { name in !values.contains { $0.canonical == name } }
            if !missing.isEmpty { return "\(field.rawValue) \(missing.joined(separator: ", ")) cannot be written" }
        }
        if case .date = field.valueType, dateFormat.dropsTime { return "time of day is not kept" }
        return nil
    }

    /// Reads `12.50`, `12,50` (decimal comma), `1.250,00` and `1,250.00` (`Number`).
    static func number(_ text: String, decimalComma: Bool) -> Double? {
        var copy = text
        return copy.withUTF8 { Number.read($0, decimalComma: decimalComma) }
    }
}

extension FieldCodec {
    /// The check this codec makes, as a step of a report's transform chain; nil for plain text.
    var checkName: String? {
        switch field.valueType {
        case .text: values == nil ? nil : "values"
        case .choice: "values"
        case .taxId: "DNI/NIE/CIF check"
        case .phone: "phone check (\(region))"
        case .email: "e-mail check"
        case .postalCode: "postal code check"
        case .provinceCode: "province"
        case .countryCode: "country code"
        case .language: "language code"
        case .date: "date \(dateFormat.pattern)"
        case .boolean: "yes/no \(booleans.rawValue)"
        case .integer(let range): range.map { "whole number \($0.lowerBound)–\($0.upperBound)" } ?? "whole number"
        case .decimal(let range):
            range.map {
                "number \(CanonicalValue.decimalText($0.lowerBound))–\(CanonicalValue.decimalText($0.upperBound))"
            } ?? "number"
        }
    }
}
