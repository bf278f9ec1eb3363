import AnimeRecCore
import AnimeRecStore
import Hummingbird
import Logging

import Foundation

/// The request context of every route: Hummingbird's core storage, nothing else.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Event bodies are tiny; anything larger than this is refused with 413.
    public var maxUploadSize: Int { APIContract.maxEventBodyBytes }
}

/// Every route of the API (``APIContract``), for `Allow` headers, 405 answers and tests.
public enum APIRoutes {
    public static let all: [(method: HTTPRequest.Method, path: String)] = APIContract.endpoints.map { ($0.method, $0.path) }

    /// The `Allow` header for a concrete path: its routed methods, `HEAD` wherever `GET` is
    /// routed, and `OPTIONS`; empty for an unknown path.
    public static func allowHeader(forPath path: String) -> String {
        var methods = methods(forPath: path)
        guard !methods.isEmpty else { return "" }
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        return methods.map(\.rawValue).sorted().joined(separator: ", ")
    }

    /// The methods routed for a concrete path (`{…}` matches any one segment), for 405 answers.
    public static func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: Set<HTTPRequest.Method> = []
        for (method, template) in all {
            let parts = template.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count == segments.count else { continue }
            if zip(parts, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { methods.insert(method) }
        }
        return methods
    }
}

/// The recommendation API's handlers, generic over the store.
struct RecommendationController<Store: ServingStore>: Sendable {
    let engine: RecommendationEngine<Store>
    let store: Store
    let metricsText: @Sendable () -> String
    let storeName: String
    /// How long a request body may take to arrive.
    let bodyTimeout: Duration
    /// Served, shown and clicked recommendations per source.
    let attribution = AttributionMetrics()

    /// Registers every endpoint of ``APIContract`` (the front end's page apart: files serve it).
    func register(on router: Router<AppRequestContext>) {
        for endpoint in APIContract.endpoints where !endpoint.servedAsFile {
            let operation = endpoint.operation
            router.on(RouterPath(endpoint.routerPath), method: endpoint.method) { request, context in
                try await respond(operation, request, context)
            }
        }
        // A path whose id is missing is a malformed id, not an unknown route (`/recall`, `/rank`
        // and `/recommends` without an id are the session routes).
        router.get("/sim") { _, _ -> Response in throw APIError.invalidID("anime id", "is missing from the path") }
    }

    /// The handler of `operation`.
    func respond(_ operation: Endpoint.Operation, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        switch operation {
        case .recall, .sessionRecall: try await recall(operation, request, context)
        case .rank, .sessionRank: try await rank(operation, request, context)
        case .recommends, .sessionRecommends: try await recommends(operation, request, context)
        case .similar: try await similar(request, context)
        case .anime: try await anime(request, context)
        case .searchCatalogue: try await searchCatalogue(request, context)
        case .facets: try await facets(request, context)
        case .trending: try await trending(request, context)
        case .click: try await event(.click, request, context)
        case .view: try await event(.view, request, context)
        case .dislike: try await event(.dislike, request, context)
        case .withdrawDislike: try await withdrawDislike(request, context)
        case .impressions: try await impressions(request, context)
        case .health: try json(["status": "ok"])
        case .ready: try await ready()
        case .metrics:
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metricsText())))
        case .openapi:
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        case .page: throw JSONErrorMiddleware<AppRequestContext>.translate(.notFound, message: nil)
        }
    }

    // MARK: Handlers

    func recall(_ operation: Endpoint.Operation, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let recipient = try Self.recipient(operation, request, context)
        let query = try QueryOptions(request, operation)
        let (ids, unknown) = try await storeCall(context) {
            try await engine.recall(for: recipient, limit: query.limit, includeAdult: query.includeAdult)
        }
        return Self.warning(ignoring: unknown, jsonBody(JSONBodyWriter.ids(ids)))
    }

    func rank(_ operation: Endpoint.Operation, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let recipient = try Self.recipient(operation, request, context)
        let query = try ListQueryOptions(request, operation)
        let (ranked, unknown) = try await storeCall(context) {
            try await engine.rank(
                for: recipient, limit: query.limit, includeAdult: query.includeAdult, filter: query.filter, diversity: query.diversity)
        }
        return Self.warning(ignoring: unknown, jsonBody(JSONBodyWriter.ids(ranked.lazy.map(\.anime))))
    }

    func recommends(_ operation: Endpoint.Operation, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let recipient = try Self.recipient(operation, request, context)
        let query = try ListQueryOptions(request, operation)
        let (list, unknown) = try await storeCall(context) {
            try await engine.recommend(
                for: recipient, limit: query.limit, includeAdult: query.includeAdult, filter: query.filter, diversity: query.diversity)
        }
        var generator = SystemRandomNumberGenerator()
        let id = RecommendationID.answer(using: &generator)
        attribution.served(list)
        var response = jsonBody(try JSONBodyWriter.recommendations(list, encoded: engine.encodedCatalogue, recommendation: id))
        response.headers[.recommendationID] = id.description
        return Self.warning(ignoring: unknown, response)
    }

    /// Whom a per-user route answers: the user in the path, or for the session routes the titles in `items`.
    static func recipient(_ operation: Endpoint.Operation, _ request: Request, _ context: AppRequestContext) throws -> Recipient {
        switch operation {
        case .sessionRecall, .sessionRank, .sessionRecommends: .session(try SessionItems(request).ids)
        default: .user(try userID(context))
        }
    }

    /// `response` with a `Warning` header (RFC 9111's code 199, "miscellaneous warning") naming the
    /// session's titles the catalogue does not know, when there are any.
    static func warning(ignoring unknown: [AnimeID], _ response: Response) -> Response {
        guard !unknown.isEmpty else { return response }
        var response = response
        response.headers[.warning] = "199 animerec \"unknown anime ids ignored: \(unknown.map(\.description).joined(separator: ","))\""
        return response
    }

    func similar(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.animeID(context)
        let query = try QueryOptions(request, .similar)
        guard let list = try await storeCall(context, { try await engine.similar(to: id, limit: query.limit, includeAdult: query.includeAdult) }) else {
            throw APIError.animeNotFound(id.rawValue)
        }
        return jsonBody(try JSONBodyWriter.animeList(list, encoded: engine.encodedCatalogue))
    }

    func anime(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.animeID(context)
        _ = try QueryOptions(request, .anime)
        guard let anime = try await storeCall(context, { try await engine.anime(id) }) else { throw APIError.animeNotFound(id.rawValue) }
        return jsonBody(try JSONBodyWriter.anime(anime))
    }

    func searchCatalogue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try CatalogueQueryOptions(request).query
        let page = try await storeCall(context) { try await engine.searchCatalogue(query) }
        return jsonBody(try JSONBodyWriter.cataloguePage(page.items, total: page.total, encoded: engine.encodedCatalogue))
    }

    func facets(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try QueryOptions(request, .facets)
        let index = try await storeCall(context) { try await engine.catalogueIndex() }
        return try json(FacetsPayload(
            genres: index.genres(includeAdult: query.includeAdult).map(FacetPayload.init),
            types: index.types(includeAdult: query.includeAdult).map(FacetPayload.init)))
    }

    func trending(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try QueryOptions(request, .trending)
        let list = try await storeCall(context) { try await engine.trending(limit: query.limit, includeAdult: query.includeAdult) }
        return jsonBody(try JSONBodyWriter.recommendations(list, encoded: engine.encodedCatalogue))
    }

    func event(_ kind: EventKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await requestJSON(request, context)
        // Ahead of reads on the executor: under a read load a click otherwise waits behind every
        // read's turn (docs/benchmarks/service.md).
        return try await withPriority(.high) { try await recordEvent(kind, body, context) }
    }

    /// `POST /impressions`: the titles the catalogue knows are stored, the others named in a
    /// `Warning` header.
    func impressions(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await requestJSON(request, context)
        return try await withPriority(.high) {
            let now = WallClock.nowMilliseconds
            let parsed = try ImpressionRequest.parse(Array(buffer: body), now: now)
            let known = try await storeCall(context) { try await engine.knownAnime(parsed.anime) }
            try await storeCall(context) {
                try await store.recordImpressions(user: parsed.user, anime: known, at: parsed.at ?? now)
            }
            if let recommendations = parsed.recommendationIDs {
                attribution.shown(zip(parsed.anime, recommendations).lazy.filter { known.contains($0.0) }.map(\.1))
            }
            var generator = SystemRandomNumberGenerator()
            let id = parsed.eventID ?? EventID.timeBased(millisecondsSince1970: now, using: &generator)
            let unknown = parsed.anime.filter { !known.contains($0) }
            return Self.warning(ignoring: unknown, try json(ImpressionsPayload(status: "recorded", eventID: id.description, count: known.count)))
        }
    }

    /// The body of a request that must send JSON (415 for another media type), within the body
    /// timeout.
    func requestJSON(_ request: Request, _ context: AppRequestContext) async throws -> ByteBuffer {
        if let contentType = request.headers[.contentType] {
            let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { Self.trimmingSpaces($0).lowercased() }
            guard mediaType == "application/json" || mediaType?.hasSuffix("+json") == true else {
                throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type",
                               message: "send the body as application/json")
            }
        }
        return try await collectBody(request, context)
    }

    /// Checks, stores and acknowledges one event whose body was read.
    func recordEvent(_ kind: EventKind, _ body: ByteBuffer, _ context: AppRequestContext) async throws -> Response {
        let now = WallClock.nowMilliseconds
        let parsed = try EventRequest.parse(Array(buffer: body), now: now)
        guard try await storeCall(context, { try await engine.animeExists(parsed.anime) }) else {
            throw APIError.animeNotFound(parsed.anime.rawValue)
        }
        var generator = SystemRandomNumberGenerator()
        let at = parsed.at ?? parsed.eventID?.timestampMilliseconds.flatMap { $0 <= now + APIContract.eventAtLeeway ? $0 : nil } ?? now
        let id = parsed.eventID ?? EventID.timeBased(millisecondsSince1970: at, using: &generator)
        let event = UserEvent(id: id, user: parsed.user, anime: parsed.anime, kind: kind, at: at)
        let outcome = try await storeCall(context) { try await store.record([event]) }
        if outcome.first == .conflict { throw APIError.eventIDConflict(id) }
        if outcome.first == .recorded, kind.isLogged, let recommendation = parsed.recommendationID {
            attribution.clicked(recommendation)
        }
        return jsonBody(
            JSONBodyWriter.eventAccepted(status: "recorded", eventID: id.description, duplicate: outcome.first == .duplicate))
    }

    /// `DELETE /dislikes/{user_id}/{anime_id}`: takes the verdict back; answered the same whether
    /// there was one or not, so a retry is harmless.
    func withdrawDislike(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try Self.userID(context)
        let anime = try Self.animeID(context)
        guard try await storeCall(context, { try await engine.animeExists(anime) }) else {
            throw APIError.animeNotFound(anime.rawValue)
        }
        try await withPriority(.high) {
            try await storeCall(context) { try await store.withdrawDislike(user: user, anime: anime) }
        }
        return try json(["status": "withdrawn"])
    }

    /// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
    static func trimmingSpaces(_ text: Substring) -> Substring {
        let isSpace = { (character: Character) in character == " " || character == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[first...last]
    }

    /// 200 only when the store answers, holds a catalogue and has a live run: a replica without
    /// them would answer empty lists, so a load balancer must not send it traffic yet.
    func ready() async throws -> Response {
        let run: String?
        let hasCatalogue: Bool
        do {
            try await store.ping()
            async let catalogue = store.hasCatalogue()
            async let live = store.liveRunID()
            (hasCatalogue, run) = try await (catalogue, live)
        } catch {
            throw APIError.storeUnavailable
        }
        guard hasCatalogue else {
            throw APIError.notReady("the store holds no catalogue yet: run `animerec import` (or `animerec demo`)")
        }
        guard let run else {
            throw APIError.notReady("no model run is live yet: run `animerec rebuild`")
        }
        return try json(ReadyPayload(status: "ready", store: storeName, liveRun: run))
    }

    // MARK: Helpers

    /// The request body, within ``bodyTimeout`` (408 after); a client that goes away mid-body is
    /// logged at debug level (nobody is left to read the answer).
    func collectBody(_ request: Request, _ context: AppRequestContext) async throws -> ByteBuffer {
        let limit = context.maxUploadSize
        do {
            return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var request = request
                    return try await request.collectBody(upTo: limit)
                }
                group.addTask {
                    try await Task.sleep(for: bodyTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let body = first else { throw APIError.bodyTimeout }
                return body
            }
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.debug("client went away while sending the body", metadata: ["error": "\(error)"])
            throw APIError.invalidBody("the request body ended early")
        }
    }

    /// Runs a store-backed call: a store that cannot be reached or timed out becomes 503 with
    /// `Retry-After` (``StoreFailure``); API errors pass through; anything else is rethrown, so
    /// ``JSONErrorMiddleware`` answers 500 `internal` and logs it with the request's metadata.
    func storeCall<T>(_ context: AppRequestContext, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch EngineError.noLiveRun {
            throw APIError.notReady("no model run is live yet: run `animerec rebuild` (the catalogue is served from the live run)")
        } catch is CancellationError {
            // The request was cancelled (its client went away or the server is stopping): nobody
            // reads the answer, so no warning.
            context.logger.debug("store call cancelled", metadata: ["http.route": "\(context.endpointPath ?? "")"])
            throw APIError.storeUnavailable
        } catch where StoreFailure.isUnavailable(error) {
            context.logger.warning("store unavailable", metadata: [
                "http.route": "\(context.endpointPath ?? "")", "error": "\(String(reflecting: error))",
            ])
            throw APIError.storeUnavailable
        }
    }

    static func userID(_ context: AppRequestContext) throws(APIError) -> UserID {
        switch IdentifierParser.userID(Substring(context.parameters.get("user_id") ?? "")) {
        case .success(let id): return id
        case .failure(.empty): throw .invalidID("user id", "is missing from the path")
        case .failure(.notDigits): throw .invalidID("user id", "must contain only digits")
        case .failure(.outOfRange): throw .invalidID("user id", "is out of range (at most \(Int64.max))")
        }
    }

    static func animeID(_ context: AppRequestContext) throws(APIError) -> AnimeID {
        switch IdentifierParser.animeID(Substring(context.parameters.get("anime_id") ?? "")) {
        case .success(let id): return id
        case .failure(.empty): throw .invalidID("anime id", "is missing from the path")
        case .failure(.notDigits): throw .invalidID("anime id", "must contain only digits")
        case .failure(.outOfRange): throw .invalidID("anime id", "is out of range (at most \(Int32.max))")
        }
    }
}

/// The query string of a route that takes at most `limit` and `include_adult`, with the limits and
/// defaults ``APIContract`` declares; any other parameter is refused by name.
struct QueryOptions {
    var limit = 0
    var includeAdult = false

    init(_ request: Request, _ operation: Endpoint.Operation) throws(APIError) {
        let endpoint = APIContract.endpoint(operation)
        let names = endpoint.parameterNames
        for (name, _) in request.uri.queryParameters where !names.contains(String(name)) {
            throw .invalidParameter(
                String(name), names.isEmpty ? "is not accepted here" : "is unknown (accepted: \(names.sorted().joined(separator: ", ")))")
        }
        let counts = Dictionary(request.uri.queryParameters.map { (String($0.key), 1) }, uniquingKeysWith: +)
        if let repeated = counts.first(where: { $0.value > 1 && !endpoint.parameter($0.key).isRepeatable }) {
            throw .invalidParameter(repeated.key, "is given more than once")
        }
        if names.contains("limit") {
            let limit = endpoint.parameter("limit").integer
            self.limit = limit.default
            if let raw = request.uri.queryParameters["limit"] { self.limit = try Self.integer("limit", raw, in: limit.range) }
        }
        if let raw = request.uri.queryParameters["include_adult"] { includeAdult = try Self.flag("include_adult", raw) }
    }

    /// An integer query parameter in `range`.
    static func integer(_ name: String, _ raw: Substring, in range: ClosedRange<Int>) throws(APIError) -> Int {
        guard case .success(let value) = IdentifierParser.parse(raw, maximum: Int64(range.upperBound)), value >= range.lowerBound else {
            throw .invalidParameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }

    /// Anime ids, comma-separated.
    static func animeIDs(_ name: String, _ raw: Substring) throws(APIError) -> [AnimeID] {
        var ids: [AnimeID] = []
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            guard case .success(let id) = IdentifierParser.parse(part, maximum: Int64(Int32.max)) else {
                throw .invalidParameter(name, "must be anime ids (integers from 0 to \(Int32.max)), comma-separated")
            }
            ids.append(AnimeID(Int32(id)))
        }
        return ids
    }

    /// A boolean query parameter: `true`/`1` or `false`/`0`.
    static func flag(_ name: String, _ raw: Substring) throws(APIError) -> Bool {
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidParameter(name, "must be true or false")
        }
    }

    /// A text query parameter of a length in `length`.
    static func text(_ name: String, _ raw: Substring, length: ClosedRange<Int>, what: String) throws(APIError) -> String {
        guard length.contains(raw.count) else {
            throw .invalidParameter(
                name, length.lowerBound == 0 ? "must be at most \(length.upperBound) characters"
                    : "must be \(what) of \(length.lowerBound) to \(length.upperBound) characters")
        }
        return String(raw)
    }
}

struct ReadyPayload: Codable, Equatable {
    var status: String
    var store: String
    var liveRun: String?

    enum CodingKeys: String, CodingKey {
        case status, store, liveRun = "live_run"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(store, forKey: .store)
        try container.encode(liveRun, forKey: .liveRun)
    }
}

/// JSON response with the API's content type.
func json(_ value: some Encodable) throws -> Response {
    // A value that fails to encode throws: the client gets 500 `internal`, never a 200 with junk.
    jsonBody(ByteBuffer(bytes: try responseEncoder.encode(value)))
}

/// A response whose JSON body is already written.
func jsonBody(_ body: ByteBuffer) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
}

/// Sorted keys keep responses byte-stable across runs and platforms.
private let responseEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}()
