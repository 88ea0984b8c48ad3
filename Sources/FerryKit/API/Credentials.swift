import Foundation

/// Signs requests for one API: a key header, or a bearer token obtained with Basic auth and renewed
/// when the server says it no longer works. Several workers share one session; when a token dies,
/// one renewal serves them all.
actor AuthSession {
    private let description: APIDescription
    private let client: APIClient
    private let key: Secret?
    private let password: Secret?
    private var token: Secret?
    /// Whether `token` was obtained by this session and has not yet been accepted by the API: a
    /// token refused then is not expired, it is refused, and asking again would go round for ever.
    private var tokenUntried = false
    private var renewal: Task<Result<Secret, FerryError>, Never>?
    /// How many tokens were obtained, for the summary.
    private(set) var tokensObtained = 0

    /// Reads the credentials named by `description.auth` from `environment`; a missing one is an
    /// error that names the variable (never its value).
    init(description: APIDescription, client: APIClient, environment: [String: String]) throws(FerryError) {
        self.description = description
        self.client = client
        func read(_ name: String) throws(FerryError) -> Secret? {
            try AuthSession.credential(environment[name], named: name)
        }
        switch description.auth {
        case .header(_, let variable):
            guard let key = try read(variable) else {
                throw FerryError(
                    .usage, "the API key is missing",
                    hint: "set \(variable) in the environment (the sandbox accepts `sandbox-key`)")
            }
            self.key = key
            password = nil
        case .bearer(_, _, let tokenVariable, let keyVariable, let passwordVariable):
            token = try read(tokenVariable)
            key = try read(keyVariable)
            password = try read(passwordVariable)
            guard token != nil || (key != nil && password != nil) else {
                throw FerryError(
                    .usage, "no credentials for the API",
                    hint:
                        "set \(tokenVariable), or \(keyVariable) and \(passwordVariable) so Ferry can obtain and renew tokens"
                )
            }
        }
        if let key, let password { _ = Redactor.shared.learnBasic(key: key.value, password: password.value) }
    }

    /// A credential as given, trimmed of the white space and line ends a file saved on Windows or
    /// `$(cat key.txt)` leave around it; nil when empty. One with a control character inside, or
    /// too short to be real, is refused by name.
    static func credential(_ raw: String?, named name: String) throws(FerryError) -> Secret? {
        guard let raw else { return nil }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty { return nil }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw FerryError(
                .usage, "\(name) holds a control character (a line break or tab inside the value)",
                hint: "give the credential on one line, as the API issued it")
        }
        if value.count < Redactor.shortest {
            throw FerryError(
                .usage, "\(name) is too short to be a credential (\(value.count) characters)",
                hint: "check the value of \(name)")
        }
        return Secret(value)
    }

    /// The headers that authenticate a request.
    func headers() async throws(FerryError) -> [(String, String)] {
        switch description.auth {
        case .header(let name, _):
            return [(name, key!.value)]
        case .bearer:
            if let token { return [("Authorization", "Bearer " + token.value)] }
            let fresh = try await renew()
            return [("Authorization", "Bearer " + fresh.value)]
        }
    }

    /// The API accepted the credentials in `used`.
    func worked(_ used: [(String, String)]) {
        guard tokenUntried, let token,
            used.contains(where: { $0.0 == "Authorization" && $0.1 == "Bearer " + token.value })
        else { return }
        tokenUntried = false
    }

    /// The server refused the credentials in `used` (a 401). For a token API, gets a new token unless
    /// another worker already did; returns false when nothing can be renewed (a key is simply wrong).
    /// A token refused before the API accepted it once stops the run.
    func refused(_ used: [(String, String)]) async throws(FerryError) -> Bool {
        guard case .bearer = description.auth else { return false }
        let usedToken = used.first { $0.0 == "Authorization" }?.1
        if let token, "Bearer " + token.value != usedToken { return true }  // someone renewed it already
        if tokenUntried {
            throw FerryError(
                .network, "the API refused the token it had just given (401 right after \(tokenCallName))",
                hint: "the key may lack the right to this call, or the API is misconfigured; nothing more is sent")
        }
        guard key != nil, password != nil else {
            let variables = description.secretVariables
            throw FerryError(
                .network, "the API refused the token and there is no key and password to obtain a new one",
                hint:
                    "set \(variables.dropFirst().joined(separator: " and ")) so Ferry can renew tokens, or give a fresh \(variables[0])"
            )
        }
        _ = try await renew()
        return true
    }

    /// What a refusal of the credentials means for the run.
    nonisolated func refusedCredentials(_ status: Int) -> FerryError {
        FerryError(
            .network, "the API refused the credentials (\(status))",
            hint:
                "check \(description.secretVariables.joined(separator: " / ")) in the environment; nothing more is sent until they work"
        )
    }

    private var tokenCallName: String {
        if case .bearer(let call, _, _, _, _) = description.auth { return call.description }
        return "the token call"
    }

    /// One renewal at a time: a second caller waits for the first one's token.
    private func renew() async throws(FerryError) -> Secret {
        if let renewal { return try await renewal.value.get() }
        token = nil
        let task = Task { await obtainToken() }
        renewal = task
        let result = await task.value
        renewal = nil
        if case .success(let fresh) = result {
            token = fresh
            tokenUntried = true
            tokensObtained += 1
        }
        return try result.get()
    }

    /// `POST token-call` with `Authorization: Basic base64(key:password)`; retried on 429, 5xx and
    /// lost answers (obtaining a token has no side effect worth fearing).
    private func obtainToken() async -> Result<Secret, FerryError> {
        guard case .bearer(let call, let field, _, let keyVariable, _) = description.auth, let key, let password else {
            return .failure(FerryError(.network, "no key and password to obtain a token"))
        }
        let basic = Redactor.shared.learnBasic(key: key.value, password: password.value)
        let (answer, _) = await client.sendRetrying(
            call.method, client.url(call.path), headers: [("Authorization", "Basic " + basic)],
            body: Array("{}".utf8), kind: .token, attempts: 8)
        switch answer {
        case .success(let body):
            guard let text = body.value[field]?.scalarText else {
                return .failure(
                    FerryError(
                        .network, "the token call answered without `\(field)`",
                        hint: "check that --endpoint is the API's base URL"))
            }
            do {
                guard let token = try AuthSession.credential(text, named: "the token the API gave") else {
                    return .failure(
                        FerryError(
                            .network, "the token call answered an empty `\(field)`",
                            hint: "check that --endpoint is the API's base URL"))
                }
                return .success(token)
            } catch {
                return .failure(error)
            }
        case .credentialsRefused(let status):
            return .failure(
                FerryError(
                    .network, "the API refused the key and password (\(status)) when asked for a token",
                    hint: "check \(keyVariable) and its password in the environment"))
        case .refused(let status, let body):
            return .failure(
                FerryError(
                    .network, "the token call answered \(status): \(serverMessage(body, style: description.errors))"))
        case .retryAfter(let status, _):
            return .failure(
                FerryError(
                    .network, "the token call kept answering \(status)", hint: "the API is failing; try again later"))
        case .maybeStored(let why, _), .unreachable(let why):
            if client.outage == .tooLong { return .failure(client.outageError(why)) }
            return .failure(
                FerryError(
                    .network, "no token from \(call): \(why)", hint: "check that the API is reachable at --endpoint"))
        case .redirect, .notAnAPIAnswer, .unresolvable, .fatal, .stopped:
            return .failure(client.runError(answer, call: call.description)!)
        }
    }
}

/// Exponential backoff with full jitter: the n-th wait is random in 0...min(cap, base·2ⁿ), and never
/// shorter than the server's `Retry-After`.
struct Backoff: Sendable {
    var base = 0.1
    var cap = 8.0
    private(set) var attempt = 0

    mutating func next(retryAfter: String?) -> Double {
        let ceiling = min(cap, base * Double(1 << min(attempt, 20)))
        attempt += 1
        let jittered = Double.random(in: 0...ceiling)
        guard let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            return jittered
        }
        return max(jittered, min(seconds, 120))
    }
}

/// What an error answer says, as one line: DRF's `{"field": ["message"]}` as `field: message`.
func serverMessage(_ body: [UInt8], style: APIDescription.Errors) -> String {
    serverMessages(body, style: style).map { ($0.field.map { "\($0): " } ?? "") + $0.message }.joined(separator: "; ")
}

/// The messages of an error answer, each with the field it is about when the API says. Text from a
/// server is redacted (it may echo the request's headers) and kept to one line.
func serverMessages(_ body: [UInt8], style: APIDescription.Errors) -> [(field: String?, message: String)] {
    func clean(_ text: String) -> String {
        let line = APIClient.oneLine(text)
        return line.count > 500 ? String(line.prefix(500)) + "…" : line
    }
    return unredactedServerMessages(body, style: style).map { ($0.field.map(clean), clean($0.message)) }
}

private func unredactedServerMessages(_ body: [UInt8], style: APIDescription.Errors) -> [(
    field: String?, message: String
)] {
    switch style {
    case .perField(let general):
        if let members = JSONValue(parsing: body)?.uniqueMembers {
            var messages: [(String?, String)] = []
            for member in members.sorted(by: { $0.key < $1.key }) {
                let field = general.contains(member.key) ? nil : member.key
                if let list = member.value.elements {
                    messages += list.map { (field, $0.scalarText ?? $0.compactText()) }
                } else {
                    messages.append((field, member.value.scalarText ?? member.value.compactText()))
                }
            }
            if !messages.isEmpty { return messages }
        }
    case .message(let path):
        if let text = jsonValue(at: path, in: body)?.scalarText { return [(fieldNamed(in: text), text)] }
    }
    let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return [(nil, text.isEmpty ? "(no message)" : text)]
}

/// `The field email is not valid` names `email`.
private func fieldNamed(in message: String) -> String? {
    let words = message.split(separator: " ")
    guard let index = words.firstIndex(where: { $0.lowercased() == "field" }), index + 1 < words.count else {
        return nil
    }
    return String(words[index + 1]).trimmingCharacters(in: .punctuationCharacters)
}
