import AnimeRecCore
import HTTPTypes

/// The API, declared once: every endpoint with its method, path, query parameters (their limits and
/// defaults), success answer and failures. The router registers every endpoint from it
/// (`RecommendationController.register(on:)`, and ``APIRoutes`` for `Allow` and 405 answers), the
/// query parsers take their limits and defaults from it, and ``OpenAPIDocument`` is written from
/// it; `ContractTests` hold every documented limit and default to what the server does. Defaults
/// that are the engine's or the catalogue search's are read from them (``defaults``,
/// `CatalogueQuery()`), not written again.
enum APIContract {
    static let endpoints: [Endpoint] = perUser + perUser.map(forSession) + [
        Endpoint(
            operation: .similar, method: .get, path: "/sim/{anime_id}", summary: "Anime similar to one anime (never itself)",
            pathParameters: [.animeID], query: [QueryParameter("limit", .integer(1...100, default: 10)), includeAdult],
            success: .init(
                description: "Similar anime", schema: ##"{"type": "array", "items": {"$ref": "#/components/schemas/Anime"}}"##,
                mayBeStale: true),
            failures: [.badRequest, .notFound, .unavailable]),
        Endpoint(
            operation: .anime, method: .get, path: "/anime/{anime_id}", summary: "One anime's details", pathParameters: [.animeID],
            success: .init(description: "The anime", schema: ##"{"$ref": "#/components/schemas/Anime"}"##, mayBeStale: true),
            failures: [.badRequest, .notFound, .unavailable]),
        Endpoint(
            operation: .searchCatalogue, method: .get, path: "/anime",
            summary: "Search and browse the catalogue: name words (case-, accent- and punctuation-insensitive), genres, type, order and page",
            query: [
                QueryParameter("query", .text(length: 0...200), "Words every matching name contains"),
                QueryParameter("genre", .texts(length: 1...100, maxItems: 20), "Titles in any of these genres (repeatable)"),
                QueryParameter("type", .text(length: 1...50), "TV, Movie, OVA, ONA, Special, Music, …"),
                QueryParameter("sort", .choice(CatalogueSort.allCases.map(\.rawValue), default: CatalogueQuery().sort.rawValue)),
                QueryParameter("limit", .integer(1...100, default: CatalogueQuery().limit)),
                QueryParameter("offset", .integer(0...100_000, default: CatalogueQuery().offset)),
                includeAdult,
            ],
            success: .init(
                description: "One page of matching titles and how many match in all",
                schema: ##"{"type": "object", "required": ["items", "total"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Anime"}}, "total": {"type": "integer", "minimum": 0}}}"##,
                mayBeStale: true),
            failures: [.badRequest, .unavailable]),
        Endpoint(
            operation: .facets, method: .get, path: "/facets",
            summary: "The catalogue's genres and types with their title counts, most titles first", query: [includeAdult],
            success: .init(
                description: "Genres and types",
                schema: ##"{"type": "object", "required": ["genres", "types"], "properties": {"genres": {"$ref": "#/components/schemas/FacetList"}, "types": {"$ref": "#/components/schemas/FacetList"}}}"##,
                mayBeStale: true),
            failures: [.badRequest, .unavailable]),
        Endpoint(
            operation: .trending, method: .get, path: "/trending",
            summary: "What is trending (clicks and views of the last day), filled up with popular titles; each item's reason says which",
            query: [QueryParameter("limit", .integer(1...100, default: 10)), includeAdult],
            success: .init(
                description: "Trending titles, then popular ones",
                schema: ##"{"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}"##, mayBeStale: true),
            failures: [.badRequest, .unavailable]),
        Endpoint(
            operation: .click, method: .post, path: "/clicks", summary: "Record a click", requestBody: "Event",
            success: .init(description: "", schema: "", component: "Recorded"), failures: eventFailures),
        Endpoint(
            operation: .view, method: .post, path: "/views", summary: "Record a view", requestBody: "Event",
            success: .init(description: "", schema: "", component: "Recorded"), failures: eventFailures),
        Endpoint(
            operation: .dislike, method: .post, path: "/dislikes",
            summary: "Record a \"not interested\": the title never comes back in the user's lists and its close neighbours are demoted, until taken back",
            requestBody: "Event", success: .init(description: "", schema: "", component: "Recorded"), failures: eventFailures),
        Endpoint(
            operation: .withdrawDislike, method: .delete, path: "/dislikes/{user_id}/{anime_id}",
            summary: "Take back a \"not interested\" (nothing to take back is fine too); a retried POST of the same event_id stays a duplicate and does not bring it back",
            pathParameters: [.userID, .animeID],
            success: .init(
                description: "Taken back",
                schema: ##"{"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["withdrawn"]}}}"##),
            failures: [.badRequest, .notFound, .unavailable]),
        Endpoint(
            operation: .impressions, method: .post, path: "/impressions",
            summary: "Record the titles a page showed a user: a title shown in several hours without a click or view is demoted in that user's lists (impression fatigue), so the rows refresh",
            requestBody: "Impressions", success: .init(description: "", schema: "", component: "Shown"),
            failures: [.badRequest, .tooLarge, .unsupportedMediaType, .unavailable]),
        Endpoint(
            operation: .health, method: .get, path: "/health", summary: "Liveness",
            success: .init(
                description: "Alive",
                schema: ##"{"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}"##)),
        Endpoint(
            operation: .ready, method: .get, path: "/ready",
            summary: "Readiness: the store answers, holds a catalogue and has a live run (503 with the reason otherwise)",
            success: .init(
                description: "Ready",
                schema: ##"{"type": "object", "required": ["status", "store", "live_run"], "properties": {"status": {"type": "string", "enum": ["ready"]}, "store": {"type": "string"}, "live_run": {"type": "string"}}}"##),
            failures: [.unavailable]),
        Endpoint(
            operation: .metrics, method: .get, path: "/metrics", summary: "Prometheus metrics",
            success: .init(description: "Prometheus text format", mediaType: "text/plain", schema: ##"{"type": "string"}"##)),
        Endpoint(
            operation: .openapi, method: .get, path: "/openapi.json", summary: "This document",
            success: .init(description: "OpenAPI 3 document", schema: ##"{"type": "object"}"##)),
        Endpoint(
            operation: .page, method: .get, path: "/", summary: "The web front end (its scripts and styles are served beside it)",
            success: .init(description: "HTML page", mediaType: "text/html", schema: ##"{"type": "string"}"##), servedAsFile: true),
    ]

    /// The per-user routes: the user's partitions and the live run.
    static let perUser: [Endpoint] = [
        Endpoint(
            operation: .recall, method: .get, path: "/recall/{user_id}",
            summary: "Candidate anime ids for a user, strongest recall signal first", pathParameters: [.userID],
            query: [QueryParameter("limit", .integer(1...1000, default: 100)), includeAdult],
            success: .init(description: "Candidate ids", schema: ##"{"$ref": "#/components/schemas/AnimeIDList"}"##),
            failures: [.badRequest, .unavailable]),
        Endpoint(
            operation: .rank, method: .get, path: "/rank/{user_id}", summary: "The recalled candidates ranked, best first",
            pathParameters: [.userID],
            query: [QueryParameter("limit", .integer(1...1000, default: 50)), includeAdult] + listOptions
                + [QueryParameter("diversity", .number(0...1, default: defaults.rankDiversity), diversityText + " (none by default here)")],
            success: .init(description: "Ranked ids", schema: ##"{"$ref": "#/components/schemas/AnimeIDList"}"##),
            failures: [.badRequest, .unavailable]),
        Endpoint(
            operation: .recommends, method: .get, path: "/recommends/{user_id}",
            summary: "The final recommendation list with details, score and reason", pathParameters: [.userID],
            query: [QueryParameter("limit", .integer(1...100, default: 10)), includeAdult] + listOptions
                + [QueryParameter("diversity", .number(0...1, default: defaults.diversity), diversityText)],
            success: .init(
                description: "Recommendations", schema: ##"{"type": "array", "items": {"$ref": "#/components/schemas/Recommendation"}}"##,
                isRecommendation: true),
            failures: [.badRequest, .unavailable]),
    ]

    /// The same route for a visitor without an account (`/recommends?items=…`): the titles they
    /// looked at in this session stand in for a user's history; nothing is stored.
    static func forSession(_ endpoint: Endpoint) -> Endpoint {
        let (operation, summary): (Endpoint.Operation, String) = switch endpoint.operation {
        case .recall: (.sessionRecall, "Candidate anime ids for a visitor without an account, from the titles they looked at, strongest first")
        case .rank: (.sessionRank, "The candidates recalled for a visitor without an account, ranked, best first")
        default: (.sessionRecommends, "The final list for a visitor without an account, from the titles they looked at, with details, score and reason")
        }
        var success = endpoint.success
        success.mayWarn = true
        return Endpoint(
            operation: operation, method: endpoint.method,
            path: String(endpoint.path.dropLast("/{user_id}".count)),
            summary: summary,
            query: [sessionItems] + endpoint.query, success: success, failures: endpoint.failures)
    }

    /// The titles a visitor looked at, oldest first.
    static let sessionItems = QueryParameter(
        "items", .animeIDs(maxItems: 50),
        "The anime ids the visitor looked at in this session, oldest first, comma-separated (1 to 50): their neighbours are recalled and the list is ranked with them as the history; they are never in the answer. Ids not in the catalogue are ignored and named in a Warning header; none known gives the cold-start list",
        required: true)

    /// The endpoint of `operation`.
    static func endpoint(_ operation: Endpoint.Operation) -> Endpoint {
        guard let endpoint = endpoints.first(where: { $0.operation == operation }) else { preconditionFailure("\(operation) is not declared") }
        return endpoint
    }

    /// The largest event body, in bytes (413 beyond).
    static let maxEventBodyBytes = 16 * 1024
    /// The earliest `at` an event may carry: 2000-01-01T00:00:00Z in ms. Anything earlier is taken
    /// for a mistake (epoch seconds are 1000 times smaller and would land in January 1970).
    static let earliestEventAt: Int64 = 946_684_800_000
    /// How far ahead of the server's clock an event's `at` may be, in ms.
    static let eventAtLeeway: Int64 = 86_400_000

    /// The pipeline's defaults, which the list routes document.
    static let defaults = RecommendationPipeline.Options()

    static let includeAdult = QueryParameter("include_adult", .boolean(default: false), "Include titles of the adult genre")

    /// The list options of `/rank` and `/recommends` (diversity apart: its default differs).
    static let listOptions: [QueryParameter] = [
        QueryParameter(
            "genre", .texts(length: 1...100, maxItems: 20),
            "Only titles in any of these genres (case-insensitive); repeat the parameter for several"),
        QueryParameter(
            "exclude_genre", .texts(length: 1...100, maxItems: 20),
            "No titles in any of these genres (case-insensitive); repeat the parameter for several"),
        QueryParameter("type", .text(length: 1...50), "Only titles of this type (TV, Movie, OVA, ...; case-insensitive)"),
        QueryParameter(
            "min_rating", .number(0...10, default: nil),
            "Only titles whose community rating (1-10) is at least this; titles without a rating are left out"),
        QueryParameter("exclude", .animeIDs(maxItems: 100), "Anime ids the caller already shows, comma-separated: never in the list"),
    ]

    static let diversityText =
        "How much the list trades score for genre variety, 0 (pure ranking) to 1: each pick maximises (1 - diversity) × score - diversity × its greatest genre overlap (Jaccard) with the titles already picked"

    static let eventFailures: [Endpoint.Failure] = [.badRequest, .notFound, .conflict, .tooLarge, .unsupportedMediaType, .unavailable]
}
