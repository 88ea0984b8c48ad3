import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP server on 127.0.0.1 that answers as a broken, misconfigured or hostile API would: each
/// request goes to `handler`, which says what to do with it (answer, answer slowly, hang up, never
/// answer). Every request is kept, so a test can see what Ferry sent where.
final class HostileServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        var query: [String: String] {
            URLComponents(string: uri)?.queryItems?.reduce(into: [:]) { $0[$1.name] = $1.value ?? "" } ?? [:]
        }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    enum Reply: Sendable {
        /// Status, headers and body, the body `trickle` bytes at a time, one piece every `every` seconds.
        case answer(
            status: Int, headers: [(String, String)] = [("Content-Type", "application/json")], body: [UInt8],
            trickle: Int? = nil, every: Double = 0.2)
        /// Close the connection without answering.
        case hangUp
        /// Never answer (until the server stops).
        case silence

        static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> Reply {
            .answer(
                status: status, headers: [("Content-Type", "application/json")] + headers,
                body: Array(try! JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])))
        }

        static func text(_ status: Int, _ text: String, type: String = "text/html") -> Reply {
            .answer(status: status, headers: [("Content-Type", type)], body: Array(text.utf8))
        }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: Channel
    private let log = NIOLockedValueBox<[Request]>([])
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { log.withLockedValue { $0 } }

    init(_ handler: @escaping @Sendable (Request, Int) -> Reply) throws {
        let log = self.log
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(handler: handler, log: log))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let handler: @Sendable (Request, Int) -> Reply
        let log: NIOLockedValueBox<[Request]>
        var current: Request?

        init(handler: @escaping @Sendable (Request, Int) -> Reply, log: NIOLockedValueBox<[Request]>) {
            self.handler = handler
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                current = Request(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: [])
            case .body(var buffer):
                current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let request = current else { return }
                current = nil
                let index = log.withLockedValue {
                    $0.append(request); return $0.count - 1
                }
                respond(handler(request, index), context: context)
            }
        }

        private func respond(_ reply: Reply, context: ChannelHandlerContext) {
            switch reply {
            case .hangUp:
                context.close(promise: nil)
            case .silence:
                break
            case .answer(let status, let headers, let body, let trickle, let every):
                var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                for (name, value) in headers { head.headers.add(name: name, value: value) }
                head.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                guard let trickle, trickle > 0 else {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    return
                }
                context.flush()
                let loop = context.eventLoop
                let channel = context.channel
                // Bounded: the body has an end, and a closed channel ends it sooner.
                func piece(_ offset: Int) {
                    guard channel.isActive else { return }
                    if offset >= body.count {
                        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                        return
                    }
                    let end = min(body.count, offset + trickle)
                    channel.writeAndFlush(
                        HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body[offset..<end]))), promise: nil)
                    loop.scheduleTask(in: .milliseconds(Int64(every * 1000))) { piece(end) }
                }
                piece(0)
            }
        }
    }
}
