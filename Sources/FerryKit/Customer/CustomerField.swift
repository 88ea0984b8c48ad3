/// A field of the canonical Customer. The raw values are the contract's field names (PRODUCT.md).
public enum CustomerField: String, CaseIterable, Sendable, Codable {
    case givenName, familyName1, familyName2, companyName, kind, lifecycle, code, taxId, taxIdType
    case mobilePhone, landlinePhone, otherPhone, email, street, city, postalCode, provinceCode, province
    case countryCode, birthDate, gender, language, notes, clinicalNotes
    case consentNewsletter, consentSurveys, consentSms, consentEmail, consentWhatsapp
    case active, vip, rating, discountPercent, registeredAt, origin, sourceId

    /// What kind of value the field holds, which decides how it is read, checked and written.
    public enum ValueType: Sendable, Equatable {
        case text
        /// One of a closed set of words.
        case choice([String])
        case taxId
        case phone
        case email
        case postalCode
        /// A 2-digit INE province code.
        case provinceCode
        /// ISO 3166-1 alpha-2.
        case countryCode
        /// ISO 639-1.
        case language
        case date
        case boolean
        case integer(ClosedRange<Int>?)
        case decimal(ClosedRange<Double>?)
    }

    public var valueType: ValueType {
        switch self {
        case .kind: .choice(["person", "company"])
        case .lifecycle: .choice(["lead", "customer"])
        case .taxIdType: .choice(TaxID.Kind.allCases.map(\.rawValue))
        case .gender: .choice(["female", "male", "other"])
        case .taxId: .taxId
        case .mobilePhone, .landlinePhone, .otherPhone: .phone
        case .email: .email
        case .postalCode: .postalCode
        case .provinceCode: .provinceCode
        case .countryCode: .countryCode
        case .language: .language
        case .birthDate, .registeredAt: .date
        case .consentNewsletter, .consentSurveys, .consentSms, .consentEmail, .consentWhatsapp, .active, .vip: .boolean
        case .rating: .integer(0...5)
        case .discountPercent: .decimal(0...100)
        default: .text
        }
    }

    /// Consents are never invented: an absent consent is written as an explicit no where the target
    /// system would otherwise default to yes.
    public var isConsent: Bool {
        switch self {
        case .consentNewsletter, .consentSurveys, .consentSms, .consentEmail, .consentWhatsapp: true
        default: false
        }
    }

    /// Health data (GDPR art. 9): never written unless the target mapping opts in with `sensitive: allow`.
    public var isHealthData: Bool { self == .clinicalNotes }

    /// Personal data that reports mask.
    public var isPersonal: Bool {
        switch self {
        case .givenName, .familyName1, .familyName2, .taxId, .mobilePhone, .landlinePhone, .otherPhone, .email,
            .street, .birthDate, .notes, .clinicalNotes:
            true
        default: false
        }
    }
}
