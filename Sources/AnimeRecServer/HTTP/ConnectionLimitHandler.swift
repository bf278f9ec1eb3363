import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Counts open connections across the server; shared by every connection's ``ConnectionLimitHandler``.
final class ConnectionGauge: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Registers a new connection; `false` when it is over the limit.
    func admit() -> Bool { open.wrappingAdd(1, ordering: .relaxed).newValue <= limit }

    /// Unregisters a connection.
    func release() { open.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}

/// Caps concurrent connections: a connection past the cap answers its first request with 503
/// `overloaded` and `Retry-After`, then closes (one that sends nothing is closed by the idle
/// timeout). Below the cap it only passes parts through.
final class ConnectionLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let gauge: ConnectionGauge
    private var counted = false
    private var overLimit = false
    private var answered = false

    init(gauge: ConnectionGauge) { self.gauge = gauge }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register() }
    }

    func channelActive(context: ChannelHandlerContext) {
        register()
        context.fireChannelActive()
    }

    private func register() {
        guard !counted else { return }
        counted = true
        overLimit = !gauge.admit()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unregister()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        unregister()
    }

    private func unregister() {
        guard counted else { return }
        counted = false
        gauge.release()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard overLimit else {
            context.fireChannelRead(data)
            return
        }
        guard case .head = unwrapInboundIn(data), !answered else { return }
        answered = true
        let body = JSONBodyWriter.error(code: "overloaded", message: "too many open connections; retry shortly")
        let head = HTTPResponse(status: .serviceUnavailable, headerFields: [
            .contentType: "application/json; charset=utf-8", .retryAfter: "1", .connection: "close",
            .contentLength: String(body.readableBytes),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
