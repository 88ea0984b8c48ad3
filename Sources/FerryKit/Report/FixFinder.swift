/// Mapping changes that would make most failures of a column go, found from the failing values
/// themselves, for `plan` and the reports: dates that all read in another format, phones of another
/// country written without their code, values a lookup table lacks. Each is the exact change,
/// checked on the values it was found from before it is offered. Memory is bounded: a few hundred
/// distinct values per column and reason.
struct FixFinder {
    struct Key: Hashable {
        var column: String
        var field: CustomerField?
        var message: String
        var action: RecordIssue.Action
    }

    static let valuesKept = 400
    private var values: [Key: Set<String>] = [:]
    private var counts: [Key: Int] = [:]

    /// Takes a failed value (dropped, rejected or kept unchecked) of a column.
    mutating func add(_ issue: RecordIssue) {
        guard issue.action == .dropped || issue.action == .rejected || issue.action == .kept,
            let column = issue.column, let value = issue.value, !value.isEmpty
        else { return }
        let key = Key(column: column, field: issue.field, message: issue.message, action: issue.action)
        counts[key, default: 0] += 1
        if values[key, default: []].count < Self.valuesKept { values[key, default: []].insert(value) }
    }

    /// The changes to offer, most failures first. A change is offered when it fixes at least 80% of
    /// the distinct failing values kept, and those failures are at least half of the column's.
    /// `filled` gives how many records had a value in an input column.
    func suggestions(source: Profile, target: Profile, filled: (String) -> Int) -> [RunReport.Fix] {
        var perColumn: [String: Int] = [:]
        for (key, count) in counts { perColumn[key.column, default: 0] += count }
        var fixes: [RunReport.Fix] = []
        for (key, count) in counts where 2 * count >= perColumn[key.column, default: 0] {
            let found = values[key] ?? []
            if let fix = dateFormat(key, found, count, source)
                ?? region(key, found, count, source, filled: filled(key.column))
                ?? tableRows(key, found, count, source: source, target: target)
            {
                fixes.append(fix)
            }
        }
        return fixes.sorted { ($1.failures, $0.column) < ($0.failures, $1.column) }
    }

    /// The entry of `profile` that reads `column` into `field`, and the field's place in it.
    private static func entry(_ profile: Profile, column: String, field: CustomerField?) -> (FieldRule, Int)? {
        for rule in profile.rules where rule.columns.contains(column) {
            if let field, let index = rule.fields.firstIndex(of: field) { return (rule, index) }
            if field == nil { return (rule, 0) }
        }
        return nil
    }

    private static func share(_ fixed: Int, of total: Int) -> Bool { total > 0 && fixed * 5 >= total * 4 }

    /// Formats a date column is often written in, tried in this order (the day before the month
    /// first: Spanish exports).
    static let dateFormats = [
        "dd/MM/yyyy", "dd-MM-yyyy", "dd.MM.yyyy", "yyyy/MM/dd", "MM/dd/yyyy", "yyyyMMdd", "dd/MM/yyyy HH:mm",
        "dd/MM/yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "iso_datetime", "dd-MM-yyyy HH:mm:ss",
    ]

    private func dateFormat(_ key: Key, _ found: Set<String>, _ count: Int, _ source: Profile) -> RunReport.Fix? {
        guard let field = key.field, let (rule, index) = Self.entry(source, column: key.column, field: field),
            case let declared = rule.codecs[index].dateFormat,
            key.message.hasPrefix(declared.failure(.noMatch, text: "").message)
        else { return nil }
        let current = declared.pattern
        var best: (format: String, read: Int)?
        for pattern in Self.dateFormats where pattern != current {
            guard let format = try? DateFormat(pattern) else { continue }
            let read = found.filter { if case .success = format.parse($0) { true } else { false } }.count
            if read > (best?.read ?? 0) { best = (pattern, read) }
        }
        guard let best, Self.share(best.read, of: found.count) else { return nil }
        return RunReport.Fix(
            mapping: source.file, column: key.column, field: field.rawValue, line: rule.line, failures: count,
            reason: key.message, fixes: best.read, of: found.count,
            change: "add `date_format: \(best.format)` to the entry for `\(key.column)`",
            yaml: "date_format: \(best.format)", rows: [])
    }

    /// Regions whose numbers Spanish customer lists meet most, tried for phones that fail as numbers
    /// of the mapping's region.
    static let regions = ["PT", "FR", "GB", "DE", "IT", "NL", "BE", "CH", "IE", "MA", "RO", "US", "MX", "AR", "CO"]

    /// Only when most of the column fails: the region is the whole mapping's, and the column's
    /// Spanish numbers would fail under another.
    private func region(_ key: Key, _ found: Set<String>, _ count: Int, _ source: Profile, filled: Int)
        -> RunReport.Fix?
    {
        guard let field = key.field, field.valueType == .phone, 2 * count > filled,
            key.message == "not a phone number" || key.message.hasPrefix("no phone number of"),
            Self.entry(source, column: key.column, field: field) != nil
        else { return nil }
        let national = found.filter { value in !value.contains("+") && !value.hasPrefix("00") }
        guard Self.share(national.count, of: found.count) else { return nil }
        var best: (region: String, read: Int)?
        for region in Self.regions where region != source.region {
            let read = national.filter { PhoneNumber.parseWithLibrary($0, region: region) != nil }.count
            if read > (best?.read ?? 0) { best = (region, read) }
        }
        guard let best, Self.share(best.read, of: found.count) else { return nil }
        return RunReport.Fix(
            mapping: source.file, column: key.column, field: field.rawValue, line: nil, failures: count,
            reason: key.message, fixes: best.read, of: found.count,
            change:
                "set `region: \(best.region)` at the top (these are numbers of \(best.region) written without their country code; the region counts for every phone column)",
            yaml: "region: \(best.region)", rows: [])
    }

    private func tableRows(_ key: Key, _ found: Set<String>, _ count: Int, source: Profile, target: Profile)
        -> RunReport.Fix?
    {
        if let field = key.field, field.isPersonal { return nil }
        // The table whose own words (`Lookup.missing`) the failure has: the source's, read, or the
        // target's, written.
        func names(_ lookup: FieldRule.Lookup?, reading: Bool) -> Bool {
            lookup.map { key.message.hasPrefix($0.missing("", reading: reading).message) } ?? false
        }
        let sourceLookup = Self.entry(source, column: key.column, field: key.field)?.0.lookup
        let reading = names(sourceLookup, reading: true)
        guard
            let lookup = reading
                ? sourceLookup
                : target.rules.lazy.filter({ $0.columns.contains(key.column) }).compactMap(\.lookup).first(where: {
                    names($0, reading: false)
                })
        else { return nil }
        let table = lookup.name
        let profile = reading ? source : target
        // Reading, a row is `canonical: "as written"`: the value itself is a start. Writing, it is
        // `"canonical": the target's code`, which only the user knows.
        let rows = found.sorted().map { value in
            reading
                ? "\(JSONText.quoted(value)): \(JSONText.quoted(value))"
                : FieldRule.Lookup.row(for: value, reading: false)
        }
        return RunReport.Fix(
            mapping: profile.file, column: key.column, field: key.field?.rawValue, line: nil, failures: count,
            reason: key.message, fixes: found.count, of: found.count,
            change:
                "add \(rows.count == 1 ? "this row" : "these \(rows.count) rows") to the table `\(table)` (under `tables:`)"
                + (reading
                    ? ", each read as written until you change its left side"
                    : ", each `...` replaced by \(target.name)'s code for the value"),
            yaml: nil, rows: rows)
    }
}
