import HTTPTypes

/// One endpoint of the API as ``APIContract`` declares it: what the router registers, what the
/// query parsers accept, and what the OpenAPI document says.
struct Endpoint: Sendable {
    /// What the endpoint does; also its OpenAPI `operationId`.
    enum Operation: String, Sendable, CaseIterable {
        case recall, rank, recommends, sessionRecall, sessionRank, sessionRecommends
        case similar, anime, searchCatalogue, facets, trending, click, view, dislike, withdrawDislike, impressions
        case health, ready, metrics, openapi, page
    }

    /// An id in the path.
    enum PathParameter: Sendable {
        case userID, animeID
    }

    /// The statuses an endpoint answers besides its success, each with its response in the document.
    enum Failure: Int, Sendable {
        case badRequest = 400, notFound = 404, conflict = 409, tooLarge = 413, unsupportedMediaType = 415
        case unavailable = 503

        /// The name of the shared response in the document's components.
        var component: String {
            switch self {
            case .badRequest: "BadRequest"
            case .notFound: "NotFound"
            case .conflict: "Conflict"
            case .tooLarge: "TooLarge"
            case .unsupportedMediaType: "UnsupportedMediaType"
            case .unavailable: "Unavailable"
            }
        }
    }

    /// The success answer: its description, media type and schema (a JSON fragment), and whether it
    /// may come from memory with an `Age` header.
    struct Success: Sendable {
        var description: String
        var mediaType = "application/json"
        var schema: String
        var mayBeStale = false
        /// Whether it may carry a `Warning` header (ids of a request that were ignored).
        var mayWarn = false
        /// Whether it carries a `Recommendation-Id` header (the answer's id, and a field of each item).
        var isRecommendation = false
        /// A shared response of the document's components instead of the fields above.
        var component: String?
    }

    let operation: Operation
    let method: HTTPRequest.Method
    /// The path as OpenAPI writes it (`/recall/{user_id}`).
    let path: String
    let summary: String
    /// The ids in the path, in path order.
    var pathParameters: [PathParameter] = []
    var query: [QueryParameter] = []
    /// The request body, a shared one of the document's components (`Event`, `Impressions`).
    var requestBody: String?
    let success: Success
    var failures: [Failure] = []
    /// Served by the web front end's file middleware rather than a route handler.
    var servedAsFile = false

    /// The path as Hummingbird's router writes it (`/recall/:user_id`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }

    /// The query parameter `name`; the contract declares it.
    func parameter(_ name: String) -> QueryParameter {
        guard let parameter = query.first(where: { $0.name == name }) else { preconditionFailure("\(operation) has no parameter \(name)") }
        return parameter
    }

    /// The names of the query parameters, for "unknown parameter" answers.
    var parameterNames: Set<String> { Set(query.map(\.name)) }
}
