#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A source and a target mapping, bound to one input's columns and compiled into one plan that
/// every record goes through: tables of plain data that read, check and write values on bytes, with
/// no `String`, `Customer`, allocation or reference count touched for the common value.
///
/// A value the byte code cannot take (Unicode case rules, decimals, foreign phones, lookup tables, a
/// surname split, a value that fails its check and must be worded) takes the general code of its
/// rule (`FieldRule.read`, `FieldRule.write`) for that value only; the rest of the record stays on
/// bytes. Either way the record's canonical values live here, as `Value`s, and issues are found and
/// worded once. `Profile.read` and `Profile.write` are this plan with one half.
struct MappingPlan {
    /// One canonical value of the record being mapped: where its bytes are and what it is.
    /// `tag` 0 means absent; for tax ids it is the kind's position + 1, for phones `Kind.tag`, for
    /// yes/no 1 (no) or 2 (yes). Dates and whole numbers keep their value in `start`, decimals their bit pattern.
    struct Value {
        var start: Int
        var count: Int
        var inArena: Bool
        var tag: UInt8
    }

    /// Where something is in one of the constant pools; `count` −1 means none.
    struct Span {
        var start: Int32
        var count: Int32
        static let none = Span(start: 0, count: -1)
        var isNone: Bool { count < 0 }
        var range: Range<Int> { Int(start)..<Int(start) + Int(max(count, 0)) }
    }

    enum TransformOp: UInt8 {
        case trim, collapseSpaces, nameCase, upper, lower, digits, provinceCode, plainText, general
    }
    /// `extraGeneral`: an extra the general code reads (a table, a list).
    enum ReadOp: UInt8 { case extra, extraGeneral, emptyLookup, value }
    /// `general`: every value of the rule takes the general code.
    enum CheckOp: UInt8 {
        case text, choice, taxId, phone, email, postalCode, provinceCode, countryCode, language, date, boolean, integer,
            general
    }
    /// `general`: the rule is written by the general code.
    /// `extraGeneral`: an extra the general code writes (a table, a list, an array).
    enum WriteOp: UInt8 { case constant, extra, extraGeneral, value, surnames, personOrCompany, general }
    enum FormatOp: UInt8 { case text, boolean, integer, date, taxId, phone, general }

    /// A pair of spellings in the byte pool: the system's and the canonical one (or the reverse).
    struct Choice {
        var from: Span
        var to: Span
    }

    struct ReadRule {
        var op: ReadOp
        /// The rule's position in the source mapping, for the general code and for issues.
        var rule: Int
        /// The canonical field's position, or the extra's name.
        var target: Int
        var check: CheckOp
        var columns: Span
        var join: Span
        var defaultValue: Span
        var required: Bool
        var transforms: Span
        var choices: Span
        var choicesAreValues: Bool
        var tokens: Span
        /// A birth date, which `FieldCodec.implausible` may refuse.
        var birth: Bool
        var booleans: BooleanStyle
        var range: ClosedRange<Int>?
        var decimalComma: Bool
    }

    struct WriteRule {
        var op: WriteOp
        /// The rule's position in the target mapping.
        var rule: Int
        /// The output column, −1 when the target has none of that name.
        var column: Int
        /// The canonical field's position (the first surname for `surnames`), or the extra's name.
        var source: Int
        var second: Int
        var constant: Span
        var constantKind: ValueKind
        var format: FormatOp
        var kind: ValueKind?
        /// `type: integer`: a number is written only when whole.
        var wholeNumber: Bool
        var choices: Span
        var yes: Span, yesKind: ValueKind
        var no: Span, noKind: ValueKind
        var tokens: Span
        var nationalDigits: Bool
        /// The consent written as an explicit no when absent (`system_default: true`), or −1.
        var consentDefault: Int
        var defaultValue: Span
        var defaultKind: ValueKind
        var required: Bool
        var transforms: Span
    }

    /// The tables and per-record buffers, allocated once and freed with the last copy of the mapping.
    final class Storage {
        let bytes: UnsafeMutablePointer<UInt8>
        let ints: UnsafeMutablePointer<Int>
        let ops: UnsafeMutablePointer<TransformOp>
        let choices: UnsafeMutablePointer<Choice>
        let tokens: UnsafeMutablePointer<DateFormat.Token>
        let reads: UnsafeMutablePointer<ReadRule>
        let writes: UnsafeMutablePointer<WriteRule>
        let positions: UnsafeMutablePointer<Int>
        let values: UnsafeMutablePointer<Value>
        var arena: UnsafeMutablePointer<UInt8>
        static let arenaCapacity = 4096

        init(_ builder: Builder, reads: [ReadRule], writes: [WriteRule], columns: Int) {
            func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
                let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
                pointer.initialize(from: array, count: array.count)
                return pointer
            }
            bytes = copy(builder.bytes)
            ints = copy(builder.ints)
            ops = copy(builder.ops)
            choices = copy(builder.choices)
            tokens = copy(builder.tokens)
            self.reads = copy(reads)
            self.writes = copy(writes)
            positions = .allocate(capacity: max(columns, 1))
            values = copy(
                Array(repeating: Value(start: 0, count: 0, inArena: false, tag: 0), count: MappingPlan.fieldCount))
            arena = .allocate(capacity: Self.arenaCapacity)
        }

        deinit {
            for pointer in [
                UnsafeMutableRawPointer(bytes), UnsafeMutableRawPointer(ints), UnsafeMutableRawPointer(ops),
                UnsafeMutableRawPointer(choices), UnsafeMutableRawPointer(tokens), UnsafeMutableRawPointer(reads),
                UnsafeMutableRawPointer(writes), UnsafeMutableRawPointer(positions), UnsafeMutableRawPointer(values),
                UnsafeMutableRawPointer(arena),
            ] {
                pointer.deallocate()
            }
        }
    }

    /// Collects the constant pools while compiling.
    struct Builder {
        var bytes: [UInt8] = []
        var ints: [Int] = []
        var ops: [TransformOp] = []
        var choices: [Choice] = []
        var tokens: [DateFormat.Token] = []

        mutating func bytes(_ text: String?) -> Span {
            guard let text else { return .none }
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            return Span(start: Int32(start), count: Int32(bytes.count - start))
        }

        mutating func ints(_ values: [Int]) -> Span {
            defer { ints.append(contentsOf: values) }
            return Span(start: Int32(ints.count), count: Int32(values.count))
        }

        mutating func ops(_ values: [TransformOp]) -> Span {
            defer { ops.append(contentsOf: values) }
            return Span(start: Int32(ops.count), count: Int32(values.count))
        }

        mutating func choices(_ pairs: [(String, String)]) -> Span {
            let start = choices.count
            for (from, to) in pairs { choices.append(Choice(from: bytes(from), to: bytes(to))) }
            return Span(start: Int32(start), count: Int32(choices.count - start))
        }

        mutating func tokens(_ format: DateFormat) -> Span {
            defer { tokens.append(contentsOf: format.tokens) }
            return Span(start: Int32(tokens.count), count: Int32(format.tokens.count))
        }
    }

    private let storage: Storage
    private let bytes: UnsafeMutablePointer<UInt8>
    private let ints: UnsafeMutablePointer<Int>
    private let ops: UnsafeMutablePointer<TransformOp>
    private let choices: UnsafeMutablePointer<Choice>
    private let tokens: UnsafeMutablePointer<DateFormat.Token>
    private let reads: UnsafeMutablePointer<ReadRule>
    private let readCount: Int
    private let writes: UnsafeMutablePointer<WriteRule>
    private let writeCount: Int
    private let source: Profile?
    private let target: Profile?
    /// Whether reports count companies and the people naming them (`created: company`).
    private let ordersCompanies: Bool
    /// Per target rule, the members of its `object:` (empty for other rules), with their extras'
    /// ids and their fields' indices found once.
    private let objectMembers: [[ObjectMember]]

    private enum ObjectMember {
        case extra(Int)
        case field(Int)
        case createdCompany
    }
    /// Input columns no rule claims, kept as extras: input column and extra name, in pairs in `ints`.
    private let unclaimed: Span
    /// The input column holding extras as one JSON object (−1: none).
    private let extrasInput: Int
    /// Input column → position of its first field in the record (−1 when absent).
    private let positions: UnsafeMutablePointer<Int>
    /// Canonical field (in `CustomerField.allCases` order) → its value in the record.
    private let values: UnsafeMutablePointer<Value>
    /// The record's extras in the order met: a name known when compiling (its position in `names`)
    /// or, below zero, one met in the record (`~name` in `recordNames`).
    private var extras: [(name: Int, value: Value, kind: ValueKind)] = []
    private var extraUsed: [Bool] = []
    private var recordNames: [String] = []
    private let names: [String]
    private let nameIDs: [String: Int]
    /// The output column that holds unwritten extras as a JSON object (−1: none), and each known
    /// extra name's `"name":` key.
    private let extrasColumn: Int
    private let extraKeys: [[UInt8]]
    private var extrasObject: [UInt8] = []
    /// libphonenumber's answers for the texts it was asked about, by text (see `check`).
    private var phoneAnswers: [String: Result<(e164: [UInt8], kind: PhoneNumber.Kind), PhoneNumber.Failure>] = [:]
    private static let phoneAnswersKept = 4096
    private var arena: Arena
    private let writesHealthData: Bool
    private let columnCount: Int
    private let targetColumnCount: Int
    /// The read rule of the postal code (−1: none), and the column's text of the record's, which is
    /// checked once the record's country is known.
    private let postalRead: Int
    private var postalOriginal: Value?
    /// Where the postal code's issues go among the record's (after those of the columns before it).
    private var postalIssuesAt = 0
    /// The country of a record with no evidence of another (the source mapping's `region:`).
    private let region: String
    /// The read rule of a name that is a company's when the record is a company's (`split:
    /// person_or_company`; −1: none), and the column's text of the record's.
    private let nameRead: Int
    private var nameOriginal: Value?

    fileprivate static let fieldCount = CustomerField.allCases.count
    /// A field's position in `values` (`CustomerField.allCases` order).
    private static func index(_ field: CustomerField) -> Int { indexOf[field]! }
    private static let indexOf = Dictionary(uniqueKeysWithValues: CustomerField.allCases.enumerated().map { ($1, $0) })
    private static let taxIdIndex = index(.taxId), taxIdTypeIndex = index(.taxIdType), kindIndex = index(.kind)
    private static let postalCodeIndex = index(.postalCode), provinceCodeIndex = index(.provinceCode),
        provinceIndex = index(.province)
    private static let mobileIndex = index(.mobilePhone), countryIndex = index(.countryCode),
        clinicalIndex = index(.clinicalNotes)
    private static let phoneIndices = [index(.mobilePhone), index(.landlinePhone), index(.otherPhone)]
    private static let companyNameIndex = index(.companyName), givenNameIndex = index(.givenName),
        familyName1Index = index(.familyName1)

    /// Compiles a pair of mappings for an input with `columns` (bound as `binding` says). Without a
    /// source, the record's values come from `load`; without a target, they go to `customer`.
    init(source: Profile?, target: Profile?, binding: SourceBinding, columns: [String]) {
        var pool = Builder()
        var names: [String] = []
        var nameIDs: [String: Int] = [:]
        func nameID(_ name: String) -> Int {
            if let id = nameIDs[name] { return id }
            names.append(name)
            nameIDs[name] = names.count - 1
            return names.count - 1
        }
        var reads: [ReadRule] = []
        for (position, (rule, indices)) in zip(source?.rules ?? [], binding.ruleColumns).enumerated()
        where rule.readsColumn {
            var read = ReadRule(
                op: .value, rule: position, target: 0, check: .general, columns: pool.ints(indices),
                join: pool.bytes(rule.join ?? " "),
                defaultValue: pool.bytes(rule.defaultValue), required: rule.required,
                transforms: pool.ops(rule.transforms.map(Self.readOp)), choices: .none, choicesAreValues: false,
                tokens: .none, birth: false, booleans: .json, range: nil, decimalComma: false)
            if rule.fields.isEmpty {
                (read.op, read.target) = (rule.extraNeedsGeneralCode ? .extraGeneral : .extra, nameID(rule.extraName))
            } else if rule.lookup?.isEmpty == true {
                (read.op, read.target) = (.emptyLookup, nameID(rule.displayName))
            } else {
                read.target = Self.index(rule.fields[0])
                read.check = Self.check(rule, &read, &pool)
            }
            reads.append(read)
        }
        unclaimed = pool.ints(
            binding.claimed.enumerated().filter { !$0.element }.flatMap { [$0.offset, nameID(columns[$0.offset])] })
        extrasInput = source == nil ? -1 : binding.extrasIndex

        var writes: [WriteRule] = []
        var objectMembers = [[ObjectMember]](repeating: [], count: target?.rules.count ?? 0)
        for (position, rule) in (target?.rules ?? []).enumerated() where !rule.readOnly {
            let column = rule.columns.count == 1 ? target!.columnIndex[rule.columns[0]] ?? -1 : -1
            var write = WriteRule(
                op: .general, rule: position, column: column, source: -1, second: -1, constant: .none,
                constantKind: .string, format: .general, kind: nil, wholeNumber: rule.wholeNumber, choices: .none,
                yes: .none, yesKind: .string,
                no: .none, noKind: .string, tokens: .none, nationalDigits: false, consentDefault: -1,
                defaultValue: pool.bytes(rule.defaultValue), defaultKind: rule.writtenKind ?? .string,
                required: rule.required,
                transforms: pool.ops(rule.transforms.reversed().filter { !$0.writesUnchanged }.map(Self.writeOp)))
            if let constant = rule.constant {
                (write.op, write.constant, write.constantKind) = (
                    .constant, pool.bytes(constant), rule.writtenKind ?? .string
                )
                write.column = target!.columnIndex[rule.columns[0]] ?? -1
            } else if rule.fields.isEmpty {
                // An empty table switches the column off until it is filled in (the profile notes it).
                if rule.lookup?.isEmpty == true { continue }
                (write.op, write.source) = (rule.extraNeedsGeneralCode ? .extraGeneral : .extra, nameID(rule.extraName))
                // An object's members are found by their extras' names.
                objectMembers[position] = (rule.members ?? []).map { member in
                    switch member.source {
                    case .extra(let name): .extra(nameID(name))
                    case .field(let field): .field(Self.index(field))
                    case .createdCompany: .createdCompany
                    }
                }
                write.column = target!.columnIndex[rule.columns[0]] ?? -1
            } else if rule.lookup?.isEmpty == true
                || rule.fields.contains(where: \.isHealthData) && !rule.allowsHealthData
            {
                continue
            } else if column >= 0, rule.lookup == nil,
                pool.ops[write.transforms.range].allSatisfy({ $0 == .provinceCode })
            {
                Self.format(rule, &write, &pool)
            }
            writes.append(write)
        }
        // Each extra's name as a JSON key (`"name":`), for a target that keeps extras in one column.
        extraKeys = names.map(Self.jsonKey)
        self.names = names
        self.nameIDs = nameIDs
        extrasColumn = target?.extrasColumn.flatMap { target?.columnIndex[$0] } ?? -1
        storage = Storage(pool, reads: reads, writes: writes, columns: columns.count)
        bytes = storage.bytes
        ints = storage.ints
        ops = storage.ops
        choices = storage.choices
        tokens = storage.tokens
        self.reads = storage.reads
        readCount = reads.count
        self.writes = storage.writes
        writeCount = writes.count
        positions = storage.positions
        values = storage.values
        arena = Arena(owner: storage)
        self.source = source
        self.target = target
        self.objectMembers = objectMembers
        ordersCompanies = source.flatMap { source in target?.refersPeopleToCompanies(from: source) } ?? false
        writesHealthData = target?.writesHealthData ?? false
        columnCount = columns.count
        targetColumnCount = target?.writtenColumns.count ?? 0
        postalRead =
            reads.firstIndex { $0.op == .value && source!.rules[$0.rule].fields.contains(.postalCode) } ?? -1
        region = source?.region ?? "ES"
        nameRead =
            reads.firstIndex { $0.op == .value && source!.rules[$0.rule].split == .personOrCompany } ?? -1
    }

    /// How the byte code checks a rule's value, and its tables; `general` when it cannot.
    private static func check(_ rule: FieldRule, _ read: inout ReadRule, _ pool: inout Builder) -> CheckOp {
        guard rule.split == nil, rule.fields.count == 1, rule.lookup == nil,
            !pool.ops[read.transforms.range].contains(.general)
        else { return .general }
        let codec = rule.codecs[0]
        switch codec.field.valueType {
        case .text: return codec.values == nil ? .text : .general
        case .choice(let allowed):
            if let values = codec.values {
                // Unicode's case rules could match a non-ASCII spelling to ASCII text.
                guard values.allSatisfy({ $0.column.utf8.allSatisfy { $0 < 0x80 } }) else { return .general }
                read.choices = pool.choices(values.map { ($0.column, $0.canonical) })
                read.choicesAreValues = true
            } else {
                read.choices = pool.choices(allowed.map { ($0, $0) })
            }
            return .choice
        case .taxId: return .taxId
        case .phone: return codec.region == "ES" ? .phone : .general
        case .email: return .email
        case .postalCode: return .postalCode
        case .provinceCode: return .provinceCode
        case .countryCode: return .countryCode
        case .language: return .language
        case .date:
            read.tokens = pool.tokens(codec.dateFormat)
            read.birth = codec.field == .birthDate
            return .date
        case .boolean:
            read.booleans = codec.booleans
            return .boolean
        case .integer(let range):
            read.range = range
            read.decimalComma = codec.decimalComma
            return .integer
        case .decimal: return .general
        }
    }

    /// How the byte code writes a rule of one column, and its tables; `general` (the default) for
    /// the values it cannot write.
    private static func format(_ rule: FieldRule, _ write: inout WriteRule, _ pool: inout Builder) {
        if rule.split == .personOrCompany {
            (write.op, write.source, write.second) = (.personOrCompany, index(.givenName), index(.companyName))
            return
        }
        if rule.split == .surnames {
            if rule.fields.allSatisfy({ $0.valueType == .text }) {
                (write.op, write.source, write.second) = (.surnames, index(rule.fields[0]), index(rule.fields[1]))
            }
            return
        }
        guard rule.fields.count == 1 else { return }
        let codec = rule.codecs[0]
        write.op = .value
        write.source = index(rule.fields[0])
        write.kind = codec.jsonKind
        if rule.sendsNoForAbsentConsent { write.consentDefault = write.source }
        switch codec.field.valueType {
        case .text, .choice, .email, .postalCode, .provinceCode, .countryCode, .language:
            if !(codec.jsonKind == .bool || codec.jsonKind == .number && codec.values != nil) {
                write.format = .text
                if let values = codec.values {
                    write.choices = pool.choices(values.map { ($0.canonical, $0.column) })
                }
            }
        case .boolean:
            write.format = .boolean
            let (no, noLiteral) = codec.booleans.format(false), (yes, yesLiteral) = codec.booleans.format(true)
            (write.no, write.noKind) = (pool.bytes(no), codec.jsonKind ?? (noLiteral ? .bool : .string))
            (write.yes, write.yesKind) = (pool.bytes(yes), codec.jsonKind ?? (yesLiteral ? .bool : .string))
        case .integer: (write.format, write.kind) = (.integer, codec.jsonKind ?? .number)
        case .date:
            (write.format, write.tokens, write.kind) = (.date, pool.tokens(codec.dateFormat), codec.jsonKind ?? .string)
        case .taxId: (write.format, write.kind) = (.taxId, codec.jsonKind ?? .string)
        case .phone:
            if codec.region == "ES", codec.phones == .e164 || codec.phones == .nationalDigits {
                (write.format, write.nationalDigits, write.kind) = (
                    .phone, codec.phones == .nationalDigits, codec.jsonKind ?? .string
                )
            }
        case .decimal: break
        }
    }

    private static func jsonKey(_ name: String) -> [UInt8] {
        var key: [UInt8] = []
        JSONText.appendQuoted(name, to: &key)
        key.append(UInt8(ascii: ":"))
        return key
    }

    private static func readOp(_ transform: any Transform) -> TransformOp {
        switch transform {
        case is Trim: .trim
        case is CollapseSpaces: .collapseSpaces
        case is NameCase: .nameCase
        case is UpperCase: .upper
        case is LowerCase: .lower
        case is DigitsOnly: .digits
        case is ProvinceCode: .provinceCode
        case is JSONKey: .plainText
        default: .general
        }
    }

    private static func writeOp(_ transform: any Transform) -> TransformOp {
        transform is ProvinceCode ? .provinceCode : .general
    }

    /// Bytes made while mapping one record, addressed by offset so the buffer may grow.
    struct Arena {
        let owner: Storage
        var base: UnsafeMutablePointer<UInt8>
        var capacity = Storage.arenaCapacity
        var count = 0

        init(owner: Storage) {
            self.owner = owner
            base = owner.arena
        }

        /// Makes room for `extra` more bytes. Pointers into the arena taken before may move.
        @inline(__always)
        mutating func reserve(_ extra: Int) {
            if count + extra > capacity { grow(extra) }
        }

        private mutating func grow(_ extra: Int) {
            var grown = capacity * 2
            while grown < count + extra { grown *= 2 }
            let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            moved.update(from: base, count: count)
            base.deallocate()
            base = moved
            owner.arena = moved
            capacity = grown
        }

        /// Appends bytes (which must not be in the arena); returns where they start.
        @inline(__always)
        mutating func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Int {
            reserve(length)
            let start = count
            if length > 0 { (base + count).update(from: bytes, count: length) }
            count += length
            return start
        }
    }

    /// Maps one record of an input batch into `output` (`bytes` and `fields` are the batch's),
    /// appending its issues; false when it is rejected, and then `output` holds nothing of it.
    mutating func map(
        _ slot: RecordSlot, fields: UnsafeBufferPointer<FieldSlot>, bytes input: UnsafeBufferPointer<UInt8>,
        into output: inout RecordBatch, issues: inout [RecordIssue], stats: inout WriteStats
    ) -> Bool {
        guard read(slot, fields: fields, bytes: input, issues: &issues) else { return false }
        return write(number: slot.number, line: slot.line, input: input, into: &output, issues: &issues, stats: &stats)
    }

    /// Forgets the record before.
    private mutating func begin() {
        arena.count = 0
        extras.removeAll(keepingCapacity: true)
        recordNames.removeAll(keepingCapacity: true)
        for i in 0..<Self.fieldCount { values[i].tag = 0 }
        postalOriginal = nil
        nameOriginal = nil
    }

    /// What a report counts of the record just mapped (`input` is its batch's bytes).
    func observation(input: UnsafeBufferPointer<UInt8>) -> RecordObservation {
        var seen = RecordObservation()
        for (position, field) in Self.consentIndices.enumerated() where values[field].tag != 0 {
            seen.setConsent(position, values[field].tag == 2)
        }
        seen.hasClinicalNotes = values[Self.clinicalIndex].tag != 0
        let taxId = values[Self.taxIdIndex], email = values[Self.emailIndex], mobile = values[Self.mobileIndex]
        if taxId.tag != 0 { seen.keys.taxId = DuplicateFinder.hash(resolve(taxId, input), seed: 1) }
        if email.tag != 0 {
            let text = resolve(email, input)
            // Keys are compared lower-cased; outside ASCII that takes Unicode's rules.
            seen.keys.email =
                text.allSatisfy({ $0 < 0x80 })
                ? DuplicateFinder.hash(text.lazy.map(asciiLower), seed: 2)
                : DuplicateFinder.hash(String(decoding: text, as: UTF8.self).lowercased().utf8, seed: 2)
        }
        if mobile.tag != 0 { seen.keys.mobile = DuplicateFinder.hash(resolve(mobile, input), seed: 3) }
        if ordersCompanies {
            seen.isCompany = customerKind(input) == .company
            if case .text(let name)? = canonical(Self.companyNameIndex, input) {
                seen.companyKey = DuplicateFinder.hash(CreatedCompanies.folded(name).utf8, seed: 4) | 1
            }
        }
        return seen
    }

    private static let consentIndices = WriteStats.consents.map(index)
    private static let emailIndex = index(.email)

    /// The bytes of a value.
    @inline(__always)
    private func resolve(_ value: Value, _ input: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(
            start: (value.inArena ? arena.base : UnsafeMutablePointer(mutating: input.baseAddress!)) + value.start,
            count: value.count)
    }

    @inline(__always)
    private func pool(_ span: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + Int(span.start), count: Int(span.count))
    }

    /// An input column's value: nil when absent, null, empty or only spaces.
    @inline(__always)
    private func raw(_ column: Int, fields: UnsafeBufferPointer<FieldSlot>, input: UnsafeBufferPointer<UInt8>) -> (
        Value, ValueKind
    )? {
        guard column >= 0, column < columnCount else { return nil }
        let position = positions[column]
        guard position >= 0 else { return nil }
        let field = fields[position]
        guard field.kind != .null, field.end > field.start else { return nil }
        var i = Int(field.start)
        let end = Int(field.end)
        while i < end, Trim.isSpace(input[i]) { i += 1 }
        guard i < end else { return nil }
        return (Value(start: Int(field.start), count: end - Int(field.start), inArena: false, tag: 1), field.kind)
    }

    @inline(__always)
    private mutating func addExtra(_ name: Int, _ value: Value, _ kind: ValueKind) {
        extras.append((name, value, kind))
    }

    /// An extra whose name the record gives (a key of an `extras` object, a Customer's extra).
    private mutating func addExtra(named name: String, _ text: String, _ kind: ValueKind) {
        var id = nameIDs[name] ?? -1
        if id < 0 {
            recordNames.append(name)
            id = ~(recordNames.count - 1)
        }
        addExtra(id, storedText(text, tag: 1), kind)
    }

    private func extraName(_ id: Int) -> String { id >= 0 ? names[id] : recordNames[~id] }

    /// The text of a value (for the general code and for issues).
    private func string(_ value: Value, _ input: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: resolve(value, input), as: UTF8.self)
    }

    /// Text copied into the arena, as a value.
    private mutating func storedText(_ text: String, tag: UInt8) -> Value {
        var text = text
        let start = text.withUTF8 { arena.append($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        return Value(start: start, count: arena.count - start, inArena: true, tag: tag)
    }

    /// Reads one record into the plan's canonical values, appending its issues; false when the
    /// record is rejected. Every rule's value takes the byte code, or the general code when the
    /// byte code cannot take it.
    mutating func read(
        _ slot: RecordSlot, fields: UnsafeBufferPointer<FieldSlot>, bytes input: UnsafeBufferPointer<UInt8>,
        issues: inout [RecordIssue]
    ) -> Bool {
        begin()
        for i in 0..<columnCount { positions[i] = -1 }
        let first = Int(slot.firstField), end = first + Int(slot.fieldCount)
        for position in first..<end {
            let column = Int(fields[position].column)
            if column < columnCount, positions[column] < 0 { positions[column] = position }
        }
        var accepted = true
        /// Adds an issue of the record, at `position` among the issues or after them.
        func add(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action, at position: Int? = nil
        ) {
            let found = RecordIssue(
                record: slot.number, line: slot.line, column: column, field: field, value: value, reason,
                action: action)
            if let position { issues.insert(found, at: min(position, issues.count)) } else { issues.append(found) }
            if action == .rejected { accepted = false }
        }
        func issue(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action
        ) { add(column, field, value, reason, action) }
        for r in 0..<readCount {
            let rule = UnsafePointer(reads + r)
            var value: Value?
            var kind = ValueKind.string
            if rule.pointee.columns.count == 1 {
                if let (found, foundKind) = raw(ints[Int(rule.pointee.columns.start)], fields: fields, input: input) {
                    (value, kind) = (found, foundKind)
                }
            } else {
                let start = arena.count
                var parts = 0
                for c in rule.pointee.columns.range {
                    guard let (part, _) = raw(ints[c], fields: fields, input: input) else { continue }
                    if parts > 0 {
                        _ = arena.append(bytes + Int(rule.pointee.join.start), Int(rule.pointee.join.count))
                    }
                    _ = arena.append(input.baseAddress! + part.start, part.count)
                    parts += 1
                }
                if parts > 0 { value = Value(start: start, count: arena.count - start, inArena: true, tag: 1) }
            }
            if value == nil, !rule.pointee.defaultValue.isNone {
                let start = arena.append(
                    bytes + Int(rule.pointee.defaultValue.start), Int(rule.pointee.defaultValue.count))
                value = Value(start: start, count: Int(rule.pointee.defaultValue.count), inArena: true, tag: 1)
            }
            if rule.pointee.op == .extra || rule.pointee.op == .extraGeneral {
                if let value, rule.pointee.columns.count > 0, ints[Int(rule.pointee.columns.start)] >= 0 {
                    guard rule.pointee.op == .extraGeneral else {
                        addExtra(rule.pointee.target, value, kind)
                        continue
                    }
                    let fieldRule = source!.rules[rule.pointee.rule]
                    func note(_ item: String, _ reason: ValidationFailure, _ action: RecordIssue.Action) {
                        issue(fieldRule.displayName, nil, item, reason, action)
                    }
                    if fieldRule.members != nil {
                        for read in fieldRule.readObject(string(value, input), kind: kind, issue: note) {
                            switch read.source {
                            case .extra(let name): addExtra(named: name, read.text, read.kind)
                            case .field(let field):
                                // A column of the field's own comes first.
                                let index = Self.index(field)
                                if values[index].tag == 0 { values[index] = storedText(read.text, tag: 1) }
                            case .createdCompany: break  // read as an extra (`readObject`)
                            }
                        }
                    } else if let read = fieldRule.readExtra(string(value, input), kind: kind, issue: note) {
                        addExtra(rule.pointee.target, storedText(read.text, tag: 1), read.kind)
                    }
                }
                continue
            }
            guard let original = value else {
                if rule.pointee.required {
                    let fieldRule = source!.rules[rule.pointee.rule]
                    issue(fieldRule.displayName, fieldRule.fields.first, nil, .requiredValueMissing, .rejected)
                }
                continue
            }
            if rule.pointee.op == .emptyLookup {
                addExtra(rule.pointee.target, original, .string)
                continue
            }
            if r == postalRead { (postalOriginal, postalIssuesAt) = (original, issues.count) }
            if r == nameRead { nameOriginal = original }
            if rule.pointee.check != .general {
                switch readBytes(original, rule, input) {
                case .value(let checked):
                    values[rule.pointee.target] = checked
                    continue
                case .failed(let reason, let part):
                    // Worded by the check itself; `invalid:` says what follows.
                    readGeneral(
                        source!.rules[rule.pointee.rule], string(original, input),
                        failed: (reason, string(part, input)), issue: issue)
                    continue
                case .empty:
                    if rule.pointee.required {
                        let fieldRule = source!.rules[rule.pointee.rule]
                        issue(
                            fieldRule.displayName, fieldRule.fields.first, string(original, input),
                            .requiredValueMissing, .rejected)
                    }
                    continue
                case .general: break
                }
            }
            // The general code, for this value only.
            readGeneral(source!.rules[rule.pointee.rule], string(original, input), failed: nil, issue: issue)
        }
        if extrasInput >= 0, let (object, _) = raw(extrasInput, fields: fields, input: input) {
            let text = string(object, input)
            if let members = JSONText.objectMembers(text) {
                for member in members where member.kind != .null {
                    addExtra(named: member.key, member.value, member.kind)
                }
            } else {
                let column = source!.extrasColumn
                issue(column, nil, text, ValidationFailure("`extras` is not a JSON object; kept as one extra"), .noted)
                addExtra(named: column ?? "extras", text, .string)
            }
        }
        for k in stride(from: Int(unclaimed.start), to: Int(unclaimed.start + unclaimed.count), by: 2) {
            if let (value, kind) = raw(ints[k], fields: fields, input: input) { addExtra(ints[k + 1], value, kind) }
        }
        // The postal code's issues go where its column's would have gone.
        var postalAt = postalIssuesAt
        func postalIssue(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action
        ) {
            add(column, field, value, reason, action, at: postalAt)
            postalAt += 1
        }
        complete(input, issue: issue, postalIssue: postalIssue)
        return accepted
    }

    /// One value of `rule` by its general code: the whole of it from `original`, or, when the byte
    /// check `failed` (with the value after the transforms), what `invalid:` says of that.
    private mutating func readGeneral(
        _ rule: FieldRule, _ original: String, failed: (reason: ValidationFailure, part: String)?,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        func set(_ field: CustomerField, _ value: CanonicalValue) { store(value, at: Self.index(field)) }
        func note(_ field: CustomerField?, _ text: String?, _ reason: ValidationFailure, _ action: RecordIssue.Action) {
            issue(rule.displayName, field, text, reason, action)
        }
        if let failed {
            rule.failure(
                failed.reason, field: rule.fields[0], original: original, part: failed.part, set: set, issue: note)
        } else {
            rule.read(original, set: set, issue: note)
        }
    }

    /// What the byte code made of a value.
    private enum ByteReading {
        case value(Value)
        /// Nothing is left after the transforms.
        case empty
        /// The value (after the transforms) fails its check, for this reason.
        case failed(ValidationFailure, Value)
        /// The byte code cannot decide; the general code words what is wrong, if anything.
        case general
    }

    /// A value through its rule's transforms and check on bytes.
    @inline(__always)
    private mutating func readBytes(
        _ value: Value, _ rule: UnsafePointer<ReadRule>, _ input: UnsafeBufferPointer<UInt8>
    )
        -> ByteReading
    {
        var current = value
        for t in rule.pointee.transforms.range {
            arena.reserve(current.count * 2 + 16)
            guard let count = transform(ops[t], resolve(current, input), into: arena.base + arena.count) else {
                return .general
            }
            current = Value(start: arena.count, count: count, inArena: true, tag: 1)
            arena.count += count
        }
        if current.count == 0 { return .empty }
        return check(current, rule, input)
    }

    /// A canonical value (from the general code, or a Customer's) stored as the record's value.
    private mutating func store(_ value: CanonicalValue, at field: Int) {
        switch value {
        // `invalid: keep` keeps text only in fields of text (mapping files are checked for it).
        case .text(let text): values[field] = storedText(text, tag: 1)
        case .bool(let flag): values[field] = Value(start: 0, count: 0, inArena: false, tag: flag ? 2 : 1)
        case .integer(let number): values[field] = Value(start: number, count: 0, inArena: false, tag: 1)
        case .decimal(let number):
            values[field] = Value(start: Int(truncatingIfNeeded: number.bitPattern), count: 0, inArena: false, tag: 1)
        case .date(let date):
            values[field] = Value(
                start: date.year * 10_000 + date.month * 100 + date.day, count: 0, inArena: false, tag: 1)
        case .taxId(let id):
            values[field] = storedText(id.value, tag: UInt8(TaxID.Kind.allCases.firstIndex(of: id.kind)! + 1))
        case .phone(let phone): values[field] = storedText(phone.e164, tag: phone.kind.tag)
        }
    }

    /// The record's kind: a company's, or (also when unknown) a person's.
    private func customerKind(_ input: UnsafeBufferPointer<UInt8>) -> Customer.Kind {
        let kind = values[Self.kindIndex]
        return kind.tag != 0 && resolve(kind, input).elementsEqual("company".utf8) ? .company : .person
    }

    /// The record's value of a field as a canonical value, for the general code and Customers.
    private func canonical(_ field: Int, _ input: UnsafeBufferPointer<UInt8>) -> CanonicalValue? {
        let value = values[field]
        guard value.tag != 0 else { return nil }
        switch CustomerField.allCases[field].valueType {
        case .date:
            return CalendarDate(year: value.start / 10_000, month: value.start / 100 % 100, day: value.start % 100)
                .map(CanonicalValue.date)
        case .boolean: return .bool(value.tag == 2)
        case .integer: return .integer(value.start)
        case .decimal: return .decimal(Double(bitPattern: UInt64(truncatingIfNeeded: value.start)))
        case .taxId: return .taxId(TaxID(value: string(value, input), kind: TaxID.Kind.allCases[Int(value.tag) - 1]))
        case .phone: return .phone(PhoneNumber(e164: string(value, input), kind: PhoneNumber.Kind(tag: value.tag)))
        default: return .text(string(value, input))
        }
    }

    /// The record just read, as a Customer (`input` is its batch's bytes).
    func customer(input: UnsafeBufferPointer<UInt8>) -> Customer {
        var customer = Customer()
        for (position, field) in CustomerField.allCases.enumerated() where values[position].tag != 0 {
            customer[field] = canonical(position, input)
        }
        customer.extras = extras.map {
            Customer.Extra(name: extraName($0.name), value: string($0.value, input), kind: $0.kind)
        }
        return customer
    }

    /// Takes a Customer as the record to write.
    mutating func load(_ customer: Customer) {
        begin()
        for (position, field) in CustomerField.allCases.enumerated() {
            if let value = customer[field] { store(value, at: position) }
        }
        for extra in customer.extras { addExtra(named: extra.name, extra.value, extra.kind) }
    }

    /// A read transform on bytes; nil when the general code must do it.
    @inline(__always)
    private func transform(_ op: TransformOp, _ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>)
        -> Int?
    {
        switch op {
        case .trim: Trim(argument: nil).readBytes(text, into: out)
        case .collapseSpaces: CollapseSpaces(argument: nil).readBytes(text, into: out)
        case .nameCase: NameCase(argument: nil).readBytes(text, into: out)
        case .upper: UpperCase(argument: nil).readBytes(text, into: out)
        case .lower: LowerCase(argument: nil).readBytes(text, into: out)
        case .digits: DigitsOnly(argument: nil).readBytes(text, into: out)
        case .provinceCode: ProvinceCode(argument: nil).readBytes(text, into: out)
        case .plainText: text.first == UInt8(ascii: "{") ? nil : copyBytes(text, to: out)
        case .general: nil
        }
    }

    /// A value through its field's check. A check that is the whole of its type's check says why a
    /// value fails, in its type's words; the others leave the failure to the general code.
    private mutating func check(_ value: Value, _ rule: UnsafePointer<ReadRule>, _ input: UnsafeBufferPointer<UInt8>)
        -> ByteReading
    {
        // Room for any result first, so `text` (which may point into the arena) stays where it is.
        arena.reserve(value.count + 64)
        let text = resolve(value, input)
        let out = arena.base + arena.count
        switch rule.pointee.check {
        case .text:
            return .value(value)
        case .choice:
            let range = rule.pointee.choices.range
            let (bytes, choices) = (bytes, choices)
            let spellings = range.lazy.map {
                UnsafeBufferPointer(start: bytes + Int(choices[$0].from.start), count: Int(choices[$0].from.count))
            }
            switch Choices.match(text, in: spellings) {
            case .at(let position): return .value(stored(choices[range.lowerBound + position].to))
            case .none: return .failed(source!.rules[rule.pointee.rule].codecs[0].choiceFailure, value)
            case .needsUnicode: return .general
            }
        case .taxId:
            guard let kind = TaxID.normalize(text, into: out) else {
                let given = String(decoding: text, as: UTF8.self)
                // A foreign id is kept, with a note: the general code does it.
                return TaxID.foreign(given) == nil ? .failed(TaxID.failure(given), value) : .general
            }
            return .value(claim(9, tag: UInt8(TaxID.Kind.allCases.firstIndex(of: kind)! + 1)))
        case .phone:
            // A number that fails as it is may have its calling code without the `+` in a column of
            // prefixes (`44 7400123456`): the general code tries it (`FieldCodec.read`).
            func failed(_ failure: PhoneNumber.Failure, _ text: String) -> ByteReading {
                if PhoneNumber.withPlus(text) != nil,
                    source!.rules[rule.pointee.rule].codecs.first?.phones == .countryAndDigits
                {
                    return .general
                }
                return .failed(PhoneNumber.failure(failure, text: text, region: "ES"), value)
            }
            // What the shapes of Spanish numbers leave to libphonenumber, as `PhoneNumber.parse` does.
            switch PhoneNumber.spanishWithoutLibrary(text, into: out) {
            case .success(let kind)?: return .value(claim(12, tag: kind.tag))
            case .failure(let failure)?: return failed(failure, string(value, input))
            case nil: break
            }
            // Exports repeat their junk (`000 000 000`, `0`): libphonenumber's answers are kept.
            let key = string(value, input)
            if let known = phoneAnswers[key] {
                switch known {
                case .success(let (e164, kind)):
                    let start = e164.withUnsafeBufferPointer { arena.append($0.baseAddress!, $0.count) }
                    return .value(Value(start: start, count: e164.count, inArena: true, tag: kind.tag))
                case .failure(let failure): return failed(failure, key)
                }
            }
            arena.reserve(32)
            let answer = PhoneNumber.library(resolve(value, input), region: "ES", into: arena.base + arena.count)
            if phoneAnswers.count >= Self.phoneAnswersKept { phoneAnswers.removeAll(keepingCapacity: true) }
            switch answer {
            case .success(let (count, kind)):
                phoneAnswers[key] = .success(
                    (Array(UnsafeBufferPointer(start: arena.base + arena.count, count: count)), kind))
                return .value(claim(count, tag: kind.tag))
            case .failure(let failure):
                phoneAnswers[key] = .failure(failure)
                return failed(failure, key)
            }
        case .email:
            switch EmailAddress.check(text, into: out) {
            case .success(let count): return .value(claim(count, tag: 1))
            case .failure(let failure): return .failed(EmailAddress.failure(failure, text: text), value)
            }
        case .postalCode:
            // Checked with the record's country, in `complete`.
            return .value(value)
        case .provinceCode:
            guard Province.exactCode(text, into: out) else { return .general }
            return .value(claim(2, tag: 1))
        case .countryCode:
            guard ISOCode.country(text, into: out) else { return .failed(ISOCode.countryFailure, value) }
            return .value(claim(2, tag: 1))
        case .language:
            switch ISOCode.language(text, into: out) {
            case .code: return .value(claim(2, tag: 1))
            case .unknown: return .failed(ISOCode.languageFailure, value)
            case .needsUnicode: return .general
            }
        case .date:
            let reading = DateFormat.read(
                text,
                tokens: UnsafeBufferPointer(
                    start: tokens + Int(rule.pointee.tokens.start), count: Int(rule.pointee.tokens.count)))
            guard case .date(let date) = reading else {
                let format = source!.rules[rule.pointee.rule].codecs[0].dateFormat
                return .failed(format.failure(reading, text: String(decoding: text, as: UTF8.self)), value)
            }
            if rule.pointee.birth, let failure = source!.rules[rule.pointee.rule].codecs[0].implausible(date) {
                return .failed(failure, value)
            }
            let packed = date.year * 10_000 + date.month * 100 + date.day
            return .value(Value(start: packed, count: 0, inArena: false, tag: 1))
        case .boolean:
            guard let flag = rule.pointee.booleans.parse(text) else { return .failed(BooleanStyle.failure, value) }
            return .value(Value(start: 0, count: 0, inArena: false, tag: flag ? 2 : 1))
        case .integer:
            let decimalComma = rule.pointee.decimalComma
            switch Number.whole(text, decimalComma: decimalComma, range: rule.pointee.range) {
            case .success(let number): return .value(Value(start: number, count: 0, inArena: false, tag: 1))
            case .failure(let failure): return .failed(Number.failure(failure, decimalComma: decimalComma), value)
            }
        case .general:
            return .general
        }
    }

    /// Bytes just written at the arena's end, as a value.
    @inline(__always)
    private mutating func claim(_ count: Int, tag: UInt8) -> Value {
        defer { arena.count += count }
        return Value(start: arena.count, count: count, inArena: true, tag: tag)
    }

    /// Pool bytes copied into the arena, as a value.
    @inline(__always)
    private mutating func stored(_ span: Span) -> Value {
        let start = arena.append(bytes + Int(span.start), Int(span.count))
        return Value(start: start, count: Int(span.count), inArena: true, tag: 1)
    }

    @inline(__always)
    private func elementsEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// Fills what the record implies (the tax id's type, the province of a postal code, the country)
    /// and notes contradictions between columns.
    private mutating func complete(
        _ input: UnsafeBufferPointer<UInt8>,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void,
        postalIssue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        let taxId = values[Self.taxIdIndex]
        if taxId.tag != 0, values[Self.taxIdTypeIndex].tag == 0 {
            values[Self.taxIdTypeIndex] = storedConstant(Self.taxIdTypeNames[Int(taxId.tag) - 1])
        }
        if taxId.tag != 0, taxId.tag != Self.otherTaxIdTag {
            if values[Self.kindIndex].tag == 0 {
                values[Self.kindIndex] = storedConstant(taxId.tag == Self.cifTag ? "company" : "person")
            }
        }
        // A record with a company's name and no person's name is a company's.
        if values[Self.kindIndex].tag == 0, values[Self.companyNameIndex].tag != 0,
            values[Self.givenNameIndex].tag == 0, values[Self.familyName1Index].tag == 0
        {
            values[Self.kindIndex] = storedConstant("company")
        }
        // A company's name read as a given name (Movin's `name` of a customer with `company: 1`).
        if nameRead >= 0, values[Self.companyNameIndex].tag == 0, values[Self.givenNameIndex].tag != 0,
            values[Self.familyName1Index].tag == 0, customerKind(input) == .company
        {
            // Through the entry's transforms but those for a person's name (`ACME SL` stays so).
            var name = nameOriginal.map { string($0, input) } ?? string(values[Self.givenNameIndex], input)
            for transform in source!.rules[reads[nameRead].rule].transforms where !(transform is NameCase) {
                if case .success(let next) = transform.read(name) { name = next }
            }
            values[Self.companyNameIndex] = storedText(name, tag: 1)
            values[Self.givenNameIndex].tag = 0
        }
        let postalCheck = checkPostalCode(input)
        let spanish = settleCountry(input, spanishPostalCode: postalCheck?.result == .success(false), issue: issue)
        if let postalCheck, postalOriginal != nil {
            settlePostalCode(postalCheck, spanish: spanish, input, issue: postalIssue)
        }
        let postal = values[Self.postalCodeIndex]
        if spanish, postal.tag != 0, postal.count == 5 {
            var code = Value(start: postal.start, count: 2, inArena: postal.inArena, tag: 1)
            let text = resolve(postal, input)
            if text[0] >= 0x80 || text[1] >= 0x80 {
                // The first two characters, as `PostalCode.provinceCode` takes them.
                code = storedText(PostalCode.provinceCode(of: string(postal, input)), tag: 1)
            }
            let stated = values[Self.provinceCodeIndex]
            if stated.tag != 0 {
                if !elementsEqual(resolve(stated, input), resolve(code, input)) {
                    let postalCode = string(postal, input), given = string(stated, input)
                    let fromPostalCode = string(code, input)
                    if given != fromPostalCode {
                        issue(
                            "postalCode", .provinceCode, postalCode,
                            ValidationFailure(
                                "the postal code is in another province than the one given; both kept, check the address",
                                detail:
                                    "postal code \(postalCode) is in \(Province.name(ofCode: fromPostalCode) ?? fromPostalCode), but the province given is \(Province.name(ofCode: given) ?? given); both kept, check the address"
                            ),
                            .noted)
                    }
                }
            } else {
                values[Self.provinceCodeIndex] = code
            }
        }
        let mobile = values[Self.mobileIndex]
        if mobile.tag == PhoneNumber.Kind.landline.tag {
            issue(
                "mobilePhone", .mobilePhone, string(mobile, input),
                ValidationFailure("this is a landline number in the mobile column; kept, but SMS will not reach it"),
                .noted)
        }
        let code = values[Self.provinceCodeIndex]
        if values[Self.provinceIndex].tag == 0, code.tag != 0 {
            let text = resolve(code, input)
            if code.count == 2, isASCIIDigit(text[0]), isASCIIDigit(text[1]) {
                let number = Int(text[0] - 0x30) * 10 + Int(text[1] - 0x30)
                if number >= 1, number <= 52 {
                    values[Self.provinceIndex] = Province.officialNameBytes[number - 1].withUnsafeBufferPointer {
                        name in
                        let start = arena.append(name.baseAddress!, name.count)
                        return Value(start: start, count: name.count, inArena: true, tag: 1)
                    }
                }
            } else if let name = Province.name(ofCode: string(code, input)) {
                values[Self.provinceIndex] = storedText(name, tag: 1)
            }
        }
    }

    /// The record's country: the one given, or the one the evidence points to. A record with an
    /// address in Spain (a province, or a Spanish postal code of five digits) is Spanish; one
    /// without, whose first phone is foreign, is of its phone's country (noted); any other is of
    /// the mapping's region. True when the country is ES.
    private mutating func settleCountry(
        _ input: UnsafeBufferPointer<UInt8>, spanishPostalCode: Bool,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) -> Bool {
        if values[Self.countryIndex].tag != 0 {
            let given = resolve(values[Self.countryIndex], input)
            return given.count == 2 && given[0] == UInt8(ascii: "E") && given[1] == UInt8(ascii: "S")
        }
        let spanishAddress =
            spanishPostalCode || values[Self.provinceCodeIndex].tag != 0 || values[Self.provinceIndex].tag != 0
        if !spanishAddress {
            for phone in Self.phoneIndices where values[phone].tag != 0 {
                let bytes = resolve(values[phone], input)
                guard bytes.count > 3, bytes[0] == UInt8(ascii: "+"),
                    bytes[1] != UInt8(ascii: "3") || bytes[2] != UInt8(ascii: "4")
                else { break }
                let e164 = String(decoding: bytes, as: UTF8.self)
                let number = PhoneNumber(e164: e164, kind: PhoneNumber.Kind(tag: values[phone].tag))
                guard let country = number.region else { break }
                values[Self.countryIndex] = storedText(country, tag: 1)
                // Only the country code, so the report shows no phone number.
                let prefix = number.formatted(.international, region: region).prefix { $0 != " " }
                issue(
                    nil, .countryCode, country,
                    ValidationFailure(
                        "the country is taken from the phone's prefix, as no address in Spain is given; give the country in a column to be sure",
                        detail:
                            "the country \(country) is taken from the phone's prefix \(prefix), as no address in Spain is given; give the country in a column to be sure"
                    ),
                    .noted)
                return false
            }
        }
        values[Self.countryIndex] = storedText(region, tag: 1)
        return region == "ES"
    }

    /// The record's postal code checked as Spanish, once: whether it is one (five digits, not four
    /// given their zero back) is evidence of the country, and the country decides whether the check
    /// counts. `code` is the five digits of a code that passes; nil without a postal code.
    private mutating func checkPostalCode(_ input: UnsafeBufferPointer<UInt8>) -> (
        result: Result<Bool, PostalCode.Failure>, code: Value?
    )? {
        guard values[Self.postalCodeIndex].tag != 0 else { return nil }
        arena.reserve(5)
        let result = PostalCode.check(resolve(values[Self.postalCodeIndex], input), into: arena.base + arena.count)
        return (result, (try? result.get()) == nil ? nil : claim(5, tag: 1))
    }

    /// The postal code read, as its check says when the record's country is ES (four digits get
    /// their leading zero back, noted), and what `invalid:` says when it fails; kept as given (without
    /// the spaces around it) for any other country.
    private mutating func settlePostalCode(
        _ check: (result: Result<Bool, PostalCode.Failure>, code: Value?), spanish: Bool,
        _ input: UnsafeBufferPointer<UInt8>,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        let value = values[Self.postalCodeIndex]
        guard spanish else {
            values[Self.postalCodeIndex] = storedText(Trim.trimmed(string(value, input)), tag: 1)
            return
        }
        switch check.result {
        case .success(let restored):
            values[Self.postalCodeIndex] = check.code!
            if restored {
                let code = string(values[Self.postalCodeIndex], input)
                issue(
                    source!.rules[reads[postalRead].rule].displayName, .postalCode, string(postalOriginal!, input),
                    ValidationFailure(
                        PostalCode.restoredNote,
                        detail:
                            "\(PostalCode.restoredNote): read as \(code), in \(Province.name(ofCode: String(code.prefix(2))) ?? code)"
                    ),
                    .noted)
            }
        case .failure(let failure):
            values[Self.postalCodeIndex].tag = 0
            let rule = source!.rules[reads[postalRead].rule]
            rule.failure(
                PostalCode.failure(failure), field: .postalCode, original: string(postalOriginal!, input),
                part: string(value, input),
                set: { field, canonical in store(canonical, at: Self.index(field)) },
                issue: { field, text, reason, action in issue(rule.displayName, field, text, reason, action) })
        }
    }

    private mutating func storedConstant(_ text: StaticString) -> Value {
        let start = arena.append(text.utf8Start, text.utf8CodeUnitCount)
        return Value(start: start, count: text.utf8CodeUnitCount, inArena: true, tag: 1)
    }

    /// In `TaxID.Kind`'s order (a tag is the kind's index plus one).
    private static let taxIdTypeNames: [StaticString] = ["DNI", "NIE", "CIF", "NIF", "OTHER"]
    private static let cifTag = UInt8(TaxID.Kind.allCases.firstIndex(of: .cif)! + 1)
    private static let otherTaxIdTag = UInt8(TaxID.Kind.allCases.firstIndex(of: .other)! + 1)

    /// Writes the record's canonical values as one record of the target into `output`, appending
    /// its issues; false when it is rejected, and then `output` holds nothing of it. Every rule's
    /// value takes the byte code, or the general code when the byte code cannot write it.
    mutating func write(
        number: Int, line: Int, input: UnsafeBufferPointer<UInt8>, into output: inout RecordBatch,
        issues: inout [RecordIssue], stats: inout WriteStats
    ) -> Bool {
        output.beginRecord()
        var accepted = true
        func issue(
            _ column: String?, _ field: CustomerField?, _ value: String?, _ reason: ValidationFailure,
            _ action: RecordIssue.Action
        ) {
            issues.append(
                RecordIssue(
                    record: number, line: line, column: column, field: field, value: value, reason, action: action))
            if action == .rejected { accepted = false }
        }
        var written = ColumnSet(count: targetColumnCount)
        extraUsed.removeAll(keepingCapacity: true)
        extraUsed.append(contentsOf: repeatElement(false, count: extras.count))
        for w in 0..<writeCount {
            let rule = UnsafePointer(writes + w)
            var value: Value?
            var kind = ValueKind.string
            switch rule.pointee.op {
            case .constant:
                if rule.pointee.column >= 0, written.insert(rule.pointee.column) {
                    output.appendField(
                        column: rule.pointee.column, kind: rule.pointee.constantKind,
                        UnsafeRawBufferPointer(pool(rule.pointee.constant)))
                }
                continue
            case .extra:
                if let first = takeExtra(rule.pointee.source), rule.pointee.column >= 0,
                    written.insert(rule.pointee.column)
                {
                    output.appendField(
                        column: rule.pointee.column, kind: extras[first].kind,
                        UnsafeRawBufferPointer(resolve(extras[first].value, input)))
                }
                continue
            case .extraGeneral:
                let fieldRule = target!.rules[rule.pointee.rule]
                let members = objectMembers[rule.pointee.rule]
                // An object none of whose members has a value writes nothing (the common case).
                if !members.isEmpty,
                    !members.contains(where: { member in
                        switch member {
                        case .extra(let id): extras.indices.contains { isExtra($0, named: id) }
                        case .field(let field): values[field].tag != 0
                        case .createdCompany: false
                        }
                    })
                {
                    continue
                }
                guard rule.pointee.column >= 0, !written.contains(rule.pointee.column),
                    fieldRule.forKind.map({ $0 == customerKind(input) }) ?? true
                else {
                    for name in fieldRule.extraNames { _ = takeExtra(nameIDs[name]!) }
                    continue
                }
                func note(_ item: String, _ reason: ValidationFailure, _ action: RecordIssue.Action) {
                    issue(fieldRule.displayName, nil, item, reason, action)
                }
                func extra(_ id: Int) -> (text: String, kind: ValueKind)? {
                    takeExtra(id).map { (string(extras[$0].value, input), extras[$0].kind) }
                }
                let out =
                    fieldRule.members != nil
                    ? fieldRule.writeObject(
                        { at in
                            switch members[at] {
                            case .extra(let id): return extra(id)
                            case .field(let field): return canonical(field, input).map { ($0.description, .string) }
                            case .createdCompany:
                                // Known only to a migration, once the company is created (nil elsewhere).
                                guard case .text(let name)? = canonical(Self.companyNameIndex, input) else {
                                    return nil
                                }
                                return target!.createdCompanies?.id(named: name).map { ($0, .string) }
                            }
                        }, issue: note)
                    : extra(rule.pointee.source).flatMap { fieldRule.writeExtra($0.text, kind: $0.kind, issue: note) }
                if let out, written.insert(rule.pointee.column) {
                    var bytes = out.text
                    bytes.withUTF8 {
                        output.appendField(column: rule.pointee.column, kind: out.kind, UnsafeRawBufferPointer($0))
                    }
                }
                continue
            case .general:
                writeGeneral(rule, input: input, into: &output, written: &written, stats: &stats, issue: issue)
                continue
            case .surnames:
                let a = values[rule.pointee.source], b = values[rule.pointee.second]
                if a.tag != 0, a.count > 0, b.tag != 0, b.count > 0 {
                    // Room first: resolving a value gives a pointer that growing the arena would move.
                    arena.reserve(a.count + b.count + 1)
                    let start = arena.count
                    let out = arena.base + start
                    _ = copyBytes(resolve(a, input), to: out)
                    out[a.count] = 0x20
                    _ = copyBytes(resolve(b, input), to: out + a.count + 1)
                    arena.count += a.count + b.count + 1
                    value = Value(start: start, count: a.count + b.count + 1, inArena: true, tag: 1)
                } else if a.tag != 0, a.count > 0 {
                    value = a
                } else if b.tag != 0, b.count > 0 {
                    value = b
                }
            case .personOrCompany:
                // A company's name for a company (or a record with no given name), a person's otherwise.
                let kindValue = values[Self.kindIndex]
                let isCompany = kindValue.tag != 0 && resolve(kindValue, input).elementsEqual("company".utf8)
                let given = values[rule.pointee.source], company = values[rule.pointee.second]
                let (first, other) = isCompany ? (company, given) : (given, company)
                if first.tag != 0, first.count > 0 {
                    value = first
                } else if other.tag != 0, other.count > 0 {
                    value = other
                }
            case .value:
                let stored = values[rule.pointee.source]
                if stored.tag != 0 {
                    guard let (text, textKind) = format(stored, rule, input) else {
                        writeGeneral(rule, input: input, into: &output, written: &written, stats: &stats, issue: issue)
                        continue
                    }
                    (value, kind) = (text, textKind)
                } else if rule.pointee.consentDefault >= 0, rule.pointee.format == .boolean {
                    // The target assumes yes when the consent is not sent; the source did not say yes.
                    (value, kind) = (self.stored(rule.pointee.no), rule.pointee.noKind)
                    if target!.rules[rule.pointee.rule].countsConsentSentAsNo {
                        stats.consentWrittenAsNo(CustomerField.allCases[rule.pointee.consentDefault])
                    }
                }
            }
            if value == nil, !rule.pointee.defaultValue.isNone {
                (value, kind) = (self.stored(rule.pointee.defaultValue), rule.pointee.defaultKind)
            }
            guard var current = value else {
                if rule.pointee.required {
                    let fieldRule = target!.rules[rule.pointee.rule]
                    issue(fieldRule.displayName, fieldRule.fields.first, nil, .requiredValueMissing, .rejected)
                }
                continue
            }
            var transformed = true
            for _ in rule.pointee.transforms.range {
                arena.reserve(current.count * 2 + 16)
                guard
                    let count = ProvinceCode(argument: nil).writeBytes(
                        resolve(current, input), into: arena.base + arena.count)
                else {
                    transformed = false
                    break
                }
                current = Value(start: arena.count, count: count, inArena: true, tag: 1)
                arena.count += count
            }
            // A JSON number or boolean must be one, or the output is not JSON: the general code says why not.
            guard transformed,
                JSONText.fits(
                    UnsafeRawBufferPointer(resolve(current, input)), kind: kind, wholeNumber: rule.pointee.wholeNumber)
            else {
                writeGeneral(rule, input: input, into: &output, written: &written, stats: &stats, issue: issue)
                continue
            }
            if written.insert(rule.pointee.column) {
                output.appendField(
                    column: rule.pointee.column, kind: kind, UnsafeRawBufferPointer(resolve(current, input)))
            }
        }
        let unused = extraUsed.contains(false)
        if unused, extrasColumn >= 0, written.insert(extrasColumn) {
            // The extras no rule wrote, as `JSONText.object` writes them.
            extrasObject.removeAll(keepingCapacity: true)
            extrasObject.append(UInt8(ascii: "{"))
            var first = true
            for k in extras.indices where !extraUsed[k] {
                if !first { extrasObject.append(UInt8(ascii: ",")) }
                first = false
                let name = extras[k].name
                if name >= 0 {
                    extrasObject.append(contentsOf: extraKeys[name])
                } else {
                    extrasObject.append(contentsOf: Self.jsonKey(recordNames[~name]))
                }
                let text = UnsafeRawBufferPointer(resolve(extras[k].value, input))
                switch extras[k].kind {
                case .string: JSONText.appendQuoted(text, to: &extrasObject)
                case .null: extrasObject.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                case .number, .bool, .json: extrasObject.append(contentsOf: text)
                }
            }
            extrasObject.append(UInt8(ascii: "}"))
            extrasObject.withUnsafeBytes { output.appendField(column: extrasColumn, kind: .json, $0) }
        } else if unused, extrasColumn < 0 {
            stats.extrasNotWritten += 1
        }
        if values[Self.clinicalIndex].tag != 0, !writesHealthData { stats.healthDataWithheld += 1 }
        guard accepted else {
            output.discardOpenRecord()
            return false
        }
        output.endRecord(number: number, line: line)
        return true
    }

    /// Whether extra `k` has the known name `id`.
    @inline(__always)
    private func isExtra(_ k: Int, named id: Int) -> Bool {
        let name = extras[k].name
        return name == id || name < 0 && id >= 0 && recordNames[~name] == names[id]
    }

    /// The position of the first extra with the known name `id`; every extra of that name counts
    /// as written.
    private mutating func takeExtra(_ id: Int) -> Int? {
        var first: Int?
        for k in extras.indices where isExtra(k, named: id) {
            if first == nil { first = k }
            extraUsed[k] = true
        }
        return first
    }

    /// One rule written by the general code.
    private func writeGeneral(
        _ rule: UnsafePointer<WriteRule>, input: UnsafeBufferPointer<UInt8>, into output: inout RecordBatch,
        written: inout ColumnSet, stats: inout WriteStats,
        issue: (String?, CustomerField?, String?, ValidationFailure, RecordIssue.Action) -> Void
    ) {
        let target = target!
        let fieldRule = target.rules[rule.pointee.rule]
        fieldRule.write(value: { canonical(Self.index($0), input) }, stats: &stats) { column, text, kind in
            guard let index = target.columnIndex[column], written.insert(index) else { return }
            var text = text
            text.withUTF8 { output.appendField(column: index, kind: kind, UnsafeRawBufferPointer($0)) }
        } issue: { field, value, reason, action in
            issue(fieldRule.displayName, field, value, reason, action)
        }
    }

    /// `FieldCodec.write` for a stored value; nil when the system cannot say it.
    private mutating func format(_ stored: Value, _ rule: UnsafePointer<WriteRule>, _ input: UnsafeBufferPointer<UInt8>)
        -> (Value, ValueKind)?
    {
        switch rule.pointee.format {
        case .text:
            // Text the system takes as a JSON number is checked where every written value is.
            if rule.pointee.kind == .number { return (stored, .number) }
            guard !rule.pointee.choices.isNone else { return (stored, rule.pointee.kind ?? .string) }
            let text = resolve(stored, input)
            for c in rule.pointee.choices.range where elementsEqual(pool(choices[c].from), text) {
                return (self.stored(choices[c].to), rule.pointee.kind ?? .string)
            }
            return nil
        case .boolean:
            return stored.tag == 2
                ? (self.stored(rule.pointee.yes), rule.pointee.yesKind)
                : (self.stored(rule.pointee.no), rule.pointee.noKind)
        case .integer:
            arena.reserve(21)
            let sign = stored.start < 0 ? 1 : 0
            if sign == 1 { arena.base[arena.count] = UInt8(ascii: "-") }
            var digits = 1, rest = stored.start.magnitude / 10
            while rest > 0 { digits += 1; rest /= 10 }
            var number = stored.start.magnitude
            for i in stride(from: sign + digits - 1, through: sign, by: -1) {
                arena.base[arena.count + i] = UInt8(0x30 + number % 10)
                number /= 10
            }
            return (claim(sign + digits, tag: 1), rule.pointee.kind ?? .number)
        case .date:
            let packed = stored.start
            guard let date = CalendarDate(year: packed / 10_000, month: packed / 100 % 100, day: packed % 100) else {
                return nil
            }
            arena.reserve(16 + Int(rule.pointee.tokens.count) * 4)
            let count = DateFormat.write(
                date,
                tokens: UnsafeBufferPointer(
                    start: tokens + Int(rule.pointee.tokens.start), count: Int(rule.pointee.tokens.count)),
                into: arena.base + arena.count)
            return (claim(count, tag: 1), rule.pointee.kind ?? .string)
        case .taxId:
            guard stored.tag != Self.otherTaxIdTag else { return nil }
            return (stored, rule.pointee.kind ?? .string)
        case .phone:
            // Every number read here is E.164 (`+` first); national digits only for +34 and nine digits.
            guard !rule.pointee.nationalDigits else {
                let text = resolve(stored, input)
                guard stored.count == 12, text[0] == 0x2B, text[1] == 0x33, text[2] == 0x34 else { return nil }
                return (
                    Value(start: stored.start + 3, count: 9, inArena: stored.inArena, tag: 1),
                    rule.pointee.kind ?? .string
                )
            }
            return (stored, rule.pointee.kind ?? .string)
        case .general:
            return nil
        }
    }
}

extension PhoneNumber.Kind {
    /// The kind of a tag in a `MappingPlan.Value`.
    init(tag: UInt8) {
        switch tag {
        case 1: self = .mobile
        case 2: self = .landline
        case 3: self = .either
        default: self = .other
        }
    }

    /// The kind's tag in a `MappingPlan.Value`.
    var tag: UInt8 {
        switch self {
        case .mobile: 1
        case .landline: 2
        case .either: 3
        case .other: 4
        }
    }
}
