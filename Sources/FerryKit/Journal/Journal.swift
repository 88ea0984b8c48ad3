import Crypto
import Foundation
import GRDB
import NIOConcurrencyHelpers

/// Every record's fate in one migration, in a SQLite file (WAL): the state is written before a
/// request goes out and after its answer, so a run that stops anywhere can be resumed without
/// sending a record twice. Nothing secret and no personal value is stored: records are known by a
/// hash of their source content, their number and line, and a masked label.
///
/// ```swift
/// let journal = try Journal(path: "customers.csv.ferry-journal")
/// print(try journal.status().counts)   // [.created: 1980, .rejected: 20]
/// ```
public final class Journal: Sendable {
    /// Where a record stands.
    public enum State: String, Sendable, CaseIterable, Codable {
        /// Read, not yet sent.
        case pending
        /// A request is (or was, when a run stopped) on its way: the outcome is not known yet.
        case sending
        /// The target created it; `remoteID` is its id there.
        case created
        /// Ferry or the target refused it; `reason` says why.
        case rejected
        /// The request may or may not have created it; `reason` says what to check.
        case uncertain
        /// Not sent after every retry (the server kept failing before processing it); sent again next run.
        case failed
        /// Found already in the target (`--skip-existing`); `remoteID` is the existing customer.
        case existing
    }

    /// One record as the journal knows it.
    public struct Entry: Sendable, Equatable, Codable {
        public var identity: String
        public var number: Int
        public var line: Int
        public var state: State
        public var remoteID: String?
        public var reason: String?
        /// The HTTP status of the target's refusal; nil when Ferry refused it.
        public var status: Int?
        /// A hash of the payload last sent, so a changed mapping sends a refused record again.
        public var payload: String?
        public var attempts: Int
        /// Masked name and e-mail, so a person can find the record: `M. J. G. · j***@example.es`.
        public var label: String?
        public var updatedAt: String
        /// Keyed hashes of the tax id, e-mail, phones and name (`MatchKeys`), never the values: what
        /// `ferry journal reconcile` finds the record by in the target's own export.
        public var matchKeys: String? = nil
    }

    public let path: String
    private let database: DatabasePool
    /// The descriptor whose exclusive lock marks the journal as in use by a run (-1: not locked).
    private let lock = NIOLockedValueBox<Int32>(-1)

    /// Opens (or creates) a journal.
    public init(path: String) throws(FerryError) {
        self.path = path
        // It holds masked labels and the API's ids of real people: readable by its owner only
        // (SQLite gives its WAL and shared-memory files the same permissions).
        if access(path, F_OK) != 0 {
            let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
            if descriptor >= 0 { close(descriptor) }
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // In WAL mode, NORMAL makes a commit durable when the process dies (what a kill or a crash
            // tests) without a disk sync of its own: no request waits on fsync. A power cut can lose
            // the last commits; the next run then looks those records up or reports them uncertain.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            database = try DatabasePool(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS migration (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS record (
                            identity TEXT PRIMARY KEY,
                            number INTEGER NOT NULL,
                            line INTEGER NOT NULL,
                            state TEXT NOT NULL,
                            remote_id TEXT,
                            reason TEXT,
                            status INTEGER,
                            payload TEXT,
                            attempts INTEGER NOT NULL DEFAULT 0,
                            label TEXT,
                            updated_at TEXT NOT NULL,
                            match_keys TEXT);
                        CREATE INDEX IF NOT EXISTS record_state ON record(state);
                        CREATE INDEX IF NOT EXISTS record_remote_id ON record(remote_id);
                        CREATE TABLE IF NOT EXISTS run (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            started_at TEXT NOT NULL,
                            finished_at TEXT,
                            totals TEXT);
                        """)
                // A journal from before match keys gets their column (its records have none).
                if try !db.columns(in: "record").contains(where: { $0.name == "match_keys" }) {
                    try db.execute(sql: "ALTER TABLE record ADD COLUMN match_keys TEXT")
                }
            }
        } catch {
            throw FerryError(
                .output, "cannot open the journal \(path): \(Journal.describe(error))",
                hint: "check that the folder is writable, or name another file with --journal")
        }
    }

    deinit {
        for descriptor in [lock.withLockedValue { $0 }, keyFile.withLockedValue { $0 }] where descriptor >= 0 {
            close(descriptor)
        }
    }

    /// Claims the journal for one run: a second `ferry migrate` on the same journal at the same time
    /// could send the same records twice, so it is refused. The lock goes with the process, however
    /// it ends (a kill included).
    public func claimForRun() throws(FerryError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FerryError(.output, "cannot open the journal \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw FerryError(
                .output, "another `ferry migrate` is using the journal \(path)",
                hint: "wait for it to end or stop it (Ctrl-C): two runs at once could send the same records twice")
        }
        lock.withLockedValue { $0 = descriptor }
    }

    /// Where the journal's secret key is kept: beside it, readable by its owner only.
    public var keyPath: String { path + ".key" }

    /// How records are identified in journals this build writes (a mapping's `identity` fields, else
    /// the content). A journal that says otherwise was written by another build.
    static let identityScheme = "identity-fields-1"

    /// The secret key record identities are hashed with: read from `keyPath`, or made (32 random
    /// bytes) when the journal is new. A journal with records and no key cannot match them to the
    /// input any more, so the run stops instead of sending everything again; so does a key file that
    /// is not the one the journal was made with (its fingerprint is kept in the journal), a journal
    /// whose records were identified another way, and a journal that lost its last writes.
    ///
    /// After the key the file keeps the journal's write generation (8 bytes), written after every
    /// commit: when the journal's own generation is behind it, its `-wal` file was deleted or cut
    /// after a crash, and records it had settled would be sent again.
    public func identityKey() throws(FerryError) -> [UInt8] {
        let meta = try metadata()
        let records = try recordCount()
        if let data = FileManager.default.contents(atPath: keyPath) {
            guard data.count == 32 || data.count == 40 else {
                throw FerryError(
                    .output, "the journal's key file \(keyPath) is damaged (\(data.count) bytes)",
                    hint: "put back the key file that was made with this journal, or start over with a new --journal")
            }
            let key = Array(data.prefix(32))
            if records > 0, meta["identities"] != Journal.identityScheme {
                throw FerryError(
                    .output,
                    "the journal \(path) was written by an earlier Ferry build, which identified records another way",
                    hint:
                        "finish that migration with the build that started it, or start over with a new --journal; nothing was sent"
                )
            }
            if let known = meta["key_fingerprint"], known != Journal.fingerprint(key) {
                throw FerryError(
                    .output, "the journal's key file \(keyPath) is not the one this journal was made with",
                    hint:
                        "put back the journal's own key file; with another key no record can be matched and all would be sent again"
                )
            }
            if data.count == 40 {
                let saved = data.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let current = UInt64(meta["generation"].flatMap { Int($0) } ?? 0)
                if saved > current {
                    throw FerryError(
                        .output,
                        "the journal \(path) has lost its last \(saved - current) writes (its -wal file was deleted or cut short after a crash)",
                        hint:
                            "put back the journal's -wal file if you still have it; otherwise records it had settled would be sent again, so check the target and start over with a new --journal"
                    )
                }
            }
            try openKeyFile()
            try recordScheme(key: key, meta: meta)
            return key
        }
        if records > 0 {
            throw FerryError(
                .output, "the journal's key file \(keyPath) is missing",
                hint:
                    "the journal identifies records by a hash keyed with that file, so without it no record can be matched; put it back beside the journal, or start over with a new --journal"
            )
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let descriptor = open(keyPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw FerryError(
                .output, "cannot create the journal's key file \(keyPath): \(String(cString: strerror(errno)))",
                hint: "check that the journal's folder is writable")
        }
        defer { close(descriptor) }
        let written = key.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == key.count, fsync(descriptor) == 0 else {
            unlink(keyPath)
            throw FerryError(
                .output, "cannot write the journal's key file \(keyPath): \(String(cString: strerror(errno)))",
                hint: "check the free space and that the folder is writable")
        }
        try openKeyFile()
        try recordScheme(key: key, meta: meta)
        return key
    }

    /// A short public fingerprint of the key, to recognise it without storing it.
    static func fingerprint(_ key: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("ferry journal key".utf8), using: SymmetricKey(data: key))
        return Array(code).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    private func recordScheme(key: [UInt8], meta: [String: String]) throws(FerryError) {
        try attempt {
            try database.write { db in
                for (name, value) in [
                    ("identities", Journal.identityScheme), ("key_fingerprint", Journal.fingerprint(key)),
                ] where meta[name] == nil {
                    try db.execute(sql: "INSERT INTO migration(key, value) VALUES (?, ?)", arguments: [name, value])
                }
            }
        }
    }

    private func metadata() throws(FerryError) -> [String: String] {
        try attempt {
            try database.read { db in
                try [String: String](
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM migration").map {
                        ($0["key"], $0["value"])
                    })
            }
        }
    }

    /// The key file, open for the generation written after each commit (-1: not open).
    private let keyFile = NIOLockedValueBox<Int32>(-1)

    private func openKeyFile() throws(FerryError) {
        let descriptor = open(keyPath, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FerryError(
                .output, "cannot open the journal's key file \(keyPath): \(String(cString: strerror(errno)))")
        }
        keyFile.withLockedValue { old in
            if old >= 0 { close(old) }
            old = descriptor
        }
    }

    /// How many records are settled as created or found already there.
    func settledCount() throws(FerryError) -> Int {
        try attempt {
            try database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record WHERE state IN ('created', 'existing')") ?? 0
            }
        }
    }

    /// The target the journal's migration goes into (its mapping's name), once a run has bound it.
    public func target() throws(FerryError) -> String? { try metadata()["target"] }

    /// Ties the journal to one target and endpoint, so two migrations cannot share a journal by mistake.
    public func bind(target: String, endpoint: String, input: String) throws(FerryError) {
        try attempt {
            try database.write { db in
                let existing = try [String: String](
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM migration").map {
                        ($0["key"], $0["value"])
                    })
                if let known = existing["target"], let knownEndpoint = existing["endpoint"],
                    known != target || knownEndpoint != endpoint
                {
                    throw FerryError(
                        .usage, "the journal \(path) belongs to a migration into \(known) at \(knownEndpoint)",
                        hint: "name another journal with --journal, or delete this one if that migration is over")
                }
                for (key, value) in [("target", target), ("endpoint", endpoint), ("input", input)]
                where existing[key] == nil {
                    try db.execute(sql: "INSERT INTO migration(key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
        }
    }

    /// What the journal says about these records (those it knows), read in chunks so a run holds the
    /// journal of one batch at a time, not of the whole migration.
    func entries(for identities: [String]) throws(FerryError) -> [String: Entry] {
        try attempt {
            try database.read { db in
                var result: [String: Entry] = [:]
                var start = 0
                while start < identities.count {
                    let chunk = Array(identities[start..<min(identities.count, start + 500)])
                    start += chunk.count
                    let rows = try Row.fetchCursor(
                        db,
                        sql:
                            "SELECT * FROM record WHERE identity IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                        arguments: StatementArguments(chunk))
                    while let row = try rows.next() {
                        let entry = try Journal.entry(row, in: path)
                        result[entry.identity] = entry
                    }
                }
                return result
            }
        }
    }

    /// Whether a record other than `identity` holds `remoteID` as created or found: one customer in the
    /// target stands for one record.
    func isTaken(remoteID: String, byOtherThan identity: String) -> Bool {
        (try? database.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM record WHERE remote_id = ? AND identity != ? AND state IN ('created', 'existing')",
                arguments: [remoteID, identity])
        }) != nil
    }

    /// Writes changes in one transaction: new records, new states, outcomes.
    func write(_ entries: [Entry]) throws(FerryError) {
        guard !entries.isEmpty else { return }
        let generation = try attempt {
            try database.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO migration(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
                let generation =
                    try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM migration WHERE key = 'generation'")
                    ?? 0
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT INTO record(identity, number, line, state, remote_id, reason, status, payload, attempts, label, updated_at, match_keys)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(identity) DO UPDATE SET number = excluded.number, line = excluded.line, state = excluded.state,
                            remote_id = excluded.remote_id, reason = excluded.reason, status = excluded.status,
                            payload = excluded.payload, attempts = excluded.attempts, label = excluded.label, updated_at = excluded.updated_at,
                            match_keys = COALESCE(excluded.match_keys, record.match_keys)
                        """)
                // Reasons quote servers, which may echo credentials: masked on the way in.
                let redactor = Redactor.shared
                for entry in entries {
                    try statement.execute(arguments: [
                        entry.identity, entry.number, entry.line, entry.state.rawValue,
                        entry.remoteID.map(redactor.redact),
                        entry.reason.map(redactor.redact), entry.status, entry.payload, entry.attempts,
                        entry.label, entry.updatedAt, entry.matchKeys,
                    ])
                }
                return generation
            }
        }
        // After the commit: the key file is never ahead of a journal that still has its WAL.
        let descriptor = keyFile.withLockedValue { $0 }
        if descriptor >= 0 {
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(generation) >> (56 - 8 * $0)) }
            _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 8, 32) }
        }
    }

    /// Starts a run; returns its number.
    func beginRun() throws(FerryError) -> Int {
        try attempt {
            try database.write { db in
                try db.execute(sql: "INSERT INTO run(started_at) VALUES (?)", arguments: [Journal.now()])
                return Int(db.lastInsertedRowID)
            }
        }
    }

    func finishRun(_ id: Int, totals: RunTotals) throws(FerryError) {
        let text =
            "{\"read\":\(totals.read),\"written\":\(totals.written),\"rejected\":\(totals.rejected),\"skipped\":\(totals.skipped),\"uncertain\":\(totals.uncertain)}"
        try attempt {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE run SET finished_at = ?, totals = ? WHERE id = ?",
                    arguments: [Journal.now(), text, id])
            }
        }
    }

    /// Counts by state, the migration it belongs to and its runs: `ferry journal status`.
    public struct Status: Sendable, Codable {
        public var counts: [String: Int]
        public var target: String?
        public var endpoint: String?
        public var input: String?
        public var runs: [Run]

        public struct Run: Sendable, Codable {
            public var number: Int
            public var startedAt: String
            public var finishedAt: String?
            public var totals: String?
        }
    }

    public func status() throws(FerryError) -> Status {
        try attempt {
            try database.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM record GROUP BY state") {
                    counts[row["state"]] = row["n"]
                }
                let meta = try [String: String](
                    uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM migration").map {
                        ($0["key"], $0["value"])
                    })
                let runs = try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id").map {
                    Status.Run(
                        number: $0["id"], startedAt: $0["started_at"], finishedAt: $0["finished_at"],
                        totals: $0["totals"])
                }
                return Status(
                    counts: counts, target: meta["target"], endpoint: meta["endpoint"], input: meta["input"], runs: runs
                )
            }
        }
    }

    /// The companies the journal knows by the keyed hash of their name (`company:` among a record's
    /// match keys): the target's id of each one created or found there, and of the others the record
    /// that has not got there.
    func companies() throws(FerryError) -> (ids: [String: String], notCreated: [String: Entry]) {
        let entries = try attempt {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM record WHERE match_keys LIKE '%company:%' ORDER BY number")
                    .map { row in try Journal.entry(row, in: path) }
            }
        }
        var ids: [String: String] = [:]
        var notCreated: [String: Entry] = [:]
        for entry in entries {
            guard let tag = entry.matchKeys.flatMap({ MatchKeys.parse($0)["company"] }) else { continue }
            if (entry.state == .created || entry.state == .existing), let id = entry.remoteID {
                if ids[tag] == nil { ids[tag] = id }
            } else if notCreated[tag] == nil {
                notCreated[tag] = entry
            }
        }
        return (ids, notCreated.filter { ids[$0.key] == nil })
    }

    /// How many records the journal holds.
    func recordCount() throws(FerryError) -> Int {
        try attempt { try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record") ?? 0 } }
    }

    /// The records in `states` (all when empty), by record number: `ferry journal list`.
    public func list(states: [State], limit: Int?) throws(FerryError) -> [Entry] {
        try attempt {
            try database.read { db in
                var sql = "SELECT * FROM record"
                if !states.isEmpty {
                    sql += " WHERE state IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ",")))"
                }
                sql += " ORDER BY number"
                if let limit { sql += " LIMIT \(limit)" }
                return try Row.fetchAll(db, sql: sql).map { row in try Journal.entry(row, in: path) }
            }
        }
    }

    /// A record's row. A state this build does not know is refused, never read as something else
    /// (as `pending` it would be sent again).
    private static func entry(_ row: Row, in path: String) throws -> Entry {
        let stateText: String = row["state"]
        guard let state = State(rawValue: stateText) else {
            throw FerryError(
                .output,
                "the journal \(path) holds a record in the state `\(stateText.prefix(40))`, which this Ferry does not know",
                hint: "finish the migration with the Ferry build that wrote it; nothing was sent")
        }
        return Entry(
            identity: row["identity"], number: row["number"], line: row["line"], state: state,
            remoteID: row["remote_id"], reason: row["reason"], status: row["status"], payload: row["payload"],
            attempts: row["attempts"], label: row["label"], updatedAt: row["updated_at"], matchKeys: row["match_keys"])
    }

    static func now() -> String { utcTimestamp() }

    private func attempt<T>(_ body: () throws -> T) throws(FerryError) -> T {
        do {
            return try body()
        } catch let error as FerryError {
            throw error
        } catch {
            throw FerryError(
                .output, "the journal \(path) cannot be written: \(Journal.describe(error))",
                hint: "check the disk and the file's permissions; the run stops so no record is sent unrecorded")
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? DatabaseError).map { $0.message ?? "\($0.resultCode)" } ?? "\(error)"
    }
}
