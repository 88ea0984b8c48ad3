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
        if let zip = object["zip_code"], !(zip is NSNull), !(zip is String) {
            return "The field zip_code must be a string (a number loses its leading zeros)"
        }
        if let language = object["language"], !(language is NSNull) {
            guard let text = language as? String, text.count == 2 else {
                return "The field language must be a two-letter code"
            }
        }
        return nil
    }
}
