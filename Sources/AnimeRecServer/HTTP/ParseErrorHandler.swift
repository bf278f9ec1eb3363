import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers requests the HTTP parser rejects with the API's JSON error instead of the framework's
/// empty 400: a request head over the size limit (a URL of 80 KB or more, too many or too large
/// headers) gets 431 `request_too_large`, any other malformed request 400 `bad_request`; then the
/// connection is closed, as it must be after a parse error.
final class ParseErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var responding = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !responding else { return }
        responding = true
        let (status, code, message): (HTTPResponse.Status, String, String)
        switch parserError {
        case .headerOverflow:
            (status, code, message) = (.requestHeaderFieldsTooLarge, "request_too_large", "the request line or headers are too large (80 KB at most)")
        default:
            (status, code, message) = (.badRequest, "bad_request", "the request is not valid HTTP/1.1")
        }
        let body = JSONBodyWriter.error(code: code, message: message)
        let head = HTTPResponse(status: status, headerFields: [
            .contentType: "application/json; charset=utf-8", .connection: "close", .contentLength: String(body.readableBytes),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
