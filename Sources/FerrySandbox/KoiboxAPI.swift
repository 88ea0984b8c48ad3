import FerryKit
import Foundation
import Hummingbird
import NIOCore

/// Koibox's customer API as `../shared/apis/` describes it: `X-Koibox-Key` auth, `/api/clientes/` with
/// Django-REST limit/offset pages and filters, create (201), patch (200/404), DRF-style 400 bodies.
extension Sandbox {
    /// Fields the API fills in and never accepts. Real DRF ignores them silently; the sandbox answers
    /// 400, so a client that sends them is caught in rehearsal.
    static let koiboxReadOnly: Set<String> = [
        "id", "created", "updated", "is_sms_cliente_perdido_enviado", "is_email_cliente_perdido_enviado", "foto",
        "origen",
        "is_agree_rgpd", "b64_firma_rgpd", "fecha_firma_rgpd", "file_contrato_rgpd", "is_anonymous",
        "fecha_ultima_venta",
        "numero_ventas", "importe_ventas", "importe_deudas", "fecha_ultima_cita_realizada", "total_citas_realizadas",
        "fecha_alta", "provincia", "created_by", "categoria", "como_nos_conocio",
    ]
    /// Yes/no fields that default to yes when not sent.
    static let koiboxDefaultYes = [
        "is_suscrito_newsletter", "is_suscrito_encuestas", "is_active", "is_agree_notificaciones_sms",
        "is_agree_notificaciones_email", "is_citas_online",
    ]
    static let koiboxBooleans = Set(koiboxDefaultYes + ["is_envios_sms", "is_envios_email"])
    static let koiboxStrings: Set<String> = [
        "nombre", "apellido1", "apellido2", "dni", "movil", "fijo", "email", "direccion", "localidad",
        "codigo_postal", "fecha_nacimiento", "sexo", "notas", "manual_code", "prefijo_tel",
        "informacion_clinica", "color", "username",
    ]

    func koibox(authorized request: Request, _ answer: () throws -> Response) throws -> Response {
        if let refusal = try koiboxRefusal(request) { return refusal }
        return try answer()
    }

    func koiboxAuthorized(_ request: Request, _ answer: () async throws -> Response) async throws -> Response {
        if let refusal = try koiboxRefusal(request) { return refusal }
        return try await answer()
    }

    /// 401 without the key (with `WWW-Authenticate`), 403 with a wrong one.
    private func koiboxRefusal(_ request: Request) throws -> Response? {
        guard let key = request.headers.first(where: { $0.name.canonicalName == "x-koibox-key" })?.value else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "X-Koibox-Key"
            return try json(
                .unauthorized, ["detail": "Authentication credentials were not provided."], headers: headers)
        }
        guard key == configuration.koiboxKey else { return try json(.forbidden, ["detail": "Invalid API key."]) }
        return nil
    }

    func koiboxCreate(_ body: ByteBuffer) async throws -> Response {
        let object: [String: Any]
        switch koiboxObject(body) {
        case .failure(let answer): return answer.response
        case .success(let parsed): object = parsed
        }
        var errors = koiboxErrors(object, partial: false)
        var code: Int?
        if let raw = object["code"], !(raw is NSNull) {
            if let number = raw as? NSNumber, !number.isBoolean, number.doubleValue == number.doubleValue.rounded() {
                code = number.intValue
            } else if let text = raw as? String, let number = Int(text) {
                code = number
            } else {
                errors["code", default: []].append("A valid integer is required.")
            }
        }
        guard errors.isEmpty else { return try json(.badRequest, errors) }

        var stored = object
        for field in Sandbox.koiboxDefaultYes where stored[field] == nil || stored[field] is NSNull {
            stored[field] = true
        }
        for field in Sandbox.koiboxBooleans {
            if let value = stored[field], let flag = koiboxBoolean(value) { stored[field] = flag }
        }
        if let sexo = stored["sexo"] as? String { stored["sexo"] = sexo }
        let now = utcTimestamp()
        stored["created"] = now
        stored["updated"] = now
        stored["fecha_alta"] = now
        stored["origen"] = "api"
        stored["is_agree_rgpd"] = false
        stored["is_anonymous"] = false
        stored["numero_ventas"] = 0
        stored["importe_ventas"] = 0
        stored["provincia"] = NSNull()
        let template = try JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys])
        guard
            let text = try await store.insert(
                .koibox, keys: koiboxKeys(stored), code: code,
                body: { id, code in
                    jsonText(template, adding: ["id": id, "code": code])
                })
        else {
            return try json(.badRequest, ["code": ["cliente with this code already exists."]])
        }
        count { $0.koiboxCreated += 1 }
        return Response(
            status: .created, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func koiboxPatch(id: String, _ body: ByteBuffer) async throws -> Response {
        guard let number = Int64(id), let existing = try await store.body(.koibox, id: number),
            var stored = (try? JSONSerialization.jsonObject(with: Data(existing.utf8))) as? [String: Any]
        else {
            return try json(.notFound, ["detail": "Not found."])
        }
        let object: [String: Any]
        switch koiboxObject(body) {
        case .failure(let answer): return answer.response
        case .success(let parsed): object = parsed
        }
        var errors = koiboxErrors(object, partial: true)
        if object["code"] != nil {
            errors["code", default: []].append("The sandbox does not change codes; create the customer with it.")
        }
        guard errors.isEmpty else { return try json(.badRequest, errors) }
        for (key, value) in object {
            stored[key] = Sandbox.koiboxBooleans.contains(key) ? (koiboxBoolean(value) ?? value) : value
        }
        stored["updated"] = utcTimestamp()
        let keys = koiboxKeys(stored)
        let text = String(
            decoding: try JSONSerialization.data(withJSONObject: stored, options: [.sortedKeys]), as: UTF8.self)
        guard try await store.update(.koibox, id: number, keys: keys, body: text) else {
            return try json(.notFound, ["detail": "Not found."])
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The duplicate keys of a Koibox customer.
    private func koiboxKeys(_ customer: [String: Any]) -> SandboxStore.Keys {
        SandboxStore.Keys(
            taxId: DuplicateKey.taxId(customer["dni"] as? String),
            email: DuplicateKey.email(customer["email"] as? String),
            mobile: DuplicateKey.mobile(customer["movil"] as? String))
    }

    /// `GET /api/clientes/?limit=&offset=&filter=...`: a page in Django REST framework's shape.
    func koiboxList(_ request: Request) async throws -> Response {
        count { $0.koiboxListRequests += 1 }
        let query = request.uri.queryParameters
        let limit = min(50, max(1, query["limit"].flatMap { Int($0) } ?? 20))
        // Bounded, so `offset + limit` cannot overflow whatever the query says (DRF answers an
        // offset past the end with an empty page, and so does the sandbox).
        let offset = min(1 << 40, max(0, query["offset"].flatMap { Int($0) } ?? 0))
        var conditions: [(sql: String, arguments: [String])] = []
        var kept: [(String, String)] = []
        func text(_ field: String) -> String { "json_extract(body, '$.\(field)')" }
        func like(_ value: Substring) -> String {
            "%"
                + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        for (key, value) in query {
            let name = String(key)
            switch name {
            case "movil", "fijo", "sexo":
                conditions.append(("\(text(name)) = ?", [String(value)]))
            case "movil__in", "codigo_postal__in":
                let field = String(name.dropLast(4))
                let values = value.split(separator: ",").map(String.init)
                guard !values.isEmpty else { continue }
                conditions.append(("\(text(field)) IN (\(values.map { _ in "?" }.joined(separator: ",")))", values))
            case "email__icontains", "dni__icontains", "nombre__icontains", "apellido1__icontains":
                let field = String(name.dropLast(11))
                conditions.append(("\(text(field)) LIKE ? ESCAPE '\\'", [like(value)]))
            case "fecha_alta__gte":
                conditions.append(("\(text("fecha_alta")) >= ?", [String(value)]))
            default:
                continue  // Koibox ignores filters it does not know, and so does the sandbox.
            }
            kept.append((name, String(value)))
        }
        let page = try await store.page(.koibox, conditions: conditions, limit: limit, offset: offset)
        let authority = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        func link(_ at: Int) -> Any {
            var components = URLComponents()
            components.queryItems =
                [URLQueryItem(name: "limit", value: String(limit))]
                + (at > 0 ? [URLQueryItem(name: "offset", value: String(at))] : [])
                + kept.map { URLQueryItem(name: $0.0, value: $0.1) }
            return "http://\(authority)/api/clientes/?" + (components.percentEncodedQuery ?? "")
        }
        let results = page.bodies.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        let answer: [String: Any] = [
            "count": page.count,
            "next": offset + limit < page.count ? link(offset + limit) : NSNull(),
            "previous": offset > 0 ? link(max(0, offset - limit)) : NSNull(),
            "results": results,
        ]
        return try json(.ok, answer)
    }

    /// The request body as a JSON object, or the 400 DRF gives for anything else.
    private func koiboxObject(_ body: ByteBuffer) -> Result<[String: Any], AnswerError> {
        guard let parsed = parseJSON(body) else {
            return .failure(
                AnswerError(
                    (try? json(.badRequest, ["detail": "JSON parse error - the body is not valid JSON."]))
                        ?? Response(status: .badRequest)))
        }
        guard let object = parsed as? [String: Any] else {
            let kind = parsed is [Any] ? "list" : "\(type(of: parsed))"
            return .failure(
                AnswerError(
                    (try? json(
                        .badRequest, ["non_field_errors": ["Invalid data. Expected a dictionary, but got \(kind)."]]))
                        ?? Response(status: .badRequest)))
        }
        return .success(object)
    }

    /// DRF's `{"field": ["message"]}` for every problem of a body.
    private func koiboxErrors(_ object: [String: Any], partial: Bool) -> [String: [String]] {
        var errors: [String: [String]] = [:]
        for key in object.keys where Sandbox.koiboxReadOnly.contains(key) {
            errors[key, default: []].append("This field is read-only.")
        }
        if !partial || object["nombre"] != nil {
            switch object["nombre"] {
            case nil: errors["nombre", default: []].append("This field is required.")
            case is NSNull: errors["nombre", default: []].append("This field may not be null.")
            case let text as String where text.trimmingCharacters(in: .whitespaces).isEmpty:
                errors["nombre", default: []].append("This field may not be blank.")
            default: break
            }
        }
        for field in Sandbox.koiboxStrings where field != "nombre" {
            if let value = object[field], !(value is NSNull), !(value is String) {
                errors[field, default: []].append("Not a valid string.")
            }
        }
        if let email = object["email"] as? String, !email.isEmpty, !looksLikeEmail(email) {
            errors["email", default: []].append("Enter a valid email address.")
        }
        if let sexo = object["sexo"] as? String, !["h", "m"].contains(sexo) {
            errors["sexo", default: []].append("\"\(sexo)\" is not a valid choice.")
        }
        if let date = object["fecha_nacimiento"] as? String, !date.isEmpty, !isISODate(date) {
            errors["fecha_nacimiento", default: []].append(
                "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
        }
        for field in Sandbox.koiboxBooleans {
            if let value = object[field], !(value is NSNull), koiboxBoolean(value) == nil {
                errors[field, default: []].append("Must be a valid boolean.")
            }
        }
        if let value = object["descuento_ventas"], !(value is NSNull) {
            let valid =
                (value as? NSNumber).map { !$0.isBoolean } ?? (value as? String).flatMap(Double.init).map { _ in true }
                ?? false
            if !valid { errors["descuento_ventas", default: []].append("A valid number is required.") }
        }
        return errors
    }

    /// DRF's boolean field: true/false, 1/0, and their spellings as text.
    private func koiboxBoolean(_ value: Any) -> Bool? {
        if let number = value as? NSNumber {
            if number.isBoolean { return number.boolValue }
            return number == 1 ? true : number == 0 ? false : nil
        }
        switch (value as? String)?.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }
}

/// An answer that ends the handling of a request early.
struct AnswerError: Error {
    let response: Response
    init(_ response: Response) { self.response = response }
}

/// A plausible address: something@something.something without spaces.
func looksLikeEmail(_ text: String) -> Bool {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !text.contains(" ") else { return false }
    return !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
}

/// `YYYY-MM-DD` naming a real day.
func isISODate(_ text: String) -> Bool {
    let parts = text.split(separator: "-")
    guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
        let day = Int(parts[2]),
        (1...12).contains(month), day >= 1
    else { return false }
    let days = [
        31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]
    return day <= days[month - 1]
}
