import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import CQL
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A store whose every call fails with `failure`: unreachable, as a store that went down would,
/// or broken, as a bug would.
struct FailingStore: RecStore {
    struct Bug: Error {}
    let failure: @Sendable () -> any Error

    static let unreachable = FailingStore { StoreError.unreachable("no node answered") }
    static let broken = FailingStore { Bug() }

    func migrate(dryRun: Bool) async throws -> MigrationReport { throw failure() }
    func ping() async throws { throw failure() }
    func close() async throws {}
    func upsertAnime(_ anime: [Anime]) async throws { throw failure() }
    func anime(_ id: AnimeID) async throws -> Anime? { throw failure() }
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { throw failure() }
    func allAnime() async throws -> [Anime] { throw failure() }
    func hasCatalogue() async throws -> Bool { throw failure() }
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { throw failure() }
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] { throw failure() }
    func interactions(of user: UserID, limit: Int) async throws -> [Interaction] { throw failure() }
    func importRatings(_ ratings: [ImportedRating]) async throws { throw failure() }
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws { throw failure() }
    func interactionCount() async throws -> Int { throw failure() }
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] { throw failure() }
    func createRun(_ run: ModelRun) async throws { throw failure() }
    func run(_ id: String) async throws -> ModelRun? { throw failure() }
    func recordProgress(run: String, _ part: RunProgress.Part) async throws { throw failure() }
    func progress(run: String) async throws -> RunProgress { throw failure() }
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws { throw failure() }
    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws { throw failure() }
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws { throw failure() }
    func writeCatalogue(run: String, _ anime: [Anime]) async throws { throw failure() }
    func catalogue(run: String) async throws -> [Anime] { throw failure() }
    func activate(run: String) async throws { throw failure() }
    func liveRun() async throws -> ModelRun? { throw failure() }
    func liveRunID() async throws -> String? { throw failure() }
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] { throw failure() }
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] { throw failure() }
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] { throw failure() }
}

@Suite("A store that is down gives 503 with Retry-After; any other failure is a 500")
struct StoreDownTests {
    @Test func everyStoreBackedRouteAnswers503() async throws {
        let app = Application(router: buildRouter(store: FailingStore.unreachable, storeName: "down", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            let requests: [(String, HTTPRequest.Method, ByteBuffer?)] = [
                ("/recall/1", .get, nil), ("/rank/1", .get, nil), ("/recommends/1", .get, nil), ("/sim/1", .get, nil),
                ("/anime/1", .get, nil), ("/ready", .get, nil),
                ("/clicks", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
                ("/views", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
            ]
            for (uri, method, body) in requests {
                let response = try await client.send(uri: uri, method: method, headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .serviceUnavailable, "\(method) \(uri)")
                #expect(response.headers[.retryAfter] == "1", "\(method) \(uri)")
                #expect(try response.errorCode() == "store_unavailable", "\(method) \(uri)")
            }
            // Liveness and bad input do not depend on the store.
            #expect(try await client.send(uri: "/health", method: .get).status == .ok)
            #expect(try await client.send(uri: "/recall/x", method: .get).status == .badRequest)
        }
    }

    @Test func aStoreBugIsA500NotARetryLater() async throws {
        let app = Application(router: buildRouter(store: FailingStore.broken, storeName: "broken", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            let requests: [(String, HTTPRequest.Method, ByteBuffer?)] = [
                ("/recall/1", .get, nil), ("/rank/1", .get, nil), ("/recommends/1", .get, nil), ("/sim/1", .get, nil),
                ("/anime/1", .get, nil), ("/trending", .get, nil),
                ("/clicks", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
            ]
            for (uri, method, body) in requests {
                let response = try await client.send(uri: uri, method: method, headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .internalServerError, "\(method) \(uri)")
                #expect(response.headers[.retryAfter] == nil, "\(method) \(uri)")
                #expect(try response.errorCode() == "internal", "\(method) \(uri)")
            }
            // Readiness still says "do not send traffic here".
            #expect(try await client.send(uri: "/ready", method: .get).status == .serviceUnavailable)
        }
    }

    @Test(arguments: [
        (StoreError.unreachable("x") as any Error, true), (CQLError(.readTimeout, "t") as any Error, true),
        (CQLClusterError(.noNodeAvailable, "none") as any Error, true), (CQLError(.invalid, "bad") as any Error, false),
        (StoreError.unknownRun("r") as any Error, false), (FailingStore.Bug() as any Error, false),
        // The request path's SQLite reads: busy (also its extended code for a WAL in recovery) and
        // I/O errors are "not now"; a generic error or a misuse is a bug.
        (SQLiteStatementError(code: 5, message: "busy") as any Error, true), (SQLiteStatementError(code: 261, message: "busy recovery") as any Error, true),
        (SQLiteStatementError(code: 10, message: "I/O") as any Error, true), (SQLiteStatementError(code: 1, message: "error") as any Error, false),
        (SQLiteStatementError(code: 21, message: "misuse") as any Error, false),
    ])
    func storeFailuresAreSortedIntoUnavailableAndBugs(error: any Error, unavailable: Bool) {
        #expect(StoreFailure.isUnavailable(error) == unavailable, "\(error)")
    }
}
