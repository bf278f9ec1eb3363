import AnimeRecCore
import Hummingbird
import Logging
import NIOCore

import Foundation

/// An error the API reports to clients as `{"error": {"code", "message"}}` with an HTTP status.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// Stable machine-readable code, e.g. `invalid_id`.
    public var code: String
    /// Human-readable explanation.
    public var message: String
    /// Extra headers, e.g. `Retry-After` on 503.
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func invalidID(_ name: String, _ detail: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_id", message: "\(name) \(detail)")
    }
    static func invalidParameter(_ name: String, _ detail: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_parameter", message: "query parameter '\(name)' \(detail)")
    }
    static func invalidBody(_ detail: String) -> APIError {
        APIError(status: .badRequest, code: "invalid_body", message: detail)
    }
    static func animeNotFound(_ id: Int32) -> APIError {
        APIError(status: .notFound, code: "anime_not_found", message: "anime \(id) does not exist")
    }
    static func eventIDConflict(_ id: EventID) -> APIError {
        APIError(status: .conflict, code: "event_id_conflict",
                 message: "event_id \(id) is already stored for a different anime or kind; a retry must repeat the same event")
    }
    static func notReady(_ reason: String) -> APIError {
        APIError(status: .serviceUnavailable, code: "not_ready", message: reason, headers: [.retryAfter: "10"])
    }
    static let overloaded = APIError(
        status: .serviceUnavailable, code: "overloaded", message: "too many requests in flight; retry shortly",
        headers: [.retryAfter: "1"])
    static let bodyTimeout = APIError(
        status: .requestTimeout, code: "request_timeout", message: "the request body did not arrive in time")
    static let storeUnavailable = APIError(
        status: .serviceUnavailable, code: "store_unavailable", message: "the store is not answering; retry shortly",
        headers: [.retryAfter: "1"])
}

/// Turns every error that leaves a route — ours, Hummingbird's (unknown route, body too large), or
/// anything unexpected — into the API's JSON error shape, so clients never see an HTML or empty error.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(for: error)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            // No route for this method: if the path exists under other methods, say 405 and list them.
            let allow = APIRoutes.allowHeader(forPath: request.uri.path)
            guard !allow.isEmpty else { return Self.response(for: Self.translate(.notFound, message: nil)) }
            return Self.response(for: APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method.rawValue) is not allowed here; use \(allow)", headers: [.allow: allow]))
        } catch let error as HTTPError {
            return Self.response(for: Self.translate(error.status, message: error.body))
        } catch let error as any HTTPResponseError {
            return Self.response(for: Self.translate(error.status, message: nil))
        } catch {
            context.logger.error("unhandled error", metadata: [
                "http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)",
                "http.route": "\(context.endpointPath ?? "")", "error": "\(String(reflecting: error))",
            ])
            return Self.response(for: APIError(status: .internalServerError, code: "internal", message: "internal error"))
        }
    }

    static func translate(_ status: HTTPResponse.Status, message: String?) -> APIError {
        switch status {
        case .notFound: APIError(status: status, code: "not_found", message: message ?? "no such route")
        case .methodNotAllowed: APIError(status: status, code: "method_not_allowed", message: message ?? "method not allowed")
        case .contentTooLarge: APIError(status: status, code: "payload_too_large", message: message ?? "request body is too large")
        case .unsupportedMediaType: APIError(status: status, code: "unsupported_media_type", message: message ?? "unsupported media type")
        default: APIError(status: status, code: status.code < 500 ? "bad_request" : "unavailable", message: message ?? status.reasonPhrase)
        }
    }

    static func response(for error: APIError) -> Response {
        var headers = error.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: JSONBodyWriter.error(code: error.code, message: error.message)))
    }
}
