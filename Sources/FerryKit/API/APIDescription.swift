import Yams

/// How a system's customer API is called, read from the `api:` section of its mapping, so Koibox
/// and Movin are described as data like their fields are:
///
/// ```yaml
/// api:
///   auth: {header: X-Koibox-Key, key_env: KOIBOX_API_KEY}
///   check: GET /api/api-key/me
///   create: POST /api/clientes/
///   created_id: id
///   list: GET /api/clientes/
///   page: {results: results, next: next, count: count, limit: limit}
///   page_size: 50
///   identity: [code, taxId, email, mobilePhone]
///   lookup: {movil: movil, email__icontains: email, dni__icontains: dni}
///   lookup_fallback: {nombre__icontains: nombre}
///   match: [nombre, apellido1, movil, email, dni]
///   errors: per_field
///   general_errors: [detail, non_field_errors]
///   not_processed: [429, 503]
/// ```
public struct APIDescription: Sendable, Equatable {
    /// A method and a path below the endpoint: `POST /api/clientes/`.
    public struct Call: Sendable, Equatable, CustomStringConvertible {
        public var method: String
        public var path: String
        public var description: String { "\(method) \(path)" }
    }

    /// How requests prove who sends them.
    public enum Auth: Sendable, Equatable {
        /// A key in a header (`X-Koibox-Key`), read from the environment variable `keyVariable`.
        case header(name: String, keyVariable: String)
        /// A bearer token, from `tokenVariable` or obtained by `call` with HTTP Basic `key:password`
        /// (from `keyVariable` and `passwordVariable`), found in the answer's `tokenField`; a 401 renews it.
        case bearer(
            call: Call, tokenField: String, tokenVariable: String, keyVariable: String, passwordVariable: String)
    }

    /// Where an error answer says what is wrong.
    public enum Errors: Sendable, Equatable {
        /// `{"field": ["message", ...]}`: each key names the field its messages are about, but the
        /// keys in `general` (`general_errors:`), whose messages are about the whole record.
        case perField(general: [String])
        /// One message at a path: `error.message` for `{"error": {"message": ...}}`.
        case message(path: [String])
    }

    /// The shape of a page of the list call: where its records, the link to the next page and the
    /// total are, and the query parameter that sets the page size.
    public struct Page: Sendable, Equatable {
        public var results: String
        public var next: String
        /// The announced total, when the API gives one.
        public var count: String?
        public var limit: String
    }

    public var auth: Auth
    /// A cheap call that checks the credentials before the first record is sent.
    public var check: Call?
    public var create: Call
    /// The call that changes a created customer (`PATCH /api/clientes/{id}/`), when the API has one:
    /// `--update` sends records changed since an earlier run created them.
    public var update: Call?
    /// Where the created customer's id is in the create answer: `["data", "id_customer"]`.
    public var createdID: [String]
    /// The paginated list (limit/offset pages with `next` links), when the API has one.
    public var list: Call?
    /// Required with `list`: the engine assumes no page shape of its own.
    public var page = Page(results: "", next: "", count: nil, limit: "")
    public var pageSize = 50
    /// The canonical fields that identify a customer across runs, first one with a value wins: a
    /// record keeps its place in the journal when other values are corrected or columns added.
    public var identity: [String] = ["code", "taxId", "email", "mobilePhone"]
    /// List filters that find a customer by an identifying value (mobile, e-mail, tax id), each with
    /// the column whose value it takes. `--skip-existing` counts a customer found so as already there.
    public var lookup: [(filter: String, column: String)] = []
    /// Filters tried after `lookup` when the record has none of its values (a name), only to settle a
    /// lost answer, where every `match` column must agree.
    public var lookupFallback: [(filter: String, column: String)] = []
    /// The columns a found customer must share with the record sent to count as that record.
    public var match: [String] = []
    public var errors: Errors = .perField(general: [])
    /// Statuses after which the server surely did not create the record, so resending is safe.
    public var notProcessed: Set<Int> = [429]

    public static func == (a: APIDescription, b: APIDescription) -> Bool {
        a.auth == b.auth && a.check == b.check && a.create == b.create && a.update == b.update
            && a.createdID == b.createdID && a.list == b.list
            && a.page == b.page && a.identity == b.identity && a.pageSize == b.pageSize
            && a.lookup.map(\.filter) == b.lookup.map(\.filter) && a.lookup.map(\.column) == b.lookup.map(\.column)
            && a.lookupFallback.map(\.filter) == b.lookupFallback.map(\.filter)
            && a.lookupFallback.map(\.column) == b.lookupFallback.map(\.column)
            && a.match == b.match && a.errors == b.errors && a.notProcessed == b.notProcessed
    }

    /// Whether a lost answer can be settled by looking the customer up.
    public var canLookUp: Bool { list != nil && !lookup.isEmpty }

    /// The environment variables that hold this API's secrets.
    public var secretVariables: [String] {
        switch auth {
        case .header(_, let key): [key]
        case .bearer(_, _, let token, let key, let password): [token, key, password]
        }
    }
}

extension MappingDocument {
    static let apiKeys = [
        "auth", "check", "create", "created_id", "update", "list", "page", "page_size", "identity", "lookup",
        "lookup_fallback", "match", "errors", "general_errors", "not_processed",
    ]

    /// Reads the `api:` section.
    func apiDescription(_ node: Node) throws(FerryError) -> APIDescription {
        guard let pairs = node.mapping else {
            throw fail("`api:` describes how the system's API is called; see docs/mappings.md", at: node)
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in pairs {
            guard let key = keyNode.string, MappingDocument.apiKeys.contains(key) else {
                throw fail(
                    "unknown key `\(keyNode.string ?? "?")` under `api:`; allowed: \(MappingDocument.apiKeys.joined(separator: ", "))",
                    at: keyNode)
            }
            values[key] = value
        }
        func text(_ key: String) throws(FerryError) -> String? {
            guard let node = values[key] else { return nil }
            guard let scalar = node.scalar, !scalar.string.isEmpty else {
                throw fail("`api.\(key)` takes a single value", at: node)
            }
            return scalar.string
        }
        func call(_ key: String, node: Node? = nil) throws(FerryError) -> APIDescription.Call? {
            guard let node = node ?? values[key] else { return nil }
            let parts = (node.string ?? "").split(separator: " ")
            guard parts.count == 2, ["GET", "POST", "PATCH", "PUT"].contains(String(parts[0])), parts[1].hasPrefix("/")
            else {
                throw fail("`\(key)` is a method and a path, for example `POST /api/clientes/`", at: node)
            }
            return APIDescription.Call(method: String(parts[0]), path: String(parts[1]))
        }
        guard let authNode = values["auth"], let auth = authNode.mapping else {
            throw fail(
                "`api:` needs `auth:`, either `{header: NAME, key_env: VARIABLE}` or `{token: POST /path, token_field: NAME, token_env: ..., key_env: ..., password_env: ...}`",
                at: node)
        }
        var authValues: [String: Node] = [:]
        for (k, v) in auth { if let key = k.string { authValues[key] = v } }
        func authText(_ key: String) throws(FerryError) -> String {
            guard let value = authValues[key]?.string, !value.isEmpty else {
                throw fail("`api.auth` needs `\(key):`", at: authNode)
            }
            return value
        }
        let authorization: APIDescription.Auth
        if authValues["header"] != nil {
            authorization = .header(name: try authText("header"), keyVariable: try authText("key_env"))
        } else if let tokenNode = authValues["token"] {
            authorization = .bearer(
                call: try call("token", node: tokenNode)!, tokenField: try authText("token_field"),
                tokenVariable: try authText("token_env"), keyVariable: try authText("key_env"),
                passwordVariable: try authText("password_env"))
        } else {
            throw fail("`api.auth` has `header:` (a key in a header) or `token:` (a bearer token call)", at: authNode)
        }
        guard let create = try call("create") else {
            throw fail("`api:` needs `create:`, the call that creates a customer", at: node)
        }
        guard let createdID = try text("created_id") else {
            throw fail(
                "`api:` needs `created_id:`, where the create answer holds the new id (`id`, `data.id_customer`)",
                at: node)
        }
        var description = APIDescription(
            auth: authorization, check: try call("check"), create: create,
            createdID: createdID.split(separator: ".").map(String.init), list: try call("list"))
        if let update = try call("update") {
            guard update.path.contains("{id}") else {
                throw fail(
                    "`api.update` names where the customer's id goes: `PATCH /api/clientes/{id}/`",
                    at: values["update"]!)
            }
            description.update = update
        }
        if let size = try text("page_size") {
            guard let number = Int(size), number > 0 else {
                throw fail("`api.page_size` is a whole number above 0", at: values["page_size"]!)
            }
            description.pageSize = number
        }
        if description.list != nil, values["page"] == nil {
            throw fail(
                "`api.list` needs `api.page`, the shape of a page: `{results: results, next: next, count: count, limit: limit}` (where the records, the next page's link and the total are, and the page size parameter)",
                at: node)
        }
        if let pageNode = values["page"] {
            guard let pairs = pageNode.mapping else {
                throw fail(
                    "`api.page` describes a list page: `{results: results, next: next, count: count, limit: limit}`",
                    at: pageNode)
            }
            for (k, v) in pairs {
                guard let key = k.string, let value = v.string, !value.isEmpty else {
                    throw fail("`api.page` maps a part of a page to its key", at: k)
                }
                switch key {
                case "results": description.page.results = value
                case "next": description.page.next = value
                case "count": description.page.count = value
                case "limit": description.page.limit = value
                default:
                    throw fail("unknown key `\(key)` under `api.page`; allowed: results, next, count, limit", at: k)
                }
            }
            guard !description.page.results.isEmpty, !description.page.next.isEmpty, !description.page.limit.isEmpty
            else {
                throw fail("`api.page` needs `results`, `next` and `limit` (`count` is optional)", at: pageNode)
            }
        }
        if let identityNode = values["identity"] {
            guard let list = identityNode.sequence, !list.isEmpty else {
                throw fail(
                    "`api.identity` is a list of canonical fields, such as [code, taxId, email]", at: identityNode)
            }
            description.identity = try list.map { item throws(FerryError) in
                guard let name = item.string, CustomerField(rawValue: name) != nil else {
                    throw fail("`api.identity` lists canonical fields; `\(item.string ?? "?")` is not one", at: item)
                }
                return name
            }
        }
        for key in ["lookup", "lookup_fallback"] {
            guard let lookupNode = values[key] else { continue }
            guard let lookup = lookupNode.mapping else {
                throw fail(
                    "`api.\(key)` maps list filters to the columns they search: `{movil: movil}`", at: lookupNode)
            }
            var filters: [(filter: String, column: String)] = []
            for (filter, column) in lookup {
                guard let f = filter.string, let c = column.string, !f.isEmpty, !c.isEmpty else {
                    throw fail("`api.\(key)` maps a filter to a column", at: filter)
                }
                filters.append((f, c))
            }
            if description.list == nil {
                throw fail("`api.\(key)` needs `api.list`, the call the filters are given to", at: lookupNode)
            }
            if key == "lookup" { description.lookup = filters } else { description.lookupFallback = filters }
        }
        if let matchNode = values["match"] {
            guard let list = matchNode.sequence else { throw fail("`api.match` is a list of columns", at: matchNode) }
            description.match = list.compactMap(\.string)
        }
        if let errors = try text("errors") {
            description.errors =
                errors == "per_field"
                ? .perField(general: []) : .message(path: errors.split(separator: ".").map(String.init))
        }
        if let generalNode = values["general_errors"] {
            guard case .perField = description.errors, let list = generalNode.sequence else {
                throw fail(
                    "`api.general_errors` lists the keys of a per_field error answer that are about the whole record, such as [detail]",
                    at: generalNode)
            }
            description.errors = .perField(general: list.compactMap(\.string))
        }
        if let statusNode = values["not_processed"] {
            guard let list = statusNode.sequence else {
                throw fail("`api.not_processed` is a list of HTTP statuses", at: statusNode)
            }
            var statuses: Set<Int> = []
            for item in list {
                guard let status = item.string.flatMap({ Int($0) }), (400...599).contains(status) else {
                    throw fail("`api.not_processed` lists HTTP statuses from 400 to 599", at: item)
                }
                statuses.insert(status)
            }
            description.notProcessed = statuses
        }
        return description
    }
}
