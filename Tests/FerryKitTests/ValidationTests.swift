import Testing

@testable import FerryKit

@Suite struct TaxIDTests {
    @Test(arguments: [
        ("12345678Z", "12345678Z", TaxID.Kind.dni),
        ("12.345.678-z", "12345678Z", .dni),
        (" 12 345 678 Z ", "12345678Z", .dni),
        ("ES12345678Z", "12345678Z", .dni),
        ("00000000T", "00000000T", .dni),
        ("1234567L", "01234567L", .dni),
        ("X1234567L", "X1234567L", .nie),
        ("x-1234567-l", "X1234567L", .nie),
        ("Y0000000Z", "Y0000000Z", .nie),
        ("Z0000000M", "Z0000000M", .nie),
        ("A58818501", "A58818501", .cif),
        ("B65410011", "B65410011", .cif),
        ("b-65410011", "B65410011", .cif),
        ("Q2826000H", "Q2826000H", .cif),
        ("P0800000B", "P0800000B", .cif),
        ("G28930105", "G28930105", .cif),
        ("G2893010E", "G2893010E", .cif),
        // N, R and W with either control (python-stdnum's es.cif and jquery-validation accept both).
        ("N12345674", "N12345674", .cif),
        ("N1234567D", "N1234567D", .cif),
        ("R76543214", "R76543214", .cif),
        ("R7654321D", "R7654321D", .cif),
        ("W00000018", "W00000018", .cif),
        ("W0000001H", "W0000001H", .cif),
        // K, L and M personal NIFs: the DNI letter of the 7 digits (python-stdnum's es.nif).
        ("K1234567L", "K1234567L", .nif),
        ("l-7654321-j", "L7654321J", .nif),
        ("M0000001R", "M0000001R", .nif),
        ("M 2345678 T", "M2345678T", .nif),
    ])
    func acceptsAndNormalizes(input: String, normalized: String, kind: TaxID.Kind) throws {
        let id = try TaxID.parse(input).get()
        #expect(id.value == normalized)
        #expect(id.kind == kind)
    }

    @Test(arguments: [
        ("12345678X", "should be Z, not X"),
        ("X1234567T", "should be L, not T"),
        ("B12345678", "should be 4, not 8"),
        ("A5881850A", "should be 1, not A"),
        ("Q2826000 8", "should be H, not 8"),
        ("P00000018", "should be H, not 8"),
        ("N12345675", "should be 4 or D, not 5"),
        ("1234", "8 digits and a letter"),
        ("T1234567L", "not a DNI, NIE, NIF or CIF"),
        ("K1234567A", "this NIF should be L, not A"),
        ("M123456R", "K, L or M is the letter, 7 digits"),
        ("12345678Ñ", "only digits and letters"),
        ("", "empty"),
    ])
    func rejectsWithAReason(input: String, reason: String) {
        guard case .failure(let failure) = TaxID.parse(input) else {
            Issue.record("\(input) was accepted")
            return
        }
        #expect(failure.description.contains(reason), "\(failure)")
    }

    /// A passport or a foreign tax number is kept as a foreign id; a Spanish id with a mistake (a
    /// wrong, missing or doubled check letter) is not one, so it is still refused.
    @Test func foreignIdsAreToldFromSpanishOnesWithAMistake() {
        let foreign = [
            "PAA123456", "123456789", "T22000129", "AB 12 34 56 C", "RSSMRA85T10A562S", "X12345", "ES123456789",
            "LX-1234567",
        ]
        #expect(foreign.map(TaxID.foreign) == foreign.map { $0.uppercased().filter { $0.isLetter || $0.isNumber } })
        let spanish = [
            "12345678X", "12345678", "1234567", "12345678ZZ", "X1234567", "X1234567TT", "K1234567", "B1234567",
            "B12345678", "ES12345678A", "12.345.678-X",
        ]
        #expect(spanish.allSatisfy { TaxID.foreign($0) == nil }, "\(spanish.filter { TaxID.foreign($0) != nil })")
        #expect(
            ["pendiente", "1234", "a@b", ""].allSatisfy { TaxID.foreign($0) == nil }, "no digit, too short, symbols")
    }
}

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        ("612345678", "+34612345678", PhoneNumber.Kind.mobile),
        ("+34 612 34 56 78", "+34612345678", .mobile),
        ("0034612345678", "+34612345678", .mobile),
        ("612-345-678", "+34612345678", .mobile),
        ("  655 44 33 22  ", "+34655443322", .mobile),
        ("712345678", "+34712345678", .mobile),
        ("91 234 56 78", "+34912345678", .landline),
        ("944123456", "+34944123456", .landline),
        ("+33 6 12 34 56 78", "+33612345678", .mobile),
        ("+44 20 7946 0958", "+442079460958", .landline),
        ("(+34) 612.345.678", "+34612345678", .mobile),
    ])
    func normalizesToE164(input: String, e164: String, kind: PhoneNumber.Kind) throws {
        let phone = try PhoneNumber.parse(input).get()
        #expect(phone.e164 == e164)
        #expect(phone.kind == kind)
    }

    @Test(arguments: ["7123", "412345678", "+34 112", "phone", "", "6123456789012345"])
    func rejectsNumbersThatCannotExist(input: String) {
        #expect(throws: ValidationFailure.self) { try PhoneNumber.parse(input).get() }
    }

    @Test func formatsForTargets() throws {
        let spanish = try PhoneNumber.parse("612345678").get()
        #expect(spanish.formatted(.e164) == "+34612345678")
        #expect(spanish.formatted(.nationalDigits) == "612345678")
        #expect(spanish.formatted(.national) == "612 34 56 78")
        #expect(spanish.formatted(.international) == "+34 612 34 56 78")
        let french = try PhoneNumber.parse("+33612345678").get()
        // A national form would lose the country: foreign numbers stay international.
        #expect(french.formatted(.nationalDigits) == "+33612345678")
        #expect(french.formatted(.national) == "+33612345678")
        #expect(french.region == "FR")
    }

    /// The fast path for plain Spanish numbers never disagrees with libphonenumber: every 9-digit
    /// number it recognises, libphonenumber recognises the same way.
    @Test func fastPathAgreesWithLibphonenumber() {
        var random = SplitMix64(seed: 42)
        var checked = 0
        for _ in 0..<40_000 {
            var digits = String(6 + random.below(4))
            for _ in 0..<8 { digits += String(random.below(10)) }
            guard let fast = PhoneNumber.spanishFastPath(digits) else { continue }
            checked += 1
            let library = PhoneNumber.parseWithLibrary(digits)
            #expect(library?.e164 == fast.e164, "\(digits)")
            #expect(
                library?.kind == fast.kind || library?.kind == .either,
                "\(digits): \(String(describing: library?.kind)) vs \(fast.kind)")
            if library?.e164 != fast.e164 { break }
        }
        #expect(checked > 20_000)
    }

    /// What the fast path calls impossible in Spain, libphonenumber calls a number that cannot exist
    /// (not one it cannot read, and never a valid one): every length and every nine-digit prefix it
    /// covers, with random digits and separators.
    @Test func impossibleShapesAreImpossibleForLibphonenumber() {
        var random = SplitMix64(seed: 7)
        var shapes: [(prefix: String, length: Int)] = []
        for length in [3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 17] {
            for first in 1...9 { shapes.append((String(first), length)) }
        }
        for prefix in 10..<60 where prefix != 51 { shapes.append((String(prefix), 9)) }
        var checked = 0
        for shape in shapes {
            for _ in 0..<150 {
                var text = shape.prefix
                while text.filter(\.isNumber).count < shape.length {
                    if random.chance(0.15) { text += random.pick([" ", "-", "."]) }
                    text += String(random.below(10))
                }
                var bytes = Array(text.utf8)
                let impossible = bytes.withUnsafeMutableBufferPointer {
                    PhoneNumber.impossibleInSpain(UnsafeBufferPointer($0))
                }
                #expect(impossible, "\(text)")
                var out = [UInt8](repeating: 0, count: 32)
                let library = bytes.withUnsafeMutableBufferPointer { input in
                    out.withUnsafeMutableBufferPointer {
                        PhoneNumber.library(UnsafeBufferPointer(input), region: "ES", into: $0.baseAddress!)
                    }
                }
                guard case .failure(.impossible) = library else {
                    Issue.record("\(text): libphonenumber says \(library)")
                    return
                }
                checked += 1
            }
        }
        #expect(checked > 10_000)
        // What it leaves to libphonenumber: a country code, an international prefix, 51, 11 digits.
        for text in ["+34 512 345 678", "0034512345678", "512345678", "34612345678", "1", "1.3", "612345678901234567"] {
            var bytes = Array(text.utf8)
            #expect(!bytes.withUnsafeMutableBufferPointer { PhoneNumber.impossibleInSpain(UnsafeBufferPointer($0)) })
        }
    }
}

@Suite struct EmailAddressTests {
    @Test(arguments: [
        ("carmen.lopez@gmail.com", "carmen.lopez@gmail.com"),
        ("JL.DELRIO@HOTMAIL.ES", "JL.DELRIO@hotmail.es"),
        ("  a+b@sub.example.org ", "a+b@sub.example.org"),
        ("josé@correo.es", "josé@correo.es"),
    ])
    func acceptsAndLowerCasesTheDomain(input: String, normalized: String) throws {
        #expect(try EmailAddress.parse(input).get() == normalized)
    }

    @Test(arguments: [
        "nuria.vilaro@", "ramon@gmail", "@gmail.com", "a..b@x.es", "a b@x.es", "a@x.e", "a@-x.es", "a@x.123",
    ])
    func rejectsMalformedAddresses(input: String) {
        #expect(throws: ValidationFailure.self) { try EmailAddress.parse(input).get() }
    }

    /// Each refusal says what a person would look at first: the @, the part before it, the domain.
    @Test(arguments: [
        ("", "the e-mail address is empty"),
        ("ana.gmail.com", "an e-mail address has an @"),
        ("@gmail.com", "nothing before the @"),
        (".ana@gmail.com", "the part before the @ cannot start or end with a dot or have two dots in a row"),
        ("a..b@x", "the part before the @ cannot start or end with a dot or have two dots in a row"),
        ("a b@x.es", "the part before the @ has a character an address cannot have"),
        ("ana@", "nothing after the @"),
        ("ana@gmail", "the domain has no dot"),
        ("ana@gmail..com", "the domain has an empty or over-long part"),
        ("ana@-gmail.com", "a domain part cannot start or end with '-'"),
        ("ana@gm_ail.com", "the domain has a character a domain cannot have"),
        ("ana@gmail.c0m", "the domain does not end in a real top-level domain (.es, .com, ...)"),
    ])
    func saysWhatIsWrongFirst(input: String, message: String) {
        guard case .failure(let failure) = EmailAddress.parse(input) else {
            Issue.record("\(input) should fail")
            return
        }
        #expect(failure.message == message, "\(input)")
    }

    @Test func namesTheCharacterAndTheDomainInTheDetail() {
        #expect(EmailAddress.parse("a b@x.es").failureDetail == "the part before the @ cannot contain ' '")
        #expect(EmailAddress.parse(" ana@gmail ").failureDetail == "the domain has no dot (gmail)")
        #expect(EmailAddress.parse("ana@gm_ail.com").failureDetail == "the domain cannot contain '_'")
    }

    @Test func enforcesLengthLimits() {
        #expect(throws: ValidationFailure.self) {
            try EmailAddress.parse(String(repeating: "a", count: 65) + "@x.es").get()
        }
        #expect(throws: ValidationFailure.self) {
            try EmailAddress.parse("a@" + String(repeating: "b", count: 250) + ".es").get()
        }
    }
}

extension Result where Failure == ValidationFailure {
    var failureMessage: String? {
        if case .failure(let failure) = self { return failure.message }
        return nil
    }

    var failureDetail: String? {
        if case .failure(let failure) = self { return failure.detail }
        return nil
    }
}

/// Numbers as exports write them, held to Python's `float` where it has a view (plain decimals,
/// signs, exponents) and refusing what it would refuse (`0x10`, `1.2.3`, `e5`).
@Suite struct NumberTests {
    @Test(arguments: [
        ("12.50", false, 12.5), ("12,50", true, 12.5), ("1.250,00", true, 1250), ("1,250.00", false, 1250),
        ("1 250", false, 1250), ("-3", false, -3), ("+4", false, 4), ("2.5e3", false, 2500), ("1E-2", false, 0.01),
        (".5", false, 0.5), ("5.", false, 5), ("2,5e1", true, 25),
    ])
    func readsWhatExportsWrite(text: String, decimalComma: Bool, value: Double) {
        var copy = text
        #expect(copy.withUTF8 { Number.read($0, decimalComma: decimalComma) } == value, "\(text)")
    }

    @Test(arguments: ["0x10", "1.2.3", "e5", "1e", "inf", "nan", "--1", "1-", "1e+", "", " ", "12a", "1\t2"])
    func refusesWhatIsNoNumber(text: String) {
        var copy = text
        #expect(copy.withUTF8 { Number.read($0, decimalComma: false) } == nil, "\(text)")
    }

    @Test func wholeNumbersAreWholeAndWithinTheirRange() {
        func whole(_ text: String, comma: Bool = false) -> Result<Int, Number.Failure> {
            var copy = text
            return copy.withUTF8 { Number.whole($0, decimalComma: comma, range: 0...5) }
        }
        #expect(whole("4") == .success(4))
        #expect(whole("4.0") == .success(4))
        #expect(whole("4,0", comma: true) == .success(4))
        #expect(whole("1.250", comma: true) == .failure(.outside(0...5)))
        #expect(whole("2.5") == .failure(.notWhole))
        #expect(whole("-1") == .failure(.outside(0...5)))
        #expect(whole("0x3") == .failure(.notWhole))
        #expect(Number.failure(.outside(0...5), decimalComma: false).message == "outside 0–5")
    }
}

@Suite struct PostalCodeAndProvinceTests {
    @Test func keepsLeadingZerosAndRestoresADroppedOne() throws {
        #expect(try PostalCode.parse("01001").get().code == "01001")
        let restored = try PostalCode.parse("8036").get()
        #expect(restored.code == "08036" && restored.restoredZero)
        #expect(PostalCode.parse("28O13").failureMessage == "a Spanish postal code has only digits")
        #expect(PostalCode.parse("280133").failureMessage == "a Spanish postal code has 5 digits")
        #expect(
            PostalCode.parse("53001").failureMessage
                == "a Spanish postal code starts with a province number from 01 to 52")
        #expect(PostalCode.provinceCode(of: "08036") == "08")
    }

    @Test(arguments: ["00100", "53001", "99999", "2801", "280133", "28O13"])
    func rejectsCodesOutsideTheProvinces(input: String) {
        if input == "2801" {
            // Four digits are read as a dropped zero: 02801 is Albacete, a real province.
            #expect((try? PostalCode.parse(input).get().code) == "02801")
            return
        }
        #expect(throws: ValidationFailure.self) { try PostalCode.parse(input).get() }
    }

    @Test(arguments: [
        ("Madrid", "28"), ("Bizkaia", "48"), ("Vizcaya", "48"), ("La Coruña", "15"), ("Coruña, A", "15"),
        ("ÁLAVA", "01"), ("Araba/Álava", "01"), ("Illes Balears", "07"), ("Gerona", "17"), ("08", "08"),
    ])
    func knowsProvinceNames(name: String, code: String) {
        #expect(Province.code(ofName: name) == code)
    }
}

@Suite struct DateFormatTests {
    /// The declared format, and besides it an ISO day (what a workbook's date cells and the APIs
    /// give): it cannot be read as another day. Nothing else.
    @Test func readsTheDeclaredFormatAndISODaysOnly() throws {
        let spanish = try DateFormat("dd/MM/yyyy")
        #expect(try spanish.parse("03/04/1978").get() == CalendarDate(year: 1978, month: 4, day: 3))
        #expect(try spanish.parse("7/9/1985").get() == CalendarDate(year: 1985, month: 9, day: 7))
        #expect(try spanish.parse("1978-04-03").get() == CalendarDate(year: 1978, month: 4, day: 3))
        guard case .failure(let noDay) = spanish.parse("1978-02-30") else {
            Issue.record("30 February read as a day")
            return
        }
        #expect(noDay.message.contains("no such day"))
        #expect(throws: ValidationFailure.self) { try spanish.parse("1978/04/03").get() }
        #expect(throws: ValidationFailure.self) { try spanish.parse("1978-04-03T10:00:00").get() }
        #expect(throws: ValidationFailure.self) { try DateFormat.iso.parse("03/04/1978").get() }
    }

    @Test(arguments: ["31/02/1980", "29/02/1900", "15/13/1990", "00/01/2000", "32/01/2000"])
    func rejectsDaysThatDoNotExist(input: String) throws {
        #expect(throws: ValidationFailure.self) { try DateFormat("dd/MM/yyyy").parse(input).get() }
    }

    @Test func knowsLeapYears() throws {
        #expect(try DateFormat("dd/MM/yyyy").parse("29/02/2000").get() == CalendarDate(year: 2000, month: 2, day: 29))
    }

    @Test func readsISODateTimesAndWritesEachFormat() throws {
        let stamp = try DateFormat("iso_datetime")
        #expect(try stamp.parse("2023-05-02T10:15:00Z").get() == CalendarDate(year: 2023, month: 5, day: 2))
        #expect(try stamp.parse("2023-05-02T10:15:00.123+02:00").get() == CalendarDate(year: 2023, month: 5, day: 2))
        let date = CalendarDate(year: 1978, month: 4, day: 3)!
        #expect(try DateFormat("dd/MM/yyyy").format(date) == "03/04/1978")
        #expect(try DateFormat("d.M.yyyy").format(date) == "3.4.1978")
        #expect(DateFormat.iso.format(date) == "1978-04-03")
    }

    @Test func refusesPatternsItCannotRead() {
        #expect(throws: ValidationFailure.self) { try DateFormat("dd/MM/yy") }
        #expect(throws: ValidationFailure.self) { try DateFormat("MM/yyyy") }
    }
}

@Suite struct BooleanAndNameTests {
    @Test func readsEverySpellingAndWritesTheDeclaredStyle() {
        for yes in ["1", "true", "TRUE", "sí", "Si", "s", "x", "X", "yes"] {
            #expect(BooleanStyle.json.parse(yes) == true, "\(yes)")
        }
        for no in ["0", "false", "no", "NO", "n"] { #expect(BooleanStyle.json.parse(no) == false, "\(no)") }
        #expect(BooleanStyle.json.parse("") == nil)
        #expect(BooleanStyle.mark.parse("") == false)
        #expect(BooleanStyle.json.parse("maybe") == nil)
        #expect(BooleanStyle.digits.format(true).text == "1")
        #expect(BooleanStyle.json.format(false) == ("false", true))
        #expect(BooleanStyle.spanish.format(true).text == "sí")
    }

    @Test(arguments: [
        ("JOSÉ LUIS", "José Luis"), ("garcía de la fuente", "García de la Fuente"), ("MARTÍN-SANZ", "Martín-Sanz"),
        ("o'neill", "O'Neill"), ("McDonald", "McDonald"), ("María del Carmen", "María del Carmen"),
        ("DE LOS SANTOS", "De los Santos"),
    ])
    func titleCasesNamesInOneCase(input: String, expected: String) {
        #expect(SpanishName.titleCased(input) == expected)
    }

    /// The byte version agrees with Unicode's case rules on every name of ASCII and Latin-1 letters
    /// it settles: 20,000 random names in capitals, small letters and mixed case, with particles,
    /// hyphens, apostrophes, `ß`, `ÿ`, `×` and letters outside Latin-1.
    @Test func titleCasingOnBytesAgreesWithUnicode() {
        var random = SplitMix64(seed: 2026)
        let pieces = [
            "maría", "JOSÉ", "íñigo", "ÁLVARO", "Núñez", "de", "LA", "y", "i", "del", "o'neill", "garcía-lópez",
            "ßa", "straße", "ÿves", "×", "ÇELIK", "Œuvre", "ǅemal", "łukasz", "ÀÈÌÒÙ", "àèìòù", "mc", "x", "",
        ]
        var settled = 0
        for _ in 0..<20_000 {
            var words: [String] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                var word = pieces.randomElement(using: &random)!
                switch Int.random(in: 0..<3, using: &random) {
                case 0: word = word.uppercased()
                case 1: word = word.lowercased()
                default: break
                }
                words.append(word)
            }
            let name = words.joined(separator: " ")
            var copy = name
            let onBytes: String? = copy.withUTF8 { input in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(input.count, 1)) { out in
                    SpanishName.titleCased(input, into: out.baseAddress!).map {
                        String(decoding: UnsafeBufferPointer(rebasing: out[..<$0]), as: UTF8.self)
                    }
                }
            }
            guard let onBytes else { continue }
            settled += 1
            #expect(onBytes == SpanishName.titleCasedByUnicode(name), "\(name)")
        }
        #expect(settled > 5_000, "most names are settled on bytes")
    }

    @Test(arguments: [
        ("García de la Fuente", "García", "de la Fuente"),
        ("del Río Muñoz", "del Río", "Muñoz"),
        ("Etxeberria San Martín", "Etxeberria", "San Martín"),
        ("Vilaró i Puig", "Vilaró", "Puig"),
        ("Ortega y Gasset", "Ortega", "Gasset"),
        ("Martín-Sanz", "Martín-Sanz", ""),
        ("de los Santos", "de los Santos", ""),
        ("Ibáñez de la Torre", "Ibáñez", "de la Torre"),
        ("Núñez Peña", "Núñez", "Peña"),
        ("Pérez de las Heras Gómez", "Pérez", "de las Heras Gómez"),
    ])
    func splitsSurnamesWithSpanishParticles(text: String, first: String, second: String) {
        let split = SpanishName.splitSurnames(text)
        #expect(split.first == first)
        #expect((split.second ?? "") == second)
    }

    @Test func saysWhenASplitIsAGuess() {
        #expect(SpanishName.splitSurnames("García Márquez López").certain == false)
        #expect(SpanishName.splitSurnames("García López").certain)
    }
}

@Suite struct ISOCodeTests {
    func read(_ field: CustomerField, _ text: String) -> String? {
        guard case .success(.text(let code)) = FieldCodec(field: field).read(text) else { return nil }
        return code
    }

    @Test func countriesAreTwoASCIILetters() {
        #expect(read(.countryCode, "es") == "ES")
        #expect(read(.countryCode, "Pt") == "PT")
        // Unicode's upper case of `ß` is `SS`, which is no reason to call it a country.
        #expect(read(.countryCode, "ß") == nil)
        #expect(read(.countryCode, "ESP") == nil)
    }

    @Test func languagesAreCodesOrKnownNames() {
        #expect(read(.language, "CA") == "ca")
        #expect(read(.language, "Castellano") == "es")
        #expect(read(.language, "ESPAÑOL") == "es")
        // `ñ` as `n` and a combining tilde, as macOS writes file names and some exports write text.
        #expect(read(.language, "espan\u{0303}ol") == "es")
        #expect(read(.language, "FRANÇAIS") == "fr")
        #expect(read(.language, "klingon") == nil)
    }

    /// The plan's byte check gives what the codec gives, for every kind of text.
    @Test func thePlanReadsLanguagesAsTheCodecDoes() throws {
        let scratch = Scratch()
        let profile = try mapping(
            """
            ferry: mapping 1
            fields:
              - column: idioma
                field: language
              - column: pais
                field: countryCode
            """, scratch)
        let texts = ["es", "EN", "catala", "Català", "espan\u{0303}ol", "klingon", "e s", "ß", "Deutsch", "x"]
        let results = try mapCSV("idioma;pais\n" + texts.map { "\($0);\($0)\n" }.joined(), from: profile, scratch)
        for (text, result) in zip(texts, results) {
            #expect(result.customer?.language == read(.language, text), "\(text)")
            #expect(result.customer?.countryCode == (read(.countryCode, text) ?? "ES"), "\(text)")
            let messages = result.issues.map(\.message)
            if read(.language, text) == nil { #expect(messages.contains(ISOCode.languageFailure.message), "\(text)") }
            if read(.countryCode, text) == nil { #expect(messages.contains(ISOCode.countryFailure.message), "\(text)") }
        }
    }
}
