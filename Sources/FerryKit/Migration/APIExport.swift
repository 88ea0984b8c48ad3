import Foundation

/// Reads every customer of a system through its paginated list call (`api.list`, limit/offset pages
/// following `next`) into a file of pages Ferry's JSON reader reads: `ferry export`.
public struct APIExport {
    public let profile: Profile
    public let endpoint: String
    public let environment: [String: String]
    public var requestTimeout = 30.0

    public init(profile: Profile, endpoint: String, environment: [String: String] = ProcessInfo.processInfo.environment)
    {
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

    /// Asked to stop (Ctrl-C): every wait ends and nothing more is sent.
    public var stop: StopRequest?

    /// Downloads every page into `path` as a JSON array of pages. `progress` gets the summary after
    /// each page. A page that keeps failing, a `next` that loops or never ends, or a link elsewhere
    /// stops the export (exit 3); nothing partial is left.
    public func download(to path: String, progress: ((Summary) -> Void)? = nil) async throws -> Summary {
        guard let api = profile.api, api.list != nil else {
            throw FerryError(
                .usage, "`\(profile.name)` has no list call to export from",
                hint: "export from koibox, or add `api.list` to the mapping")
        }
        let client = try APIClient(endpoint: endpoint, api: api, timeout: requestTimeout, stop: stop)
        return try await client.closing {
            try client.checkResolves()
            let auth = try AuthSession(description: api, client: client, environment: environment)
            let file = try OutputFile(path: path)
            var summary = Summary()
            var pages = Paginator(client: client, auth: auth, api: api, kind: .page, attempts: 8)
            do {
                file.pending.append(UInt8(ascii: "["))
                while true {
                    let page: Paginator.Page?
                    do {
                        page = try await pages.nextPage()
                    } catch let failure as Paginator.Failure {
                        switch failure {
                        case .runStops(let error): throw error
                        case .pageFailed(let why):
                            throw FerryError(
                                .network, why, hint: "the API kept failing; try again later, nothing was written")
                        }
                    }
                    guard let page else { break }
                    if summary.pages > 0 { file.pending.append(UInt8(ascii: ",")) }
                    // The file is read back by Ferry's JSON reader, which knows pages by `results`.
                    if api.page.results == "results" {
                        file.pending.append(contentsOf: page.body)
                    } else {
                        file.pending.append(contentsOf: Array("{\"results\":".utf8))
                        JSONValue.array(page.results).appendCompact(to: &file.pending)
                        file.pending.append(UInt8(ascii: "}"))
                    }
                    file.pending.append(0x0A)
                    try file.flushIfFull()
                    summary.pages = pages.pages
                    summary.records = pages.records
                    summary.announced = pages.announced
                    summary.retries = pages.requests - pages.pages
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
}
