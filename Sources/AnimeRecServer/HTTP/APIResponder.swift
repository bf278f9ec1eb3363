import Hummingbird

/// The API's router with the HTTP semantics a router cannot give, since it picks a route before
/// any middleware runs:
/// - `HEAD` on every `GET` route: the `GET` answer's status and headers (`Content-Length`
///   included), no body;
/// - `OPTIONS` on every known path: 204 with `Allow`, and for a CORS preflight from a configured
///   origin the `Access-Control-Allow-*` headers;
/// - CORS for configured origins (`ANIMEREC_CORS_ORIGINS`, none by default): every response to them,
///   errors included, carries `Access-Control-Allow-Origin` and `Vary: Origin`; other origins get
///   no CORS headers, so browsers keep their pages out.
public struct APIRouter<Context: RequestContext>: HTTPResponderBuilder {
    let router: Router<Context>
    /// Origins allowed to call the API from a browser; `*` allows any.
    let corsOrigins: Set<String>

    public func buildResponder() -> APIResponder<Router<Context>.Responder> {
        APIResponder(inner: router.buildResponder(), corsOrigins: corsOrigins)
    }
}

/// See ``APIRouter``.
public struct APIResponder<Inner: HTTPResponder>: HTTPResponder {
    public typealias Context = Inner.Context
    let inner: Inner
    let corsOrigins: Set<String>

    static var allowedRequestHeaders: String { "Content-Type, Accept, X-Request-ID" }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let origin = request.headers[.origin].flatMap { corsOrigins.contains($0) || corsOrigins.contains("*") ? $0 : nil }
        var response: Response
        switch request.method {
        case .options:
            let allow = APIRoutes.allowHeader(forPath: request.uri.path)
            if allow.isEmpty {
                response = JSONErrorMiddleware<AppRequestContext>.response(for: JSONErrorMiddleware<AppRequestContext>.translate(.notFound, message: nil))
            } else {
                response = Response(status: .noContent, headers: [.allow: allow])
                if origin != nil, request.headers[.accessControlRequestMethod] != nil {
                    response.headers[.accessControlAllowMethods] = allow
                    response.headers[.accessControlAllowHeaders] = Self.allowedRequestHeaders
                    response.headers[.accessControlMaxAge] = "600"
                }
            }
        case .head where !APIRoutes.methods(forPath: request.uri.path).isEmpty
            && !APIRoutes.methods(forPath: request.uri.path).contains(.get):
            // A POST-only path: the 405 names HEAD, not the GET it would have been turned into.
            let allow = APIRoutes.allowHeader(forPath: request.uri.path)
            response = JSONErrorMiddleware<AppRequestContext>.response(for: APIError(
                status: .methodNotAllowed, code: "method_not_allowed",
                message: "HEAD is not allowed here; use \(allow)", headers: [.allow: allow]))
            response.body = ResponseBody()
        case .head:
            var head = request.head
            head.method = .get
            let full = try await inner.respond(to: Request(head: head, body: request.body), context: context)
            // Same status and headers (the Content-Length of the GET body stays), no body.
            response = Response(status: full.status, headers: full.headers, body: ResponseBody())
        default:
            response = try await inner.respond(to: request, context: context)
        }
        if let origin {
            response.headers[.accessControlAllowOrigin] = origin
            // A page may read how old an answer from memory is, and when to retry a 503.
            response.headers[.accessControlExposeHeaders] = "Age, Retry-After, Warning, Recommendation-Id"
            response.headers[values: .vary].append("Origin")
        }
        return response
    }
}
