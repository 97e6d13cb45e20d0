#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 over SwiftNIO, keep-alive, one `ConnectionHandler` per connection on a
/// multi-threaded event loop group. Raw NIO rather than a framework because the faults need
/// the socket: resets, short bodies, streamed giants.
struct HTTPServer {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel

    /// Listens on `group`, which is shut down if the bind fails.
    static func start(host: String, port: Int, group: MultiThreadedEventLoopGroup, emulator: Emulator,
                      log: RequestLog) throws -> HTTPServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(emulator: emulator, log: log))
                }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: port).wait()
            return HTTPServer(group: group, channel: channel)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    var port: Int? { channel.localAddress?.port }
}

/// Reads one request at a time (NIO's pipelining handler holds back the next until this one is
/// answered), asks the `Emulator` for the reply and writes it, misbehaving where a fault says so.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// Over the body limit: the rest of the body is read and dropped, then 413.
        case discarding(HTTPRequestHead)
        /// Already answered 413 without `100 Continue`; the connection is closing.
        case answeredEarly
    }

    /// Where an answer is written: what the log line and the connection's fate need.
    private struct Exchange {
        let method: String
        let path: String
        let version: HTTPVersion
        let keepAlive: Bool
        let requestID: String
        let start: ContinuousClock.Instant
    }

    private static let hugeChunkSize = 64 * 1024

    private let emulator: Emulator
    private let log: RequestLog
    private var phase = Phase.idle
    private var tally = ConnectionTally()
    private var requestStart = ContinuousClock.now
    private var responseInFlight = false

    init(emulator: Emulator, log: RequestLog) {
        self.emulator = emulator
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestStart = .now
            let declaredLength = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            let tooLarge = declaredLength > Emulator.bodyLimit
            let expectsContinue = head.version != .http1_0 && head.version != .http0_9
                && head.headers["expect"].contains { $0.lowercased() == "100-continue" }
            if tooLarge && expectsContinue {
                // Refuse before the client sends the body, and close: it may send it anyway.
                phase = .answeredEarly
                answer(context: context, head: head, body: [], tooLarge: true, keepAlive: false)
                return
            }
            if expectsContinue {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                                      promise: nil)
            }
            phase = tooLarge ? .discarding(head)
                : .receiving(head, context.channel.allocator.buffer(capacity: declaredLength))
        case .body(var chunk):
            guard case .receiving(let head, var body) = phase else { return }
            if body.readableBytes + chunk.readableBytes > Emulator.bodyLimit {
                phase = .discarding(head)
            } else {
                phase = .idle  // drop our reference so the append does not copy the buffer
                body.writeBuffer(&chunk)
                phase = .receiving(head, body)
            }
        case .end:
            switch phase {
            case .receiving(let head, let body):
                phase = .idle
                answer(context: context, head: head, body: Array(body.readableBytesView), tooLarge: false,
                       keepAlive: head.isKeepAlive)
            case .discarding(let head):
                phase = .idle
                answer(context: context, head: head, body: [], tooLarge: true, keepAlive: head.isKeepAlive)
            case .idle, .answeredEarly:
                break
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request NIO could not parse: answer 400 (with our headers) if no answer has started.
        if error is HTTPParserError, !responseInFlight {
            let exchange = Exchange(method: "-", path: "-", version: .http1_1, keepAlive: false,
                                    requestID: RequestID.make(), start: requestStart)
            send(.error(400, code: "DCS.4005", message: "The request is not valid HTTP."), exchange, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    private func answer(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8], tooLarge: Bool,
                        keepAlive: Bool) {
        let request = ReceivedRequest(method: head.method.rawValue, uri: head.uri,
                                      headers: head.headers.map { (name: $0.name, value: $0.value) },
                                      body: body, bodyTooLarge: tooLarge)
        let reply = emulator.reply(to: request, connection: &tally)
        let exchange = Exchange(method: request.method, path: request.path, version: head.version,
                                keepAlive: keepAlive, requestID: RequestID.make(), start: requestStart)
        send(reply, exchange, context: context)
    }

    private func send(_ reply: Reply, _ exchange: Exchange, context: ChannelHandlerContext) {
        switch reply {
        case .full(let status, let contentType, let extraHeaders, let body):
            writeHead(status: status, contentType: contentType, length: body.count, extraHeaders: extraHeaders,
                      exchange, context: context)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))),
                          promise: nil)
            finish(exchange, status: status, context: context)
        case .reset:
            logLine(exchange, status: "reset")
            let closeNow = { context.close(promise: nil) }
            if let socket = context.channel as? any SocketOptionProvider {
                // SO_LINGER 0: the close sends a RST instead of a FIN.
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in closeNow() }
            } else {
                closeNow()
            }
        case .truncated(let status, let body, let sentBytes):
            writeHead(status: status, contentType: "application/json", length: body.count, extraHeaders: [],
                      exchange, context: context)
            let part = context.channel.allocator.buffer(bytes: body.prefix(sentBytes))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(part)))).assumeIsolated().whenComplete { _ in
                self.logLine(exchange, status: "\(status) truncated")
                context.close(promise: nil)
            }
        case .huge(let bytes, let chunked):
            writeHead(status: 200, contentType: "application/json", length: chunked ? nil : bytes,
                      extraHeaders: [], exchange, context: context)
            writeHugeBody(from: 0, total: bytes, exchange, context: context)
        case .delayed(let milliseconds, let inner):
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                self.send(inner, exchange, context: context)
            }
        case .deferred(let future):
            future.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let reply):
                    self.send(reply, exchange, context: context)
                case .failure:
                    self.send(.error(500, code: "DCS.5000", message: "Internal service error."), exchange,
                              context: context)
                }
            }
        }
    }

    /// A nil `length` sends the body in chunked encoding.
    private func writeHead(status: Int, contentType: String, length: Int?, extraHeaders: [(String, String)],
                           _ exchange: Exchange, context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("X-Request-Id", exchange.requestID), ("Date", WallClock.httpDate(emulator.clock.now())),
                                   ("Content-Type", contentType)])
        if let length {
            headers.add(name: "Content-Length", value: String(length))
        } else {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        headers.add(contentsOf: extraHeaders)
        if !exchange.keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if exchange.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        responseInFlight = true
        let head = HTTPResponseHead(version: exchange.version, status: HTTPResponseStatus(statusCode: status),
                                    headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Ends the response; closes the connection when it is not kept alive.
    private func finish(_ exchange: Exchange, status: Int, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            self.responseInFlight = false
            self.logLine(exchange, status: String(status))
            if !exchange.keepAlive { context.close(promise: nil) }
        }
    }

    /// `{"padding":"xxx…"}`, exactly `total` bytes, one chunk at a time: the next chunk is made
    /// only once the previous one has gone to the socket, so memory stays at one chunk.
    private func writeHugeBody(from offset: Int, total: Int, _ exchange: Exchange, context: ChannelHandlerContext) {
        guard offset < total else {
            finish(exchange, status: 200, context: context)
            return
        }
        let length = min(Self.hugeChunkSize, total - offset)
        var chunk = [UInt8](repeating: UInt8(ascii: "x"), count: length)
        let prefix = Array(#"{"padding":""#.utf8), suffix = Array(#""}"#.utf8)
        if total >= prefix.count + suffix.count {
            for (position, byte) in prefix.enumerated() where (offset..<offset + length).contains(position) {
                chunk[position - offset] = byte
            }
            for (index, byte) in suffix.enumerated() {
                let position = total - suffix.count + index
                if (offset..<offset + length).contains(position) { chunk[position - offset] = byte }
            }
        }
        let buffer = context.channel.allocator.buffer(bytes: chunk)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                // Through the event loop, not straight away: a long body must not grow the stack.
                context.eventLoop.assumeIsolated().execute {
                    self.writeHugeBody(from: offset + length, total: total, exchange, context: context)
                }
            case .failure:
                self.logLine(exchange, status: "200 aborted")
                context.close(promise: nil)
            }
        }
    }

    private func logLine(_ exchange: Exchange, status: String) {
        log.record(method: exchange.method, path: exchange.path, status: status, requestID: exchange.requestID,
                   since: exchange.start)
    }
}
