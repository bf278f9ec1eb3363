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
    public var maxUploadSize: Int { 16 * 1024 }
}

/// Every route of the API, in one list, so the OpenAPI document can be checked against it.
public enum APIRoutes {
    public static let all: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/recall/{user_id}"), (.get, "/rank/{user_id}"), (.get, "/sim/{anime_id}"),
        (.get, "/recommends/{user_id}"), (.get, "/anime/{anime_id}"), (.get, "/anime"), (.get, "/facets"),
        (.get, "/trending"), (.post, "/clicks"), (.post, "/views"),
        (.get, "/health"), (.get, "/ready"), (.get, "/metrics"), (.get, "/openapi.json"), (.get, "/"),
    ]

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

    func register(on router: Router<AppRequestContext>) {
        router.get("/recall/:user_id") { request, context in try await recall(request, context) }
        router.get("/rank/:user_id") { request, context in try await rank(request, context) }
        router.get("/recommends/:user_id") { request, context in try await recommends(request, context) }
        router.get("/sim/:anime_id") { request, context in try await similar(request, context) }
        router.get("/anime/:anime_id") { request, context in try await anime(request, context) }
        router.get("/anime") { request, context in try await searchCatalogue(request, context) }
        router.get("/facets") { request, context in try await facets(request, context) }
        router.get("/trending") { request, context in try await trending(request, context) }
        router.post("/clicks") { request, context in try await event(.click, request, context) }
        router.post("/views") { request, context in try await event(.view, request, context) }
        for prefix in ["/recall", "/rank", "/recommends"] {
            router.get(RouterPath(prefix)) { _, _ -> Response in throw APIError.invalidID("user id", "is missing from the path") }
        }
        router.get("/sim") { _, _ -> Response in throw APIError.invalidID("anime id", "is missing from the path") }
        router.get("/health") { _, _ in try json(["status": "ok"]) }
        router.get("/ready") { _, _ in try await ready() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metricsText())))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    // MARK: Handlers

    func recall(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try Self.userID(context)
        let query = try QueryOptions(request, defaultLimit: 100, maximumLimit: 1000)
        let ids = try await storeCall(context) { try await engine.recall(user: user, limit: query.limit, includeAdult: query.includeAdult) }
        return jsonBody(JSONBodyWriter.ids(ids))
    }

    func rank(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try Self.userID(context)
        let query = try ListQueryOptions(request, defaultLimit: 50, maximumLimit: 1000)
        let ranked = try await storeCall(context) {
            try await engine.rank(
                user: user, limit: query.limit, includeAdult: query.includeAdult, filter: query.filter, diversity: query.diversity)
        }
        return jsonBody(JSONBodyWriter.ids(ranked.lazy.map(\.anime)))
    }

    func recommends(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let user = try Self.userID(context)
        let query = try ListQueryOptions(request, defaultLimit: 10, maximumLimit: 100)
        let list = try await storeCall(context) {
            try await engine.recommend(
                user: user, limit: query.limit, includeAdult: query.includeAdult, filter: query.filter, diversity: query.diversity)
        }
        return jsonBody(try JSONBodyWriter.recommendations(list, encoded: engine.encodedCatalogue))
    }

    func similar(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.animeID(context)
        let query = try QueryOptions(request, defaultLimit: 10, maximumLimit: 100)
        guard let list = try await storeCall(context, { try await engine.similar(to: id, limit: query.limit, includeAdult: query.includeAdult) }) else {
            throw APIError.animeNotFound(id.rawValue)
        }
        return jsonBody(try JSONBodyWriter.animeList(list, encoded: engine.encodedCatalogue))
    }

    func anime(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try Self.animeID(context)
        _ = try QueryOptions(request, allowed: [])
        guard let anime = try await storeCall(context, { try await engine.anime(id) }) else { throw APIError.animeNotFound(id.rawValue) }
        return jsonBody(try JSONBodyWriter.anime(anime))
    }

    func searchCatalogue(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try CatalogueQueryOptions(request).query
        let page = try await storeCall(context) { try await engine.searchCatalogue(query) }
        return try json(CataloguePagePayload(items: page.items.map(AnimePayload.init), total: page.total))
    }

    func facets(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try QueryOptions(request, allowed: ["include_adult"])
        let index = try await storeCall(context) { try await engine.catalogueIndex() }
        return try json(FacetsPayload(
            genres: index.genres(includeAdult: query.includeAdult).map(FacetPayload.init),
            types: index.types(includeAdult: query.includeAdult).map(FacetPayload.init)))
    }

    func trending(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = try QueryOptions(request, defaultLimit: 10, maximumLimit: 100)
        let list = try await storeCall(context) { try await engine.trending(limit: query.limit, includeAdult: query.includeAdult) }
        return jsonBody(try JSONBodyWriter.recommendations(list, encoded: engine.encodedCatalogue))
    }

    func event(_ kind: EventKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        if let contentType = request.headers[.contentType] {
            let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { Self.trimmingSpaces($0).lowercased() }
            guard mediaType == "application/json" || mediaType?.hasSuffix("+json") == true else {
                throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type",
                               message: "send the event as application/json")
            }
        }
        let body = try await collectBody(request, context)
        // Ahead of reads on the executor: under a read load a click otherwise waits behind every
        // read's turn (docs/benchmarks/service.md).
        return try await withPriority(.high) { try await recordEvent(kind, body, context) }
    }

    /// Checks, stores and acknowledges one event whose body was read.
    func recordEvent(_ kind: EventKind, _ body: ByteBuffer, _ context: AppRequestContext) async throws -> Response {
        let now = WallClock.nowMilliseconds
        let parsed = try EventRequest.parse(Array(buffer: body), now: now)
        guard try await storeCall(context, { try await engine.animeExists(parsed.anime) }) else {
            throw APIError.animeNotFound(parsed.anime.rawValue)
        }
        var generator = SystemRandomNumberGenerator()
        let at = parsed.at ?? parsed.eventID?.timestampMilliseconds.flatMap { $0 <= now + 86_400_000 ? $0 : nil } ?? now
        let id = parsed.eventID ?? EventID.timeBased(millisecondsSince1970: at, using: &generator)
        let event = UserEvent(id: id, user: parsed.user, anime: parsed.anime, kind: kind, at: at)
        let outcome = try await storeCall(context) { try await store.record([event]) }
        if outcome.first == .conflict { throw APIError.eventIDConflict(id) }
        return jsonBody(
            JSONBodyWriter.eventAccepted(status: "recorded", eventID: id.description, duplicate: outcome.first == .duplicate))
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

/// `?limit=` and `?include_adult=`, validated.
struct QueryOptions {
    var limit: Int
    var includeAdult: Bool

    init(_ request: Request, defaultLimit: Int, maximumLimit: Int) throws(APIError) {
        try self.init(request, allowed: ["limit", "include_adult"])
        limit = defaultLimit
        let parameters = request.uri.queryParameters
        if let raw = parameters["limit"] { limit = try Self.limit(raw, maximum: maximumLimit) }
    }

    /// A `limit` query parameter: an integer from 1 to `maximum`.
    static func limit(_ raw: Substring, maximum: Int) throws(APIError) -> Int {
        guard case .success(let value) = IdentifierParser.parse(raw, maximum: Int64(maximum)), value >= 1 else {
            throw .invalidParameter("limit", "must be an integer from 1 to \(maximum)")
        }
        return Int(value)
    }

    /// A boolean query parameter: `true`/`1` or `false`/`0`.
    static func flag(_ name: String, _ raw: Substring) throws(APIError) -> Bool {
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidParameter(name, "must be true or false")
        }
    }

    /// Refuses parameters the route does not know, so typos do not pass silently.
    init(_ request: Request, allowed: Set<String>) throws(APIError) {
        limit = 0
        includeAdult = false
        for (name, _) in request.uri.queryParameters where !allowed.contains(String(name)) {
            throw .invalidParameter(String(name), allowed.isEmpty ? "is not accepted here" : "is unknown (accepted: \(allowed.sorted().joined(separator: ", ")))")
        }
        let counts = Dictionary(request.uri.queryParameters.map { (String($0.key), 1) }, uniquingKeysWith: +)
        if let repeated = counts.first(where: { $0.value > 1 }) {
            throw .invalidParameter(repeated.key, "is given more than once")
        }
        if let raw = request.uri.queryParameters["include_adult"] { includeAdult = try Self.flag("include_adult", raw) }
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
