import Foundation
import Hummingbird
import NIOCore

/// Movin's calls as `../shared/apis/` describes them: a Basic-auth token call, Bearer tokens that
/// expire after `--token-ttl`, `add-customer` answering `{"data": {"id_customer": "<opaque id>"}}`,
/// and errors as `{"error": {"code", "description", "message"}}`.
extension Sandbox {
    static let movinYesNo = [
        "whatsapp", "company", "vip", "active", "lead_or_customer", "pending_rental", "potential_agency", "no_resident",
    ]
    static let movinDates = ["registration_date", "birth_date", "cancellation_date"]

    func movinError(_ code: Int, _ description: String, _ message: String) throws -> Response {
        try json(
            HTTPResponse.Status(code: code), ["error": ["code": code, "description": description, "message": message]])
    }

    /// `POST /api/login/get-access-token` with `Authorization: Basic base64(key:password)`.
    func movinToken(_ request: Request) throws -> Response {
        count { $0.movinTokenRequests += 1 }
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            decoded == configuration.movinKey + ":" + configuration.movinPassword
        else {
            return try movinError(401, "Unauthorized", "Invalid credentials")
        }
        let token = random { random in (0..<4).map { _ in String(random.next(), radix: 16) }.joined() }
        let expiry = configuration.tokenLifetime.map { Date().timeIntervalSince1970 + $0 } ?? .infinity
        state.withLockedValue { $0.tokens[token] = expiry }
        return try json(.ok, ["access_token": token])
    }

    /// `POST /api/real-estate/add-customer`.
    func movinAddCustomer(_ request: Request, _ body: ByteBuffer) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return try movinError(401, "Unauthorized", "Invalid token")
        }
        let token = String(header.dropFirst(7))
        let expiry = state.withLockedValue { $0.tokens[token] }
        guard let expiry else { return try movinError(401, "Unauthorized", "Invalid token") }
        guard expiry > Date().timeIntervalSince1970 else { return try movinError(401, "Unauthorized", "Token expired") }
        guard let object = parseJSON(body) as? [String: Any] else {
            return try movinError(400, "Bad Request", "The body must be a JSON object")
        }
        if let problem = movinProblem(object) { return try movinError(400, "Bad Request", problem) }
        var stored = object
        let keys = SandboxStore.Keys(
            taxId: DuplicateKey.taxId(object["nif_cif"] as? String),
            email: DuplicateKey.email(object["email"] as? String),
            mobile: DuplicateKey.mobile(object["phone_number"] as? String))
        stored.removeValue(forKey: "id_customer")
        let template = try JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys])
        let text = try await store.insert(.movin, keys: keys, code: nil) { id, _ in
            jsonText(template, adding: ["id_customer": Sandbox.movinID(id)])
        }
        guard let text, let created = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        else {
            return try movinError(500, "Internal Server Error", "The customer could not be stored")
        }
        count { $0.movinCreated += 1 }
        return try json(.ok, ["data": ["id_customer": created["id_customer"] ?? ""]])
    }

    static let movinTypeIDs = [
        "id_customer_type", "id_buyer_category", "id_tenant_category", "id_owner_category", "id_industrial_category",
    ]
    static let movinTypeStatuses = ["id_buyer_status", "id_tenant_status", "id_owner_status"]
    static let movinCompanyKeys = [
        "id_customer", "id_job_title", "company_name", "description", "contact_address", "contact_phone_number",
        "contact_email",
    ]
    static let movinContactKeys = ["id_contact_customer"] + movinCompanyKeys.dropFirst()

    /// What is wrong with `profiles`, `types`, `companies` or `contacts`: each is an array (of ids,
    /// or of objects with the documented fields); companies only on a person (company 0 or null),
    /// contacts only on a company (company 1).
    private func movinArrayProblem(_ object: [String: Any]) -> String? {
        func present(_ key: String) -> Any? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            return value
        }
        func isText(_ value: Any?) -> Bool { value == nil || value is NSNull || value is String }
        func isWholeNumber(_ value: Any?) -> Bool {
            guard let value, !(value is NSNull) else { return true }
            if let number = value as? NSNumber {
                return !number.isBoolean && number.doubleValue == number.doubleValue.rounded()
            }
            if let text = value as? String { return !text.isEmpty && text.allSatisfy(\.isASCII) && Int(text) != nil }
            return false
        }
        func objects(_ key: String) -> [[String: Any]]?? {
            guard let value = present(key) else { return .some(nil) }
            guard let list = value as? [Any] else { return nil }
            let items = list.compactMap { $0 as? [String: Any] }
            return items.count == list.count ? .some(items) : nil
        }
        if let profiles = present("profiles") {
            guard let list = profiles as? [Any], list.allSatisfy({ ($0 as? String).map { !$0.isEmpty } ?? false })
            else { return "The field profiles must be an array of profile ids" }
        }
        guard let types = objects("types") else {
            return "The field types must be an array of objects with id_customer_type and its categories and statuses"
        }
        for type in types ?? [] {
            for (key, value) in type {
                if Sandbox.movinTypeIDs.contains(key) {
                    if !isWholeNumber(value) { return "The field types.\(key) must be an integer" }
                } else if Sandbox.movinTypeStatuses.contains(key) {
                    if !isText(value) { return "The field types.\(key) must be a string" }
                } else {
                    return "The field types.\(key) does not exist"
                }
            }
        }
        let company = present("company").map { "\($0)" }
        for (key, allowed) in [("companies", Sandbox.movinCompanyKeys), ("contacts", Sandbox.movinContactKeys)] {
            guard let list = objects(key) else {
                return "The field \(key) must be an array of objects"
            }
            guard let list, !list.isEmpty else { continue }
            if key == "companies", company != nil, company != "0" {
                return "The field companies is only for a customer that is not a company (company must be null or 0)"
            }
            if key == "contacts", company != "1" {
                return "The field contacts is only for a company (company must be 1)"
            }
            for item in list {
                for (field, value) in item {
                    guard allowed.contains(field) else { return "The field \(key).\(field) does not exist" }
                    if !isText(value) { return "The field \(key).\(field) must be a string" }
                }
            }
        }
        return nil
    }

    /// Movin's customer list as its screens export it (it has no list call): `GET
    /// /_sandbox/movin/customers.csv`, one row per stored customer, for `ferry journal reconcile`.
    func movinScreenExport() async throws -> Response {
        let columns = ["id_customer", "name", "surnames", "nif_cif", "phone_number", "other_phone_number", "email"]
        func cell(_ value: Any?) -> String {
            let text = (value as? String) ?? (value as? NSNumber)?.stringValue ?? ""
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var csv = columns.joined(separator: ",") + "\r\n"
        let (_, bodies) = try await store.page(.movin, conditions: [], limit: Int.max, offset: 0)
        for body in bodies {
            guard let customer = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
                continue
            }
            csv += columns.map { cell(customer[$0]) }.joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
    }

    /// Every stored Movin customer as the sandbox keeps it, one JSON object a line (`GET
    /// /_sandbox/movin/customers.ndjson`): what the tests compare a migration's result with.
    func movinStored() async throws -> Response {
        let (_, bodies) = try await store.page(.movin, conditions: [], limit: Int.max, offset: 0)
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: bodies.map { $0 + "\n" }.joined())))
    }

    /// Movin's ids look like base64 of `24$34568`; clients must treat them as opaque.
    static func movinID(_ id: Int64) -> String { Data("24$\(id)".utf8).base64EncodedString() }

    /// The first thing wrong with an add-customer body, as Movin's message says it.
    private func movinProblem(_ object: [String: Any]) -> String? {
        guard let name = object["name"] as? String, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "The field name is required"
        }
        if let email = object["email"], !(email is NSNull) {
            guard let text = email as? String else { return "The field email must be a string" }
            if !text.isEmpty, !looksLikeEmail(text) { return "The field email is not a valid email address" }
        }
        for field in Sandbox.movinYesNo {
            guard let value = object[field], !(value is NSNull) else { continue }
            let text = (value as? String) ?? (value as? NSNumber).flatMap { $0.isBoolean ? nil : $0.stringValue }
            if text != "0" && text != "1" { return "The field \(field) must be 0 or 1" }
        }
        for field in Sandbox.movinDates {
            guard let value = object[field], !(value is NSNull) else { continue }
            guard let text = value as? String, isISODate(text) else {
                return "The field \(field) must be a date as YYYY-MM-DD"
            }
        }
        if let rating = object["customer_rating"], !(rating is NSNull) {
            guard
                let number = (rating as? NSNumber)
                    ?? (rating as? String).flatMap({ Int($0) }).map({ NSNumber(value: $0) }),
                !number.isBoolean, (0...5).contains(number.intValue), number.doubleValue == Double(number.intValue)
            else {
                return "The field customer_rating must be a whole number from 0 to 5"
            }
        }
        // The documentation gives `zip_code` as an integer and its body example sends `12334`:
        // accepted (and counted in the stats, as a type Ferry never sends: it loses leading zeros).
        if let zip = object["zip_code"], !(zip is NSNull), !(zip is String) {
            guard let number = zip as? NSNumber, !number.isBoolean, number.doubleValue == number.doubleValue.rounded()
            else { return "The field zip_code must be a zip code" }
        }
        if let problem = movinArrayProblem(object) { return problem }
        if let language = object["language"], !(language is NSNull) {
            guard let text = language as? String, text.count == 2 else {
                return "The field language must be a two-letter code"
            }
        }
        return nil
    }
}
