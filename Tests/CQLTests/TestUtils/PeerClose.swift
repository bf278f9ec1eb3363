import NIOCore
import NIOEmbedded

/// Sits first in a test channel's pipeline so the "server" can close the connection the way a
/// peer does: the close starts at the head, so the client's handlers only see `channelInactive`
/// (closing the channel normally would run the client handler's outbound `close` instead).
final class PeerCloseHandler: ChannelDuplexHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
}

extension NIOAsyncTestingChannel {
    /// Closes the channel as if the server had closed the socket.
    func closeFromServer() async throws {
        try await self.eventLoop.submit {
            let context = try self.pipeline.syncOperations.context(handlerType: PeerCloseHandler.self)
            context.close(promise: nil)
        }.get()
    }
}
