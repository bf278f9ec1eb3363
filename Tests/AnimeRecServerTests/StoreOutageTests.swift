import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import CQL
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

/// The fixture store, until ``isDown`` is set: then every call fails as the CQL client fails a
/// request whose replicas it knows to be down (at once, nothing sent); while ``isStalled`` is set,
/// every call waits a minute first (a ring whose coordinators still choose a dead replica).
struct OutageStore: RecStore {
    let inner: SQLiteStore
    let down = NIOLockedValueBox(false)
    let stalled = NIOLockedValueBox(false)

    var isDown: Bool {
        get { down.withLockedValue { $0 } }
        nonmutating set { down.withLockedValue { $0 = newValue } }
    }

    var isStalled: Bool {
        get { stalled.withLockedValue { $0 } }
        nonmutating set { stalled.withLockedValue { $0 = newValue } }
    }

    private func check() async throws {
        if isStalled { try await Task.sleep(for: .seconds(60)) }
        if isDown { throw CQLClusterError(.replicasDown, "QUORUM needs 2 replica(s) and 1 are up as far as this client can tell") }
    }

    func migrate(dryRun: Bool) async throws -> MigrationReport { try await check(); return try await inner.migrate(dryRun: dryRun) }
    func ping() async throws { try await check(); try await inner.ping() }
    func close() async throws { try await inner.close() }
    func upsertAnime(_ anime: [Anime]) async throws { try await check(); try await inner.upsertAnime(anime) }
    func anime(_ id: AnimeID) async throws -> Anime? { try await check(); return try await inner.anime(id) }
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { try await check(); return try await inner.anime(ids) }
    func allAnime() async throws -> [Anime] { try await check(); return try await inner.allAnime() }
    func hasCatalogue() async throws -> Bool { try await check(); return try await inner.hasCatalogue() }
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { try await check(); return try await inner.record(events) }
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        try await check()
        return try await inner.recentEvents(of: user, sinceDay: sinceDay, limit: limit)
    }
    func interactions(of user: UserID, limit: Int) async throws -> [Interaction] { try await check(); return try await inner.interactions(of: user, limit: limit) }
    func importRatings(_ ratings: [ImportedRating]) async throws { try await check(); try await inner.importRatings(ratings) }
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await check()
        try await inner.scanHistories(shard: shard, batchSize: batchSize, body)
    }
    func interactionCount() async throws -> Int { try await check(); return try await inner.interactionCount() }
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] { try await check(); return try await inner.trending(buckets: buckets, limit: limit) }
    func createRun(_ run: ModelRun) async throws { try await check(); try await inner.createRun(run) }
    func run(_ id: String) async throws -> ModelRun? { try await check(); return try await inner.run(id) }
    func recordProgress(run: String, _ part: RunProgress.Part) async throws { try await check(); try await inner.recordProgress(run: run, part) }
    func progress(run: String) async throws -> RunProgress { try await check(); return try await inner.progress(run: run) }
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws { try await check(); try await inner.writeNeighbors(run: run, lists) }
    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws { try await check(); try await inner.writeCandidates(run: run, lists) }
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws { try await check(); try await inner.writeList(run: run, key: key, items) }
    func writeCatalogue(run: String, _ anime: [Anime]) async throws { try await check(); try await inner.writeCatalogue(run: run, anime) }
    func catalogue(run: String) async throws -> [Anime] { try await check(); return try await inner.catalogue(run: run) }
    func activate(run: String) async throws { try await check(); try await inner.activate(run: run) }
    func liveRun() async throws -> ModelRun? { try await check(); return try await inner.liveRun() }
    func liveRunID() async throws -> String? { try await check(); return try await inner.liveRunID() }
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        try await check()
        return try await inner.neighbors(of: anime, run: run, limit: limit)
    }
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        try await check()
        return try await inner.candidates(for: user, run: run, limit: limit)
    }
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] { try await check(); return try await inner.list(key: key, run: run, limit: limit) }
}

@Suite("While the store is down, answers that are in memory keep coming, saying how old they are")
struct StoreOutageTests {
    @Test func inMemoryRoutesAnswerWithAgeAndTheOthersAnswer503() async throws {
        let (inner, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = OutageStore(inner: inner)
        let app = Application(router: buildRouter(store: store, storeName: "outage", metrics: Fixture.metrics))
        let inMemory = ["/sim/1", "/anime/1", "/anime?query=a", "/facets", "/trending"]
        try await app.test(.router) { client in
            // The live run's snapshot is loaded (search waits for it), trending read, every route fresh.
            #expect(try await client.send(uri: "/anime?query=a", method: .get).status == .ok)
            for uri in inMemory + ["/recommends/10"] {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.age] == nil, "\(uri)")
            }

            store.isDown = true
            // Past the pointer's one-second bound: each route must read the pointer again, and cannot.
            try await Task.sleep(for: .milliseconds(1_100))
            for uri in inMemory {
                let started = ContinuousClock.now
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                let age = try #require(response.headers[.age].flatMap { Int($0) }, "\(uri) has no Age")
                #expect((1...5).contains(age), "\(uri): Age \(age)")
                #expect(ContinuousClock.now - started < .seconds(2), "\(uri)")
            }
            // The answer that must read the user's partitions: 503 with Retry-After, at once.
            let refused = try await client.send(uri: "/recommends/10", method: .get)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(try refused.errorCode() == "store_unavailable")
            let click = try await client.send(
                uri: "/clicks", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"user_id": 10, "anime_id": 2}"#))
            #expect(click.status == .serviceUnavailable)
            // An anime the loaded run does not know cannot be answered from memory.
            #expect(try await client.send(uri: "/anime/999", method: .get).status == .serviceUnavailable)

            // A stalled ring: the pointer's refresh hangs, and the routes from memory go on without it.
            store.isDown = false
            store.isStalled = true
            try await Task.sleep(for: .milliseconds(1_100))
            for uri in ["/sim/1", "/anime?query=a", "/facets"] {
                let started = ContinuousClock.now
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.age] != nil, "\(uri) while the ring stalls")
                #expect(ContinuousClock.now - started < .seconds(2), "\(uri) waited for the stalled pointer read")
            }

            store.isStalled = false
            try await Task.sleep(for: .milliseconds(1_100))
            for uri in inMemory {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.age] == nil, "\(uri) after the store came back")
            }
        }
        try await inner.close()
    }
}
