/// Decides a CSV file's dialect from its first bytes: the delimiter that splits the lines into the most
/// consistent number of fields, the quote character, whether the first row is a header, and line ends.
/// Rows are split by libcsv itself, so the sniffer and the reader can never disagree about quoting.
enum CSVDialectSniffer {
    static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]
    static let rowsExamined = 200

    /// `sample` is the decoded start of the file; `complete` says whether it is the whole file.
    static func sniff(_ sample: [UInt8], complete: Bool, options: CSVReadOptions) -> CSVDialect {
        let quote = options.quote ?? detectQuote(sample)
        var best: (rows: SampledRows, delimiter: UInt8, score: Double)?
        for delimiter in options.delimiter.map({ [$0] }) ?? candidates {
            let rows = SampledRows.split(sample, delimiter: delimiter, quote: quote, complete: complete)
            let score = rows.consistency
            if best == nil || score > best!.score
                || (score == best!.score && rows.modalFieldCount > best!.rows.modalFieldCount)
            {
                best = (rows, delimiter, score)
            }
        }
        var rows = best!.rows
        var delimiter = best!.delimiter
        if options.delimiter == nil && best!.rows.modalFieldCount < 2 {
            // One column whatever the delimiter: use the comma, the standard one.
            delimiter = UInt8(ascii: ",")
            rows = SampledRows.split(sample, delimiter: delimiter, quote: quote, complete: complete)
        }
        let hasHeader = options.hasHeader ?? looksLikeHeader(rows.values)
        return CSVDialect(delimiter: delimiter, quote: quote, hasHeader: hasHeader, lineEnding: rows.lineEnding)
    }

    /// `'` only when fields are wrapped in it and never in `"`. A doubled `''` is no sign of it: it is as
    /// likely a pair of apostrophes as an empty quoted value.
    static func detectQuote(_ sample: [UInt8]) -> UInt8 {
        func boundaryCount(_ q: UInt8) -> Int {
            var count = 0
            var previous: UInt8 = 0x0A
            for (i, byte) in sample.enumerated() where byte == q {
                if i > 0 { previous = sample[i - 1] }
                let next: UInt8 = i + 1 < sample.count ? sample[i + 1] : 0x0A
                if q == UInt8(ascii: "'"), previous == q || next == q { continue }
                let opens = previous == 0x0A || previous == 0x0D || candidates.contains(previous)
                let closes = next == 0x0A || next == 0x0D || candidates.contains(next)
                if opens || closes { count += 1 }
            }
            return count
        }
        let double = boundaryCount(UInt8(ascii: "\""))
        let single = boundaryCount(UInt8(ascii: "'"))
        return double == 0 && single >= 2 ? UInt8(ascii: "'") : UInt8(ascii: "\"")
    }

    /// A first row is a header unless one of its cells looks like data of the kind found below it
    /// (a number, a date, an e-mail address) — real headers are words.
    static func looksLikeHeader(_ rows: [[String]]) -> Bool {
        guard let first = rows.first else { return true }
        let below = rows.dropFirst()
        for (column, cell) in first.enumerated() {
            guard let kind = DataShape(cell) else { continue }
            let same = below.filter { column < $0.count && DataShape($0[column]) == kind }.count
            if below.isEmpty || same * 2 >= below.count { return false }
        }
        // Identical first and second rows are data, not a header.
        if rows.count > 1 && rows[1] == first { return false }
        return true
    }

    /// The shapes of data that never appear as a column name.
    enum DataShape: Equatable {
        case number, date, email

        init?(_ text: String) {
            let value = text.trimmingCharacters(in: " ")
            guard !value.isEmpty else { return nil }
            let digits = value.filter(\.isNumber).count
            if value.contains("@") && value.contains(".") && !value.contains(" ") { self = .email; return }
            if digits >= 4 && value.allSatisfy({ $0.isNumber || "/-.:T ".contains($0) })
                && value.contains(where: { "/-".contains($0) }) && digits >= 6
            {
                self = .date; return
            }
            if digits >= 1 && value.allSatisfy({ $0.isNumber || "+-., ".contains($0) }) { self = .number; return }
            return nil
        }
    }
}

/// The first rows of a sample split with one delimiter: field counts, text and line ends.
struct SampledRows {
    var fieldCounts: [Int] = []
    var values: [[String]] = []
    var current: [String] = []
    var crlf = 0, lf = 0, cr = 0
    var previousTerminator: Int32 = 0

    /// The share of rows with the most common field count, 0 when that count is under 2.
    var consistency: Double {
        guard !fieldCounts.isEmpty, modalFieldCount >= 2 else { return 0 }
        return Double(fieldCounts.filter { $0 == modalFieldCount }.count) / Double(fieldCounts.count)
    }

    var modalFieldCount: Int {
        var tally: [Int: Int] = [:]
        for count in fieldCounts { tally[count, default: 0] += 1 }
        return tally.max { $0.value == $1.value ? $0.key > $1.key : $0.value < $1.value }?.key ?? 0
    }

    var lineEnding: CSVDialect.LineEnding {
        let kinds = [(CSVDialect.LineEnding.crlf, crlf), (.lf, lf), (.cr, cr)].filter { $0.1 > 0 }
        if kinds.isEmpty { return .none }
        return kinds.count == 1 ? kinds[0].0 : .mixed
    }

    static func split(_ sample: [UInt8], delimiter: UInt8, quote: UInt8, complete: Bool) -> SampledRows {
        var rows = SampledRows()
        let parser = LibCSVParser(delimiter: delimiter, quote: quote)
        withUnsafeMutablePointer(to: &rows) { pointer in
            let context = UnsafeMutableRawPointer(pointer)
            sample.withUnsafeBytes { parser.parse($0, context: context, field: onField, record: onRecord) }
            if complete { parser.finish(context: context, field: onField, record: onRecord) }
        }
        return rows
    }

    private static let onField: LibCSVParser.FieldCallback = { data, length, context in
        let rows = context!.assumingMemoryBound(to: SampledRows.self)
        guard rows.pointee.fieldCounts.count < CSVDialectSniffer.rowsExamined else { return }
        let text = data.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        rows.pointee.current.append(text)
    }

    private static let onRecord: LibCSVParser.RecordCallback = { terminator, context in
        let rows = context!.assumingMemoryBound(to: SampledRows.self)
        defer { rows.pointee.previousTerminator = terminator }
        if terminator == 0x0A {
            if rows.pointee.previousTerminator == 0x0D && rows.pointee.current.isEmpty {
                rows.pointee.crlf += 1; rows.pointee.cr -= 1
            } else {
                rows.pointee.lf += 1
            }
        } else if terminator == 0x0D {
            rows.pointee.cr += 1
        }
        guard !rows.pointee.current.isEmpty else { return }
        if rows.pointee.fieldCounts.count < CSVDialectSniffer.rowsExamined {
            rows.pointee.fieldCounts.append(rows.pointee.current.count)
            if rows.pointee.values.count < 50 { rows.pointee.values.append(rows.pointee.current) }
        }
        rows.pointee.current.removeAll(keepingCapacity: true)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
