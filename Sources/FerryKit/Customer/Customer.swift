/// The canonical customer: every system's records meet here (PRODUCT.md names the fields).
/// Values are typed and already checked; `extras` keeps the source fields no mapping claimed.
///
/// ```swift
/// var customer = Customer()
/// customer.givenName = "Carmen"
/// customer[.birthDate] = .date(CalendarDate(year: 1980, month: 4, day: 3)!)
/// ```
public struct Customer: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable { case person, company }
    public enum Lifecycle: String, Sendable, CaseIterable { case lead, customer }
    public enum Gender: String, Sendable, CaseIterable { case female, male, other }

    /// Given name(s): `María José`.
    public var givenName: String?
    /// First surname: `García`.
    public var familyName1: String?
    /// Second surname: `de la Fuente`.
    public var familyName2: String?
    /// The company's name, for companies and for a person's employer.
    public var companyName: String?
    /// A person or a company.
    public var kind: Customer.Kind?
    /// A lead or a customer.
    public var lifecycle: Customer.Lifecycle?
    /// The customer number in the source system.
    public var code: String?
    /// DNI, NIE or CIF, normalized and checked.
    public var taxId: TaxID?
    /// The kind of `taxId`.
    public var taxIdType: TaxID.Kind?
    /// E.164.
    public var mobilePhone: PhoneNumber?
    /// E.164.
    public var landlinePhone: PhoneNumber?
    /// E.164.
    public var otherPhone: PhoneNumber?
    /// An address that passed the practical check; domain lower case.
    public var email: String?
    /// Street and number.
    public var street: String?
    /// Town or city.
    public var city: String?
    /// Five digits, leading zeros kept.
    public var postalCode: String?
    /// INE code, 2 digits (`28`).
    public var provinceCode: String?
    /// Province name.
    public var province: String?
    /// ISO 3166-1 alpha-2; `ES` when the source says nothing.
    public var countryCode: String?
    /// A real day between 1900 and today.
    public var birthDate: CalendarDate?
    /// female, male or other.
    public var gender: Customer.Gender?
    /// ISO 639-1 (`es`, `ca`).
    public var language: String?
    /// Free text.
    public var notes: String?
    /// Health data: never written to a target unless the mapping opts in.
    public var clinicalNotes: String?
    /// Consent to newsletters; absent when the source does not say.
    public var consentNewsletter: Bool?
    /// Consent to surveys.
    public var consentSurveys: Bool?
    /// Consent to SMS.
    public var consentSms: Bool?
    /// Consent to e-mail.
    public var consentEmail: Bool?
    /// Consent to WhatsApp.
    public var consentWhatsapp: Bool?
    /// Whether the customer is active.
    public var active: Bool?
    /// Whether the customer is VIP.
    public var vip: Bool?
    /// 0–5.
    public var rating: Int?
    /// 0–100.
    public var discountPercent: Double?
    /// The day the customer was registered.
    public var registeredAt: CalendarDate?
    /// How the customer found the business.
    public var origin: String?
    /// The record's id in the system it came from.
    public var sourceId: String?
    /// Source fields no mapping claimed, in the order they were met, so nothing is dropped silently.
    public var extras: [Extra] = []

    /// One unclaimed source field.
    public struct Extra: Sendable, Hashable {
        public var name: String
        public var value: String
        public var kind: ValueKind

        public init(name: String, value: String, kind: ValueKind = .string) {
            self.name = name
            self.value = value
            self.kind = kind
        }
    }

    public init() {}

    /// The value of a field, for code that works field by field (the mapping engine).
    public subscript(field: CustomerField) -> CanonicalValue? {
        get {
            switch field {
            case .givenName: givenName.map(CanonicalValue.text)
            case .familyName1: familyName1.map(CanonicalValue.text)
            case .familyName2: familyName2.map(CanonicalValue.text)
            case .companyName: companyName.map(CanonicalValue.text)
            case .kind: kind.map { .text($0.rawValue) }
            case .lifecycle: lifecycle.map { .text($0.rawValue) }
            case .code: code.map(CanonicalValue.text)
            case .taxId: taxId.map(CanonicalValue.taxId)
            case .taxIdType: taxIdType.map { .text($0.rawValue) }
            case .mobilePhone: mobilePhone.map(CanonicalValue.phone)
            case .landlinePhone: landlinePhone.map(CanonicalValue.phone)
            case .otherPhone: otherPhone.map(CanonicalValue.phone)
            case .email: email.map(CanonicalValue.text)
            case .street: street.map(CanonicalValue.text)
            case .city: city.map(CanonicalValue.text)
            case .postalCode: postalCode.map(CanonicalValue.text)
            case .provinceCode: provinceCode.map(CanonicalValue.text)
            case .province: province.map(CanonicalValue.text)
            case .countryCode: countryCode.map(CanonicalValue.text)
            case .birthDate: birthDate.map(CanonicalValue.date)
            case .gender: gender.map { .text($0.rawValue) }
            case .language: language.map(CanonicalValue.text)
            case .notes: notes.map(CanonicalValue.text)
            case .clinicalNotes: clinicalNotes.map(CanonicalValue.text)
            case .consentNewsletter: consentNewsletter.map(CanonicalValue.bool)
            case .consentSurveys: consentSurveys.map(CanonicalValue.bool)
            case .consentSms: consentSms.map(CanonicalValue.bool)
            case .consentEmail: consentEmail.map(CanonicalValue.bool)
            case .consentWhatsapp: consentWhatsapp.map(CanonicalValue.bool)
            case .active: active.map(CanonicalValue.bool)
            case .vip: vip.map(CanonicalValue.bool)
            case .rating: rating.map(CanonicalValue.integer)
            case .discountPercent: discountPercent.map(CanonicalValue.decimal)
            case .registeredAt: registeredAt.map(CanonicalValue.date)
            case .origin: origin.map(CanonicalValue.text)
            case .sourceId: sourceId.map(CanonicalValue.text)
            }
        }
        set {
            switch field {
            case .givenName: if case .text(let v)? = newValue { givenName = v } else { givenName = nil }
            case .familyName1: if case .text(let v)? = newValue { familyName1 = v } else { familyName1 = nil }
            case .familyName2: if case .text(let v)? = newValue { familyName2 = v } else { familyName2 = nil }
            case .companyName: if case .text(let v)? = newValue { companyName = v } else { companyName = nil }
            case .kind: if case .text(let v)? = newValue { kind = Customer.Kind(rawValue: v) } else { kind = nil }
            case .lifecycle:
                if case .text(let v)? = newValue {
                    lifecycle = Customer.Lifecycle(rawValue: v)
                } else {
                    lifecycle = nil
                }
            case .code: if case .text(let v)? = newValue { code = v } else { code = nil }
            case .taxId: if case .taxId(let v)? = newValue { taxId = v } else { taxId = nil }
            case .taxIdType:
                if case .text(let v)? = newValue { taxIdType = TaxID.Kind(rawValue: v) } else { taxIdType = nil }
            case .mobilePhone: if case .phone(let v)? = newValue { mobilePhone = v } else { mobilePhone = nil }
            case .landlinePhone: if case .phone(let v)? = newValue { landlinePhone = v } else { landlinePhone = nil }
            case .otherPhone: if case .phone(let v)? = newValue { otherPhone = v } else { otherPhone = nil }
            case .email: if case .text(let v)? = newValue { email = v } else { email = nil }
            case .street: if case .text(let v)? = newValue { street = v } else { street = nil }
            case .city: if case .text(let v)? = newValue { city = v } else { city = nil }
            case .postalCode: if case .text(let v)? = newValue { postalCode = v } else { postalCode = nil }
            case .provinceCode: if case .text(let v)? = newValue { provinceCode = v } else { provinceCode = nil }
            case .province: if case .text(let v)? = newValue { province = v } else { province = nil }
            case .countryCode: if case .text(let v)? = newValue { countryCode = v } else { countryCode = nil }
            case .birthDate: if case .date(let v)? = newValue { birthDate = v } else { birthDate = nil }
            case .gender:
                if case .text(let v)? = newValue { gender = Customer.Gender(rawValue: v) } else { gender = nil }
            case .language: if case .text(let v)? = newValue { language = v } else { language = nil }
            case .notes: if case .text(let v)? = newValue { notes = v } else { notes = nil }
            case .clinicalNotes: if case .text(let v)? = newValue { clinicalNotes = v } else { clinicalNotes = nil }
            case .consentNewsletter:
                if case .bool(let v)? = newValue { consentNewsletter = v } else { consentNewsletter = nil }
            case .consentSurveys: if case .bool(let v)? = newValue { consentSurveys = v } else { consentSurveys = nil }
            case .consentSms: if case .bool(let v)? = newValue { consentSms = v } else { consentSms = nil }
            case .consentEmail: if case .bool(let v)? = newValue { consentEmail = v } else { consentEmail = nil }
            case .consentWhatsapp:
                if case .bool(let v)? = newValue { consentWhatsapp = v } else { consentWhatsapp = nil }
            case .active: if case .bool(let v)? = newValue { active = v } else { active = nil }
            case .vip: if case .bool(let v)? = newValue { vip = v } else { vip = nil }
            case .rating: if case .integer(let v)? = newValue { rating = v } else { rating = nil }
            case .discountPercent:
                if case .decimal(let v)? = newValue { discountPercent = v } else { discountPercent = nil }
            case .registeredAt: if case .date(let v)? = newValue { registeredAt = v } else { registeredAt = nil }
            case .origin: if case .text(let v)? = newValue { origin = v } else { origin = nil }
            case .sourceId: if case .text(let v)? = newValue { sourceId = v } else { sourceId = nil }
            }
        }
    }
}
