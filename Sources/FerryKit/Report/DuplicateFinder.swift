/// Finds records of one input that share a normalized tax id, e-mail or mobile, in one pass and
/// little memory: per record, one 64-bit hash per key and its line, in chunked arrays (28 bytes a
/// record); at the end each key's hashes are sorted once (8 more bytes a record, one key at a time)
/// to find the values seen twice, and only the first groups are listed. No value is kept. Two different values share a 64-bit hash with a
/// probability of about n²/2⁶⁵ (3·10⁻⁸ for a million records), so a group is, in practice, exact.
public struct DuplicateFinder: Sendable {
    public enum Key: String, CaseIterable, Sendable {
        case taxId, email, mobilePhone
    }

    /// Per key, the hash of each record's value (0 when it has none), by record number − 1.
    private var hashes = Array(repeating: Chunked<UInt64>(), count: Key.allCases.count)
    private var lines = Chunked<UInt32>()

    public init() {}

    /// A record's key hashes (0 where it has no value), worked out where the record is mapped.
    struct Keys: Sendable {
        var taxId: UInt64 = 0, email: UInt64 = 0, mobile: UInt64 = 0

        init() {}
    }

    mutating func add(record: Int, line: Int, keys: Keys) {
        let index = record - 1
        guard index >= 0 else { return }
        while lines.count <= index {
            lines.append(0)
            for key in hashes.indices { hashes[key].append(0) }
        }
        lines[index] = UInt32(clamping: line)
        hashes[0][index] = keys.taxId
        hashes[1][index] = keys.email
        hashes[2][index] = keys.mobile
    }

    /// What the duplicates come to.
    public struct Summary: Sendable {
        /// Groups of records sharing a value, and the records in them, by key.
        public var groups: [Key: Int] = [:]
        public var records: [Key: Int] = [:]
        /// Records that repeat an earlier record's value of some key.
        public var duplicateRecords = 0
        /// The first groups, by their first record, with every member.
        public var listed: [(key: Key, records: [RunReport.RecordRef])] = []
        /// Groups not in `listed`.
        public var notListed = 0
    }

    /// Counts every group and lists the first `limit` in full. Memory beyond the stored hashes: one
    /// key's sorted hashes at a time (8 bytes a record), the repeated values, and a bit per record.
    public func summary(listing limit: Int) -> Summary {
        var summary = Summary()
        var repeats = [UInt64](repeating: 0, count: (lines.count + 63) / 64)
        var listed: [(Key, [RunReport.RecordRef])] = []
        for (keyIndex, key) in Key.allCases.enumerated() {
            let column = hashes[keyIndex]
            // The values met more than once: one sorted copy of this key's hashes, freed at once.
            var repeated: [UInt64] = []
            do {
                var present = 0
                column.forEach { _, hash in if hash != 0 { present += 1 } }
                var sorted: [UInt64] = []
                sorted.reserveCapacity(present)
                column.forEach { _, hash in if hash != 0 { sorted.append(hash) } }
                radixSort(&sorted)
                var position = 1
                while position < sorted.count {
                    if sorted[position] == sorted[position - 1], repeated.last != sorted[position] {
                        repeated.append(sorted[position])
                    }
                    position += 1
                }
            }
            guard !repeated.isEmpty else { continue }
            summary.groups[key] = repeated.count
            var seen = [UInt64](repeating: 0, count: (repeated.count + 63) / 64)
            var members: [Int: Int] = [:]  // position in `repeated` → index in `listed`
            var records = 0
            column.forEach { index, hash in
                guard hash != 0, let position = Self.position(of: hash, in: repeated) else { return }
                records += 1
                let ref = RunReport.RecordRef(record: index + 1, line: Int(lines[index]))
                if seen[position >> 6] & (1 << UInt64(position & 63)) == 0 {
                    seen[position >> 6] |= 1 << UInt64(position & 63)
                    if members.count < limit {
                        members[position] = listed.count
                        listed.append((key, [ref]))
                    }
                } else {
                    repeats[index >> 6] |= 1 << UInt64(index & 63)
                    if let slot = members[position] { listed[slot].1.append(ref) }
                }
            }
            summary.records[key] = records
        }
        summary.duplicateRecords = repeats.reduce(0) { $0 + $1.nonzeroBitCount }
        listed.sort { ($0.1[0].record, $0.0.rawValue) < ($1.1[0].record, $1.0.rawValue) }
        summary.listed = Array(listed.prefix(limit))
        summary.notListed = summary.groups.values.reduce(0, +) - summary.listed.count
        return summary
    }

    private static func position(of hash: UInt64, in sorted: [UInt64]) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == hash ? low : nil
    }

    /// FNV-1a over the value's bytes, never 0.
    static func hash(_ value: some Sequence<UInt8>, seed: UInt64) -> UInt64 {
        let hash = fnv1a(value, seed: seed)
        return hash == 0 ? 1 : hash
    }
}

/// Sorts 64-bit values in six passes of 11 bits (least significant first), with one scratch copy:
/// for a million hashes several times faster than a comparison sort.
func radixSort(_ values: inout [UInt64]) {
    let count = values.count
    guard count > 64 else { values.sort(); return }
    var scratch = [UInt64](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { a in
        scratch.withUnsafeMutableBufferPointer { b in
            var source = a, target = b
            var counts = [Int](repeating: 0, count: 2048)
            for pass in 0..<6 {
                let shift = UInt64(pass * 11)
                for i in counts.indices { counts[i] = 0 }
                for value in source { counts[Int((value >> shift) & 2047)] += 1 }
                var total = 0
                for i in counts.indices { (counts[i], total) = (total, total + counts[i]) }
                for value in source {
                    let digit = Int((value >> shift) & 2047)
                    target[counts[digit]] = value
                    counts[digit] += 1
                }
                swap(&source, &target)
            }
            // Six passes end where they started: `source` is `values` again.
        }
    }
}

/// FNV-1a, 64 bits, with its offset basis varied by `seed` for independent hashes of the same bytes.
func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64, continuing start: UInt64? = nil) -> UInt64 {
    var hash: UInt64 = start ?? (0xcbf2_9ce4_8422_2325 ^ seed)
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    return hash
}

/// An array in fixed chunks of 64 Ki elements: it grows without ever copying, so a million-record
/// run holds exactly what it stores, not the discarded buffers of doubling.
struct Chunked<Element: BitwiseCopyable>: Sendable where Element: Sendable {
    private static var chunkSize: Int { 1 << 16 }
    private var chunks: [[Element]] = []
    private(set) var count = 0

    mutating func append(_ element: Element) {
        if count % Self.chunkSize == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    subscript(index: Int) -> Element {
        get { chunks[index >> 16][index & 0xFFFF] }
        set { chunks[index >> 16][index & 0xFFFF] = newValue }
    }

    func forEach(_ body: (Int, Element) -> Void) {
        var index = 0
        for chunk in chunks {
            for element in chunk {
                body(index, element)
                index += 1
            }
        }
    }
}
