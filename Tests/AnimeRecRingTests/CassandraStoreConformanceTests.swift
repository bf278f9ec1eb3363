import AnimeRecCore
@testable import AnimeRecStore
import AnimeRecTestSupport
import CQL
import Foundation
import Logging
import Testing

@Suite("CassandraStore conformance (real 3-node ring)", .serialized, TestRing.enabled)
struct CassandraStoreConformanceTests {
    @Test func catalogue() async throws { try await TestRing.withFreshStore(StoreConformance.catalogueRoundTrips) }
    @Test func events() async throws { try await TestRing.withFreshStore(StoreConformance.eventsAreIdempotentAndUpdateInteractions) }
    @Test func dislikes() async throws { try await TestRing.withFreshStore(StoreConformance.dislikesAreVerdicts) }
    @Test func impressions() async throws { try await TestRing.withFreshStore(StoreConformance.impressionsAreExposuresPerHour) }
    @Test func heavyImpressions() async throws { try await TestRing.withFreshStore(StoreConformance.aHeavyUsersExposuresAreReadWithinTheBound) }
    @Test func concurrentEvents() async throws { try await TestRing.withFreshStore(StoreConformance.concurrentEventsAreAllStored) }
    @Test func importAndScan() async throws { try await TestRing.withFreshStore(StoreConformance.importAndScan) }
    @Test func runs() async throws { try await TestRing.withFreshStore(StoreConformance.runsSwitchAtomically) }
    @Test func userReads() async throws { try await TestRing.withFreshStore(StoreConformance.userReadsMatchTheSingleReads) }
    @Test func eventCopiesCountOnce() async throws { try await TestRing.withFreshStore(StoreConformance.everyCopyOfAnEventCountsOnce) }

    @Test("a click whose first attempt wrote only some of its rows counts once when it is sent again")
    func aPartlyWrittenEventCountsOnce() async throws {
        try await TestRing.withFreshStore { (store: CassandraStore) async throws in
            let now = WallClock.nowMilliseconds
            var rng = SystemRandomNumberGenerator()
            let event = UserEvent(id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(7), anime: AnimeID(3), kind: .view, at: now)
            // The first attempt timed out after its user_state and event_hours rows, before its id row.
            let hour = TrendingBuckets.bucket(of: event, receivedAt: now)
            try await store.client.execute(
                "UPDATE \(store.statements.keyspace).user_state SET events = events + ? WHERE user_id = ? AND anime_id = ?",
                [CassandraStore.eventEntry(event), .bigint(7), .int(3)])
            try await store.client.execute(
                "INSERT INTO \(store.statements.keyspace).event_hours (hour, shard, event_id, anime_id, weight) VALUES (?, ?, ?, ?, ?)",
                [.int(hour), .int(TrendingBuckets.shard(of: event.anime)), .uuid(event.id.uuid), .int(3), .int(2)])
            #expect(try await store.record([event]) == [.recorded])
            #expect(try await store.record([event]) == [.duplicate])
            #expect(try await store.interactions(of: UserID(7)).map(\.events) == [1])
            #expect(try await store.trending(buckets: [hour], limit: 10) == [ScoredAnime(anime: AnimeID(3), score: 2)])
        }
    }

    @Test("0005 moves users, their counts and recent events into user_state, and recent events into trending")
    func userStateMigration() async throws {
        try await TestRing.withFreshStore { (store: CassandraStore) async throws in
            let ks = store.statements.keyspace
            let now = WallClock.nowMilliseconds
            let hourAgo = now - 3_600_000
            var rng = SystemRandomNumberGenerator()
            let click = UserEvent(id: .timeBased(millisecondsSince1970: hourAgo, using: &rng), user: UserID(20), anime: AnimeID(2), kind: .click, at: hourAgo)
            let view = UserEvent(id: .timeBased(millisecondsSince1970: now - 3 * 86_400_000, using: &rng), user: UserID(20), anime: AnimeID(2), kind: .view, at: now - 3 * 86_400_000)
            let ancient = UserEvent(id: .timeBased(millisecondsSince1970: now - 100 * 86_400_000, using: &rng), user: UserID(20), anime: AnimeID(2), kind: .click, at: now - 100 * 86_400_000)
            // The user as 0001 held it: an imported rating, a title with events, counters, the day index.
            try await store.client.execute(
                "INSERT INTO \(ks).user_anime (user_id, anime_id, rating, liked) VALUES (20, 1, 9, 1)")
            try await store.client.execute("INSERT INTO \(ks).user_anime (user_id, anime_id, rating, liked, last_at) VALUES (20, 2, 0, -1, ?)", [.bigint(hourAgo)])
            try await store.client.execute("UPDATE \(ks).user_anime_events SET events = events + 3 WHERE user_id = 20 AND anime_id = 2")
            for event in [click, view, ancient] {
                try await store.client.execute(
                    "INSERT INTO \(ks).user_events (user_id, day, event_id, anime_id, kind, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                    [.bigint(20), .int(event.day), .uuid(event.id.uuid), .int(2), .text(event.kind.rawValue), .bigint(event.at)])
                try await store.client.execute("INSERT INTO \(ks).user_event_days (user_id, day) VALUES (?, ?)", [.bigint(20), .int(event.day)])
            }
            #expect(try await store.interactions(of: UserID(20)).isEmpty, "before the data step")

            try await store.moveData(after: "0005_user_state")
            try await store.moveData(after: "0005_user_state")  // an interrupted step runs again whole

            #expect(try await store.interactions(of: UserID(20)) == [
                Interaction(anime: AnimeID(1), rating: 9, liked: true, events: 0, lastAt: nil),
                // The events the partition holds: the last 90 days' (the counter's older ones are not kept).
                Interaction(anime: AnimeID(2), rating: nil, liked: nil, events: 2, lastAt: hourAgo),
            ])
            #expect(try await store.recentEvents(of: UserID(20), sinceDay: 0, limit: 10) == [click, view])
            // Trending counts the last two days' events; a retry of a moved event is a duplicate.
            let hour = TrendingBuckets.bucket(ofMilliseconds: hourAgo)
            #expect(try await store.trending(buckets: [hour], limit: 10) == [ScoredAnime(anime: AnimeID(2), score: 1)])
            #expect(try await store.record([click]) == [.duplicate])
            #expect(try await store.interactions(of: UserID(20)).map(\.events) == [0, 2])
        }
    }

    @Test func migrationsAreRecordedAndRefusedWhenChanged() async throws {
        try await TestRing.withFreshStore { (store: CassandraStore) async throws in
            #expect(try await store.migrate().applied.isEmpty)
            #expect(try await store.migrate(dryRun: true).applied.isEmpty)
            #expect(try await store.hasCatalogue() == false)
        }
    }

    @Test func readersRefuseAMissingKeyspaceWhileImportAndDemoCreateIt() async throws {
        let keyspace = "w_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        var configuration = StoreConfiguration()
        configuration.url = try StoreURL(parsing: "cassandra://\(try TestRing.requireHosts().joined(separator: ","))/\(keyspace)?replication=\(min(3, TestRing.hosts.count))")
        do {
            _ = try await configuration.open(for: .read, logger: TestRing.quietLogger("store.cassandra.test"))
            Issue.record("serve, rebuild and eval must refuse a keyspace that does not exist")
        } catch let error as StoreError {
            #expect("\(error)".contains("does not exist"))
            #expect("\(error)".contains("animerec import"))
        }
        // import and demo open for writing: the keyspace is created and migrated.
        try await configuration.withStore(for: .write, logger: TestRing.quietLogger("store.cassandra.test")) { store in
            #expect(try await store.migrate(dryRun: true).applied.isEmpty)
            try await store.upsertAnime([Anime(id: AnimeID(1), name: "A", genres: [], type: nil, episodes: nil, rating: nil, members: 1)])
        }
        let reader = try await configuration.open(for: .read, logger: TestRing.quietLogger("store.cassandra.test"))
        #expect(try await reader.hasCatalogue())
        try await (reader as? CassandraStore)?.dropKeyspace()
        try await reader.close()
    }
}

@Suite("Cassandra migration 0004 keeps the live run serving", .serialized, TestRing.enabled)
struct PackedRunMigrationTests {
    @Test func dataStepCopiesTheLiveRunIntoPackedRows() async throws {
        try await TestRing.withFreshStore { store in
            let keyspace = store.configuration.location.keyspace
            let catalogue = [
                Anime(id: AnimeID(1), name: "One", genres: ["Action"], type: "TV", episodes: 12, rating: 7.5, members: 100),
                Anime(id: AnimeID(2), name: "Two", genres: ["Action", "Drama"], type: nil, episodes: nil, rating: nil, members: 50),
                Anime(id: AnimeID(3), name: "Three", genres: ["Drama"], type: "Movie", episodes: 1, rating: 8, members: 10),
            ]
            try await store.upsertAnime(catalogue)
            // Users and a run as the tables of 0001 held them.
            for (user, anime, rating, liked) in [(Int64(10), Int32(1), Int32(9), Int32(1)), (11, 2, 0, 0)] {
                try await store.client.execute(
                    "INSERT INTO \(keyspace).user_anime (user_id, anime_id, rating, liked) VALUES (?, ?, ?, ?)",
                    [.bigint(user), .int(anime), .int(rating), .int(liked)])
            }
            // The run, made live before the upgrade.
            try await store.createRun(ModelRun(id: "legacy", createdAt: 1, ranker: nil))
            try await store.client.execute(
                "INSERT INTO \(keyspace).live_run (model, run_id, created_at, ranker) VALUES ('default', 'legacy', 1, '')")
            let neighbors: [(Int32, [(Int32, Double)])] = [(1, [(2, 0.9), (3, 0.4)]), (2, [(1, 0.9)]), (3, [(1, 0.4), (2, 0.2)])]
            for (anime, list) in neighbors {
                for (rank, (neighbor, score)) in list.enumerated() {
                    try await store.client.execute(
                        "INSERT INTO \(keyspace).anime_neighbors (anime_id, run_id, rank, neighbor_id, score) VALUES (?, ?, ?, ?, ?)",
                        [.int(anime), .text("legacy"), .int(Int32(rank)), .int(neighbor), .double(score)])
                }
            }
            for (rank, (anime, reason)) in [(Int32(2), "similar_to:1"), (Int32(3), "genre:Drama")].enumerated() {
                try await store.client.execute(
                    "INSERT INTO \(keyspace).user_candidates (user_id, run_id, rank, anime_id, score, reason) VALUES (?, ?, ?, ?, ?, ?)",
                    [.bigint(10), .text("legacy"), .int(Int32(rank)), .int(anime), .double(2 - Double(rank)), .text(reason)])
            }
            for (key, items) in [("popular", [Int32(1), 2, 3]), ("genre:Drama", [3, 2])] {
                for (rank, anime) in items.enumerated() {
                    try await store.client.execute(
                        "INSERT INTO \(keyspace).ranked_lists (list_key, run_id, rank, anime_id, score) VALUES (?, ?, ?, ?, ?)",
                        [.text(key), .text("legacy"), .int(Int32(rank)), .int(anime), .double(Double(10 - rank))])
                }
            }
            #expect(try await store.neighbors(of: AnimeID(1), run: "legacy", limit: 10).isEmpty, "before the data step")

            try await store.moveData(after: "0004_run_rows")
            try await store.moveData(after: "0004_run_rows")  // an interrupted step runs again whole

            #expect(try await store.neighbors(of: AnimeID(1), run: "legacy", limit: 10)
                == [ScoredAnime(anime: AnimeID(2), score: 0.9), ScoredAnime(anime: AnimeID(3), score: 0.4)])
            #expect(try await store.neighbors(of: AnimeID(3), run: "legacy", limit: 1).map(\.anime) == [AnimeID(1)])
            #expect(try await store.candidates(for: UserID(10), run: "legacy", limit: 10) == [
                Candidate(anime: AnimeID(2), score: 2, reason: .similarTo(AnimeID(1))),
                Candidate(anime: AnimeID(3), score: 1, reason: .genre("Drama")),
            ])
            #expect(try await store.candidates(for: UserID(11), run: "legacy", limit: 10).isEmpty)
            #expect(try await store.list(key: "popular", run: "legacy", limit: 10).map(\.anime) == [AnimeID(1), AnimeID(2), AnimeID(3)])
            #expect(try await store.list(key: "genre:Drama", run: "legacy", limit: 10).map(\.anime) == [AnimeID(3), AnimeID(2)])
            #expect(try await store.catalogue(run: "legacy").sorted { $0.id < $1.id } == catalogue)
            #expect(try await store.progress(run: "legacy").isComplete)
            try await store.activate(run: "legacy")
            #expect(try await store.liveRunID() == "legacy")
        }
    }
}
