#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hot path of a conversion: a source and a target mapping, bound to one input's columns and
/// compiled into tables of plain data that work on bytes. It maps the common record (every value
/// valid, nothing to note) straight from the input batch into the output batch, with no `String`,
/// `Customer`, allocation or reference count touched per record. Anything else it declines, and
/// `MappingStep` maps that record the ordinary way, which finds and words the issues.
///
/// What it accepts it must map exactly as `Profile.read` and `Profile.write` would: every check is
/// the byte-level core those use too (`TaxID.normalize`, `EmailAddress.normalize`, the transforms'
/// `readBytes`...), and `CompiledMappingTests` holds the two paths to the same output, rejects,
/// issues and counts. Mappings it cannot compile (lookup tables, split surnames, an `extras`
/// column) yield nil; a type it does not handle (decimals, foreign phones) declines the records
/// that have a value there.
struct CompiledMapping {
    /// One canonical value of the record being mapped: where its bytes are and what it is.
    /// `tag` 0 means absent; for tax ids it is the kind's position + 1, for phones `Kind.tag`, for
    /// yes/no 1 (no) or 2 (yes). Dates and whole numbers keep their value in `start`.
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
        case trim, collapseSpaces, nameCase, upper, lower, digits, provinceCode, plainText, declines
    }
    enum ReadOp: UInt8 { case extra, emptyLookup, value }
    enum CheckOp: UInt8 {
        case text, choice, taxId, phone, email, postalCode, provinceCode, countryCode, language, date, boolean, integer,
            declines
    }
    enum WriteOp: UInt8 { case constant, extra, value, surnames }
    enum FormatOp: UInt8 { case text, boolean, integer, date, taxId, phone, declines }

    /// A pair of spellings in the byte pool: the system's and the canonical one (or the reverse).
    struct Choice {
        var from: Span
        var to: Span
    }

    struct ReadRule {
        var op: ReadOp
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
        var birth: Bool
        /// Today as the mapping was read, `yyyymmdd`: a birth date cannot be later.
        var today: Int
        var booleans: BooleanStyle
        var range: ClosedRange<Int>?
    }

    struct WriteRule {
        var op: WriteOp
        var column: Int
        /// The canonical field's position (the first surname for `surnames`), or the extra's name.
        var source: Int
        var second: Int
        var constant: Span
        var constantKind: ValueKind
        var format: FormatOp
        var kind: ValueKind?
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
        let extras: UnsafeMutablePointer<(name: Int, value: Value, kind: ValueKind)>
        let extraUsed: UnsafeMutablePointer<Bool>
        var arena: UnsafeMutablePointer<UInt8>
        static let arenaCapacity = 4096

        init(_ builder: Builder, reads: [ReadRule], writes: [WriteRule], columns: Int, extras: Int) {
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
                Array(repeating: Value(start: 0, count: 0, inArena: false, tag: 0), count: CompiledMapping.fieldCount))
            self.extras = .allocate(capacity: max(extras, 1))
            extraUsed = .allocate(capacity: max(extras, 1))
            arena = .allocate(capacity: Self.arenaCapacity)
        }

        deinit {
            for pointer in [
                UnsafeMutableRawPointer(bytes), UnsafeMutableRawPointer(ints), UnsafeMutableRawPointer(ops),
                UnsafeMutableRawPointer(choices), UnsafeMutableRawPointer(tokens), UnsafeMutableRawPointer(reads),
                UnsafeMutableRawPointer(writes), UnsafeMutableRawPointer(positions), UnsafeMutableRawPointer(values),
                UnsafeMutableRawPointer(extras), UnsafeMutableRawPointer(extraUsed), UnsafeMutableRawPointer(arena),
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
    /// Input columns no rule claims, kept as extras: input column and extra name, in pairs in `ints`.
    private let unclaimed: Span
    /// Input column → position of its first field in the record (−1 when absent).
    private let positions: UnsafeMutablePointer<Int>
    /// Canonical field (in `CustomerField.allCases` order) → its value in the record.
    private let values: UnsafeMutablePointer<Value>
    private let extras: UnsafeMutablePointer<(name: Int, value: Value, kind: ValueKind)>
    private let extraUsed: UnsafeMutablePointer<Bool>
    private var extraCount = 0
    /// The output column that holds unwritten extras as a JSON object (−1: none), and each extra
    /// name's `"name":` key.
    private let extrasColumn: Int
    private let extraKeys: [[UInt8]]
    private var extrasObject: [UInt8] = []
    /// Consents (field positions) the record being written sends as an explicit no.
    private var pendingConsents: [Int] = []
    private var arena: Arena
    private let writesHealthData: Bool
    private let columnCount: Int
    private let targetColumnCount: Int

    fileprivate static let fieldCount = CustomerField.allCases.count
    private static func index(_ field: CustomerField) -> Int { CustomerField.allCases.firstIndex(of: field)! }
    private static let taxIdIndex = index(.taxId), taxIdTypeIndex = index(.taxIdType), kindIndex = index(.kind)
    private static let postalCodeIndex = index(.postalCode), provinceCodeIndex = index(.provinceCode),
        provinceIndex = index(.province)
    private static let mobileIndex = index(.mobilePhone), countryIndex = index(.countryCode),
        clinicalIndex = index(.clinicalNotes)

    /// Compiles a pair of mappings for an input with `columns` (bound as `binding` says); nil when
    /// the mappings use something only the ordinary path does.
    init?(source: Profile, target: Profile, binding: SourceBinding, columns: [String]) {
        guard binding.extrasIndex < 0 else { return nil }
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
        for (rule, indices) in zip(source.rules, binding.ruleColumns) where rule.constant == nil {
            guard rule.split == nil, rule.fields.count <= 1 else { return nil }
            if let lookup = rule.lookup, !lookup.isEmpty { return nil }
            var read = ReadRule(
                op: .value, target: 0, check: .declines, columns: pool.ints(indices),
                join: pool.bytes(rule.join ?? " "),
                defaultValue: pool.bytes(rule.defaultValue), required: rule.required,
                transforms: pool.ops(rule.transforms.map(Self.readOp)), choices: .none, choicesAreValues: false,
                tokens: .none, birth: false, today: 0, booleans: .json, range: nil)
            if rule.fields.isEmpty {
                (read.op, read.target) = (.extra, nameID(rule.columns[0]))
            } else if rule.lookup?.isEmpty == true {
                (read.op, read.target) = (.emptyLookup, nameID(rule.displayName))
            } else {
                read.target = Self.index(rule.fields[0])
                let codec = rule.codecs[0]
                switch codec.field.valueType {
                case .text: read.check = codec.values == nil ? .text : .declines
                case .choice(let allowed):
                    read.check = .choice
                    if let values = codec.values {
                        // Unicode's case rules could match a non-ASCII spelling to ASCII text.
                        guard values.allSatisfy({ $0.column.utf8.allSatisfy { $0 < 0x80 } }) else { return nil }
                        read.choices = pool.choices(values.map { ($0.column, $0.canonical) })
                        read.choicesAreValues = true
                    } else {
                        read.choices = pool.choices(allowed.map { ($0, $0) })
                    }
                case .taxId: read.check = .taxId
                case .phone: read.check = codec.region == "ES" ? .phone : .declines
                case .email: read.check = .email
                case .postalCode: read.check = .postalCode
                case .provinceCode: read.check = .provinceCode
                case .countryCode: read.check = .countryCode
                case .language: read.check = .language
                case .date:
                    read.check = .date
                    read.tokens = pool.tokens(codec.dateFormat)
                    read.birth = codec.field == .birthDate
                    read.today = codec.today.year * 10_000 + codec.today.month * 100 + codec.today.day
                case .boolean:
                    read.check = .boolean
                    read.booleans = codec.booleans
                case .integer(let range):
                    read.check = codec.decimalComma ? .declines : .integer
                    read.range = range
                case .decimal: read.check = .declines
                }
            }
            reads.append(read)
        }
        unclaimed = pool.ints(
            binding.claimed.enumerated().filter { !$0.element }.flatMap { [$0.offset, nameID(columns[$0.offset])] })

        var writes: [WriteRule] = []
        for rule in target.rules where !rule.readOnly {
            guard rule.columns.count == 1, let column = target.columnIndex[rule.columns[0]] else { return nil }
            if let lookup = rule.lookup, !lookup.isEmpty { return nil }
            var write = WriteRule(
                op: .value, column: column, source: -1, second: -1, constant: .none, constantKind: .string,
                format: .declines,
                kind: nil, choices: .none, yes: .none, yesKind: .string, no: .none, noKind: .string, tokens: .none,
                nationalDigits: false, consentDefault: -1, defaultValue: pool.bytes(rule.defaultValue),
                defaultKind: rule.writtenKind ?? .string, required: rule.required,
                transforms: pool.ops(rule.transforms.reversed().filter { !$0.writesUnchanged }.map(Self.writeOp)))
            if let constant = rule.constant {
                (write.op, write.constant, write.constantKind) = (
                    .constant, pool.bytes(constant), rule.writtenKind ?? .string
                )
            } else if rule.fields.isEmpty {
                // An extra no source rule produces never matches (−1).
                (write.op, write.source) = (.extra, names.firstIndex(of: rule.columns[0]) ?? -1)
            } else if rule.lookup?.isEmpty == true
                || rule.fields.contains(where: \.isHealthData) && !rule.allowsHealthData
            {
                continue
            } else if rule.split == .surnames {
                guard rule.fields.allSatisfy({ $0.valueType == .text }) else { return nil }
                (write.op, write.source, write.second) = (
                    .surnames, Self.index(rule.fields[0]), Self.index(rule.fields[1])
                )
            } else {
                guard rule.fields.count == 1 else { return nil }
                let codec = rule.codecs[0]
                write.source = Self.index(rule.fields[0])
                write.kind = codec.jsonKind
                if rule.systemDefault == true, rule.fields[0].isConsent { write.consentDefault = write.source }
                switch codec.field.valueType {
                case .text, .choice, .email, .postalCode, .provinceCode, .countryCode, .language:
                    if codec.jsonKind == .bool || codec.jsonKind == .number && codec.values != nil {
                        write.format = .declines
                    } else {
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
                    (write.format, write.tokens, write.kind) = (
                        .date, pool.tokens(codec.dateFormat), codec.jsonKind ?? .string
                    )
                case .taxId: (write.format, write.kind) = (.taxId, codec.jsonKind ?? .string)
                case .phone:
                    if codec.region == "ES", codec.phones == .e164 || codec.phones == .nationalDigits {
                        (write.format, write.nationalDigits, write.kind) = (
                            .phone, codec.phones == .nationalDigits, codec.jsonKind ?? .string
                        )
                    }
                case .decimal: write.format = .declines
                }
            }
            writes.append(write)
        }
        // Each extra's name as a JSON key (`"name":`), for a target that keeps extras in one column.
        extraKeys = names.map { name in
            var key: [UInt8] = []
            JSONText.appendQuoted(name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        extrasColumn = target.extrasColumn.flatMap { target.columnIndex[$0] } ?? -1
        let extrasMost = reads.count + binding.claimed.count
        storage = Storage(pool, reads: reads, writes: writes, columns: columns.count, extras: extrasMost)
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
        extras = storage.extras
        extraUsed = storage.extraUsed
        arena = Arena(owner: storage)
        writesHealthData = target.writesHealthData
        columnCount = columns.count
        targetColumnCount = target.writtenColumns.count
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
        default: .declines
        }
    }

    private static func writeOp(_ transform: any Transform) -> TransformOp {
        transform is ProvinceCode ? .provinceCode : .declines
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

    /// The outcome of mapping one record.
    enum Outcome { case written, declined }

    /// Maps one record of an input batch into `output`; `bytes` and `fields` are the batch's.
    mutating func map(
        _ slot: RecordSlot, fields: UnsafeBufferPointer<FieldSlot>, bytes input: UnsafeBufferPointer<UInt8>,
        into output: inout RecordBatch, stats: inout WriteStats
    ) -> Outcome {
        arena.count = 0
        extraCount = 0
        for i in 0..<Self.fieldCount { values[i].tag = 0 }
        for i in 0..<columnCount { positions[i] = -1 }
        let first = Int(slot.firstField), end = first + Int(slot.fieldCount)
        for position in first..<end {
            let column = Int(fields[position].column)
            if column < columnCount, positions[column] < 0 { positions[column] = position }
        }
        guard read(fields: fields, input: input) else { return .declined }
        pendingConsents.removeAll(keepingCapacity: true)
        guard write(input: input, into: &output) else {
            output.discardOpenRecord()
            return .declined
        }
        output.endRecord(number: slot.number, line: slot.line)
        // The counts `Profile.write` keeps, now that the record is written.
        for field in pendingConsents { stats.consentWrittenAsNo(CustomerField.allCases[field]) }
        if values[Self.clinicalIndex].tag != 0, !writesHealthData { stats.healthDataWithheld += 1 }
        if extrasColumn < 0 {
            for k in 0..<extraCount where !extraUsed[k] {
                stats.extrasNotWritten += 1
                break
            }
        }
        return .written
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
        extras[extraCount] = (name, value, kind)
        extraCount += 1
    }

    /// `Profile.read` for a record with nothing to note; false declines it.
    private mutating func read(fields: UnsafeBufferPointer<FieldSlot>, input: UnsafeBufferPointer<UInt8>) -> Bool {
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
            switch rule.pointee.op {
            case .extra:
                if let value, rule.pointee.columns.count > 0, ints[Int(rule.pointee.columns.start)] >= 0 {
                    addExtra(rule.pointee.target, value, kind)
                }
                continue
            case .emptyLookup:
                guard let value else { if rule.pointee.required { return false }; continue }
                addExtra(rule.pointee.target, value, .string)
                continue
            case .value:
                guard var current = value else { if rule.pointee.required { return false }; continue }
                for t in rule.pointee.transforms.range {
                    arena.reserve(current.count * 2 + 16)
                    guard let count = transform(ops[t], resolve(current, input), into: arena.base + arena.count) else {
                        return false
                    }
                    current = Value(start: arena.count, count: count, inArena: true, tag: 1)
                    arena.count += count
                }
                if current.count == 0 {
                    if rule.pointee.required { return false }
                    continue
                }
                guard let checked = check(current, rule, input) else { return false }
                values[rule.pointee.target] = checked
            }
        }
        for k in stride(from: Int(unclaimed.start), to: Int(unclaimed.start + unclaimed.count), by: 2) {
            if let (value, kind) = raw(ints[k], fields: fields, input: input) { addExtra(ints[k + 1], value, kind) }
        }
        return complete()
    }

    /// A read transform on bytes; nil when the ordinary path must do it.
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
        case .declines: nil
        }
    }

    /// A value through its field's check; nil when it fails (the ordinary path words the failure).
    private mutating func check(_ value: Value, _ rule: UnsafePointer<ReadRule>, _ input: UnsafeBufferPointer<UInt8>)
        -> Value?
    {
        // Room for any result first, so `text` (which may point into the arena) stays where it is.
        arena.reserve(value.count + 64)
        let text = resolve(value, input)
        let out = arena.base + arena.count
        switch rule.pointee.check {
        case .text:
            return value
        case .choice:
            for c in rule.pointee.choices.range where elementsEqual(pool(choices[c].from), text) {
                return stored(choices[c].to)
            }
            for c in rule.pointee.choices.range where Self.asciiFoldedEqual(pool(choices[c].from), text) {
                return stored(choices[c].to)
            }
            return nil
        case .taxId:
            guard let kind = TaxID.normalize(text, into: out) else { return nil }
            return claim(9, tag: UInt8(TaxID.Kind.allCases.firstIndex(of: kind)! + 1))
        case .phone:
            if let kind = PhoneNumber.spanishFastPath(text, into: out) { return claim(12, tag: kind.tag) }
            // What the fast path leaves to libphonenumber, as `PhoneNumber.parse` does.
            arena.reserve(32)
            guard
                let (count, kind) = PhoneNumber.library(
                    resolve(value, input), region: "ES", into: arena.base + arena.count)
            else { return nil }
            return claim(count, tag: kind.tag)
        case .email:
            guard let count = EmailAddress.normalize(text, into: out) else { return nil }
            return claim(count, tag: 1)
        case .postalCode:
            guard PostalCode.normalize(text, into: out) else { return nil }
            return claim(5, tag: 1)
        case .provinceCode:
            guard Province.exactCode(text, into: out) else { return nil }
            return claim(2, tag: 1)
        case .countryCode, .language:
            guard text.count == 2, isASCIILetter(text[0]), isASCIILetter(text[1]) else { return nil }
            for i in 0..<2 { out[i] = rule.pointee.check == .countryCode ? asciiUpper(text[i]) : asciiLower(text[i]) }
            return claim(2, tag: 1)
        case .date:
            guard
                case .date(let date) = DateFormat.read(
                    text,
                    tokens: UnsafeBufferPointer(
                        start: tokens + Int(rule.pointee.tokens.start), count: Int(rule.pointee.tokens.count)))
            else { return nil }
            let packed = date.year * 10_000 + date.month * 100 + date.day
            if rule.pointee.birth, packed > rule.pointee.today || date.year < 1900 { return nil }
            return Value(start: packed, count: 0, inArena: false, tag: 1)
        case .boolean:
            guard let flag = rule.pointee.booleans.parse(text) else { return nil }
            return Value(start: 0, count: 0, inArena: false, tag: flag ? 2 : 1)
        case .integer:
            guard text.count > 0, text.count <= 15 else { return nil }
            var number = 0
            for byte in text {
                guard isASCIIDigit(byte) else { return nil }
                number = number * 10 + Int(byte - 0x30)
            }
            if let range = rule.pointee.range, !range.contains(number) { return nil }
            return Value(start: number, count: 0, inArena: false, tag: 1)
        case .declines:
            return nil
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

    private static func asciiFoldedEqual(_ word: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>) -> Bool
    {
        guard word.count == text.count else { return false }
        for i in 0..<word.count {
            guard word[i] < 0x80, text[i] < 0x80, asciiLower(word[i]) == asciiLower(text[i]) else { return false }
        }
        return true
    }

    /// `Profile.complete` for a record with nothing to note; false when it would note something.
    private mutating func complete() -> Bool {
        let taxId = values[Self.taxIdIndex]
        if taxId.tag != 0, taxId.tag != Self.otherTaxIdTag {
            if values[Self.taxIdTypeIndex].tag == 0 {
                values[Self.taxIdTypeIndex] = storedConstant(Self.taxIdTypeNames[Int(taxId.tag) - 1])
            }
            if values[Self.kindIndex].tag == 0 {
                values[Self.kindIndex] = storedConstant(taxId.tag == Self.cifTag ? "company" : "person")
            }
        }
        let postal = values[Self.postalCodeIndex]
        if postal.tag != 0, postal.count == 5 {
            let code = Value(start: postal.start, count: 2, inArena: postal.inArena, tag: 1)
            let stated = values[Self.provinceCodeIndex]
            if stated.tag != 0 {
                // A province that disagrees with the postal code is noted: the ordinary path says so.
                guard stated.inArena, code.inArena, stated.count == 2,
                    arena.base[stated.start] == arena.base[code.start],
                    arena.base[stated.start + 1] == arena.base[code.start + 1]
                else { return false }
            } else {
                values[Self.provinceCodeIndex] = code
            }
        }
        if values[Self.mobileIndex].tag == PhoneNumber.Kind.landline.tag { return false }
        if values[Self.provinceIndex].tag == 0, values[Self.provinceCodeIndex].tag != 0 {
            let code = values[Self.provinceCodeIndex]
            guard code.inArena, code.count == 2 else { return false }
            let number = Int(arena.base[code.start] &- 0x30) * 10 + Int(arena.base[code.start + 1] &- 0x30)
            if number >= 1, number <= 52 {
                values[Self.provinceIndex] = Province.officialNameBytes[number - 1].withUnsafeBufferPointer { name in
                    let start = arena.append(name.baseAddress!, name.count)
                    return Value(start: start, count: name.count, inArena: true, tag: 1)
                }
            }
        }
        if values[Self.countryIndex].tag == 0 { values[Self.countryIndex] = storedConstant("ES") }
        return true
    }

    private mutating func storedConstant(_ text: StaticString) -> Value {
        let start = arena.append(text.utf8Start, text.utf8CodeUnitCount)
        return Value(start: start, count: text.utf8CodeUnitCount, inArena: true, tag: 1)
    }

    private static let taxIdTypeNames: [StaticString] = ["DNI", "NIE", "CIF", "OTHER"]
    private static let cifTag = UInt8(TaxID.Kind.allCases.firstIndex(of: .cif)! + 1)
    private static let otherTaxIdTag = UInt8(TaxID.Kind.allCases.firstIndex(of: .other)! + 1)

    /// `Profile.write` for a record with nothing to note; false declines it. The consents written as
    /// an explicit no wait in `pendingConsents` until the record is written.
    private mutating func write(input: UnsafeBufferPointer<UInt8>, into output: inout RecordBatch) -> Bool {
        output.beginRecord()
        var written = ColumnSet(count: targetColumnCount)
        for k in 0..<extraCount { extraUsed[k] = false }
        for w in 0..<writeCount {
            let rule = UnsafePointer(writes + w)
            var value: Value?
            var kind = ValueKind.string
            switch rule.pointee.op {
            case .constant:
                if written.insert(rule.pointee.column) {
                    output.appendField(
                        column: rule.pointee.column, kind: rule.pointee.constantKind,
                        UnsafeRawBufferPointer(pool(rule.pointee.constant)))
                }
                continue
            case .extra:
                var first = -1
                // Every extra of that name counts as written, as in `Profile.write`.
                for k in 0..<extraCount where extras[k].name == rule.pointee.source {
                    if first < 0 { first = k }
                    extraUsed[k] = true
                }
                if first >= 0, written.insert(rule.pointee.column) {
                    output.appendField(
                        column: rule.pointee.column, kind: extras[first].kind,
                        UnsafeRawBufferPointer(resolve(extras[first].value, input)))
                }
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
            case .value:
                let stored = values[rule.pointee.source]
                if stored.tag != 0 {
                    guard let (text, textKind) = format(stored, rule, input) else { return false }
                    (value, kind) = (text, textKind)
                } else if rule.pointee.consentDefault >= 0, rule.pointee.format == .boolean {
                    (value, kind) = (self.stored(rule.pointee.no), rule.pointee.noKind)
                    pendingConsents.append(rule.pointee.consentDefault)
                }
            }
            if value == nil, !rule.pointee.defaultValue.isNone {
                (value, kind) = (self.stored(rule.pointee.defaultValue), rule.pointee.defaultKind)
            }
            guard var current = value else {
                if rule.pointee.required { return false }
                continue
            }
            for t in rule.pointee.transforms.range {
                guard ops[t] == .provinceCode else { return false }
                arena.reserve(current.count * 2 + 16)
                guard
                    let count = ProvinceCode(argument: nil).writeBytes(
                        resolve(current, input), into: arena.base + arena.count)
                else { return false }
                current = Value(start: arena.count, count: count, inArena: true, tag: 1)
                arena.count += count
            }
            if written.insert(rule.pointee.column) {
                output.appendField(
                    column: rule.pointee.column, kind: kind, UnsafeRawBufferPointer(resolve(current, input)))
            }
        }
        if extrasColumn >= 0, (0..<extraCount).contains(where: { !extraUsed[$0] }), written.insert(extrasColumn) {
            // The extras no rule wrote, as `JSONText.object` writes them.
            extrasObject.removeAll(keepingCapacity: true)
            extrasObject.append(UInt8(ascii: "{"))
            var first = true
            for k in 0..<extraCount where !extraUsed[k] {
                if !first { extrasObject.append(UInt8(ascii: ",")) }
                first = false
                extrasObject.append(contentsOf: extraKeys[extras[k].name])
                let text = UnsafeRawBufferPointer(resolve(extras[k].value, input))
                switch extras[k].kind {
                case .string: JSONText.appendQuoted(text, to: &extrasObject)
                case .null: extrasObject.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                case .number, .bool, .json: extrasObject.append(contentsOf: text)
                }
            }
            extrasObject.append(UInt8(ascii: "}"))
            extrasObject.withUnsafeBytes { output.appendField(column: extrasColumn, kind: .json, $0) }
        }
        return true
    }

    /// `FieldCodec.write` for a stored value; nil when the system cannot say it.
    private mutating func format(_ stored: Value, _ rule: UnsafePointer<WriteRule>, _ input: UnsafeBufferPointer<UInt8>)
        -> (Value, ValueKind)?
    {
        switch rule.pointee.format {
        case .text:
            if rule.pointee.kind == .number {
                // A number the system takes as a JSON number: plain digits are; anything else is
                // for `FieldCodec.write` to judge.
                let text = resolve(stored, input)
                guard text.count > 0, text.count <= 15, text.allSatisfy(isASCIIDigit) else { return nil }
                return (stored, .number)
            }
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
            arena.reserve(20)
            var digits = 1, rest = stored.start / 10
            while rest > 0 { digits += 1; rest /= 10 }
            var number = stored.start
            for i in stride(from: digits - 1, through: 0, by: -1) {
                arena.base[arena.count + i] = UInt8(0x30 + number % 10)
                number /= 10
            }
            return (claim(digits, tag: 1), rule.pointee.kind ?? .number)
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
        case .declines:
            return nil
        }
    }
}

extension PhoneNumber.Kind {
    /// The kind's tag in a `CompiledMapping.Value`.
    var tag: UInt8 {
        switch self {
        case .mobile: 1
        case .landline: 2
        case .either: 3
        case .other: 4
        }
    }
}
