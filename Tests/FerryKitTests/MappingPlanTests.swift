import Testing

@testable import FerryKit

/// The mapping plan words a failed value with its type's own words and applies `invalid:` to it,
/// whether its byte code decided (tax ids, Spanish phones, dates) or the general code did.
@Suite struct MappingPlanTests {
    static let header = "dni;movil;nacimiento;nombre;cp;provincia\n"

    static func yaml(_ invalid: String) -> String {
        """
        ferry: mapping 1
        dates: dd/MM/yyyy
        fields:
          - column: dni
            field: taxId
            transforms: [trim]
            invalid: \(invalid)
          - column: movil
            field: mobilePhone
            invalid: \(invalid)
          - column: nacimiento
            field: birthDate
            invalid: \(invalid == "keep" ? "drop" : invalid)
          - column: nombre
            field: givenName
            transforms: [name_case]
          - column: cp
            field: postalCode
          - column: provincia
            field: provinceCode
        """
    }

    /// Values each check refuses, in the shapes messy exports have them.
    static let badTaxIds = ["12345678A", "x1234567a", "12.345.678-X ", "ES12345678A", "1234", "A1234567?", "B12345678"]
    static let badPhones = [
        "5123456", "000 000 000", "6123456", "+34 500", "teléfono", "+1 202 555 01", "0034 500 000 000",
        "99999999999999999",
    ]
    static let badDates = [
        "31/02/1990", "30/02/2001", "00/05/1960", "12/13/1970", "1990/01/01", "01/01/1850", "01/01/2999",
    ]

    /// What the codec of `field` in `profile` says of `text`, through its rule's transforms.
    func codecFailure(_ profile: Profile, _ field: CustomerField, _ text: String) -> ValidationFailure? {
        let rule = profile.rules.first { $0.fields == [field] }!
        var value = text
        for transform in rule.transforms { value = (try? transform.read(value).get()) ?? value }
        // A postal code is checked with the record's country, once the record is read.
        if field == .postalCode, case .failure(let failure) = PostalCode.parse(value) { return failure }
        if case .failure(let failure) = rule.codecs[0].read(value) { return failure }
        return nil
    }

    @Test(arguments: ["drop", "reject", "keep"])
    func aFailedValueIsWordedByItsTypeAndHandledAsTheRuleSays(invalid: String) throws {
        let scratch = Scratch()
        let profile = try mapping(Self.yaml(invalid), scratch)
        var rows: [(CustomerField, String)] = []
        var csv = Self.header
        for id in Self.badTaxIds {
            rows.append((.taxId, id))
            csv += "\(id);612345678;01/02/1990;ANA;28001;28\n"
        }
        for phone in Self.badPhones {
            rows.append((.mobilePhone, phone))
            csv += "12345678Z;\(phone);01/02/1990;ANA;28001;28\n"
        }
        for date in Self.badDates {
            rows.append((.birthDate, date))
            csv += "12345678Z;612345678;\(date);ANA;28001;28\n"
        }
        let results = try mapCSV(csv, from: profile, scratch)
        #expect(results.count == rows.count)
        for ((field, text), result) in zip(rows, results) {
            let expected = try #require(codecFailure(profile, field, text), "\(text) should fail")
            let issue = try #require(result.issues.first { $0.field == field }, "no issue for \(text)")
            let action: RecordIssue.Action =
                switch (invalid, field) {
                case ("keep", .birthDate): .dropped
                case ("keep", _): .kept
                case ("reject", _): .rejected
                default: .dropped
                }
            #expect(issue.action == action, "\(text)")
            #expect(issue.value == text)
            let suffix = action == .kept ? "; kept unchecked" : ""
            #expect(issue.message == expected.message + suffix, "\(text)")
            #expect(issue.detail == expected.detail.map { $0 + suffix }, "\(text)")
            #expect(result.issues.count == 1, "\(text): \(result.issues)")
            // The rest of the record is mapped as if the value were not there.
            guard let customer = result.customer else {
                #expect(action == .rejected)
                continue
            }
            #expect(customer.givenName == "Ana")
            #expect(customer.province == "Madrid")
            if field != .taxId { #expect(customer.taxId?.value == "12345678Z") }
            if field != .mobilePhone { #expect(customer.mobilePhone?.e164 == "+34612345678") }
            if action == .kept, field == .taxId { #expect(customer.taxId == TaxID(unverified: Trim.trimmed(text))) }
            if action == .kept, field == .mobilePhone { #expect(customer.mobilePhone == PhoneNumber(unverified: text)) }
        }
    }

    /// E-mail addresses, postal codes, yes/no and whole numbers are checked on bytes by the same
    /// function the codec calls, and worded by it: the plan's issue is the codec's.
    @Test(arguments: [false, true])
    func bytesChecksWordTheirFailuresAsTheCodecDoes(decimalComma: Bool) throws {
        let scratch = Scratch()
        let profile = try mapping(
            """
            ferry: mapping 1
            fields:
              - column: nombre
                field: givenName
              - column: email
                field: email
              - column: cp
                field: postalCode
              - column: sms
                field: consentSms
              - column: valoracion
                field: rating
                decimal: \(decimalComma ? "comma" : "point")
            """, scratch)
        let bad: [(CustomerField, String)] = [
            (.email, "nuria.vilaro@"), (.email, "a..b@x"), (.email, "a b@x.es"), (.email, "ramon@gmail"),
            (.email, "a@x.123"), (.email, "a@-x.es"), (.email, "@x.es"), (.email, "a@x..es"), (.email, "a@x.e"),
            (.postalCode, "2800A"), (.postalCode, "280133"), (.postalCode, "53001"), (.postalCode, "123"),
            (.consentSms, "quizá"), (.consentSms, "2"), (.rating, "7"), (.rating, "-1"), (.rating, "2.5"),
            (.rating, "0x3"), (.rating, "tres"), (.rating, "1e1"), (.rating, decimalComma ? "1.250" : "2,5"),
        ]
        func row(_ field: CustomerField, _ text: String) -> String {
            let values: [CustomerField: String] = [
                .email: "ana@x.es", .postalCode: "28001", .consentSms: "si", .rating: "3",
            ]
            return "Ana;"
                + [CustomerField.email, .postalCode, .consentSms, .rating].map {
                    $0 == field ? text : values[$0]!
                }.joined(separator: ";") + "\n"
        }
        let csv = "nombre;email;cp;sms;valoracion\n" + bad.map { row($0.0, $0.1) }.joined()
        let results = try mapCSV(csv, from: profile, scratch)
        #expect(results.count == bad.count)
        for ((field, text), result) in zip(bad, results) {
            let expected = try #require(codecFailure(profile, field, text), "\(text) should fail")
            let issue = try #require(result.issues.first { $0.field == field }, "no issue for \(text)")
            #expect(issue.message == expected.message, "\(text)")
            #expect(issue.detail == expected.detail, "\(text)")
            #expect(issue.action == .dropped && issue.value == text, "\(text)")
            let customer = try #require(result.customer)
            #expect(customer[field] == nil, "\(text)")
            #expect(customer.givenName == "Ana")
        }
    }

    @Test func contradictionsAreNotedWithTheRestOfTheRecordOnBytes() throws {
        let scratch = Scratch()
        let profile = try mapping(Self.yaml("drop"), scratch)
        let results = try mapCSV(
            Self.header + "12345678Z;912345678;01/02/1990;ÁLVARO;08001;28\n", from: profile, scratch)
        let customer = try #require(results[0].customer)
        #expect(customer.givenName == "Álvaro")
        #expect(customer.provinceCode == "28" && customer.province == "Madrid")
        #expect(results[0].issues.map(\.action) == [.noted, .noted])
        #expect(results[0].issues.map(\.field) == [.provinceCode, .mobilePhone])
        #expect(results[0].issues[0].detail?.contains("Barcelona") == true)
    }

    /// libphonenumber's answers are kept per text: a text met again gets the same number, kind and words.
    @Test func libphonenumbersAnswersAreTheSameTheSecondTime() throws {
        let scratch = Scratch()
        let profile = try mapping(Self.yaml("drop"), scratch)
        let phones = ["+1 202 555 0100", "000 000 000", "+33 6 12 34 56 78", "000 000 000", "+1 202 555 0100"]
        let csv = Self.header + phones.map { "12345678Z;\($0);01/02/1990;ANA;28001;28\n" }.joined()
        let input = scratch.file("phones.csv", csv)
        var conversion = MappedConversion(
            inputPath: input, source: profile, target: try ProfileCatalog.load("canonical"))
        conversion.workers = 1
        let output = scratch.path("out.ndjson")
        let result = try conversion.run(into: FileFormat.ndjson.writer(into: try OutputFile(path: output)))
        let lines = text(of: output).split(separator: "\n").map { line in
            line.split(separator: ",").first { $0.hasPrefix("\"mobilePhone\"") }.map(String.init) ?? "-"
        }
        #expect(
            lines == [
                #""mobilePhone":"+12025550100""#, "-", #""mobilePhone":"+33612345678""#, "-",
                #""mobilePhone":"+12025550100""#,
            ])
        #expect(result.issues.kept.map(\.record) == [2, 4])
        #expect(Set(result.issues.kept.map(\.message)).count == 1)
    }

    /// A choice the plan refuses is worded as the codec words it, with or without a table of values.
    @Test func aChoiceIsRefusedInTheCodecsWords() throws {
        let scratch = Scratch()
        let profile = try mapping(
            """
            ferry: mapping 1
            fields:
              - column: sexo
                field: gender
                values: {female: m, male: h}
              - column: tipo
                field: kind
            """, scratch)
        let texts = ["m", "H", "x", "mujer", "Ｍ", "", "person"]
        let results = try mapCSV("sexo;tipo\n" + texts.map { "\($0);\($0)\n" }.joined(), from: profile, scratch)
        for (text, result) in zip(texts, results) {
            for field in [CustomerField.gender, .kind] {
                let codec = profile.rules.first { $0.fields == [field] }!.codecs[0]
                let expected: String? =
                    if text.isEmpty { nil } else if case .failure(let failure) = codec.read(text) {
                        failure.message
                    } else { nil }
                #expect(result.issues.first { $0.field == field }?.message == expected, "\(field) \(text)")
            }
        }
        #expect(results[0].customer?.gender == .female && results[1].customer?.gender == .male)
        #expect(results[6].customer?.kind == .person)
    }
}
