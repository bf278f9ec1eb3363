import AnimeRecCore
@testable import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import Logging
import Testing

@Suite("SQLiteStore conformance (real database file)")
struct SQLiteStoreConformanceTests {
    /// A store on a fresh file in a temporary directory (removed afterwards), its configuration
    /// adjusted by `configure`; closed whether `body` throws or not.
    static func withStore(
        configuring configure: (inout SQLiteStore.Configuration) -> Void = { _ in }, _ body: (SQLiteStore) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var configuration = SQLiteStore.Configuration(path: dir.appendingPathComponent("test.sqlite").path)
        configure(&configuration)
        let store = try await SQLiteStore.open(configuration, logger: Logger(label: "test"))
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test func catalogue() async throws { try await Self.withStore(StoreConformance.catalogueRoundTrips) }
    @Test func events() async throws { try await Self.withStore(StoreConformance.eventsAreIdempotentAndUpdateInteractions) }
    @Test func dislikes() async throws { try await Self.withStore(StoreConformance.dislikesAreVerdicts) }
    @Test func impressions() async throws { try await Self.withStore(StoreConformance.impressionsAreExposuresPerHour) }
    @Test func heavyImpressions() async throws { try await Self.withStore(StoreConformance.aHeavyUsersExposuresAreReadWithinTheBound) }
    @Test func concurrentEvents() async throws { try await Self.withStore(StoreConformance.concurrentEventsAreAllStored) }
    @Test func importAndScan() async throws { try await Self.withStore(StoreConformance.importAndScan) }
    @Test func runs() async throws { try await Self.withStore(StoreConformance.runsSwitchAtomically) }
    @Test func userReads() async throws { try await Self.withStore(StoreConformance.userReadsMatchTheSingleReads) }
    @Test func eventCopiesCountOnce() async throws { try await Self.withStore(StoreConformance.everyCopyOfAnEventCountsOnce) }

    @Test func migrationsAreRecordedAndNotReapplied() async throws {
        try await Self.withStore { (store: SQLiteStore) async throws in
            #expect(try await store.migrate().applied.isEmpty)
            #expect(try await store.migrate(dryRun: true).applied.isEmpty)
        }
    }

    @Test func runsOlderThanTheReplacedOneAreDropped() async throws {
        try await Self.withStore { (store: SQLiteStore) async throws in
            for run in 1...3 {
                try await store.createRun(ModelRun(id: "run-\(run)", createdAt: Int64(run), ranker: nil))
                try await store.writeNeighbors(run: "run-\(run)", [(AnimeID(1), [ScoredAnime(anime: AnimeID(2), score: 1)])])
                try await store.recordProgress(run: "run-\(run)", RunProgress.Part(stage: .complete, part: 0, total: 1))
                try await store.activate(run: "run-\(run)")
            }
            #expect(try await store.neighbors(of: AnimeID(1), run: "run-1", limit: 10).isEmpty)
            #expect(try await store.neighbors(of: AnimeID(1), run: "run-2", limit: 10).count == 1)
        }
    }

    @Test("an event id whose registration has expired names a new event; a live one still decides retry or conflict")
    func expiredEventIDsAreClaimedAgain() async throws {
        try await Self.withStore(configuring: { $0.eventTTLMilliseconds = 60_000 }) { (store: SQLiteStore) async throws in
            var rng = SystemRandomNumberGenerator()
            let now = WallClock.nowMilliseconds
            // Two minutes old with a one-minute TTL: its id is free again at once.
            let old = UserEvent(id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(1), anime: AnimeID(7), kind: .click, at: now - 120_000)
            let live = UserEvent(id: .timeBased(millisecondsSince1970: now + 1, using: &rng), user: UserID(1), anime: AnimeID(8), kind: .click, at: now)
            #expect(try await store.record([old, live]) == [.recorded, .recorded])
            var reused = old
            reused.user = UserID(2)
            reused.at = now
            var clash = live
            clash.user = UserID(3)
            #expect(try await store.record([reused, clash, live]) == [.recorded, .conflict, .duplicate])
            #expect(try await store.interactions(of: UserID(2)).map(\.anime) == [AnimeID(7)])
            #expect(try await store.interactions(of: UserID(3)).isEmpty)
            // The id now names the new event: the old one again conflicts with it.
            #expect(try await store.record([old]) == [.conflict])
        }
    }

    @Test("the request path's read pool: many concurrent reads, each sees the last commit, an error after close")
    func readPoolUnderConcurrency() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-pool-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var configuration = SQLiteStore.Configuration(path: path)
        configuration.readers = 2
        let store = try await SQLiteStore.open(configuration, logger: Logger(label: "test"))
        // User u has u ratings, so every read shows whose partition it got.
        var ratings: [ImportedRating] = []
        for user: Int64 in 1...8 {
            for anime: Int32 in 1...Int32(user) { ratings.append(ImportedRating(user: UserID(user), anime: AnimeID(anime), rating: 7, liked: nil)) }
        }
        try await store.importRatings(ratings)
        func reads(_ user: Int64) async throws -> UserReads {
            try await store.userReads(
                of: UserID(user), sinceDay: 0, eventLimit: 10, interactionLimit: 100, candidateLimit: 10, knownLiveRun: nil)
        }
        // 400 reads over 2 connections: most find both busy and wait for one.
        let counts = try await withThrowingTaskGroup(of: (Int64, Int).self) { group in
            for index in 0..<400 {
                let user = Int64(index % 8 + 1)
                group.addTask { (user, try await reads(user).interactions.count) }
            }
            return try await group.reduce(into: [(Int64, Int)]()) { $0.append($1) }
        }
        #expect(counts.count == 400)
        #expect(counts.allSatisfy { Int($0.0) == $0.1 })
        // A write is seen by the very next read, on whichever connection it runs.
        var rng = SystemRandomNumberGenerator()
        let now = WallClock.nowMilliseconds
        for step: Int32 in 0..<20 {
            let event = UserEvent(
                id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(1), anime: AnimeID(100 + step), kind: .click,
                at: now + Int64(step))
            #expect(try await store.record([event]) == [.recorded])
            let after = try await reads(1)
            #expect(after.interactions.count == 2 + Int(step), "step \(step)")
            #expect(after.recentEvents.first == event, "step \(step)")
        }
        // 420 reads, their statement prepared once per connection and never again.
        #expect(store.readPoolReprepares == 0)
        try await store.close()
        // After close a read fails with an error, never a crash or a hang.
        await #expect(throws: SQLiteStatementError.self) { try await reads(1) }
    }

    @Test("event writes past 1,000 WAL pages start a checkpoint in the background, and every event stays readable")
    func walCheckpointsInTheBackground() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-wal-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await SQLiteStore.open(.init(path: path), logger: Logger(label: "test"))
        #expect(store.walCheckpoints == 0)
        var rng = SystemRandomNumberGenerator()
        let now = WallClock.nowMilliseconds
        // 8 batches of 2,000 events of distinct users: far more than 1,000 pages of WAL.
        for batch: Int64 in 0..<8 {
            let events = (0..<2_000).map { index in
                UserEvent(
                    id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(batch * 2_000 + Int64(index) + 1),
                    anime: AnimeID(Int32(index % 50 + 1)), kind: .view, at: now)
            }
            #expect(try await store.record(events) == Array(repeating: .recorded, count: 2_000))
        }
        for _ in 0..<200 where store.walCheckpoints == 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(store.walCheckpoints >= 1)
        #expect(try await store.interactions(of: UserID(1)).map(\.anime) == [AnimeID(1)])
        #expect(try await store.interactions(of: UserID(16_000)).map(\.anime) == [AnimeID(50)])
        try await store.close()
    }

    @Test func dataSurvivesReopen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-reopen-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let first = try await SQLiteStore.open(.init(path: path), logger: Logger(label: "test"))
        try await first.upsertAnime([StoreConformance.sampleAnime(3)])
        try await first.close()
        let second = try await SQLiteStore.open(.init(path: path), logger: Logger(label: "test"))
        #expect(try await second.anime(AnimeID(3)) == StoreConformance.sampleAnime(3))
        try await second.close()
    }
}
