import Foundation

/// Keyed hashes of what finds a customer in the target's own export: its tax id, e-mail and
/// phones, and its name. A migration journals them with each record (never the values), so
/// `ferry journal reconcile` can settle uncertain records against a customer list exported from
/// the target's screens, for a target that publishes no list call (Movin).
enum MatchKeys {
    /// The fields that find a customer, each with its short name in the journal.
    static let fields: [(field: CustomerField, tag: String)] = [
        (.taxId, "tax"), (.email, "email"), (.mobilePhone, "mobile"), (.landlinePhone, "phone"),
    ]

    /// The keys of the values the customer has, by short name (`name` for its name); empty without
    /// a value that finds it.
    static func keys(of customer: Customer, maker: RecordIdentities.Maker) -> [String: String] {
        var keys: [String: String] = [:]
        for (field, tag) in fields {
            guard let value = customer[field]?.description, !value.isEmpty else { continue }
            keys[tag] = maker.tag(tag + "\u{1F}" + folded(value))
        }
        guard !keys.isEmpty else { return [:] }
        if let name = name(of: customer) { keys["name"] = maker.tag("name\u{1F}" + name) }
        return keys
    }

    /// `tax:HEX email:HEX name:HEX`, as the journal holds them; nil without a value that finds it.
    static func of(_ customer: Customer, maker: RecordIdentities.Maker) -> String? {
        let keys = keys(of: customer, maker: maker)
        guard !keys.isEmpty else { return nil }
        return (fields.map(\.tag) + ["name"]).compactMap { tag in keys[tag].map { tag + ":" + $0 } }.joined(
            separator: " ")
    }

    /// The given name and surnames (or the company's name), case, accents and spacing aside: the
    /// surnames as one text, so a target that keeps them in one column splits them as it likes.
    static func name(of customer: Customer) -> String? {
        let person = [customer.givenName, customer.familyName1, customer.familyName2].compactMap { $0 }.joined(
            separator: " ")
        let name = person.isEmpty ? (customer.companyName ?? "") : person
        let text = folded(name)
        return text.isEmpty ? nil : text
    }

    static func folded(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The keys of a journaled record, by their short name.
    static func parse(_ text: String) -> [String: String] {
        var keys: [String: String] = [:]
        for part in text.split(separator: " ") {
            guard let colon = part.firstIndex(of: ":") else { continue }
            keys[String(part[..<colon])] = String(part[part.index(after: colon)...])
        }
        return keys
    }
}

/// What `ferry journal reconcile` settled.
public struct Reconciliation: Sendable {
    /// An uncertain record found in the export: created, with the id the export gives (when it has one).
    public struct Found: Sendable {
        public var number: Int
        public var line: Int
        public var label: String?
        /// What found it (`tax id and name`), and the export's line.
        public var by: String
        public var exportLine: Int
        public var remoteID: String?
    }

    public var exportRecords = 0
    public var found: [Found] = []
    /// Uncertain records not in the export: now `failed`, sent again by the next run.
    public var notFound = 0
    /// Uncertain records an earlier Ferry journaled without match keys: left uncertain.
    public var withoutKeys = 0
}

extension Journal {
    /// Settles the uncertain records against `export`, a customer list taken from the target's own
    /// screens and read with `mapping`: a record whose tax id, e-mail or phone and name are in it was
    /// created (`created`); one that is not is safe to send again (`failed`, so the next run sends it).
    public func reconcile(with export: String, readOptions: ReadOptions = ReadOptions(), mapping: Profile) throws
        -> Reconciliation
    {
        try claimForRun()
        let maker = RecordIdentities.Maker(key: try identityKey())
        var result = Reconciliation()
        // The export's customers, by each finding key: its line, name key and id.
        var rows: [String: [(line: Int, name: String?, id: String?)]] = [:]
        let input = try InputFile.open(export, options: readOptions)
        let reader = input.reader
        var batch = RecordBatch()
        var binding = SourceBinding(profile: mapping)
        var issues: [RecordIssue] = []
        while try reader.read(into: &batch) {
            for index in 0..<batch.count {
                let record = batch[index]
                var customer = Customer()
                issues.removeAll(keepingCapacity: true)
                _ = mapping.read(
                    record, columns: reader.columns, binding: &binding, into: &customer, issues: &issues)
                result.exportRecords += 1
                let keys = MatchKeys.keys(of: customer, maker: maker)
                for (tag, key) in keys where tag != "name" {
                    rows[tag + ":" + key, default: []].append(
                        (batch.records[index].line, keys["name"], customer.sourceId))
                }
            }
        }
        var settled: [Entry] = []
        var claimed: Set<Int> = []
        for var entry in try list(states: [.uncertain], limit: nil) {
            guard let text = entry.matchKeys else {
                result.withoutKeys += 1
                continue
            }
            let keys = MatchKeys.parse(text)
            var match: (tag: String, line: Int, id: String?)?
            for (_, tag) in MatchKeys.fields {
                guard let key = keys[tag] else { continue }
                if let row = rows[tag + ":" + key]?.first(where: { row in
                    row.name == keys["name"] && !claimed.contains(row.line)
                }) {
                    match = (tag, row.line, row.id)
                    break
                }
            }
            entry.updatedAt = Journal.now()
            if let match {
                claimed.insert(match.line)
                let by = Self.matchNames[match.tag, default: match.tag] + (keys["name"] == nil ? "" : " and name")
                entry.state = .created
                entry.remoteID = match.id ?? entry.remoteID
                entry.reason = "found in \(export) (line \(match.line), by \(by)) by journal reconcile"
                result.found.append(
                    Reconciliation.Found(
                        number: entry.number, line: entry.line, label: entry.label, by: by, exportLine: match.line,
                        remoteID: match.id))
            } else {
                entry.state = .failed
                entry.reason =
                    "not in \(export) (checked by journal reconcile): never created, safe to send again"
                result.notFound += 1
            }
            settled.append(entry)
        }
        try write(settled)
        return result
    }

    private static let matchNames = ["tax": "tax id", "email": "e-mail", "mobile": "mobile", "phone": "phone"]
}
