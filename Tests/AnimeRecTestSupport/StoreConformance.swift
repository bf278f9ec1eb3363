import AnimeRecCore
import AnimeRecStore
import Foundation
import Logging
import Testing

/// The contract every `RecStore` must satisfy. Each check takes a freshly created empty store;
/// `SQLiteStoreConformanceTests` run them against a real database file, and
/// `CassandraStoreConformanceTests` against a real ring.
public enum StoreConformance {
    public static func sampleAnime(_ id: Int32, genres: [String] = ["Action"], members: Int = 100) -> Anime {
        Anime(id: AnimeID(id), name: "Title \(id) &amp; \"quoted\"", genres: genres, type: id % 2 == 0 ? "TV" : nil,
              episodes: id % 3 == 0 ? nil : Int(id), rating: id % 5 == 0 ? nil : 7.5, members: members)
    }

    public static func catalogueRoundTrips(_ store: some RecStore) async throws {
        let items = (1...1200).map { sampleAnime(Int32($0), genres: $0 % 7 == 0 ? [] : ["Action", "Sci-Fi"]) }
        try await store.upsertAnime(items)
        #expect(try await store.animeCount() == 1200)
        #expect(try await store.anime(AnimeID(14)) == items[13])
        #expect(try await store.anime(AnimeID(7)) == items[6])
        #expect(try await store.anime(AnimeID(99_999)) == nil)
        let some = try await store.anime([AnimeID(1), AnimeID(600), AnimeID(1200), AnimeID(5000), AnimeID(1)])
        #expect(some == [AnimeID(1): items[0], AnimeID(600): items[599], AnimeID(1200): items[1199]])
        var changed = items[0]
        changed.name = "Renamed"
        try await store.upsertAnime([changed])
        #expect(try await store.anime(AnimeID(1))?.name == "Renamed")
        #expect(try await store.allAnime().count == 1200)
    }

    public static func eventsAreIdempotentAndUpdateInteractions(_ store: some RecStore) async throws {
        var rng = SystemRandomNumberGenerator()
        let now = WallClock.nowMilliseconds
        let id = EventID.timeBased(millisecondsSince1970: now, using: &rng)
        let event = UserEvent(id: id, user: UserID(42), anime: AnimeID(7), kind: .click, at: now)
        #expect(try await store.record([event]) == [.recorded])
        #expect(try await store.record([event]) == [.duplicate])
        let view = UserEvent(id: .timeBased(millisecondsSince1970: now + 1, using: &rng), user: UserID(42), anime: AnimeID(7), kind: .view, at: now + 1)
        #expect(try await store.record([view, view]) == [.recorded, .duplicate])
        let interactions = try await store.interactions(of: UserID(42))
        #expect(interactions.count == 1)
        #expect(interactions.first?.events == 2)
        #expect(interactions.first?.lastAt == now + 1)
        let recent = try await store.recentEvents(of: UserID(42), sinceDay: DayBucket.day(ofMilliseconds: now - 86_400_000), limit: 10)
        #expect(recent.map(\.id) == [view.id, id])
        #expect(recent.first?.kind == .view)
        // Counted in the hour bucket of receipt (the test may straddle an hour boundary).
        let received = TrendingBuckets.bucket(ofMilliseconds: WallClock.nowMilliseconds)
        let trending = try await store.trending(buckets: [received, received - 1], limit: 10)
        #expect(trending == [ScoredAnime(anime: AnimeID(7), score: 3)])  // 1 click + 2 × 1 view, each counted once
        #expect(try await store.trending(buckets: [received - 5], limit: 10).isEmpty)

        // The same id for another anime in the same user's day is a conflict and changes nothing.
        var other = event
        other.anime = AnimeID(8)
        #expect(try await store.record([other]) == [.conflict])
        #expect(try await store.interactions(of: UserID(42)).count == 1)
        // The same id for another user is a conflict too (ids are checked store-wide), and so is a
        // different kind; nothing is stored for either.
        var elsewhere = event
        elsewhere.user = UserID(44)
        #expect(try await store.record([elsewhere]) == [.conflict])
        #expect(try await store.recentEvents(of: UserID(44), sinceDay: 0, limit: 10).isEmpty)
        #expect(try await store.interactions(of: UserID(44)).isEmpty)
        var otherKind = event
        otherKind.kind = .view
        #expect(try await store.record([otherKind]) == [.conflict])
        // A true retry on another day (a client that re-sends with a later `at`) is still the same event.
        var later = event
        later.at = now + 2 * 86_400_000
        #expect(try await store.record([later]) == [.duplicate])
        #expect(try await store.recentEvents(of: UserID(42), sinceDay: 0, limit: 10).count == 2)
        // Within one batch the first event under an id claims it.
        let shared = EventID.timeBased(millisecondsSince1970: now + 5, using: &rng)
        let first = UserEvent(id: shared, user: UserID(45), anime: AnimeID(7), kind: .click, at: now + 5)
        var second = first
        second.user = UserID(46)
        #expect(try await store.record([first, second, first]) == [.recorded, .conflict, .duplicate])
        #expect(try await store.interactions(of: UserID(46)).isEmpty)
        // The offline walk carries each interaction's event count, as the single reads do.
        var scanned: [UserID: [Interaction]] = [:]
        try await store.scanHistories(batchSize: 1) { batch in
            for history in batch { scanned[history.user] = history.interactions }
        }
        #expect(scanned[UserID(42)]?.map(\.events) == [2])
        #expect(scanned[UserID(45)]?.map(\.events) == [1])
        #expect(scanned[UserID(46)] == nil)
    }

    /// "Not interested": a verdict on the user's row of the title, kept apart from the event log and
    /// trending; taken back whole; a retry of its id after that stays a duplicate.
    public static func dislikesAreVerdicts(_ store: some RecStore) async throws {
        var rng = SystemRandomNumberGenerator()
        let now = WallClock.nowMilliseconds
        let user = UserID(91)
        try await store.importRatings([ImportedRating(user: user, anime: AnimeID(3), rating: nil, liked: nil)])
        let click = UserEvent(id: .timeBased(millisecondsSince1970: now, using: &rng), user: user, anime: AnimeID(5), kind: .click, at: now)
        #expect(try await store.record([click]) == [.recorded])
        // On a title with a click, on an imported "watched" title, and on one the user never touched.
        let dislikes = [AnimeID(5), AnimeID(3), AnimeID(9)].enumerated().map { offset, anime in
            UserEvent(
                id: .timeBased(millisecondsSince1970: now + 10, using: &rng), user: user, anime: anime, kind: .dislike,
                at: now + 10 + Int64(offset))
        }
        #expect(try await store.record(dislikes) == [.recorded, .recorded, .recorded])
        #expect(try await store.record([dislikes[2]]) == [.duplicate])
        var clickUnderDislikeID = click
        clickUnderDislikeID.id = dislikes[0].id
        #expect(try await store.record([clickUnderDislikeID]) == [.conflict])

        func relations() async throws -> [AnimeID: Interaction] {
            Dictionary(uniqueKeysWithValues: try await store.interactions(of: user).map { ($0.anime, $0) })
        }
        var held = try await relations()
        #expect(held.keys.sorted() == [AnimeID(3), AnimeID(5), AnimeID(9)])
        #expect(held[AnimeID(5)]?.dislikedAt == now + 10 && held[AnimeID(5)]?.events == 1)
        #expect(held[AnimeID(3)]?.dislikedAt == now + 11)
        #expect(held[AnimeID(9)] == Interaction(anime: AnimeID(9), dislikedAt: now + 12))
        // Not an event: the recent events and trending hold the click alone.
        #expect(try await store.recentEvents(of: user, sinceDay: 0, limit: 10) == [click])
        let hour = TrendingBuckets.bucket(ofMilliseconds: WallClock.nowMilliseconds)
        #expect(try await store.trending(buckets: [hour, hour - 1], limit: 10) == [ScoredAnime(anime: AnimeID(5), score: 1)])
        // The request path's read and the offline walk carry the verdicts too.
        let reads = try await store.userReads(
            of: user, sinceDay: 0, eventLimit: 10, interactionLimit: 100, candidateLimit: 10, knownLiveRun: nil)
        #expect(reads.interactions == (try await store.interactions(of: user)))
        var scanned: [Interaction] = []
        try await store.scanHistories(batchSize: 10) { batch in
            for history in batch where history.user == user { scanned = history.interactions }
        }
        #expect(scanned == (try await store.interactions(of: user)))

        // Taken back: a title the user never touched otherwise leaves nothing; the others keep
        // their relation without the verdict; taking back twice is harmless.
        for anime in [AnimeID(9), AnimeID(3), AnimeID(9)] { try await store.withdrawDislike(user: user, anime: anime) }
        held = try await relations()
        #expect(held.keys.sorted() == [AnimeID(3), AnimeID(5)])
        #expect(held[AnimeID(3)]?.dislikedAt == nil && held[AnimeID(3)]?.rating == nil)
        #expect(held[AnimeID(5)]?.dislikedAt == now + 10)
        // A retried POST of a taken-back verdict is a duplicate and does not bring it back.
        #expect(try await store.record([dislikes[2]]) == [.duplicate])
        #expect(try await relations()[AnimeID(9)] == nil)
        // A verdict whose `at` is long past: its id is registered from the write all the same.
        let late = UserEvent(
            id: .timeBased(millisecondsSince1970: now, using: &rng), user: user, anime: AnimeID(11), kind: .dislike,
            at: now - 200 * 86_400_000)
        #expect(try await store.record([late]) == [.recorded])
        try await store.withdrawDislike(user: user, anime: AnimeID(11))
        #expect(try await store.record([late]) == [.duplicate])
        #expect(try await relations()[AnimeID(11)] == nil)
        // A new verdict does.
        let again = UserEvent(id: .timeBased(millisecondsSince1970: now + 20, using: &rng), user: user, anime: AnimeID(9), kind: .dislike, at: now + 20)
        #expect(try await store.record([again]) == [.recorded])
        #expect(try await relations()[AnimeID(9)]?.dislikedAt == now + 20)
    }

    /// Impressions: one exposure per title and hour (the newest time kept), read with the user,
    /// never an interaction, and gone past their lifetime.
    public static func impressionsAreExposuresPerHour(_ store: some RecStore) async throws {
        let user = UserID(92)
        let now = WallClock.nowMilliseconds
        let hour: Int64 = 3_600_000
        let thisHour = Int64(Exposure.hour(ofMilliseconds: now)) * hour
        try await store.recordImpressions(user: user, anime: [AnimeID(1), AnimeID(2)], at: thisHour + 10)
        try await store.recordImpressions(user: user, anime: [AnimeID(1), AnimeID(2)], at: thisHour + 20)  // a reload
        try await store.recordImpressions(user: user, anime: [AnimeID(1), AnimeID(2)], at: thisHour + 20)  // its retry
        try await store.recordImpressions(user: user, anime: [AnimeID(1)], at: thisHour - 2 * hour)
        try await store.recordImpressions(user: user, anime: [AnimeID(3)], at: now - Exposure.lifetimeMilliseconds - hour)
        try await store.importRatings([ImportedRating(user: user, anime: AnimeID(2), rating: 9, liked: true)])
        let reads = try await store.userReads(
            of: user, sinceDay: 0, eventLimit: 10, interactionLimit: 100, candidateLimit: 10, knownLiveRun: nil)
        let exposures = reads.exposures.sorted { ($0.anime, $0.at) < ($1.anime, $1.at) }
        #expect(exposures == [
            Exposure(anime: AnimeID(1), at: thisHour - 2 * hour), Exposure(anime: AnimeID(1), at: thisHour + 20),
            Exposure(anime: AnimeID(2), at: thisHour + 20),
        ])
        // Shown is not touched: only the imported title is an interaction, in every read.
        #expect(reads.interactions.map(\.anime) == [AnimeID(2)])
        #expect(try await store.interactions(of: user).map(\.anime) == [AnimeID(2)])
        var scanned: [AnimeID] = []
        try await store.scanHistories(batchSize: 10) { batch in
            for history in batch where history.user == user { scanned = history.interactions.map(\.anime) }
        }
        #expect(scanned == [AnimeID(2)])
    }

    /// A user shown far more than a request reads: the read stays within ``Exposure/readLimit``
    /// exposures, the newest.
    public static func aHeavyUsersExposuresAreReadWithinTheBound(_ store: some RecStore) async throws {
        let user = UserID(93)
        let hour: Int64 = 3_600_000
        let thisHour = Int64(Exposure.hour(ofMilliseconds: WallClock.nowMilliseconds)) * hour
        for page in 0..<300 {
            let anime = (0..<5).map { AnimeID(Int32(1 + (page * 5 + $0) % 997)) }
            try await store.recordImpressions(user: user, anime: anime, at: thisHour - Int64(page) * hour + 1)
        }
        let reads = try await store.userReads(
            of: user, sinceDay: 0, eventLimit: 10, interactionLimit: 100, candidateLimit: 10, knownLiveRun: nil)
        #expect(reads.exposures.count == Exposure.readLimit)
        #expect(reads.exposures.map(\.at).max() == thisHour + 1)
        #expect(reads.exposures.map(\.at).min() == thisHour - Int64(Exposure.readLimit / 5) * hour + 1)
        #expect(reads.interactions.isEmpty)
    }

    public static func concurrentEventsAreAllStored(_ store: some RecStore) async throws {
        let now = WallClock.nowMilliseconds
        try await withThrowingTaskGroup(of: [RecordOutcome].self) { group in
            for i in 0..<200 {
                group.addTask {
                    var rng = SystemRandomNumberGenerator()
                    let event = UserEvent(id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(Int64(i % 10)),
                                          anime: AnimeID(Int32(i % 13)), kind: .view, at: now)
                    return try await store.record([event])
                }
            }
            for try await outcome in group { #expect(outcome == [.recorded]) }
        }
        var total = 0
        for user in 0..<10 { total += try await store.interactions(of: UserID(Int64(user))).reduce(0) { $0 + Int($1.events) } }
        #expect(total == 200)
    }

    /// The same event sent ten times at once, then again later (a client retrying after a timeout):
    /// its title's count and trending move by one.
    public static func everyCopyOfAnEventCountsOnce(_ store: some RecStore) async throws {
        let now = WallClock.nowMilliseconds
        var rng = SystemRandomNumberGenerator()
        let event = UserEvent(id: .timeBased(millisecondsSince1970: now, using: &rng), user: UserID(77), anime: AnimeID(5), kind: .click, at: now)
        let hour = TrendingBuckets.bucket(of: event, receivedAt: now)
        try await withThrowingTaskGroup(of: [RecordOutcome].self) { group in
            for _ in 0..<10 { group.addTask { try await store.record([event]) } }
            var outcomes: [RecordOutcome] = []
            for try await outcome in group { outcomes += outcome }
            // Copies in flight together may each be told "recorded": they are stored and counted once.
            #expect(outcomes.allSatisfy { $0 == .recorded || $0 == .duplicate })
        }
        #expect(try await store.record([event]) == [.duplicate])
        #expect(try await store.interactions(of: UserID(77)).map(\.events) == [1])
        #expect(try await store.recentEvents(of: UserID(77), sinceDay: 0, limit: 10) == [event])
        #expect(try await store.trending(buckets: [hour], limit: 10) == [ScoredAnime(anime: AnimeID(5), score: 1)])
    }

    public static func importAndScan(_ store: some RecStore) async throws {
        var ratings: [ImportedRating] = []
        for user in 1...300 {
            for anime in 1...(user % 17 + 1) {
                ratings.append(ImportedRating(user: UserID(Int64(user)), anime: AnimeID(Int32(anime)), rating: anime % 4 == 0 ? nil : Int8(anime % 10 + 1), liked: anime % 3 == 0))
            }
        }
        try await store.importRatings(ratings)
        try await store.importRatings(Array(ratings.prefix(50)))  // re-import is an upsert
        #expect(try await store.interactionCount() == ratings.count)
        var seenUsers: [UserID] = []
        var seenRows = 0
        try await store.scanHistories(batchSize: 64) { batch in
            seenUsers += batch.map(\.user)
            seenRows += batch.reduce(0) { $0 + $1.interactions.count }
        }
        // Every user once and whole, in whatever order the store walks (token order on Cassandra).
        #expect(seenUsers.sorted() == (1...300).map { UserID(Int64($0)) })
        #expect(seenRows == ratings.count)
        // Two shards split the users between them, each user in exactly one.
        var shards: [[UserID]] = []
        for index in 0..<2 {
            var users: [UserID] = []
            try await store.scanHistories(shard: try ScanShard(index: index, count: 2), batchSize: 50) { batch in
                users += batch.map(\.user)
                for history in batch {
                    #expect(history.interactions.count == Int(history.user.rawValue) % 17 + 1, "user \(history.user.rawValue) comes whole")
                }
            }
            #expect(users.allSatisfy { try! ScanShard(index: index, count: 2).contains($0.rawValue) })
            shards.append(users)
        }
        #expect((shards[0] + shards[1]).sorted() == (1...300).map { UserID(Int64($0)) })
        #expect(!shards[0].isEmpty && !shards[1].isEmpty)
        let five = try await store.interactions(of: UserID(5)).sorted { $0.anime < $1.anime }
        #expect(five.count == 6)
        #expect(five[3] == Interaction(anime: AnimeID(4), rating: nil, liked: false, events: 0, lastAt: nil))
        #expect(five[2] == Interaction(anime: AnimeID(3), rating: 4, liked: true, events: 0, lastAt: nil))
    }

    /// A request's combined read equals the single reads it stands for, before and after a run
    /// goes live, whichever run the caller guessed.
    public static func userReadsMatchTheSingleReads(_ store: some RecStore) async throws {
        let user = UserID(9)
        let now = WallClock.nowMilliseconds
        let sinceDay = DayBucket.day(ofMilliseconds: now - 86_400_000)
        var ratings: [ImportedRating] = []
        for index: Int32 in 1...20 {
            // Every mix of present and absent rating and liked flag.
            ratings.append(ImportedRating(
                user: user, anime: AnimeID(21 - index), rating: index % 4 == 0 ? nil : Int8(index % 10 + 1),
                liked: index % 3 == 0 ? nil : index % 3 == 1))
        }
        try await store.importRatings(ratings)
        var rng = SystemRandomNumberGenerator()
        var events: [UserEvent] = []
        for index: Int32 in 0..<3 {
            let at: Int64 = now - 3 + Int64(index)
            let kind: EventKind = index == 1 ? .view : .click
            events.append(UserEvent(
                id: .timeBased(millisecondsSince1970: at, using: &rng), user: user, anime: AnimeID(30 + index), kind: kind, at: at))
        }
        _ = try await store.record(events)
        func reads(_ likely: String?) async throws -> UserReads {
            try await store.userReads(of: user, sinceDay: sinceDay, eventLimit: 2, interactionLimit: 5, candidateLimit: 2, knownLiveRun: likely)
        }
        let before = try await reads(nil)
        #expect(before.liveRunID == nil)
        #expect(try await store.liveRunID() == nil)
        #expect(before.candidates.isEmpty)
        #expect(before.interactions == Array(try await store.interactions(of: user).sorted { $0.anime < $1.anime }.prefix(5)))
        #expect(before.interactions.map(\.anime.rawValue) == [1, 2, 3, 4, 5])
        #expect(before.recentEvents == Array(events.reversed().prefix(2)))
        #expect(before.recentEvents == (try await store.recentEvents(of: user, sinceDay: sinceDay, limit: 2)))
        // The whole partition: the events' titles have counts and times.
        let whole = try await store.userReads(
            of: user, sinceDay: sinceDay, eventLimit: 10, interactionLimit: 100, candidateLimit: 10, knownLiveRun: nil)
        #expect(whole.interactions == (try await store.interactions(of: user).sorted { $0.anime < $1.anime }))
        #expect(whole.interactions.count == 23 && whole.interactions.contains { $0.lastAt != nil && $0.events > 0 })

        // Scores that no short decimal holds, every kind of reason, and every make of places: in both
        // models' lists, in the item model's only, in the factor model's only, and none (a list stored
        // before places).
        let reasons: [Reason] = [.forYou, .similarTo(AnimeID(7)), .genre("Slice of Life"), .trending]
        let places: [(ListPlace, ListPlace)] = [
            (ListPlace(rank: 0, score: 1), ListPlace(rank: 3, score: 0.1 / 3)), (ListPlace(rank: 1, score: 0.7), .absent),
            (.absent, ListPlace(rank: 0, score: 1)), (.absent, .absent),
        ]
        let candidates = (0..<4).map {
            Candidate(
                anime: AnimeID(Int32(40 + $0)), score: 1 / 3 - Double($0) * 0.1 + 1e-17 * Double($0), reason: reasons[$0],
                itemModel: places[$0].0, factorModel: places[$0].1)
        }
        try await store.createRun(ModelRun(id: "reads-1", createdAt: 5, ranker: nil))
        try await store.writeCandidates(run: "reads-1", [(user, candidates)])
        try await store.recordProgress(run: "reads-1", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "reads-1")
        for likely in [nil, "reads-1"] {
            let after = try await reads(likely)
            #expect(after.liveRunID == "reads-1", "likely run \(likely ?? "none")")
            #expect(try await store.liveRunID() == "reads-1")
            #expect(after.candidates == Array(candidates.prefix(2)), "likely run \(likely ?? "none")")
            let all = try await store.userReads(
                of: user, sinceDay: sinceDay, eventLimit: 2, interactionLimit: 5, candidateLimit: 10, knownLiveRun: likely)
            #expect(all.candidates == candidates, "likely run \(likely ?? "none")")
            #expect(after.interactions == before.interactions)
        }
        // A caller whose pointer is older than the switch (at most a second, in the service) gets
        // either run, and always the candidates of the run it is told.
        try await store.createRun(ModelRun(id: "reads-2", createdAt: 6, ranker: nil))
        try await store.writeCandidates(run: "reads-2", [(user, Array(candidates.reversed()))])
        try await store.recordProgress(run: "reads-2", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "reads-2")
        let stale = try await store.userReads(
            of: user, sinceDay: sinceDay, eventLimit: 2, interactionLimit: 5, candidateLimit: 10, knownLiveRun: "reads-1")
        let expected = ["reads-1": candidates, "reads-2": Array(candidates.reversed())]
        #expect(stale.liveRunID.flatMap { expected[$0] } == stale.candidates, "run \(stale.liveRunID ?? "none")")
        let fresh = try await store.userReads(
            of: user, sinceDay: sinceDay, eventLimit: 2, interactionLimit: 5, candidateLimit: 10, knownLiveRun: "reads-2")
        #expect(fresh.liveRunID == "reads-2" && fresh.candidates == Array(candidates.reversed()))
    }

    public static func runsSwitchAtomically(_ store: some RecStore) async throws {
        #expect(try await store.liveRun() == nil)
        let ranker = RankerWeights(bias: -1, weights: [1, 2, 3, 4, 5, 6, 7])
        try await store.createRun(ModelRun(id: "run-1", createdAt: 1000, ranker: ranker))
        try await store.writeNeighbors(run: "run-1", [(AnimeID(1), [ScoredAnime(anime: AnimeID(2), score: 0.9), ScoredAnime(anime: AnimeID(3), score: 0.5)])])
        let runCandidates = [
            Candidate(anime: AnimeID(5), score: 0.7, reason: .similarTo(AnimeID(1)), itemModel: ListPlace(rank: 0, score: 0.7)),
            Candidate(anime: AnimeID(6), score: 0.2, reason: .genre("Mecha"), factorModel: ListPlace(rank: 254, score: 0.2)),
        ]
        try await store.writeCandidates(run: "run-1", [(UserID(9), runCandidates)])
        try await store.writeList(run: "run-1", key: ListKey.popular, [ScoredAnime(anime: AnimeID(8), score: 3)])
        #expect(try await store.liveRun() == nil, "a run is invisible until activated")
        try await store.recordProgress(run: "run-1", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "run-1")
        #expect(try await store.liveRun() == ModelRun(id: "run-1", createdAt: 1000, ranker: ranker))
        #expect(try await store.neighbors(of: AnimeID(1), run: "run-1", limit: 1) == [ScoredAnime(anime: AnimeID(2), score: 0.9)])
        #expect(try await store.neighbors(of: [AnimeID(1), AnimeID(4)], run: "run-1", limit: 10)[AnimeID(1)]?.count == 2)
        #expect(try await store.candidates(for: UserID(9), run: "run-1", limit: 10) == runCandidates)
        #expect(try await store.list(key: ListKey.popular, run: "run-1", limit: 10) == [ScoredAnime(anime: AnimeID(8), score: 3)])

        // The run's own copy of the catalogue (written whole, as a rebuild does), whatever the catalogue table holds later.
        let copy = (1...40).map { id in
            Anime(id: AnimeID(Int32(id)), name: "Title \(id) \"é\"", genres: id % 3 == 0 ? [] : ["Action", "Sci-Fi"],
                  type: id % 4 == 0 ? nil : "TV", episodes: id % 5 == 0 ? nil : id, rating: id % 6 == 0 ? nil : Double(id) / 8,
                  members: id * 1000)
        }
        try await store.writeCatalogue(run: "run-1", copy)
        #expect(try await store.catalogue(run: "run-1").sorted { $0.id < $1.id } == copy)
        #expect(try await store.catalogue(run: "run-0").isEmpty)

        // A second run with a shorter list leaves no stale tail; the first stays readable until a third arrives.
        try await store.createRun(ModelRun(id: "run-2", createdAt: 2000, ranker: nil))
        try await store.writeNeighbors(run: "run-2", [(AnimeID(1), [ScoredAnime(anime: AnimeID(4), score: 0.4)])])
        try await store.recordProgress(run: "run-2", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "run-2")
        #expect(try await store.liveRun()?.id == "run-2")
        #expect(try await store.neighbors(of: AnimeID(1), run: "run-2", limit: 10) == [ScoredAnime(anime: AnimeID(4), score: 0.4)])
        #expect(try await store.neighbors(of: AnimeID(1), run: "run-1", limit: 10).count == 2)
        try await store.createRun(ModelRun(id: "run-3", createdAt: 3000, ranker: ranker))
        try await store.recordProgress(run: "run-3", RunProgress.Part(stage: .complete, part: 0, total: 1))
        try await store.activate(run: "run-3")
        #expect(try await store.liveRun() == ModelRun(id: "run-3", createdAt: 3000, ranker: ranker))
        #expect(try await store.neighbors(of: AnimeID(1), run: "run-2", limit: 10).count == 1, "the replaced run stays readable")
        if store is SQLiteStore {  // Cassandra lets old runs expire by TTL instead
            #expect(try await store.catalogue(run: "run-1").isEmpty, "a dropped run's catalogue copy goes with it")
        }
        await #expect(throws: StoreError.unknownRun("no-such-run")) { try await store.activate(run: "no-such-run") }
        #expect(try await store.liveRun()?.id == "run-3")

        // A run is made live only once recorded complete; its progress reads back as recorded.
        try await store.createRun(ModelRun(id: "run-4", createdAt: 4000, ranker: nil))
        try await store.recordProgress(run: "run-4", RunProgress.Part(stage: .neighbours, part: 1, total: 2))
        try await store.recordProgress(run: "run-4", RunProgress.Part(stage: .neighbours, part: 1, total: 2))
        try await store.recordProgress(run: "run-4", RunProgress.Part(stage: .catalogue, part: 0, total: 1))
        #expect(try await store.progress(run: "run-4") == RunProgress([
            .init(stage: .neighbours, part: 1, total: 2), .init(stage: .catalogue, part: 0, total: 1),
        ]))
        #expect(try await store.progress(run: "no-such-run") == RunProgress())
        #expect(try await store.run("run-4") == ModelRun(id: "run-4", createdAt: 4000, ranker: nil))
        #expect(try await store.run("no-such-run") == nil)
        await #expect(throws: StoreError.self) { try await store.activate(run: "run-4") }
        #expect(try await store.liveRun()?.id == "run-3", "an incomplete run is never made live")
    }
}
