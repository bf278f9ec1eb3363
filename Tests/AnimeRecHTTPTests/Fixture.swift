import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore

import Prometheus
import Testing

/// A real SQLite file with a tiny hand-made catalogue, history and live run, so route tests can
/// expect exact lists.
struct Fixture {
    static let catalogue: [Anime] = [
        Anime(id: AnimeID(1), name: "Alpha", genres: ["Action", "Mecha"], type: "TV", episodes: 24, rating: 8.0, members: 1000),
        Anime(id: AnimeID(2), name: "Beta", genres: ["Action"], type: "TV", episodes: 12, rating: 7.5, members: 5000),
        Anime(id: AnimeID(3), name: "Gamma", genres: ["Mecha", "Sci-Fi"], type: "Movie", episodes: 1, rating: 8.5, members: 3000),
        Anime(id: AnimeID(4), name: "Delta", genres: ["Romance"], type: "OVA", episodes: 2, rating: 6.9, members: 800),
        Anime(id: AnimeID(5), name: "Adult Title", genres: ["Hentai"], type: "OVA", episodes: 2, rating: 6.0, members: 700),
        Anime(id: AnimeID(6), name: "Epsilon", genres: ["Comedy"], type: "TV", episodes: 50, rating: 8.1, members: 100_000),
        Anime(id: AnimeID(7), name: "Zeta \"Z\" & co", genres: ["Drama"], type: nil, episodes: nil, rating: nil, members: 10),
    ]

    /// Opens a fresh store in a temporary directory and fills it with `fill` (the fixture's data
    /// by default); closed again when filling fails.
    static func makeStore(
        filledBy fill: (SQLiteStore) async throws -> Void = { try await Fixture.fill($0) }
    ) async throws -> (SQLiteStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try await SQLiteStore.open(.init(path: dir.appendingPathComponent("db.sqlite").path), logger: Logger(label: "test"))
        do {
            try await fill(store)
        } catch {
            try? await store.close()
            throw error
        }
        return (store, dir)
    }

    /// Writes the fixture's catalogue, history and live run.
    static func fill(_ store: some RecStore) async throws {
        try await store.upsertAnime(catalogue)
        try await store.importRatings([ImportedRating(user: UserID(10), anime: AnimeID(1), rating: nil, liked: true)])
        try await store.createRun(ModelRun(id: "r1", createdAt: 1, ranker: nil))
        try await store.writeCatalogue(run: "r1", catalogue)
        try await store.writeNeighbors(run: "r1", [
            (AnimeID(1), [ScoredAnime(anime: AnimeID(2), score: 0.9), ScoredAnime(anime: AnimeID(5), score: 0.8), ScoredAnime(anime: AnimeID(3), score: 0.5)]),
            (AnimeID(3), [ScoredAnime(anime: AnimeID(1), score: 0.6), ScoredAnime(anime: AnimeID(4), score: 0.2)]),
        ])
        try await store.writeCandidates(run: "r1", [(UserID(10), [Candidate(anime: AnimeID(3), score: 0.7, reason: .forYou)])])
        try await store.writeList(run: "r1", key: ListKey.popular, [6, 2, 3, 1, 4, 7, 5].map { ScoredAnime(anime: AnimeID($0), score: 1) })
        try await store.writeList(run: "r1", key: ListKey.genre("Action"), [2, 1].map { ScoredAnime(anime: AnimeID($0), score: 1) })
        try await store.recordProgress(run: "r1", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "r1")
    }

    /// The process-wide Prometheus registry (swift-metrics can be bootstrapped once per process).
    static let metrics: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Runs `body` against an application, allowing browser calls from `corsOrigins`, on a fresh
    /// SQLite store filled by `fill` (the fixture's data by default).
    static func withApp(
        _ mode: TestingSetup = .router, corsOrigins: [String] = [],
        filledBy fill: (SQLiteStore) async throws -> Void = { try await Fixture.fill($0) },
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let (store, dir) = try await makeStore(filledBy: fill)
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = Application(router: buildRouter(store: store, storeName: "sqlite", metrics: metrics, corsOrigins: corsOrigins))
        do {
            try await app.test(mode, body)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// Runs `body` against an application on the fixture in `setup`'s store. On Cassandra, tests
    /// that only read share one filled keyspace (DDL on the 1.2 ring takes seconds); tests that
    /// write (`fresh`) get a keyspace of their own.
    static func withApp(
        _ setup: RouteSetup, fresh: Bool = false, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        switch setup.store {
        case .sqlite:
            try await withApp(setup.mode.setup, body)
        case .cassandra:
            if fresh {
                try await RingFixture.withFreshStore { store in
                    try await Application(router: buildRouter(store: store, storeName: "cassandra", metrics: metrics)).test(setup.mode.setup, body)
                }
            } else {
                let store = try await RingFixture.shared.store()
                try await Application(router: buildRouter(store: store, storeName: "cassandra", metrics: metrics)).test(setup.mode.setup, body)
            }
        }
    }
}

extension TestResponse {
    /// Decodes the JSON body.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// The body as integers (the id-list routes).
    func ids() throws -> [Int] { try decode([Int].self) }

    /// The body without its `recommendation_id` fields (new for every `/recommends` answer), so that
    /// two answers compare by what they recommend.
    var listBody: String {
        String(buffer: body).replacing(/"recommendation_id":"[0-9a-f-]{36}",/, with: "")
    }

    /// The error code of an error response.
    func errorCode() throws -> String {
        try decode(ErrorBody.self).error.code
    }
}

struct ErrorBody: Decodable {
    struct Inner: Decodable {
        var code: String
        var message: String
    }
    var error: Inner
}

/// The anime object as the API writes it, with every key present.
struct AnimeJSON: Decodable, Equatable {
    var anime_id: Int
    var name: String
    var genres: [String]
    var type: String?
    var episodes: Int?
    var rating: Double?
    var members: Int
}

struct RecommendationJSON: Decodable {
    struct Reason: Decodable, Equatable {
        var kind: String
        var anime_id: Int?
        var name: String?
        var genre: String?
    }
    var anime_id: Int
    var name: String
    var score: Double
    var reason: Reason
}

extension TestClientProtocol {
    /// Sends one request and returns the response (so assertions can throw freely).
    func send(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        try await executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}

/// Which store a route test runs on. The Cassandra runs need the test ring (``TestRing``): without
/// it they are left out of each route test's arguments and ``RouteSuiteOnTheRing`` is reported as
/// skipped; under `CI=true` they run, and fail.
enum StoreKind: String, Sendable {
    case sqlite
    case cassandra
}

/// One way of running a route test: how it reaches the app, and on which store.
struct RouteSetup: Sendable, CustomTestStringConvertible {
    var mode: HTTPMode
    var store: StoreKind

    static let all: [RouteSetup] = HTTPMode.allCases.map { RouteSetup(mode: $0, store: .sqlite) }
        + (TestRing.isAvailable || TestRing.isCI ? HTTPMode.allCases.map { RouteSetup(mode: $0, store: .cassandra) } : [])

    var testDescription: String { "\(mode.rawValue), \(store.rawValue)" }
}

/// How a route test reaches the application: straight through the router (fast) or over a real
/// HTTP connection to a live server on a free port.
enum HTTPMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case router
    case live

    var setup: TestingSetup { self == .router ? .router : .live }
    var testDescription: String { rawValue }
}

/// The fixture on the Cassandra test ring (``TestRing``).
actor RingFixture {
    static let shared = RingFixture()

    private var loading: Task<CassandraStore, any Error>?

    /// The shared, filled keyspace (created on first use, kept for the process).
    func store() async throws -> CassandraStore {
        if let loading { return try await loading.value }
        let task = Task {
            let store = try await TestRing.openFreshStore(prefix: "http_")
            try await Fixture.fill(store)
            return store
        }
        loading = task
        return try await task.value
    }

    /// A filled keyspace of its own for `body`, dropped afterwards.
    static func withFreshStore(_ body: (CassandraStore) async throws -> Void) async throws {
        try await TestRing.withFreshStore(prefix: "http_") { store in
            try await Fixture.fill(store)
            try await body(store)
        }
    }
}

/// Stands for the route suite's Cassandra runs in the test report: skipped when they are left out.
@Suite("The route suite also runs on the Cassandra ring", TestRing.enabled)
struct RouteSuiteOnTheRing {
    @Test func theRingIsThere() async throws {
        let store = try await RingFixture.shared.store()
        #expect(try await store.hasCatalogue())
    }
}
