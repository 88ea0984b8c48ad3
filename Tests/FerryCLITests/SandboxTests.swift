import AsyncHTTPClient
import FerrySandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A sandbox served in-process on a free loopback port for the length of `body`.
func withSandbox<T>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: (Sandbox, String) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration(environment: testCredentials)
    configure(&configuration)
    let sandbox = try Sandbox(configuration: configuration)
    let running = try await sandbox.start()
    do {
        let result = try await body(sandbox, running.url)
        await running.stop()
        return result
    } catch {
        await running.stop()
        throw error
    }
}

/// Credentials the tests give both the sandbox and `ferry`: unusual strings, so a test can search
/// every output for them.
let testCredentials = [
    "KOIBOX_API_KEY": "kbx-7Hq2-secret-Zr91",
    "MOVIN_API_KEY": "mvn-key-4Ka8",
    "MOVIN_API_PASSWORD": "mvn-pass-Qw3e-secret-Lp0",
]

/// The environment `ferry` runs with in these tests: PATH and the credentials, nothing else.
let ferryEnvironment = testCredentials.merging([
    "PATH": "/usr/bin:/bin", "FERRY_MAPPINGS": repositoryRoot.appendingPathComponent("Mappings").path,
]) { a, _ in a }

struct Answer {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
}

/// One request to the sandbox, as any HTTP client would send it.
func call(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], json: Any? = nil) async throws
    -> Answer
{
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 16 << 20)
    return Answer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
}

let koiboxKey = [("X-Koibox-Key", testCredentials["KOIBOX_API_KEY"]!)]

@Suite(.serialized) struct SandboxTests {
    /// Any query string gets an answer, and the sandbox lives on: 600 random ones (a fixed seed, so a
    /// failure repeats) of extreme, negative, huge, non-numeric and repeated limits, offsets and filters.
    @Test func theSandboxSurvivesAnyQueryString() async throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 17
        }
        func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
        let numbers = [
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-1", "0", "1", "50", "51", "1e9", "",
            "NaN", "0x10", "%00", "99999999999999999999999", " 5", "5 ", "+3", "١٢",
        ]
        let names = [
            "limit", "offset", "movil", "movil__in", "codigo_postal__in", "email__icontains", "dni__icontains",
            "nombre__icontains", "fecha_alta__gte", "sexo", "page", "ordering", "%ZZ", "limit[]", "",
        ]
        let values =
            numbers + [
                "a", "%", "_", "\\", "'", "\"", ",", ",,,", "%25", "😀", "a%00b", "%C3%28",
                String(repeating: "x", count: 2000),
            ]
        try await withSandbox { _, url in
            for _ in 0..<600 {
                var parts: [String] = []
                for _ in 0..<(1 + Int(next() % 4)) {
                    let name = pick(names)
                    let value = name == "limit" || name == "offset" ? pick(numbers) : pick(values)
                    parts.append(
                        (name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? name) + "="
                            + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value))
                }
                let query = parts.joined(separator: "&")
                let answer = try await call(.GET, url + "/api/clientes/?" + query, headers: koiboxKey)
                #expect([200, 400].contains(answer.status), "?\(query) answered \(answer.status)")
            }
            let alive = try await call(
                .GET, url + "/api/clientes/?offset=9223372036854775807&limit=9223372036854775807", headers: koiboxKey)
            #expect(alive.status == 200)
            #expect((alive.object["results"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func koiboxRefusesMissingAndWrongKeysLikeTheRealAPI() async throws {
        try await withSandbox { _, url in
            let missing = try await call(.GET, url + "/api/clientes/")
            #expect(missing.status == 401)
            #expect(missing.headers["WWW-Authenticate"].first == "X-Koibox-Key")
            let wrong = try await call(.GET, url + "/api/clientes/", headers: [("X-Koibox-Key", "nope")])
            #expect(wrong.status == 403)
            let me = try await call(.GET, url + "/api/api-key/me", headers: koiboxKey)
            #expect(me.status == 200)
            #expect(me.object["centro"] != nil)
        }
    }

    @Test func koiboxCreateAnswers201WithReadOnlyFieldsAndDRFStyle400s() async throws {
        try await withSandbox { sandbox, url in
            let created = try await call(
                .POST, url + "/api/clientes/", headers: koiboxKey,
                json: ["nombre": "Ana", "email": "ana@example.es", "sexo": "m", "code": 41])
            #expect(created.status == 201)
            #expect(created.object["id"] as? Int == 1)
            #expect(created.object["code"] as? Int == 41)
            #expect(created.object["is_suscrito_newsletter"] as? Bool == true)
            #expect(created.object["fecha_alta"] is String)

            let missing = try await call(
                .POST, url + "/api/clientes/", headers: koiboxKey, json: ["apellido1": "Sin Nombre"])
            #expect(missing.status == 400)
            #expect(missing.object["nombre"] as? [String] == ["This field is required."])
            let invalid = try await call(
                .POST, url + "/api/clientes/", headers: koiboxKey,
                json: ["nombre": "Eva", "email": "eva@", "sexo": "X", "id": 9, "fecha_nacimiento": "31/02/1990"])
            #expect(invalid.status == 400)
            #expect(invalid.object["email"] as? [String] == ["Enter a valid email address."])
            #expect(invalid.object["sexo"] as? [String] == ["\"X\" is not a valid choice."])
            #expect(invalid.object["id"] as? [String] == ["This field is read-only."])
            #expect((invalid.object["fecha_nacimiento"] as? [String])?.first?.contains("YYYY-MM-DD") == true)
            let clash = try await call(
                .POST, url + "/api/clientes/", headers: koiboxKey, json: ["nombre": "Otra", "code": 41])
            #expect(clash.status == 400)
            #expect(clash.object["code"] as? [String] == ["cliente with this code already exists."])
            let body = try await call(
                .POST, url + "/api/clientes/", headers: koiboxKey, json: [["nombre": "en una lista"]])
            #expect(body.status == 400)
            #expect(sandbox.counters.koiboxCreated == 1)
        }
    }

    @Test func koiboxListsPagesOfAtMost50WithNextLinksAndRealFilters() async throws {
        try await withSandbox { _, url in
            for n in 1...120 {
                let answer = try await call(
                    .POST, url + "/api/clientes/", headers: koiboxKey,
                    json: ["nombre": "Cliente \(n)", "movil": String(600_000_000 + n), "email": "c\(n)@Example.es"])
                #expect(answer.status == 201)
            }
            let first = try await call(.GET, url + "/api/clientes/?limit=500", headers: koiboxKey)
            #expect(first.object["count"] as? Int == 120)
            #expect((first.object["results"] as? [Any])?.count == 50)
            #expect(first.object["previous"] is NSNull)
            var next = first.object["next"] as? String
            var seen = 50
            while let link = next {
                let page = try await call(.GET, link, headers: koiboxKey)
                seen += (page.object["results"] as? [Any])?.count ?? 0
                next = page.object["next"] as? String
            }
            #expect(seen == 120)
            let byDefault = try await call(.GET, url + "/api/clientes/", headers: koiboxKey)
            #expect((byDefault.object["results"] as? [Any])?.count == 20)

            let byMobile = try await call(.GET, url + "/api/clientes/?movil=600000007", headers: koiboxKey)
            #expect(byMobile.object["count"] as? Int == 1)
            let byEmail = try await call(
                .GET, url + "/api/clientes/?email__icontains=C11%40example", headers: koiboxKey)
            #expect(byEmail.object["count"] as? Int == 1)
            let unknownFilter = try await call(.GET, url + "/api/clientes/?telefono=600000007", headers: koiboxKey)
            #expect(unknownFilter.object["count"] as? Int == 120)
        }
    }

    @Test func koiboxPatchUpdatesOr404s() async throws {
        try await withSandbox { _, url in
            _ = try await call(.POST, url + "/api/clientes/", headers: koiboxKey, json: ["nombre": "Luis"])
            let patched = try await call(
                .PATCH, url + "/api/clientes/1/", headers: koiboxKey, json: ["apellido1": "Pérez"])
            #expect(patched.status == 200)
            #expect(patched.object["apellido1"] as? String == "Pérez")
            #expect(patched.object["nombre"] as? String == "Luis")
            let absent = try await call(.PATCH, url + "/api/clientes/99/", headers: koiboxKey, json: ["apellido1": "X"])
            #expect(absent.status == 404)
        }
    }

    @Test func movinTokensComeFromBasicAuthAndExpire() async throws {
        try await withSandbox({ $0.tokenLifetime = 1 }) { sandbox, url in
            let basic = Data("\(testCredentials["MOVIN_API_KEY"]!):\(testCredentials["MOVIN_API_PASSWORD"]!)".utf8)
                .base64EncodedString()
            let refused = try await call(
                .POST, url + "/api/login/get-access-token",
                headers: [("Authorization", "Basic " + Data("x:y".utf8).base64EncodedString())])
            #expect(refused.status == 401)
            #expect((refused.object["error"] as? [String: Any])?["message"] as? String == "Invalid credentials")
            let token =
                try await call(
                    .POST, url + "/api/login/get-access-token", headers: [("Authorization", "Basic " + basic)]
                ).object["access_token"] as? String
            #expect(token != nil)
            let bearer = [("Authorization", "Bearer " + (token ?? ""))]
            let created = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer,
                json: ["name": "Marta", "zip_code": "01001", "vip": "0"])
            #expect(created.status == 200)
            let id = ((created.object["data"] as? [String: Any])?["id_customer"] as? String) ?? ""
            #expect(Data(base64Encoded: id).map { String(decoding: $0, as: UTF8.self) } == "24$1")
            let invalid = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer, json: ["surnames": "Sin Nombre"])
            #expect(invalid.status == 400)
            #expect((invalid.object["error"] as? [String: Any])?["message"] as? String == "The field name is required")
            let zip = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer,
                json: ["name": "Zip", "zip_code": 1001.5])
            #expect(zip.status == 400)
            try await Task.sleep(nanoseconds: 1_200_000_000)
            let expired = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer, json: ["name": "Tarde"])
            #expect(expired.status == 401)
            #expect((expired.object["error"] as? [String: Any])?["message"] as? String == "Token expired")
            #expect(sandbox.counters.movinCreated == 1)
        }
    }

    @Test func statsCountCustomersAndDuplicatesByNormalizedKeys() async throws {
        try await withSandbox { _, url in
            for body in [
                ["nombre": "A", "dni": "12345678Z"], ["nombre": "B", "dni": "12.345.678-z"],
                ["nombre": "C", "movil": "+34 612 34 56 78"],
                ["nombre": "D", "movil": "0034612345678"], ["nombre": "E", "email": "X@Y.es"],
                ["nombre": "F", "email": "x@y.es"],
            ] {
                _ = try await call(.POST, url + "/api/clientes/", headers: koiboxKey, json: body)
            }
            let stats = try await call(.GET, url + "/_sandbox/stats").object
            #expect((stats["koibox"] as? [String: Int]) == ["customers": 6, "duplicates": 3])
            #expect((stats["movin"] as? [String: Int]) == ["customers": 0, "duplicates": 0, "numeric_zip_codes": 0])
        }
    }

    /// The body example of Movin's documentation (apis/movin-add-customer.txt), verbatim.
    static let movinBodyExample = """
        {
        "name":"Test" ,
        "surnames":"Postman 3" ,
        "nif_cif":"87473278F" ,
        "phone_number":"112222222222333" ,
        "whatsapp": "1",
        "language":"ca" ,
        "email":"1bcvb22222334@sdsd.sd" ,
        "company": "0",
        "registration_date":"2024-07-18",
        "customer_rating":4,
        "vip":"0",
        "active":"1",
        "other_phone_number": "674867864673",
        "usual_address":"sdsdfsdfsdf",
        "geo_fullname":"sdfgdfgdfgf",
        "zip_code":12334,
        "pending_rental":null,
        "pending_rental_amounts":null,
        "pending_rental_description":null,
        "id_payment_method":null,
        "id_status": "MjQkMzQ1Njg=",
        "notes":null,
        "contact_source":null,
        "id_portal": 1,
        "contact_method": "MjQkNDM4Nzg=",
        "id_assigned_salesperson": null,
        "id_assigned_salesperson_2":null,
        "potential_agency":null,
        "evolution":null,
        "id_greeting":null,
        "no_resident":null,
        "id_nif_type":null,
        "birth_date":null,
        "id_civil_status":null,
        "id_cancellation_reason":null,
        "cancellation_date":null,
        "cancellation_observations":null,
        "lead_or_customer": "0",
        "profiles": ["MjQkMzQ2NDU=", "MjQkMzQ2NDc="],
        "types": [
        {
        "id_customer_type": 3,
        "id_buyer_category": 1
        }
        ],
        "companies": [
        {
        "id_customer": "MjQkMzYxMDM=",
        "id_job_title": "MjQkMzQ1Njg=",
        "company_name": "Test postman hehe",
        "description": "Blablablablablablablabla",
        "contact_address": "Testtttt",
        "contact_phone_number": "109439309",
        "contact_email": "psdo@sdofi.es"
        }
        ]
        }
        """

    /// The sandbox takes what Movin's documentation shows (its body example, integer `zip_code`
    /// included, counted in the stats) and refuses what it rules out, with Movin's error body.
    @Test func movinTakesItsOwnExampleAndRefusesWrongShapes() async throws {
        try await withSandbox { _, url in
            let bearer = [("Authorization", "Bearer " + (try await movinToken(url) ?? ""))]
            let example = try JSONSerialization.jsonObject(with: Data(Self.movinBodyExample.utf8))
            let created = try await call(.POST, url + "/api/real-estate/add-customer", headers: bearer, json: example)
            #expect(created.status == 200, "\(created.object)")
            let stats = try await call(.GET, url + "/_sandbox/stats").object["movin"] as? [String: Int]
            #expect(stats == ["customers": 1, "duplicates": 0, "numeric_zip_codes": 1])

            let wrong: [(String, Any, String)] = [
                ("types", "notanarray", "The field types must be an array of objects"),
                ("types", [3], "The field types must be an array of objects"),
                ("types", [["id_customer_type": "comprador"]], "The field types.id_customer_type must be an integer"),
                ("types", [["id_buyer_status": 4]], "The field types.id_buyer_status must be a string"),
                ("types", [["color": 1]], "The field types.color does not exist"),
                ("profiles", "MjQkMzQ2NDU=", "The field profiles must be an array of profile ids"),
                ("profiles", [7], "The field profiles must be an array of profile ids"),
                ("companies", ["company_name": "X"], "The field companies must be an array of objects"),
                ("companies", [["company_name": 5]], "The field companies.company_name must be a string"),
                ("contacts", [["id_contact_customer": "MjQkMQ=="]], "The field contacts is only for a company"),
                ("zip_code", 12.5, "The field zip_code must be a zip code"),
                ("zip_code", true, "The field zip_code must be a zip code"),
            ]
            for (key, value, message) in wrong {
                var body: [String: Any] = ["name": "Forma", "company": "0"]
                body[key] = value
                let refused = try await call(.POST, url + "/api/real-estate/add-customer", headers: bearer, json: body)
                #expect(refused.status == 400, "\(key)")
                let error = refused.object["error"] as? [String: Any]
                #expect(error?["code"] as? Int == 400)
                #expect((error?["message"] as? String)?.hasPrefix(message) == true, "\(key): \(error ?? [:])")
            }
            // Companies on a company, contacts on a person.
            let onCompany = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer,
                json: ["name": "Inmo SL", "company": "1", "companies": [["id_customer": "MjQkMQ=="]]])
            #expect(
                (onCompany.object["error"] as? [String: Any])?["message"] as? String
                    == "The field companies is only for a customer that is not a company (company must be null or 0)")
            let contacts = try await call(
                .POST, url + "/api/real-estate/add-customer", headers: bearer,
                json: ["name": "Inmo SL", "company": "1", "contacts": [["id_contact_customer": "MjQkMQ=="]]])
            #expect(contacts.status == 200)
            let after = try await call(.GET, url + "/_sandbox/stats").object["movin"] as? [String: Int]
            #expect(after?["customers"] == 2)
        }
    }

    @Test func stateFileKeepsCustomersAcrossRestarts() async throws {
        let folder = Folder()
        let state = folder.path("sandbox.sqlite")
        try await withSandbox({ $0.statePath = state }) { _, url in
            _ = try await call(.POST, url + "/api/clientes/", headers: koiboxKey, json: ["nombre": "Persistente"])
        }
        try await withSandbox({ $0.statePath = state }) { _, url in
            let page = try await call(.GET, url + "/api/clientes/", headers: koiboxKey)
            #expect(page.object["count"] as? Int == 1)
        }
    }

    @Test func faultsAreInjectedAtTheirRates() async throws {
        let spec = try FaultSpec("503=0.5,drop=0.2")
        try await withSandbox({
            $0.faults = spec; $0.seed = 11
        }) { sandbox, url in
            var statuses: [Int: Int] = [:]
            var dropped = 0
            for _ in 0..<200 {
                do {
                    statuses[try await call(.GET, url + "/api/api-key/me", headers: koiboxKey).status, default: 0] += 1
                } catch { dropped += 1 }
            }
            #expect((70...130).contains(statuses[503] ?? 0))
            #expect((15...65).contains(dropped))
            #expect(sandbox.counters.faultsInjected == (statuses[503] ?? 0) + dropped)
        }
    }

    @Test func faultSpecsThatMakeNoSenseAreRefused() {
        #expect(throws: SandboxError.self) { try FaultSpec("503=2") }
        #expect(throws: SandboxError.self) { try FaultSpec("teapot=0.1") }
        #expect(throws: SandboxError.self) { try FaultSpec("503=0.6,500=0.6") }
        #expect((try? FaultSpec("503=0.1,latency=0.5"))?.latency == 0.5)
    }
}
