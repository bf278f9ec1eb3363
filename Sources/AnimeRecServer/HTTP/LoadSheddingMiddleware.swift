import Hummingbird
import Synchronization

/// Caps requests in flight: past the cap a request is answered at once with 503 `overloaded` and
/// `Retry-After` instead of queueing without bound behind the others. `/health` and `/metrics` are
/// never shed, so probes see a live process. One atomic counter, no lock, no actor.
struct LoadSheddingMiddleware<Context: RequestContext>: RouterMiddleware {
    final class Gauge: Sendable {
        let limit: Int
        let inFlight = Atomic<Int>(0)
        init(limit: Int) { self.limit = limit }
    }

    let gauge: Gauge

    init(maxInFlight: Int) { gauge = Gauge(limit: maxInFlight) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path == "/metrics" { return try await next(request, context) }
        guard gauge.inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= gauge.limit else {
            gauge.inFlight.wrappingSubtract(1, ordering: .relaxed)
            throw APIError.overloaded
        }
        defer { gauge.inFlight.wrappingSubtract(1, ordering: .relaxed) }
        return try await next(request, context)
    }
}
