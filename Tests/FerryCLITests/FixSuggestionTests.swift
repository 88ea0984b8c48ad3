import Foundation
import Testing

/// `plan` says how to fix what fails most in a column, with the exact change, and the change works:
/// applied to the mapping, the same plan has none of those failures left.
@Suite struct FixSuggestionTests {
    /// 40 customers: birth dates in dd.MM.yyyy (the mapping says dd/MM/yyyy), British mobiles
    /// written without +44 (the mapping's region is ES), and where they heard of the clinic in words
    /// the mapping's table lacks.
    static let input: String = {
        var lines = ["nombre;nacimiento;movil;origen"]
        let origins = ["web", "Feria", "Radio", "shop"]
        for index in 0..<40 {
            let day = 1 + index % 28, month = 1 + index % 12, year = 1950 + index
            lines.append(
                "P\(index);\(day < 10 ? "0" : "")\(day).\(month < 10 ? "0" : "")\(month).\(year);07911 12\(String(format: "%04d", index));\(origins[index % 4])"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let mapping = """
        ferry: mapping 1
        name: fix-test
        dates: dd/MM/yyyy
        region: ES
        tables:
          origen:
            website: web
            shop: shop
        fields:
          - column: nombre
            field: givenName
          - column: nacimiento
            field: birthDate
          - column: movil
            field: mobilePhone
          - column: origen
            extra: origin
            lookup: origen

        """

    static func plan(_ folder: Folder) throws -> (status: Int32, report: [String: Any]) {
        let run = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", folder.path("m.yaml"), "--to", "canonical", "--report",
            folder.path("plan.json"),
        ])
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder.path("plan.json"))))
        return (run.status, report as! [String: Any])
    }

    /// The failures of a column, by reason.
    static func failures(_ report: [String: Any], column: String) -> [String] {
        ((report["outcomes"] as? [[String: Any]]) ?? []).filter {
            ($0["field"] as? String) == column
                && ["dropped", "rejected", "kept"].contains($0["action"] as? String ?? "")
        }.map { $0["reason"] as? String ?? "" }
    }

    @Test func planSaysHowToFixAndTheChangeMakesTheFailuresGo() throws {
        let folder = Folder()
        try Self.input.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try Self.mapping.write(toFile: folder.path("m.yaml"), atomically: true, encoding: .utf8)
        let before = try Self.plan(folder)
        let fixes = try #require(before.report["fixes"] as? [[String: Any]])
        #expect(fixes.count == 3, "\(fixes)")
        func fix(_ column: String) throws -> [String: Any] {
            try #require(fixes.first { $0["column"] as? String == column })
        }
        let date = try fix("nacimiento")
        #expect(date["yaml"] as? String == "date_format: dd.MM.yyyy")
        #expect(date["failures"] as? Int == 40 && date["fixes"] as? Int == 40 && date["of"] as? Int == 40)
        let region = try fix("movil")
        #expect(region["yaml"] as? String == "region: GB")
        let table = try fix("origen")
        #expect(table["rows"] as? [String] == ["\"Feria\": \"Feria\"", "\"Radio\": \"Radio\""])
        #expect(table["failures"] as? Int == 20)
        #expect(!Self.failures(before.report, column: "birthDate").isEmpty)
        #expect(!Self.failures(before.report, column: "mobilePhone").isEmpty)
        #expect(!Self.failures(before.report, column: "origen").isEmpty)

        let said = try Ferry.run(["plan", folder.path("in.csv"), "--from", folder.path("m.yaml"), "--to", "canonical"])
        #expect(said.stderr.contains("How to fix"))
        #expect(said.stderr.contains("add `date_format: dd.MM.yyyy` to the entry for `nacimiento`"))
        #expect(said.stderr.contains("      \"Feria\": \"Feria\""))

        // Apply each change where the suggestion says.
        var lines = Self.mapping.components(separatedBy: "\n")
        let entryLine = try #require(date["line"] as? Int)
        #expect(lines[entryLine - 1] == "  - column: nacimiento")
        lines.insert("    " + (date["yaml"] as! String), at: entryLine)
        let regionLine = try #require(lines.firstIndex(of: "region: ES"))
        lines[regionLine] = region["yaml"] as! String
        let tableLine = try #require(lines.firstIndex(of: "  origen:"))
        lines.insert(contentsOf: (table["rows"] as! [String]).map { "    " + $0 }, at: tableLine + 1)
        try lines.joined(separator: "\n").write(toFile: folder.path("m.yaml"), atomically: true, encoding: .utf8)

        let after = try Self.plan(folder)
        #expect(after.status == 0, "every record is written whole")
        #expect(Self.failures(after.report, column: "birthDate").isEmpty)
        #expect(Self.failures(after.report, column: "mobilePhone").isEmpty)
        #expect(Self.failures(after.report, column: "origen").isEmpty)
        #expect((after.report["fixes"] as? [[String: Any]])?.isEmpty == true)
        let text = try Ferry.run(["plan", folder.path("in.csv"), "--from", folder.path("m.yaml"), "--to", "canonical"])
        #expect(!text.stderr.contains("How to fix"))
    }

    @Test func aChangeIsOfferedOnlyWhenItFixesMostFailures() throws {
        let folder = Folder()
        // Dates in five formats, none with most of them: no date_format is offered. Two British
        // mobiles among Spanish ones: the region is not offered, it would break the rest.
        var lines = ["nombre;nacimiento;movil"]
        let dates = ["01.02.1980", "1980/02/01", "Feb 1 1980", "01-02-80", "1.2.1980"]
        for index in 0..<20 {
            lines.append("P\(index);\(dates[index % 5]);\(index < 2 ? "07911 123456" : "6123456\(10 + index)")")
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try Self.mapping.write(toFile: folder.path("m.yaml"), atomically: true, encoding: .utf8)
        let plan = try Self.plan(folder)
        let fixes = try #require(plan.report["fixes"] as? [[String: Any]])
        #expect(fixes.allSatisfy { $0["column"] as? String != "movil" }, "\(fixes)")
        #expect(fixes.allSatisfy { $0["column"] as? String != "nacimiento" }, "\(fixes)")
        #expect(!Self.failures(plan.report, column: "mobilePhone").isEmpty)
    }
}
