import Hummingbird

/// Adds `Age: <seconds>` to an answer that the engine gave from what this replica last read,
/// because the store could not be read (``StaleAnswer``); a fresh answer has no `Age`.
struct StaleAnswerMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let recorder = StaleAnswer()
        var response = try await StaleAnswer.$current.withValue(recorder) { try await next(request, context) }
        if let age = recorder.age {
            // Whole seconds, rounded up: data 0.2 s old is not "fresh".
            let seconds = age.components.seconds + (age.components.attoseconds > 0 ? 1 : 0)
            response.headers[.age] = String(seconds)
        }
        return response
    }
}
