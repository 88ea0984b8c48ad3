/// Finds records of one input that share a normalized tax id, e-mail or mobile, in one pass and
/// little memory: per record, one 64-bit hash per key and its line, in flat arrays (28 bytes a
/// record); at the end each key's hashes are sorted once (8 more bytes a record, one key at a time)
/// to find the values seen twice. No value is kept. Two different values share a 64-bit hash with a
/// probability of about n²/2⁶⁵ (3·10⁻⁸ for a million records), so a group is, in practice, exact.
public struct DuplicateFinder: Sendable {
    public enum Key: String, CaseIterable, Sendable {
        case taxId, email, mobilePhone
    }

    /// Per key, the hash of each record's value (0 when it has none), indexed by record number − 1.
    private var hashes: [[UInt64]] = Array(repeating: [], count: Key.allCases.count)
    private var lines: [UInt32] = []

    public init() {}

    /// Adds a record's keys. Records are added in input order, numbered from 1.
    public mutating func add(record: Int, line: Int, customer: Customer) {
        let index = record - 1
        guard index >= 0 else { return }
        while lines.count <= index {
            lines.append(0)
            for key in hashes.indices { hashes[key].append(0) }
        }
        lines[index] = UInt32(clamping: line)
        if let taxId = customer.taxId { hashes[0][index] = Self.hash(taxId.value, seed: 1) }
        if let email = customer.email { hashes[1][index] = Self.hash(email.lowercased(), seed: 2) }
        if let mobile = customer.mobilePhone { hashes[2][index] = Self.hash(mobile.e164, seed: 3) }
    }

    /// The groups of records with the same value, per key, each in input order, groups ordered by
    /// their first record.
    public func groups() -> [(key: Key, records: [RunReport.RecordRef])] {
        var result: [(Key, [RunReport.RecordRef])] = []
        for (keyIndex, key) in Key.allCases.enumerated() {
            let column = hashes[keyIndex]
            var sorted = column.filter { $0 != 0 }
            sorted.sort()
            var repeated = Set<UInt64>()
            var position = 1
            while position < sorted.count {
                if sorted[position] == sorted[position - 1] { repeated.insert(sorted[position]) }
                position += 1
            }
            sorted = []
            guard !repeated.isEmpty else { continue }
            var members: [UInt64: [RunReport.RecordRef]] = [:]
            var order: [UInt64] = []
            for (index, hash) in column.enumerated() where hash != 0 && repeated.contains(hash) {
                if members[hash] == nil { order.append(hash) }
                members[hash, default: []].append(RunReport.RecordRef(record: index + 1, line: Int(lines[index])))
            }
            for hash in order { result.append((key, members[hash]!)) }
        }
        return result.sorted { ($0.1[0].record, $0.0.rawValue) < ($1.1[0].record, $1.0.rawValue) }
    }

    /// FNV-1a over the value's bytes, never 0.
    static func hash(_ value: String, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in value.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }
}
