import Foundation

/// Reads every customer of a system through its paginated list call (`api.list`, limit/offset pages
/// following `next`) into a file of pages Ferry's JSON reader reads: `ferry export`.
public struct APIExport {
    public let profile: Profile
    public let endpoint: String
    public let environment: [String: String]
    public var requestTimeout = 30.0

    public init(profile: Profile, endpoint: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.profile = profile
        self.endpoint = endpoint
        self.environment = environment
    }

    /// What a download came to.
    public struct Summary: Sendable {
        public var pages = 0
        public var records = 0
        /// The total the first page announced.
        public var announced: Int?
        public var retries = 0
    }

    /// Downloads every page into `path` as a JSON array of pages. `progress` gets the summary after
    /// each page. A page that keeps failing stops the export (exit 3); nothing partial is left.
    public func download(to path: String, progress: ((Summary) -> Void)? = nil) async throws -> Summary {
        guard let api = profile.api, let list = api.list else {
            throw FerryError(.usage, "`\(profile.name)` has no list call to export from", hint: "export from koibox, or add `api.list` to the mapping")
        }
        let client = try APIClient(endpoint: endpoint, timeout: requestTimeout)
        return try await client.closing {
            let auth = try AuthSession(description: api, client: client, environment: environment)
            let file = try OutputFile(path: path)
            var summary = Summary()
            var next: String? = list.path + "?limit=\(api.pageSize)"
            do {
                file.pending.append(UInt8(ascii: "["))
                while let url = next {
                    let body = try await page(url, list: list, api: api, client: client, auth: auth, summary: &summary)
                    guard let page = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let results = page["results"] as? [Any] else {
                        throw FerryError(.network, "\(url) did not answer a page of results", hint: "check that --endpoint is the API's base URL")
                    }
                    if summary.pages > 0 { file.pending.append(UInt8(ascii: ",")) }
                    file.pending.append(contentsOf: body)
                    file.pending.append(0x0A)
                    try file.flushIfFull()
                    summary.pages += 1
                    summary.records += results.count
                    if summary.announced == nil { summary.announced = page["count"] as? Int }
                    next = page["next"] as? String
                    if results.isEmpty { next = nil }
                    progress?(summary)
                }
                file.pending.append(UInt8(ascii: "]"))
                try file.commit()
            } catch {
                file.abandon()
                throw error
            }
            return summary
        }
    }

    /// One page, retried on 429, 5xx and lost answers (reading has no side effect).
    private func page(_ url: String, list: APIDescription.Call, api: APIDescription, client: APIClient, auth: AuthSession,
                      summary: inout Summary) async throws -> [UInt8] {
        for _ in 0..<2 {
            let headers = try await auth.headers()
            let (outcome, sent) = await client.sendRetrying(list.method, url, headers: headers, attempts: 8)
            summary.retries += sent - 1
            switch outcome {
            case .answered(let status, _, let body) where (200...299).contains(status):
                return body
            case .answered(401, _, _) where try await auth.refused(headers):
                continue   // a renewed token
            case .answered(let status, _, _) where status == 401 || status == 403:
                throw FerryError(.network, "the API refused the credentials (\(status))", hint: "check \(api.secretVariables.joined(separator: " / ")) in the environment")
            case .answered(let status, _, let body):
                throw FerryError(.network, "\(list.method) \(url) answered \(status): \(serverMessage(body, style: api.errors))",
                                 hint: status >= 500 || status == 429 ? "the API kept failing; try again later, nothing was written" : nil)
            case .refused(let error):
                throw error
            case .notSent(let why), .lost(let why, _):
                throw FerryError(.network, "\(list.method) \(url) kept failing: \(why)", hint: "try again later; nothing was written")
            }
        }
        throw FerryError(.network, "the API refused renewed tokens at \(url)", hint: "check \(api.secretVariables.joined(separator: " / "))")
    }
}
