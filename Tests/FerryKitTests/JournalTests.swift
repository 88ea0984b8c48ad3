import Foundation
import Testing

@testable import FerryKit

@Suite struct JournalTests {
    @Test func entriesSurviveReopeningAndTheLastStateWins() throws {
        let scratch = Scratch()
        let path = scratch.path("run.ferry-journal")
        do {
            let journal = try Journal(path: path)
            try journal.bind(target: "koibox", endpoint: "https://api.koibox.cloud", input: "clientes.csv")
            func entry(_ state: Journal.State, remoteID: String? = nil) -> Journal.Entry {
                Journal.Entry(
                    identity: "abc", number: 7, line: 8, state: state, remoteID: remoteID, reason: nil, status: nil,
                    payload: "p", attempts: 1, label: "A. B. · a***@example.es", updatedAt: Journal.now())
            }
            try journal.write([entry(.pending)])
            try journal.write([entry(.sending)])
            try journal.write([entry(.created, remoteID: "42")])
        }
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let reopened = try Journal(path: path)
        let entries = try reopened.entries(for: ["abc", "other"])
        #expect(entries.count == 1)
        #expect(entries["abc"]?.state == .created)
        #expect(entries["abc"]?.remoteID == "42")
        #expect(try reopened.status().counts == ["created": 1])
        #expect(try reopened.list(states: [.uncertain], limit: nil).isEmpty)
    }

    @Test func aJournalBelongsToOneTargetAndEndpoint() throws {
        let scratch = Scratch()
        let journal = try Journal(path: scratch.path("j.ferry-journal"))
        try journal.bind(target: "koibox", endpoint: "https://api.koibox.cloud", input: "a.csv")
        try journal.bind(target: "koibox", endpoint: "https://api.koibox.cloud", input: "a.csv")
        let error = ferryError { try journal.bind(target: "movin", endpoint: "https://movin.cloud", input: "a.csv") }
        #expect(error?.kind == .usage)
        #expect(error?.message.contains("belongs to a migration into koibox") == true)
    }

    @Test func anUnwritablePlaceIsAClearError() {
        let error = ferryError { _ = try Journal(path: "/proc/ferry-cannot-write-here/j.ferry-journal") }
        #expect(error?.message.contains("cannot open the journal") == true)
    }

    @Test func identitiesIgnoreRowAndColumnOrderAndCountRepeats() throws {
        let scratch = Scratch()
        let first = scratch.file("a.csv", "nombre;movil\nAna;612345678\nLuis;699999999\nAna;612345678\n")
        let second = scratch.file("b.csv", "movil;nombre\n699999999;Luis\n612345678;Ana\n")
        func identities(_ path: String, key: [UInt8] = Array(repeating: 7, count: 32)) throws -> [String] {
            let input = try InputFile.open(path)
            var batch = RecordBatch()
            var ids = RecordIdentities(key: key)
            var result: [String] = []
            while try input.reader.read(into: &batch) {
                for index in 0..<batch.count {
                    result.append(ids.identity(of: batch[index], columns: input.reader.columns))
                }
            }
            return result
        }
        let a = try identities(first), b = try identities(second)
        #expect(a[2] == a[0] + "#2")
        #expect(Set(b) == Set(a[0...1]))
        #expect(a[0].count == 32)
        // Keyed: another journal's key gives other identities for the same records.
        let other = try identities(first, key: Array(repeating: 8, count: 32))
        #expect(Set(other).isDisjoint(with: a))
    }

    @Test func aJournalKeepsItsKeyBesideItAndRefusesToGoOnWithout() throws {
        let scratch = Scratch()
        let journal = try Journal(path: scratch.path("run.ferry-journal"))
        let key = try journal.identityKey()
        #expect(key.count == 32)
        #expect(try journal.identityKey() == key, "the same key on every run")
        let attributes = try FileManager.default.attributesOfItem(atPath: journal.keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        try journal.write([
            Journal.Entry(
                identity: "x", number: 1, line: 2, state: .created, remoteID: "9", reason: nil, status: nil,
                payload: nil, attempts: 1, label: nil, updatedAt: Journal.now())
        ])
        try FileManager.default.removeItem(atPath: journal.keyPath)
        let error = ferryError { _ = try journal.identityKey() }
        #expect(error?.message.contains("key file") == true && error?.message.contains("is missing") == true)
        #expect(!FileManager.default.fileExists(atPath: journal.keyPath), "no new key replaces the lost one")
    }
}

@Suite struct APIDescriptionTests {
    @Test func builtInProfilesDescribeTheirAPIs() throws {
        let koibox = try #require(try ProfileCatalog.load("koibox").api)
        #expect(koibox.auth == .header(name: "X-Koibox-Key", keyVariable: "KOIBOX_API_KEY"))
        #expect(koibox.create.description == "POST /api/clientes/")
        #expect(koibox.canLookUp)
        #expect(koibox.lookup.map(\.filter) == ["movil", "email__icontains", "dni__icontains"])
        let movin = try #require(try ProfileCatalog.load("movin").api)
        #expect(movin.createdID == ["data", "id_customer"])
        #expect(!movin.canLookUp)
        #expect(movin.errors == .message(path: ["error", "message"]))
        #expect(movin.secretVariables == ["MOVIN_TOKEN", "MOVIN_API_KEY", "MOVIN_API_PASSWORD"])
        let extended = try ProfileCatalog.parse(
            yaml: "ferry: mapping 1\nextends: koibox\nfields: []\n", file: "mine.yaml")
        #expect(extended.api == koibox)
    }

    @Test func mistakesInTheSectionNameTheLine() throws {
        let cases = [
            ("api:\n  create: POST /x\n  created_id: id\n", "needs `auth:`"),
            ("api:\n  auth: {header: X-Key, key_env: K}\n  created_id: id\n", "needs `create:`"),
            ("api:\n  auth: {header: X-Key, key_env: K}\n  create: SEND /x\n  created_id: id\n", "a method and a path"),
            (
                "api:\n  auth: {header: X-Key, key_env: K}\n  create: POST /x\n  created_id: id\n  lookup: {movil: movil}\n",
                "needs `api.list`"
            ),
            (
                "api:\n  auth: {header: X-Key, key_env: K}\n  create: POST /x\n  created_id: id\n  not_processed: [200]\n",
                "from 400 to 599"
            ),
            (
                "api:\n  auth: {header: X-Key, key_env: K}\n  create: POST /x\n  created_id: id\n  retries: 3\n",
                "unknown key `retries`"
            ),
        ]
        for (section, message) in cases {
            let error = ferryError {
                _ = try ProfileCatalog.parse(
                    yaml: "ferry: mapping 1\nfields:\n  - column: n\n    field: givenName\n" + section, file: "m.yaml")
            }
            #expect(error?.message.contains(message) == true, "\(section)")
            #expect(error?.location?.line != nil)
        }
    }

    @Test func serverMessagesAreReadInBothShapes() {
        let drf = serverMessages(
            Array(#"{"email": ["Enter a valid email address."], "detail": "x"}"#.utf8),
            style: .perField(general: ["detail"]))
        #expect(drf.map(\.field) == [nil, "email"])
        #expect(drf.last?.message == "Enter a valid email address.")
        let movin = serverMessages(
            Array(#"{"error": {"code": 400, "message": "The field email is not valid"}}"#.utf8),
            style: .message(path: ["error", "message"]))
        #expect(movin.first?.field == "email")
        let html = serverMessages(Array("<html>Bad gateway</html>".utf8), style: .perField(general: ["detail"]))
        #expect(html.first?.message == "<html>Bad gateway</html>")
    }

    @Test func backoffGrowsWithJitterAndHonoursRetryAfter() {
        var backoff = Backoff()
        var ceilings: [Double] = []
        for _ in 0..<10 { ceilings.append(backoff.next(retryAfter: nil)) }
        #expect(ceilings.allSatisfy { $0 >= 0 && $0 <= 8 })
        var again = Backoff()
        #expect(again.next(retryAfter: "3") >= 3)
    }
}
