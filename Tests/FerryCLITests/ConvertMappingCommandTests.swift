import Foundation
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
func sampleData(_ name: String) -> String { repositoryRoot.appendingPathComponent("SampleData/\(name)").path }

func jsonRecords(_ path: String) throws -> [[String: Any]] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [[String: Any]]
}

func ndjsonRecords(_ path: String) throws -> [[String: Any]] {
    try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

@Suite struct ConvertMappingCommandTests {
    /// The messy Windows-1252 export, through its mapping into Koibox: each outcome, record by record.
    @Test func theMessyExportIntoKoibox() throws {
        let folder = Folder()
        let run = try Ferry.run([
            "convert", sampleData("export-windows1252.csv"), "--allow-ragged", "--from",
            sampleData("export-mapping.yaml"),
            "--to", "koibox", "-o", folder.path("koibox.json"), "--rejects", folder.path("rejects.csv"),
        ])
        #expect(run.status == 1, "some records rejected → exit 1")
        #expect(run.stderr.contains("read 10 = written 9 + rejected 1 + skipped 0"))
        let records = try jsonRecords(folder.path("koibox.json"))
        let byCode = Dictionary(uniqueKeysWithValues: records.map { ($0["code"] as! Int, $0) })
        // 1: dotted DNI and +34 phone normalized, dd/MM/yyyy date to ISO, surnames split at the particle.
        #expect(byCode[1]?["dni"] as? String == "12345678Z")
        #expect(byCode[1]?["movil"] as? String == "612345678")
        #expect(byCode[1]?["fijo"] as? String == "912345678")
        #expect(byCode[1]?["fecha_nacimiento"] as? String == "1978-04-03")
        #expect(byCode[1]?["apellido1"] as? String == "García" && byCode[1]?["apellido2"] as? String == "de la Fuente")
        #expect(byCode[1]?["sexo"] as? String == "m")
        // 2: capitals title-cased, lower-case NIE, 0034 phone, impossible 31/02 dropped, domain lower-cased.
        #expect(byCode[2]?["nombre"] as? String == "José Luis")
        #expect(byCode[2]?["dni"] as? String == "X1234567L")
        #expect(byCode[2]?["movil"] as? String == "699111222")
        #expect(byCode[2]?["fecha_nacimiento"] == nil)
        #expect(byCode[2]?["email"] as? String == "JL.DELRIO@hotmail.es")
        // 3: blank name → rejected with its row and reason.
        #expect(byCode[3] == nil)
        let rejects = String(
            decoding: try Data(contentsOf: URL(fileURLWithPath: folder.path("rejects.csv"))), as: UTF8.self)
        #expect(rejects.hasPrefix("Código,Nombre,Apellidos,NIF"))
        #expect(
            rejects.contains(
                "3,,Pérez,87654321X,612-345-678,,,Plaza España 1,Cádiz,11001,Cádiz,15/13/1990,,Sin nombre en la ficha,,,3,4,Nombre: (givenName) a required value is missing"
            ))
        // 4: a CIF with a wrong control digit is dropped, the record goes on.
        #expect(byCode[4]?["dni"] == nil)
        // Warnings mask personal data: the CIF's ends only, and no detail that gives a character away.
        #expect(run.stderr.contains("value 'B1******8': the control character of this CIF is wrong [dropped]"))
        #expect(!run.stderr.contains("B12345678"))
        // 5: wrong DNI letter dropped; postal code 8036 gets its zero back; broken e-mail dropped.
        #expect(byCode[5]?["dni"] == nil && byCode[5]?["email"] == nil)
        #expect(byCode[5]?["codigo_postal"] as? String == "08036")
        // 6: a French mobile is kept: its country code in prefijo_tel, its national digits in movil.
        #expect(byCode[6]?["prefijo_tel"] as? String == "+33" && byCode[6]?["movil"] as? String == "612345678")
        #expect(byCode[6]?["fecha_nacimiento"] as? String == "2000-02-29")
        // 7 and 8: birth dates before 1900 and in the future are dropped.
        #expect(byCode[7]?["fecha_nacimiento"] == nil && byCode[8]?["fecha_nacimiento"] == nil)
        #expect(run.stderr.contains("a birth date before 1900 is not plausible"))
        #expect(run.stderr.contains("a birth date cannot be in the future"))
        // 9: a 4-digit phone is dropped; the postal code contradicts the province, noted.
        #expect(byCode[9]?["movil"] == nil)
        #expect(run.stderr.contains("postal code 30001 is in Murcia, but the province given is Alicante"))
        // Consents the export does not have are sent as an explicit no, never left to Koibox's yes.
        #expect(records.allSatisfy { $0["is_suscrito_newsletter"] as? Bool == false })
        #expect(run.stderr.contains("sent as an explicit no"))
    }

    @Test func koiboxPagesToCanonicalToMovin() throws {
        let folder = Folder()
        let canonical = try Ferry.run([
            "convert", sampleData("koibox-clientes-page.json"), "--from", "koibox", "--to", "canonical",
            "-o", folder.path("customers.ndjson"),
        ])
        #expect(canonical.status == 0)
        let customers = try ndjsonRecords(folder.path("customers.ndjson"))
        #expect(customers.count == 3)
        #expect(customers[0]["givenName"] as? String == "Carmen")
        #expect(customers[0]["birthDate"] as? String == "1980-04-03")
        #expect(customers[0]["consentNewsletter"] as? Bool == true)
        #expect(customers[0]["provinceCode"] as? String == "28")
        // Koibox columns with no canonical field travel in extras, kinds kept.
        #expect((customers[0]["extras"] as? [String: Any])?["created"] as? String == "2023-05-02T10:15:00Z")
        #expect(customers[0]["sourceId"] as? String == "101")
        #expect(customers[0]["discountPercent"] as? Double == 10.5)
        // Health data is read from Koibox but not written to the canonical file without opt-in.
        #expect(customers[0]["clinicalNotes"] == nil)
        #expect(canonical.stderr.contains("clinicalNotes of 1 records not written"))
        let movin = try Ferry.run([
            "convert", folder.path("customers.ndjson"), "--from", "canonical", "--to", "movin", "-o",
            folder.path("movin.json"),
        ])
        #expect(movin.status == 0)
        let payloads = try jsonRecords(folder.path("movin.json"))
        #expect(payloads[0]["surnames"] as? String == "López de la Cruz")
        #expect(payloads[0]["zip_code"] as? String == "28013")
        #expect(payloads[1]["zip_code"] as? String == "08036")
        #expect(payloads[0]["phone_number"] as? String == "+34612345678")
        #expect(payloads[0]["active"] as? String == "1")
    }

    @Test func batchFilesWithAManifest() throws {
        let folder = Folder()
        let run = try Ferry.run([
            "convert", sampleData("clientes-koibox.csv"), "--from", sampleData("koibox-export.yaml"), "--to", "movin",
            "--batch-size", "50", "-o", folder.path("batches"), "-q",
        ])
        #expect(run.status == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("batches")).sorted()
        #expect(
            files == [
                "batch-000001.json", "batch-000002.json", "batch-000003.json", "batch-000004.json", "manifest.json",
            ])
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.path("batches/manifest.json")))) as! [String: Any]
        #expect(manifest["records"] as? Int == 199)
        let entries = manifest["files"] as! [[String: Any]]
        #expect(entries.map { $0["records"] as! Int } == [50, 50, 50, 49])
        var listed: [Int] = []
        for entry in entries {
            let records = try jsonRecords(folder.path("batches/" + (entry["file"] as! String)))
            #expect(records.count == entry["records"] as! Int)
            listed += entry["input_records"] as! [Int]
        }
        #expect(Set(listed).count == 199 && !listed.contains(68), "record 68 has no name: rejected, in no batch")
        let again = try Ferry.run([
            "convert", sampleData("clientes-koibox.csv"), "--from", sampleData("koibox-export.yaml"), "--to", "movin",
            "--batch-size", "50", "-o", folder.path("batches"),
        ])
        #expect(again.status == 3)
        #expect(again.stderr.contains("already holds batch files"))
    }

    @Test func aMappingErrorExitsTwoBeforeAnythingIsWritten() throws {
        let folder = Folder()
        try Data("ferry: mapping 1\nfields:\n  - column: nombre\n    field: firstName\n".utf8).write(
            to: URL(fileURLWithPath: folder.path("bad.yaml")))
        let run = try Ferry.run([
            "convert", sampleData("clientes-koibox.csv"), "--from", folder.path("bad.yaml"), "--to", "movin", "-o",
            folder.path("out.json"),
        ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.yaml: line 4: unknown canonical field `firstName`"))
        #expect(folder.contents == ["bad.yaml"])
    }

    @Test func everyPairOfProfilesAndFormats() throws {
        let folder = Folder()
        var inputs = ["koibox": sampleData("koibox-clientes-page.json")]
        for target in ["canonical", "movin"] {
            let run = try Ferry.run([
                "convert", sampleData("koibox-clientes-page.json"), "--from", "koibox", "--to", target, "-o",
                folder.path("\(target).ndjson"), "-q",
            ])
            #expect(run.status == 0)
            inputs[target] = folder.path("\(target).ndjson")
        }
        for (source, input) in inputs {
            for target in ["koibox", "movin", "canonical"] {
                for format in ["csv", "json", "ndjson"] {
                    let output = folder.path("\(source)-\(target).\(format)")
                    let run = try Ferry.run(["convert", input, "--from", source, "--to", target, "-o", output, "-q"])
                    #expect(run.status == 0, "\(source) → \(target) as \(format): \(run.stderr)")
                    let back = try Ferry.run([
                        "convert", output, "--from", target, "--to", "canonical", "--format", "ndjson", "-q",
                    ])
                    #expect(back.status == 0, "reading \(output) back: \(back.stderr)")
                    #expect(back.stdout.split(separator: "\n").count == 3)
                    #expect(back.stdout.contains("\"givenName\":\"Carmen\""))
                }
            }
        }
    }
}
