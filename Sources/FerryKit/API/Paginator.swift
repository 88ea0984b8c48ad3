import Foundation

/// Walks the pages of a list call (`api.list`), following each page's `next` link as the mapping's
/// `api.page` names it: `ferry export` reads every customer with it, and a migration looks a
/// customer up with it. Links are resolved as URLs by the client, which refuses any to another
/// scheme, host or port; a link seen before, or far more pages than the first one announced,
/// stops the walk instead of going round for ever.
struct Paginator {
    /// Why a walk ended early.
    enum Failure: Error {
        /// The run cannot go on: credentials refused, not the API, a link elsewhere, a loop, stopped.
        case runStops(FerryError)
        /// This list kept failing (5xx, lost answers): the walk's answer is unknown.
        case pageFailed(String)
    }

    /// One page as it came.
    struct Page {
        var url: URL
        var body: [UInt8]
        var results: [JSONValue]
    }

    let client: APIClient
    let auth: AuthSession
    let api: APIDescription
    let list: APIDescription.Call
    let kind: CallKind
    let attempts: Int
    let pace: RateLimiter?
    private var next: URL?
    private var seen: Set<String> = []
    private(set) var pages = 0
    private(set) var records = 0
    /// The total the first page announced.
    private(set) var announced: Int?
    private(set) var requests = 0

    /// A walk from the first page of `api.list` with `query` (filters) and the page size.
    init(
        client: APIClient, auth: AuthSession, api: APIDescription, query: [(String, String)] = [], kind: CallKind,
        attempts: Int,
        pace: RateLimiter? = nil
    ) {
        self.client = client
        self.auth = auth
        self.api = api
        list = api.list!
        self.kind = kind
        self.attempts = attempts
        self.pace = pace
        next = client.url(list.path, query: query + [(api.page.limit, String(api.pageSize))])
    }

    /// The next page, or nil after the last one.
    mutating func nextPage() async throws(Failure) -> Page? {
        guard let url = next else { return nil }
        guard seen.insert(url.absoluteString).inserted else {
            throw .runStops(
                FerryError(
                    .network,
                    "the API gave the page \(APIClient.shown(url.absoluteString)) a second time (its `\(api.page.next)` links go round in a loop)",
                    hint: "this is a fault of the API; nothing was written"))
        }
        if let announced, pages > (announced / max(1, api.pageSize) + 1) * 2 + 10 {
            throw .runStops(
                FerryError(
                    .network,
                    "the API gave \(pages) pages where its first page announced \(announced) records in pages of \(api.pageSize)",
                    hint: "its `\(api.page.next)` links do not end; nothing was written"))
        }
        let body = try await fetch(url)
        guard let results = body.value[api.page.results]?.elements else {
            throw .runStops(
                FerryError(
                    .network,
                    "\(list.method) \(APIClient.shown(url.absoluteString)) did not answer a page with `\(api.page.results)`",
                    hint:
                        "check that --endpoint is the API's base URL (and `api.page` in the mapping); nothing was written"
                ))
        }
        pages += 1
        records += results.count
        if pages == 1, let key = api.page.count { announced = body.value[key]?.scalarText.flatMap { Int($0) } }
        if results.isEmpty {
            next = nil
        } else if case .string(let link)? = body.value[api.page.next], !link.isEmpty {
            do { next = try client.follow(link, from: url) } catch { throw .runStops(error) }
        } else {
            next = nil
        }
        return Page(url: url, body: body.bytes, results: results)
    }

    /// One page, retried on 429, 5xx and lost answers (reading has no side effect), once more with
    /// a renewed token after a 401.
    private mutating func fetch(_ url: URL) async throws(Failure) -> JSONBody {
        for _ in 0..<2 {
            let headers: [(String, String)]
            do { headers = try await auth.headers() } catch { throw .runStops(error) }
            let (answer, sent) = await client.sendRetrying(
                list.method, url, headers: headers, kind: kind, attempts: attempts, pace: pace)
            requests += sent
            switch answer {
            case .success(let body):
                await auth.worked(headers)
                return body
            case .credentialsRefused(let status):
                do {
                    // A renewed token: the same page again.
                    if status == 401, try await auth.refused(headers) { continue }
                } catch { throw .runStops(error) }
                throw .runStops(auth.refusedCredentials(status))
            case .refused(let status, let body):
                throw .pageFailed(
                    "\(list.method) \(list.path) answered \(status): \(serverMessage(body, style: api.errors))")
            case .retryAfter(let status, _):
                throw .pageFailed("\(list.method) \(list.path) kept answering \(status)")
            case .maybeStored(let why, _):
                throw .pageFailed("\(list.method) \(list.path) kept failing: \(why)")
            case .unreachable(let why):
                if client.outage == .tooLong { throw .runStops(client.outageError(why)) }
                throw .pageFailed("\(list.method) \(list.path) kept failing: \(why)")
            case .redirect, .notAnAPIAnswer, .unresolvable, .fatal, .stopped:
                throw .runStops(client.runError(answer, call: "\(list.method) \(list.path)")!)
            }
        }
        throw .runStops(auth.refusedCredentials(401))
    }
}
