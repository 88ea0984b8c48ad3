import Foundation
import Testing

/// A small input whose every outcome is known, and the mapping that reads it.
private let knownInput = """
    Nombre;Apellido;DNI;Movil;Email;Publicidad;Historial;Saldo
    Ana;García;12345678Z;612345678;ana@example.es;sí;Alergia al látex;10
    ;Pérez;87654321X;612000001;p@example.es;no;;
    Luis;López;12345678A;699111222;LUIS@EXAMPLE.ES;;;
    Eva;Ruiz;12.345.678-z;+34 612 345 678;eva@example.es;sí;;
    Marta;Gil;Y1234567X;655444333;luis@example.es;no;;5

    """

private let knownMapping = """
    ferry: mapping 1
    name: known
    booleans: sí/no
    fields:
      - column: Nombre
        field: givenName
        required: true
      - column: Apellido
        field: familyName1
      - column: DNI
        field: taxId
      - column: Movil
        field: mobilePhone
      - column: Email
        field: email
      - column: Publicidad
        field: consentNewsletter
      - column: Historial
        field: clinicalNotes

    """

private func report(_ path: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
}

@Suite struct ReportCommandTests {
    /// `ferry plan` predicts every number of the known input, and writes nothing but its report.
    @Test func planReportsKnownOutcomes() throws {
        let folder = Folder()
        try knownInput.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try knownMapping.write(toFile: folder.path("known.yaml"), atomically: true, encoding: .utf8)
        let run = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", folder.path("known.yaml"), "--to", "movin",
            "--report", folder.path("plan.json"),
        ])
        #expect(run.status == 1, "a record would be rejected → exit 1\n\(run.stderr)")
        #expect(folder.contents == ["in.csv", "known.yaml", "plan.json"], "plan writes nothing but its report")
        let json = try report(folder.path("plan.json"))
        #expect(json["schema"] as? String == "ferry-report/1")
        #expect(json["kind"] as? String == "plan")
        #expect(json["masked"] as? Bool == true)
        let totals = json["totals"] as! [String: Any]
        #expect(totals["read"] as? Int == 5)
        #expect(totals["written"] as? Int == 4)
        #expect(totals["rejected"] as? Int == 1)
        #expect(totals["warnings"] as? Int == 1, "the wrong DNI letter of record 3")
        #expect(totals["balances"] as? Bool == true)
        #expect(totals["duplicateRecords"] as? Int == 2, "records 4 and 5 repeat earlier ones")

        // Duplicates: DNI and mobile of 1 and 4 (written differently), e-mail of 3 and 5 (case).
        let duplicates = json["duplicates"] as! [String: Any]
        let groups = (duplicates["list"] as! [[String: Any]]).map { group in
            (group["key"] as! String, (group["records"] as! [[String: Int]]).map { $0["record"]! })
        }
        #expect(groups.contains { $0.0 == "taxId" && $0.1 == [1, 4] })
        #expect(groups.contains { $0.0 == "mobilePhone" && $0.1 == [1, 4] })
        #expect(groups.contains { $0.0 == "email" && $0.1 == [3, 5] })
        #expect(groups.count == 3)
        let lines = (duplicates["list"] as! [[String: Any]]).flatMap {
            ($0["records"] as! [[String: Int]]).map { $0["line"]! }
        }
        #expect(lines.contains(5) && lines.contains(6), "rows are named by their line too")

        // Fields: fill, failures and their reason, origin, samples.
        let fields = Dictionary(
            uniqueKeysWithValues: (json["fields"] as! [[String: Any]]).map { ($0["column"] as! String, $0) })
        let nif = try #require(fields["nif_cif"])
        #expect(nif["filled"] as? Int == 3)
        #expect(nif["failed"] as? Int == 1)
        #expect(
            (nif["reasons"] as! [[String: Any]]).first?["reason"] as? String == "the check letter of this DNI is wrong")
        #expect(((nif["from"] as! [[String: Any]]).first?["columns"] as? [String]) == ["DNI"])
        let name = try #require(fields["name"])
        #expect(name["filled"] as? Int == 4)
        #expect(name["fillRate"] as? Double == 1)
        #expect(name["required"] as? Bool == true)
        let emailSamples = (fields["email"]?["samples"] as? [[String: String]]) ?? []
        #expect(
            emailSamples.first == ["before": "L***@EXAMPLE.ES", "after": "L***@example.es"], "changed values first")

        // Left behind: the unread column, the health data that stays, the consent counts.
        let left = json["leftBehind"] as! [String: Any]
        let unused = left["unusedColumns"] as! [[String: Any]]
        #expect(unused.map { $0["column"] as! String } == ["Saldo"])
        #expect(unused.first?["filled"] as? Int == 2)
        let sensitive = left["sensitive"] as! [[String: Any]]
        #expect(
            sensitive.contains {
                $0["field"] as? String == "clinicalNotes" && $0["moves"] as? Bool == false && $0["records"] as? Int == 1
            })
        let consents = json["consents"] as! [[String: Any]]
        let newsletter = try #require(consents.first { $0["field"] as? String == "consentNewsletter" })
        #expect(newsletter["yes"] as? Int == 2 && newsletter["no"] as? Int == 2 && newsletter["absent"] as? Int == 1)

        // The terminal summary says the same.
        #expect(run.stderr.contains("5 read · 4 would be written · 1 rejected"))
        #expect(run.stderr.contains("read 5 = written 4 + rejected 1 + skipped 0"))
        #expect(!run.stderr.contains("\u{1B}["), "no colour and no progress bar when standard error is not a terminal")
    }

    /// Every source column the mapping reads but whose values do not reach the target is named, with
    /// the records that carry a value there and why; "every source column is read" only when true.
    @Test func planSaysWhichValuesStayBehindAndWhy() throws {
        let folder = Folder()
        try """
        nombre,code,sexo,como_nos_conocio,informacion_clinica,manual_code,provincia,email
        Ana,7,m,"{""value"": 1, ""text"": ""Instagram""}",alergia,A-1,"{""id"": 28, ""text"": ""Madrid""}",ana@example.es
        Eva,8,,,,,,eva@example.es
        Luz,,h,"{""value"": 2, ""text"": ""Google""}",,A-3,,

        """.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        func plan(to target: String) throws -> (left: [String: [String: Any]], stderr: String) {
            let run = try Ferry.run([
                "plan", folder.path("in.csv"), "--from", "koibox", "--to", target, "--report", folder.path("p.json"),
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let left = (try report(folder.path("p.json"))["leftBehind"] as! [String: Any])["readNotWritten"]
            let rows = try #require(left as? [[String: Any]])
            return (Dictionary(uniqueKeysWithValues: rows.map { ($0["column"] as! String, $0) }), run.stderr)
        }
        let movin = try plan(to: "movin")
        #expect(
            Set(movin.left.keys) == [
                "code", "sexo", "como_nos_conocio", "informacion_clinica", "manual_code", "provincia",
            ])
        #expect(movin.left["code"]?["filled"] as? Int == 2 && movin.left["code"]?["reason"] as? String == "no place")
        #expect(movin.left["sexo"]?["filled"] as? Int == 2)
        #expect(movin.left["provincia"]?["filled"] as? Int == 1)
        #expect(movin.left["provincia"]?["fields"] as? [String] == ["province", "provinceCode"])
        #expect(movin.left["como_nos_conocio"]?["reason"] as? String == "empty table")
        #expect(movin.left["como_nos_conocio"]?["detail"] as? String == "contact_sources")
        #expect(movin.left["manual_code"]?["reason"] as? String == "no place", "an extra with no column of its name")
        #expect(
            movin.stderr.contains("read, not written: code → code, 2 records with a value: movin has no place for it"))
        #expect(movin.stderr.contains("the table `contact_sources` has no rows"))
        #expect(!movin.stderr.contains("every source column is read"), "\(movin.stderr)")
        // Koibox into Koibox: the province and the origin are filled by Koibox itself, the health
        // data is kept back; the rest reaches it.
        let koibox = try plan(to: "koibox")
        #expect(Set(koibox.left.keys) == ["provincia", "como_nos_conocio", "informacion_clinica"])
        #expect(koibox.left["provincia"]?["reason"] as? String == "read-only")
        #expect(koibox.left["informacion_clinica"]?["reason"] as? String == "sensitive")
        #expect(koibox.left["informacion_clinica"]?["filled"] as? Int == 1)
        #expect(koibox.stderr.contains("koibox fills provincia itself"))
    }

    /// A mapping's `note:` is shown where the column is in play: read from the input or written.
    @Test func planShowsTheMappingsNotes() throws {
        let folder = Folder()
        try knownInput.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try knownMapping.replacingOccurrences(
            of: "  - column: Email\n    field: email\n",
            with: "  - column: Email\n    field: email\n    note: the shop's newsletter list\n"
                + "  - column: Fax\n    field: landlinePhone\n    note: not in this export\n"
        ).write(toFile: folder.path("known.yaml"), atomically: true, encoding: .utf8)
        let run = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", folder.path("known.yaml"), "--to", "koibox",
            "--report", folder.path("plan.json"),
        ])
        #expect(run.stderr.contains("Notes in the mappings"), "\(run.stderr)")
        #expect(run.stderr.contains("known `Email`: the shop's newsletter list"))
        #expect(run.stderr.contains("koibox `is_citas_online`: online booking allowed; Koibox assumes yes"))
        #expect(!run.stderr.contains("not in this export"), "a column the input does not have is not in play")
        let notes = try report(folder.path("plan.json"))["mappingNotes"] as? [[String: String]]
        #expect(notes?.map { $0["column"] ?? "" } == ["Email", "is_citas_online"])
    }

    /// A required target field nothing fills is named, and every record would be rejected.
    @Test func requiredFieldsWithoutASourceAreNamed() throws {
        let folder = Folder()
        try knownInput.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try knownMapping.write(toFile: folder.path("known.yaml"), atomically: true, encoding: .utf8)
        try
            "ferry: mapping 1\nname: strict\nfields:\n  - column: nombre\n    field: givenName\n  - column: ciudad\n    field: city\n    required: true\n"
            .write(toFile: folder.path("strict.yaml"), atomically: true, encoding: .utf8)
        let run = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", folder.path("known.yaml"), "--to", folder.path("strict.yaml"),
            "--report", folder.path("plan.json"),
        ])
        #expect(run.status == 1)
        let json = try report(folder.path("plan.json"))
        #expect((json["totals"] as! [String: Any])["written"] as? Int == 0)
        let missing = (json["leftBehind"] as! [String: Any])["requiredWithoutSource"] as! [[String: Any]]
        #expect(missing.map { $0["column"] as! String } == ["ciudad"])
        #expect(run.stderr.contains("required by strict but nothing in the source fills them"))
    }

    /// No tax id, e-mail or phone of the input appears unmasked in any report or on standard error
    /// without --show-pii; with it, they do (so this test can fail).
    @Test func personalDataIsMaskedInEveryReport() throws {
        let folder = Folder()
        let input = sampleData("clientes-koibox.csv")
        let mapping = sampleData("koibox-export.yaml")
        var outputs: [String] = []
        for format in ["json", "md", "html"] {
            let plan = try Ferry.run([
                "plan", input, "--from", mapping, "--to", "movin", "--report", folder.path("plan.\(format)"),
            ])
            #expect(plan.status == 0 || plan.status == 1)
            outputs.append(plan.stderr)
            outputs.append(try String(contentsOfFile: folder.path("plan.\(format)"), encoding: .utf8))
        }
        let convert = try Ferry.run([
            "convert", input, "--from", mapping, "--to", "movin", "-o", folder.path("out.json"),
            "--report", folder.path("convert.html"),
        ])
        outputs.append(convert.stderr)
        outputs.append(try String(contentsOfFile: folder.path("convert.html"), encoding: .utf8))
        let secrets = try personalValues(input)
        #expect(secrets.count > 300)
        for (index, text) in outputs.enumerated() {
            let leaked = secrets.filter { text.contains($0) }
            #expect(leaked.isEmpty, "output \(index) shows \(leaked.prefix(5))")
        }
        let unmasked = try Ferry.run([
            "plan", input, "--from", mapping, "--to", "movin", "--report", folder.path("open.md"), "--show-pii",
        ])
        let open = try String(contentsOfFile: folder.path("open.md"), encoding: .utf8) + unmasked.stderr
        #expect(secrets.contains { open.contains($0) }, "--show-pii shows personal data")
    }

    /// Tax ids, e-mails and phones of a koibox-style export, as written and as Ferry normalizes them.
    private func personalValues(_ path: String) throws -> Set<String> {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
        let header = lines[0]
        var values = Set<String>()
        for row in lines.dropFirst() where row.count == header.count {
            for (column, value) in zip(header, row) where !value.isEmpty {
                switch column {
                case "dni": values.insert(value); values.insert(value.uppercased())
                case "email": values.insert(value); values.insert(value.lowercased())
                case "movil", "fijo":
                    let digits = value.filter(\.isNumber)
                    values.insert(value); values.insert(digits); values.insert("+34" + digits.suffix(9))
                default: break
                }
            }
        }
        return values
    }

    /// The HTML report is one file: no scripts, no outside styles or images, charts inline.
    @Test func htmlReportIsSelfContained() throws {
        let folder = Folder()
        let run = try Ferry.run([
            "plan", sampleData("export-windows1252.csv"), "--allow-ragged", "--from", sampleData("export-mapping.yaml"),
            "--to", "koibox", "--report", folder.path("plan.html"),
        ])
        #expect(run.status == 1)
        let html = try String(contentsOfFile: folder.path("plan.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 3, "outcomes, field coverage and reasons charts")
        for outside in ["<script", "src=", "href=", "@import", "url(", "http://", "https://"] {
            #expect(!html.contains(outside), "\(outside)")
        }
        #expect(html.contains("Field coverage in koibox") && html.contains("Outcomes by reason"))
    }

    /// `convert --report` tells what was written, the same report as plan with actual outcomes.
    @Test func convertWritesTheSameReportWithActualOutcomes() throws {
        let folder = Folder()
        try knownInput.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        try knownMapping.write(toFile: folder.path("known.yaml"), atomically: true, encoding: .utf8)
        let plan = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", folder.path("known.yaml"), "--to", "movin", "--report",
            folder.path("plan.json"),
        ])
        let convert = try Ferry.run([
            "convert", folder.path("in.csv"), "--from", folder.path("known.yaml"), "--to", "movin",
            "-o", folder.path("out.json"), "--report", folder.path("convert.json"),
        ])
        #expect(plan.status == 1 && convert.status == 1)
        var planned = try report(folder.path("plan.json")), converted = try report(folder.path("convert.json"))
        #expect(converted["kind"] as? String == "convert")
        #expect(
            try jsonRecords(folder.path("out.json")).count == (converted["totals"] as! [String: Any])["written"] as? Int
        )
        for key in ["kind", "createdAt", "seconds"] { planned[key] = nil; converted[key] = nil }
        let canonical = { (object: [String: Any]) in
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try canonical(planned) == canonical(converted), "a plan predicts exactly what convert does")
    }

    @Test func reportUsageErrorsExitTwo() throws {
        let folder = Folder()
        try knownInput.write(toFile: folder.path("in.csv"), atomically: true, encoding: .utf8)
        let badExtension = try Ferry.run([
            "plan", folder.path("in.csv"), "--from", "koibox", "--to", "movin", "--report", folder.path("r.pdf"),
        ])
        #expect(badExtension.status == 2)
        #expect(badExtension.stderr.contains(".json, .md or .html"))
        let noMapping = try Ferry.run(["plan", folder.path("in.csv"), "--to", "movin"])
        #expect(noMapping.status == 2)
        let missing = try Ferry.run(["plan", folder.path("nope.csv"), "--from", "koibox", "--to", "movin"])
        #expect(missing.status == 3)
        #expect(folder.contents == ["in.csv"])
    }

    /// On a terminal, the progress bar is drawn on standard error; `--quiet` silences it.
    @Test func progressBarOnATerminalOnly() throws {
        let folder = Folder()
        _ = try Ferry.run(["sample", "--rows", "5000", "--seed", "3", "-o", folder.path("big.csv")])
        let command = "\(Ferry.executable.path) plan \(folder.path("big.csv")) --from koibox --to movin"
        let terminal = try Ferry.runInTerminal(command)
        #expect(terminal.contains("records ·"), "\(terminal.suffix(500))")
        #expect(terminal.contains("/s"))
        let quiet = try Ferry.runInTerminal(command + " --quiet")
        #expect(!quiet.contains("records ·"))
    }

    @Test func suggestWritesAMappingThatPlanUses() throws {
        let folder = Folder()
        let fixture = repositoryRoot.appendingPathComponent("Tests/FerryKitTests/Fixtures/suggest/programa-clinica.csv")
            .path
        let suggest = try Ferry.run(["mapping", "suggest", fixture, "-o", folder.path("clinica.yaml")])
        #expect(suggest.status == 0, "\(suggest.stderr)")
        let yaml = try String(contentsOfFile: folder.path("clinica.yaml"), encoding: .utf8)
        #expect(yaml.contains("column: \"D.N.I.\"\n    field: taxId"))
        #expect(yaml.contains("date_format: \"dd/MM/yyyy\""))
        #expect(yaml.contains("# 99%"))
        let plan = try Ferry.run(["plan", fixture, "--from", folder.path("clinica.yaml"), "--to", "koibox"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("read 80 = written 80"))
        let inspect = try Ferry.run(["inspect", fixture])
        #expect(inspect.stdout.contains("tax id"))
        #expect(inspect.stdout.contains("taxId (99%)"))
        #expect(!inspect.stdout.contains("@gmail.com\"") || inspect.stdout.contains("***@"), "samples are masked")
    }
}

extension Ferry {
    /// Runs a shell command under `script`, which gives it a terminal; returns what the terminal showed.
    static func runInTerminal(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, "/dev/null"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
