import Foundation
import GRDB

/// The sandbox's customers, in SQLite: in memory, or in the `--state` file so they survive a restart.
/// Both systems' customers are kept as the JSON object the API returns, with the three keys that
/// define a duplicate (normalized tax id, e-mail, mobile) in indexed columns.
final class SandboxStore: Sendable {
    private let database: DatabaseQueue

    init(path: String?) throws {
        if let path {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            database = try DatabaseQueue(path: path, configuration: configuration)
        } else {
            database = try DatabaseQueue()
        }
        try database.write { db in
            for system in System.allCases {
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS \(system.table) (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            code INTEGER UNIQUE,
                            body TEXT NOT NULL,
                            tax_key TEXT, email_key TEXT, mobile_key TEXT);
                        CREATE INDEX IF NOT EXISTS \(system.table)_tax ON \(system.table)(tax_key);
                        CREATE INDEX IF NOT EXISTS \(system.table)_email ON \(system.table)(email_key);
                        CREATE INDEX IF NOT EXISTS \(system.table)_mobile ON \(system.table)(mobile_key);
                        """)
            }
        }
    }

    enum System: CaseIterable {
        case koibox, movin
        var table: String { self == .koibox ? "koibox_customer" : "movin_customer" }
    }

    /// The keys of the duplicate definition for one customer.
    struct Keys {
        var taxId: String?
        var email: String?
        var mobile: String?
    }

    /// Stores a customer. `body` receives the row id and the code (`assign`) before it is written.
    /// Returns nil when `code` is taken.
    func insert(_ system: System, keys: Keys, code: Int?, body: @Sendable (_ id: Int64, _ code: Int64) -> String)
        async throws -> String?
    {
        try await database.write { db -> String? in
            var assigned = Int64(code ?? 0)
            if let code {
                if try Int.fetchOne(db, sql: "SELECT 1 FROM \(system.table) WHERE code = ?", arguments: [code]) != nil {
                    return nil
                }
            } else {
                assigned = (try Int64.fetchOne(db, sql: "SELECT MAX(code) FROM \(system.table)") ?? 0) + 1
            }
            try db.execute(
                sql: "INSERT INTO \(system.table)(code, body, tax_key, email_key, mobile_key) VALUES (?, ?, ?, ?, ?)",
                arguments: [assigned, "", keys.taxId, keys.email, keys.mobile])
            let id = db.lastInsertedRowID
            let text = body(id, assigned)
            try db.execute(sql: "UPDATE \(system.table) SET body = ? WHERE id = ?", arguments: [text, id])
            return text
        }
    }

    /// Replaces a stored customer's body; false when there is no such customer.
    func update(_ system: System, id: Int64, keys: Keys, body: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE \(system.table) SET body = ?, tax_key = ?, email_key = ?, mobile_key = ? WHERE id = ?",
                arguments: [body, keys.taxId, keys.email, keys.mobile, id])
            return db.changesCount > 0
        }
    }

    func body(_ system: System, id: Int64) async throws -> String? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM \(system.table) WHERE id = ?", arguments: [id])
        }
    }

    /// A page of customers matching `conditions` (SQL over `body`, ANDed), by id, with the total count.
    func page(_ system: System, conditions: [(sql: String, arguments: [String])], limit: Int, offset: Int) async throws
        -> (count: Int, bodies: [String])
    {
        let clause = conditions.isEmpty ? "" : " WHERE " + conditions.map { "(\($0.sql))" }.joined(separator: " AND ")
        let arguments = StatementArguments(conditions.flatMap(\.arguments))
        return try await database.read { db in
            let count =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(system.table)" + clause, arguments: arguments) ?? 0
            let bodies = try String.fetchAll(
                db, sql: "SELECT body FROM \(system.table)" + clause + " ORDER BY id LIMIT ? OFFSET ?",
                arguments: arguments + [limit, offset])
            return (count, bodies)
        }
    }

    /// How many customers there are, and how many repeat an earlier one's tax id, e-mail or mobile.
    /// Stored customers whose `key` holds a JSON number (Movin's documented integer `zip_code`).
    func numbers(_ system: System, key: String) throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM \(system.table) WHERE json_type(body, ?) IN ('integer', 'real')",
                arguments: ["$." + key]) ?? 0
        }
    }

    func counts(_ system: System) throws -> (customers: Int, duplicates: Int) {
        try database.read { db in
            let table = system.table
            let customers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            let duplicates =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM \(table) c WHERE
                          (c.tax_key IS NOT NULL AND EXISTS (SELECT 1 FROM \(table) d WHERE d.tax_key = c.tax_key AND d.id < c.id)) OR
                          (c.email_key IS NOT NULL AND EXISTS (SELECT 1 FROM \(table) d WHERE d.email_key = c.email_key AND d.id < c.id)) OR
                          (c.mobile_key IS NOT NULL AND EXISTS (SELECT 1 FROM \(table) d WHERE d.mobile_key = c.mobile_key AND d.id < c.id))
                        """) ?? 0
            return (customers, duplicates)
        }
    }
}

/// The normalization behind the duplicate definition. Written here on purpose rather than taken from
/// FerryKit: the sandbox judges Ferry's output, so it must not share Ferry's mistakes.
enum DuplicateKey {
    /// Upper case, letters and digits only, without an `ES` country prefix: `12.345.678-z` → `12345678Z`.
    static func taxId(_ text: String?) -> String? {
        guard let text else { return nil }
        var key = String(
            text.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
        if key.count > 9, key.hasPrefix("ES") { key.removeFirst(2) }
        return key.isEmpty ? nil : key
    }

    /// Trimmed and lower case.
    static func email(_ text: String?) -> String? {
        guard let key = text?.trimmingCharacters(in: .whitespaces).lowercased(), !key.isEmpty else { return nil }
        return key
    }

    /// The national digits of a Spanish number (`+34 612 34 56 78`, `0034612345678` → `612345678`);
    /// other numbers keep all their digits.
    static func mobile(_ text: String?) -> String? {
        guard let text else { return nil }
        var digits = text.filter(\.isASCII).filter(\.isNumber)
        if digits.hasPrefix("0034") {
            digits.removeFirst(4)
        } else if digits.count == 11, digits.hasPrefix("34") {
            digits.removeFirst(2)
        }
        return digits.isEmpty ? nil : digits
    }
}
