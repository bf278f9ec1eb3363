import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A store whose every call fails, as a store that went down would.
struct UnreachableStore: RecStore {
    struct Down: Error {}
    func migrate(dryRun: Bool) async throws -> MigrationReport { throw Down() }
    func ping() async throws { throw Down() }
    func close() async throws {}
    func upsertAnime(_ anime: [Anime]) async throws { throw Down() }
    func anime(_ id: AnimeID) async throws -> Anime? { throw Down() }
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { throw Down() }
    func allAnime() async throws -> [Anime] { throw Down() }
    func hasCatalogue() async throws -> Bool { throw Down() }
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { throw Down() }
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] { throw Down() }
    func interactions(of user: UserID) async throws -> [Interaction] { throw Down() }
    func importRatings(_ ratings: [ImportedRating]) async throws { throw Down() }
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws { throw Down() }
    func interactionCount() async throws -> Int { throw Down() }
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] { throw Down() }
    func createRun(_ run: ModelRun) async throws { throw Down() }
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws { throw Down() }
    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws { throw Down() }
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws { throw Down() }
    func writeCatalogue(run: String, _ anime: [Anime]) async throws { throw Down() }
    func catalogue(run: String) async throws -> [Anime] { throw Down() }
    func activate(run: String) async throws { throw Down() }
    func liveRun() async throws -> ModelRun? { throw Down() }
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] { throw Down() }
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] { throw Down() }
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] { throw Down() }
}

@Suite("A store that is down gives 503 with Retry-After, never 500")
struct StoreDownTests {
    @Test func everyStoreBackedRouteAnswers503() async throws {
        let app = Application(router: buildRouter(store: UnreachableStore(), storeName: "down", metrics: Fixture.metrics))
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
}
