#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hot path of a conversion: a source and a target mapping, bound to one input's columns and
/// compiled into steps that work on bytes. It maps the common record (every value valid, nothing to
/// note) straight from the input batch into the output batch with no `String`, `Customer` or
/// allocation per record. Anything else it declines, and `MappingStep` maps that record the
/// ordinary way, which finds and words the issues.
///
/// What it accepts it must map exactly as `Profile.read` and `Profile.write` would: every check is
/// the byte-level core those use too (`TaxID.normalize`, `EmailAddress.normalize`...), and
/// `CompiledMappingTests` holds the two paths to the same output on generated and hostile records.
/// Mappings it cannot compile (lookup tables, split surnames, an `extras` column) yield nil.
struct CompiledMapping {
    /// One canonical value of the record being mapped: where its bytes are and what it is.
    /// `tag` 0 means absent; for tax ids and phones it is the kind's position + 1, for yes/no 1 (no)
    /// or 2 (yes). Dates and whole numbers keep their value in `start`.
    struct Value {
        var start: Int
        var count: Int
        var inArena: Bool
        var tag: UInt8
    }

    /// How a source rule reads.
    enum ReadKind {
        /// A column without a canonical field: kept as an extra under `name`.
        case extra(name: Int)
        /// A field whose lookup table is empty: kept as an extra under the rule's display name.
        case emptyLookup(name: Int)
        /// A canonical field.
        case value(field: Int, codec: ReadCodec)
    }

    struct ReadRule {
        var kind: ReadKind
        var columns: [Int]
        var join: [UInt8]
        var defaultValue: [UInt8]?
        var required: Bool
        var transforms: [any Transform]
    }

    /// How a value of one type is checked and held.
    enum ReadCodec {
        case text
        /// A choice field: the system's spelling → the canonical one (`values:`), else the allowed words.
        case choice(values: [(column: [UInt8], canonical: [UInt8])]?, allowed: [[UInt8]])
        case taxId, phone, email, postalCode, provinceCode, countryCode, language
        case date(DateFormat, birth: Bool, today: CalendarDate)
        case boolean(BooleanStyle)
        case integer(ClosedRange<Int>?)
        /// A type or setting only the ordinary path handles: a record with a value here is declined.
        case declines
    }

    enum WriteKind {
        case constant([UInt8], ValueKind)
        case extra(name: Int)
        case value(field: Int, codec: WriteCodec, consentDefault: CustomerField?)
        case surnames(Int, Int)
    }

    struct WriteRule {
        var kind: WriteKind
        var column: Int
        var defaultValue: [UInt8]?
        var defaultKind: ValueKind
        var required: Bool
        /// The target's transforms in writing order (reversed), without those that change nothing.
        var transforms: [any Transform]
    }

    /// How a canonical value of one type is written.
    enum WriteCodec {
        /// Text, through the system's spellings when it has them; `kind` as the mapping says.
        case text(values: [(canonical: [UInt8], column: [UInt8])]?, kind: ValueKind?)
        case boolean(no: ([UInt8], ValueKind), yes: ([UInt8], ValueKind))
        case integer(ValueKind)
        case date(DateFormat, ValueKind)
        case taxId(ValueKind)
        case phone(nationalDigits: Bool, ValueKind)
        /// Only the ordinary path writes this: a record with a value here is declined.
        case declines
    }

    private let reads: [ReadRule]
    /// Input columns no rule claims, kept as extras: (input column, extra name).
    private let unclaimed: [(column: Int, name: Int)]
    private let writes: [WriteRule]
    private let writesHealthData: Bool
    private let columnCount: Int
    private static let fieldCount = CustomerField.allCases.count
    private static let ordinal: [CustomerField: Int] = Dictionary(uniqueKeysWithValues: CustomerField.allCases.enumerated().map { ($1, $0) })
    private static func index(_ field: CustomerField) -> Int { ordinal[field]! }
    private static let taxIdIndex = index(.taxId), taxIdTypeIndex = index(.taxIdType), kindIndex = index(.kind)
    private static let postalCodeIndex = index(.postalCode), provinceCodeIndex = index(.provinceCode), provinceIndex = index(.province)
    private static let mobileIndex = index(.mobilePhone), countryIndex = index(.countryCode), clinicalIndex = index(.clinicalNotes)

    /// Compiles a pair of mappings for an input with `columns` (bound as `binding` says); nil when
    /// the mappings use something only the ordinary path does.
    init?(source: Profile, target: Profile, binding: SourceBinding, columns: [String]) {
        guard binding.extrasIndex < 0, target.extrasColumn == nil else { return nil }
        var names: [String] = []
        func nameID(_ name: String) -> Int {
            if let id = names.firstIndex(of: name) { return id }
            names.append(name)
            return names.count - 1
        }
        var reads: [ReadRule] = []
        for (rule, indices) in zip(source.rules, binding.ruleColumns) where rule.constant == nil {
            guard rule.split == nil, rule.fields.count <= 1 else { return nil }
            if let lookup = rule.lookup, !lookup.isEmpty { return nil }
            let kind: ReadKind
            if rule.fields.isEmpty {
                kind = .extra(name: nameID(rule.columns[0]))
            } else if rule.lookup?.isEmpty == true {
                kind = .emptyLookup(name: nameID(rule.displayName))
            } else {
                kind = .value(field: Self.index(rule.fields[0]), codec: Self.readCodec(rule.codecs[0]))
            }
            reads.append(ReadRule(kind: kind, columns: indices, join: Array((rule.join ?? " ").utf8),
                                  defaultValue: rule.defaultValue.map { Array($0.utf8) }, required: rule.required, transforms: rule.transforms))
        }
        self.reads = reads
        unclaimed = binding.claimed.enumerated().filter { !$0.element }.map { ($0.offset, nameID(columns[$0.offset])) }

        var writes: [WriteRule] = []
        for rule in target.rules where !rule.readOnly {
            guard rule.columns.count == 1, let column = target.columnIndex[rule.columns[0]] else { return nil }
            if let lookup = rule.lookup, !lookup.isEmpty { return nil }
            var write = WriteRule(kind: .constant([], .string), column: column, defaultValue: rule.defaultValue.map { Array($0.utf8) },
                                  defaultKind: rule.writtenKind ?? .string, required: rule.required,
                                  transforms: rule.transforms.reversed().filter { !$0.writesUnchanged })
            if let constant = rule.constant {
                write.kind = .constant(Array(constant.utf8), rule.writtenKind ?? .string)
            } else if rule.fields.isEmpty {
                // An extra no source rule can produce never matches.
                write.kind = .extra(name: names.firstIndex(of: rule.columns[0]) ?? -1)
            } else if rule.lookup?.isEmpty == true || rule.fields.contains(where: \.isHealthData) && !rule.allowsHealthData {
                continue
            } else if rule.split == .surnames {
                guard rule.fields.allSatisfy({ $0.valueType == .text }) else { return nil }
                write.kind = .surnames(Self.index(rule.fields[0]), Self.index(rule.fields[1]))
            } else {
                guard rule.fields.count == 1 else { return nil }
                let codec = Self.writeCodec(rule.codecs[0])
                let consent = rule.systemDefault == true && rule.fields[0].isConsent ? rule.fields[0] : nil
                write.kind = .value(field: Self.index(rule.fields[0]), codec: codec, consentDefault: consent)
            }
            writes.append(write)
        }
        self.writes = writes
        writesHealthData = target.writesHealthData
        columnCount = columns.count
        targetColumnCount = target.writtenColumns.count
        buffers = Buffers(columns: columns.count, fields: Self.fieldCount)
        positions = buffers.positions
        values = buffers.values
        arena = Arena(owner: buffers)
        let asciiOnly = { (values: [(column: [UInt8], canonical: [UInt8])]?) in values?.allSatisfy { $0.column.allSatisfy { $0 < 0x80 } } ?? true }
        for rule in reads {
            if case .value(_, .choice(let values, _)) = rule.kind, !asciiOnly(values) { return nil }
        }
    }

    private static func readCodec(_ codec: FieldCodec) -> ReadCodec {
        switch codec.field.valueType {
        case .text: return codec.values == nil ? .text : .declines
        case .choice(let allowed):
            return .choice(values: codec.values?.map { (Array($0.column.utf8), Array($0.canonical.utf8)) }, allowed: allowed.map { Array($0.utf8) })
        case .taxId: return .taxId
        case .phone: return codec.region == "ES" ? .phone : .declines
        case .email: return .email
        case .postalCode: return .postalCode
        case .provinceCode: return .provinceCode
        case .countryCode: return .countryCode
        case .language: return .language
        case .date: return .date(codec.dateFormat, birth: codec.field == .birthDate, today: codec.today)
        case .boolean: return .boolean(codec.booleans)
        case .integer(let range): return codec.decimalComma ? .declines : .integer(range)
        case .decimal: return .declines
        }
    }

    private static func writeCodec(_ codec: FieldCodec) -> WriteCodec {
        switch codec.field.valueType {
        case .text, .choice, .email, .postalCode, .provinceCode, .countryCode, .language:
            if codec.jsonKind == .bool || codec.jsonKind == .number && codec.values != nil { return .declines }
            return .text(values: codec.values?.map { (Array($0.canonical.utf8), Array($0.column.utf8)) }, kind: codec.jsonKind)
        case .boolean:
            func spelled(_ flag: Bool) -> ([UInt8], ValueKind) {
                let (text, literal) = codec.booleans.format(flag)
                return (Array(text.utf8), codec.jsonKind ?? (literal ? .bool : .string))
            }
            return .boolean(no: spelled(false), yes: spelled(true))
        case .integer: return .integer(codec.jsonKind ?? .number)
        case .date: return .date(codec.dateFormat, codec.jsonKind ?? .string)
        case .taxId: return .taxId(codec.jsonKind ?? .string)
        case .phone:
            guard codec.region == "ES", codec.phones == .e164 || codec.phones == .nationalDigits else { return .declines }
            return .phone(nationalDigits: codec.phones == .nationalDigits, codec.jsonKind ?? .string)
        case .decimal: return .declines
        }
    }

    // MARK: Per-record state, reused.

    private let targetColumnCount: Int
    /// Input column → position of its first field in the record (-1 when absent).
    private let positions: UnsafeMutablePointer<Int>
    /// Canonical field (in `CustomerField.allCases` order) → its value in the record.
    private let values: UnsafeMutablePointer<Value>
    private var arena: Arena
    private let buffers: Buffers
    private var extras: [(name: Int, value: Value, kind: ValueKind)] = []
    private var extraUsed: [Bool] = []

    /// Owns the per-record buffers and frees them with the last copy of the mapping.
    final class Buffers {
        let positions: UnsafeMutablePointer<Int>
        let values: UnsafeMutablePointer<Value>
        var arenaBase: UnsafeMutablePointer<UInt8>
        static let arenaCapacity = 4096

        init(columns: Int, fields: Int) {
            positions = .allocate(capacity: max(columns, 1))
            values = .allocate(capacity: fields)
            values.initialize(repeating: Value(start: 0, count: 0, inArena: false, tag: 0), count: fields)
            arenaBase = .allocate(capacity: Self.arenaCapacity)
        }

        deinit {
            positions.deallocate()
            values.deallocate()
            arenaBase.deallocate()
        }
    }

    /// Bytes made while mapping one record, addressed by offset so the buffer may grow.
    struct Arena {
        let owner: Buffers
        var base: UnsafeMutablePointer<UInt8>
        var capacity = Buffers.arenaCapacity
        var count = 0

        init(owner: Buffers) {
            self.owner = owner
            base = owner.arenaBase
        }

        /// Makes room for `extra` more bytes.
        mutating func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            var grown = capacity * 2
            while grown < count + extra { grown *= 2 }
            let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            moved.update(from: base, count: count)
            base.deallocate()
            base = moved
            owner.arenaBase = moved
            capacity = grown
        }

        /// Appends bytes; returns where they start.
        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            reserve(bytes.count)
            let start = count
            if bytes.count > 0 { (base + count).update(from: bytes.baseAddress!, count: bytes.count) }
            count += bytes.count
            return start
        }
    }

    /// The outcome of mapping one record.
    enum Outcome { case written, declined }

    /// Counters a record adds to `WriteStats` once it is written.
    private var pendingConsents: [CustomerField] = []

    /// Maps one record of `input` into `output`; `bytes` are the input batch's bytes.
    mutating func map(_ slot: RecordSlot, fields: UnsafeBufferPointer<FieldSlot>, bytes: UnsafeBufferPointer<UInt8>,
                      into output: inout RecordBatch, stats: inout WriteStats) -> Outcome {
        arena.count = 0
        extras.removeAll(keepingCapacity: true)
        for i in 0..<Self.fieldCount { values[i].tag = 0 }
        for i in 0..<columnCount { positions[i] = -1 }
        let first = Int(slot.firstField), end = first + Int(slot.fieldCount)
        for position in first..<end {
            let column = Int(fields[position].column)
            if column < columnCount, positions[column] < 0 { positions[column] = position }
        }
        guard read(fields: fields, bytes: bytes) else { return .declined }
        pendingConsents.removeAll(keepingCapacity: true)
        guard write(bytes: bytes, into: &output) else {
            output.discardOpenRecord()
            return .declined
        }
        output.endRecord(number: slot.number, line: slot.line)
        for field in pendingConsents { stats.consentWrittenAsNo(field) }
        if values[Self.clinicalIndex].tag != 0, !writesHealthData { stats.healthDataWithheld += 1 }
        if extraUsed.contains(false) { stats.extrasNotWritten += 1 }
        return .written
    }

    /// The bytes of a value.
    @inline(__always)
    private func resolve(_ value: Value, _ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if value.inArena { return UnsafeBufferPointer(start: arena.base + value.start, count: value.count) }
        return UnsafeBufferPointer(rebasing: bytes[value.start..<value.start + value.count])
    }

    /// An input column's value: nil when absent, null, empty or only spaces.
    @inline(__always)
    private func raw(_ column: Int, fields: UnsafeBufferPointer<FieldSlot>, bytes: UnsafeBufferPointer<UInt8>) -> (Value, ValueKind)? {
        guard column >= 0, column < columnCount else { return nil }
        let position = positions[column]
        guard position >= 0 else { return nil }
        let field = fields[position]
        guard field.kind != .null, field.end > field.start else { return nil }
        var i = Int(field.start)
        let end = Int(field.end)
        while i < end, Trim.isSpace(bytes[i]) { i += 1 }
        guard i < end else { return nil }
        return (Value(start: Int(field.start), count: end - Int(field.start), inArena: false, tag: 1), field.kind)
    }

    /// `Profile.read` for a record with nothing to note; false declines it.
    private mutating func read(fields: UnsafeBufferPointer<FieldSlot>, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for rule in reads {
            var value: Value?
            var kind = ValueKind.string
            if rule.columns.count == 1 {
                if let (found, foundKind) = raw(rule.columns[0], fields: fields, bytes: bytes) { (value, kind) = (found, foundKind) }
            } else {
                let start = arena.count
                var parts = 0
                for column in rule.columns {
                    guard let (part, _) = raw(column, fields: fields, bytes: bytes) else { continue }
                    if parts > 0 { _ = rule.join.withUnsafeBufferPointer { arena.append($0) } }
                    _ = arena.append(UnsafeBufferPointer(rebasing: bytes[part.start..<part.start + part.count]))
                    parts += 1
                }
                if parts > 0 { value = Value(start: start, count: arena.count - start, inArena: true, tag: 1) }
            }
            if value == nil, let defaultValue = rule.defaultValue {
                let start = defaultValue.withUnsafeBufferPointer { arena.append($0) }
                value = Value(start: start, count: defaultValue.count, inArena: true, tag: 1)
            }
            switch rule.kind {
            case .extra(let name):
                if let value, rule.columns.first.map({ $0 >= 0 }) == true { extras.append((name, value, kind)) }
                continue
            case .emptyLookup(let name):
                guard let value else { if rule.required { return false }; continue }
                extras.append((name, value, .string))
                continue
            case .value(let field, let codec):
                guard var current = value else { if rule.required { return false }; continue }
                for transform in rule.transforms {
                    arena.reserve(current.count * 2 + 16)
                    let out = arena.base + arena.count
                    guard let count = transform.readBytes(resolve(current, bytes), into: out) else { return false }
                    current = Value(start: arena.count, count: count, inArena: true, tag: 1)
                    arena.count += count
                }
                if current.count == 0 {
                    if rule.required { return false }
                    continue
                }
                guard let checked = check(current, codec, bytes) else { return false }
                values[field] = checked
            }
        }
        for (column, name) in unclaimed {
            if let (value, kind) = raw(column, fields: fields, bytes: bytes) { extras.append((name, value, kind)) }
        }
        return complete()
    }

    /// A value through its field's check; nil when it fails (the ordinary path words the failure).
    private mutating func check(_ value: Value, _ codec: ReadCodec, _ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        // Room for any result first, so `text` (which may point into the arena) stays where it is.
        arena.reserve(value.count + 64)
        let text = resolve(value, bytes)
        switch codec {
        case .text:
            return value
        case .choice(let values, let allowed):
            if let values {
                for entry in values where entry.column.elementsEqual(text) { return stored(entry.canonical) }
                for entry in values where Self.asciiFoldedEqual(entry.column, text) { return stored(entry.canonical) }
                return nil
            }
            for word in allowed where Self.asciiFoldedEqual(word, text) { return stored(word) }
            return nil
        case .taxId:
            arena.reserve(12)
            guard let kind = TaxID.normalize(text, into: arena.base + arena.count) else { return nil }
            return claim(9, tag: UInt8(TaxID.Kind.allCases.firstIndex(of: kind)! + 1))
        case .phone:
            arena.reserve(12)
            guard let kind = PhoneNumber.spanishFastPath(text, into: arena.base + arena.count) else { return nil }
            return claim(12, tag: kind.tag)
        case .email:
            arena.reserve(text.count)
            guard let count = EmailAddress.normalize(text, into: arena.base + arena.count) else { return nil }
            return claim(count, tag: 1)
        case .postalCode:
            arena.reserve(5)
            guard PostalCode.normalize(text, into: arena.base + arena.count) else { return nil }
            return claim(5, tag: 1)
        case .provinceCode:
            arena.reserve(2)
            guard Province.exactCode(text, into: arena.base + arena.count) else { return nil }
            return claim(2, tag: 1)
        case .countryCode, .language:
            guard text.count == 2, isASCIILetter(text[0]), isASCIILetter(text[1]) else { return nil }
            arena.reserve(2)
            let upper: Bool = if case .countryCode = codec { true } else { false }
            for i in 0..<2 { arena.base[arena.count + i] = upper ? asciiUpper(text[i]) : asciiLower(text[i]) }
            return claim(2, tag: 1)
        case .date(let format, let birth, let today):
            guard case .date(let date) = format.read(text) else { return nil }
            if birth, date > today || date.year < 1900 { return nil }
            return Value(start: date.year * 10_000 + date.month * 100 + date.day, count: 0, inArena: false, tag: 1)
        case .boolean(let style):
            guard let flag = style.parse(text) else { return nil }
            return Value(start: 0, count: 0, inArena: false, tag: flag ? 2 : 1)
        case .integer(let range):
            guard text.count > 0, text.count <= 15, text.allSatisfy(isASCIIDigit) else { return nil }
            let number = text.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if let range, !range.contains(number) { return nil }
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

    private mutating func stored(_ bytes: [UInt8]) -> Value {
        let start = bytes.withUnsafeBufferPointer { arena.append($0) }
        return Value(start: start, count: bytes.count, inArena: true, tag: 1)
    }

    private static func asciiFoldedEqual(_ word: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard word.count == text.count else { return false }
        for (a, b) in zip(word, text) {
            guard a < 0x80, b < 0x80 else { return false }
            if asciiLower(a) != asciiLower(b) { return false }
        }
        return true
    }

    /// `Profile.complete` for a record with nothing to note; false when it would note something.
    private mutating func complete() -> Bool {
        let taxId = values[Self.taxIdIndex]
        if taxId.tag != 0 {
            let kind = TaxID.Kind.allCases[Int(taxId.tag) - 1]
            if kind != .other {
                if values[Self.taxIdTypeIndex].tag == 0 { values[Self.taxIdTypeIndex] = stored(Self.taxIdTypeNames[Int(taxId.tag) - 1]) }
                if values[Self.kindIndex].tag == 0 { values[Self.kindIndex] = stored(kind == .cif ? Self.company : Self.person) }
            }
        }
        let postal = values[Self.postalCodeIndex]
        if postal.tag != 0, postal.count == 5 {
            let code = Value(start: postal.start, count: 2, inArena: postal.inArena, tag: 1)
            let stated = values[Self.provinceCodeIndex]
            if stated.tag != 0 {
                // A province that disagrees with the postal code is noted: the ordinary path says so.
                guard stated.inArena, code.inArena, arena.base[stated.start] == arena.base[code.start],
                      arena.base[stated.start + 1] == arena.base[code.start + 1], stated.count == 2 else { return false }
            } else {
                values[Self.provinceCodeIndex] = code
            }
        }
        if values[Self.mobileIndex].tag == PhoneNumber.Kind.landline.tag { return false }
        if values[Self.provinceIndex].tag == 0, values[Self.provinceCodeIndex].tag != 0 {
            let code = values[Self.provinceCodeIndex]
            guard code.inArena, code.count == 2 else { return false }
            let number = Int(arena.base[code.start] &- 0x30) * 10 + Int(arena.base[code.start + 1] &- 0x30)
            if number >= 1, number <= 52 { values[Self.provinceIndex] = stored(Province.officialNameBytes[number - 1]) }
        }
        if values[Self.countryIndex].tag == 0 { values[Self.countryIndex] = stored(Self.spain) }
        return true
    }

    private static let taxIdTypeNames = TaxID.Kind.allCases.map { Array($0.rawValue.utf8) }
    private static let person = Array("person".utf8), company = Array("company".utf8), spain = Array("ES".utf8)

    /// `Profile.write` for a record with nothing to note; false declines it.
    private mutating func write(bytes: UnsafeBufferPointer<UInt8>, into output: inout RecordBatch) -> Bool {
        output.beginRecord()
        var written = ColumnSet(count: targetColumnCount)
        if extraUsed.count != extras.count { extraUsed = Array(repeating: false, count: extras.count) }
        for i in extraUsed.indices { extraUsed[i] = false }
        for rule in writes {
            var value: Value?
            var kind = ValueKind.string
            switch rule.kind {
            case .constant(let text, let constantKind):
                if written.insert(rule.column) {
                    text.withUnsafeBufferPointer { output.appendField(column: rule.column, kind: constantKind, UnsafeRawBufferPointer($0)) }
                }
                continue
            case .extra(let name):
                guard let index = extras.firstIndex(where: { $0.name == name }) else { continue }
                // Every extra of that name counts as written, as in `Profile.write`.
                for k in index..<extras.count where extras[k].name == name { extraUsed[k] = true }
                if written.insert(rule.column) {
                    let extra = extras[index]
                    output.appendField(column: rule.column, kind: extra.kind, UnsafeRawBufferPointer(resolve(extra.value, bytes)))
                }
                continue
            case .surnames(let first, let second):
                let a = values[first], b = values[second]
                if a.tag != 0, a.count > 0, b.tag != 0, b.count > 0 {
                    // Room first: resolving a value gives a pointer that growing the arena would move.
                    arena.reserve(a.count + b.count + 1)
                    let start = arena.count
                    _ = arena.append(resolve(a, bytes))
                    arena.reserve(1)
                    arena.base[arena.count] = 0x20
                    arena.count += 1
                    _ = arena.append(resolve(b, bytes))
                    value = Value(start: start, count: arena.count - start, inArena: true, tag: 1)
                } else if a.tag != 0, a.count > 0 {
                    value = a
                } else if b.tag != 0, b.count > 0 {
                    value = b
                }
            case .value(let field, let codec, let consentDefault):
                let stored = values[field]
                if stored.tag != 0 {
                    guard let (text, textKind) = format(stored, codec, bytes) else { return false }
                    (value, kind) = (text, textKind)
                } else if let consentDefault, case .boolean(let no, _) = codec {
                    let start = no.0.withUnsafeBufferPointer { arena.append($0) }
                    (value, kind) = (Value(start: start, count: no.0.count, inArena: true, tag: 1), no.1)
                    pendingConsents.append(consentDefault)
                }
            }
            if value == nil, let defaultValue = rule.defaultValue {
                let start = defaultValue.withUnsafeBufferPointer { arena.append($0) }
                (value, kind) = (Value(start: start, count: defaultValue.count, inArena: true, tag: 1), rule.defaultKind)
            }
            guard var current = value else {
                if rule.required { return false }
                continue
            }
            for transform in rule.transforms {
                arena.reserve(current.count * 2 + 16)
                guard let count = transform.writeBytes(resolve(current, bytes), into: arena.base + arena.count) else { return false }
                current = Value(start: arena.count, count: count, inArena: true, tag: 1)
                arena.count += count
                if let produced = transform.writtenKind { kind = produced }
            }
            if written.insert(rule.column) {
                output.appendField(column: rule.column, kind: kind, UnsafeRawBufferPointer(resolve(current, bytes)))
            }
        }
        return true
    }

    /// `FieldCodec.write` for a stored value; nil when the system cannot say it.
    private mutating func format(_ stored: Value, _ codec: WriteCodec, _ bytes: UnsafeBufferPointer<UInt8>) -> (Value, ValueKind)? {
        switch codec {
        case .text(let values, let kind):
            if kind == .number {
                // A number the system takes as a JSON number: plain digits are; anything else is
                // for `FieldCodec.write` to judge.
                let text = resolve(stored, bytes)
                guard text.count > 0, text.count <= 15, text.allSatisfy(isASCIIDigit) else { return nil }
                return (stored, .number)
            }
            guard let values else { return (stored, kind ?? .string) }
            let text = resolve(stored, bytes)
            for entry in values where entry.canonical.elementsEqual(text) { return (self.stored(entry.column), kind ?? .string) }
            return nil
        case .boolean(let no, let yes):
            let (text, kind) = stored.tag == 2 ? yes : no
            return (self.stored(text), kind)
        case .integer(let kind):
            var digits: [UInt8] = []
            var rest = stored.start
            repeat { digits.append(UInt8(0x30 + rest % 10)); rest /= 10 } while rest > 0
            return (self.stored(digits.reversed()), kind)
        case .date(let format, let kind):
            let packed = stored.start
            guard let date = CalendarDate(year: packed / 10_000, month: packed / 100 % 100, day: packed % 100) else { return nil }
            arena.reserve(format.formattedCapacity)
            return (claim(format.write(date, into: arena.base + arena.count), tag: 1), kind)
        case .taxId(let kind):
            guard stored.tag != UInt8(TaxID.Kind.allCases.count) else { return nil }
            return (stored, kind)
        case .phone(let nationalDigits, let kind):
            guard stored.tag != PhoneNumber.Kind.other.tag, stored.count == 12 else { return nil }
            if nationalDigits { return (Value(start: stored.start + 3, count: 9, inArena: stored.inArena, tag: 1), kind) }
            return (stored, kind)
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
