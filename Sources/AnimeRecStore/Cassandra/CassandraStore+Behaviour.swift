import AnimeRecCore
import CQL
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CassandraStore {
    // MARK: Events

    /// Looks up the `event_ids` rows of the events' ids (at once) and lets ``EventIdentity``
    /// decide; writes each event it says to write (``write(_:)``). Every write is keyed by the event
    /// id, so retries and copies racing each other are stored and counted once; two different events
    /// racing under one id are both stored (no lightweight transactions on 1.2), the later id row
    /// winning.
    public func record(_ events: [UserEvent]) async throws -> [RecordOutcome] {
        let ids = Array(Set(events.map(\.id)))
        let found = try await concurrentMap(ids, maxInFlight: 8) { [self] id in try await registeredEvent(id) }
        var registered: [EventID: StoredEvent?] = [:]
        for (id, held) in zip(ids, found) {
            if case .held(let stored) = held { registered.updateValue(stored, forKey: id) }
        }
        var outcomes: [RecordOutcome] = []
        for (event, decision) in zip(events, EventIdentity.decide(events, registered: registered)) {
            switch decision {
            case .settled(let outcome): outcomes.append(outcome)
            case .write: outcomes.append(try await write(event))
            }
        }
        return outcomes
    }

    /// What `event_ids` holds under `id` (one statement): nothing, or an event (`nil` when its kind
    /// is one this build does not know).
    private func registeredEvent(_ id: EventID) async throws -> IDRow {
        guard let row = try await client.select(statements.selectEventID, [.uuid(id.uuid)], options: .idempotent())?.rows.first
        else { return .free }
        guard let kind = try EventKind(rawValue: row.decode(String.self, at: 2)) else { return .held(nil) }
        return .held(StoredEvent(user: UserID(try row.decode(Int64.self, at: 0)), anime: AnimeID(try row.decode(Int32.self, at: 1)), kind: kind))
    }

    /// An `event_ids` row as read.
    private enum IDRow: Sendable {
        case free
        case held(StoredEvent?)
    }

    /// At most 3 statements after the id read: the `user_state` batch (the map entry and
    /// `last_at`) and the `event_hours` row at once; then the `event_ids` row, last, so that a retry
    /// after any partial failure finds no id row and writes the same rows again (same keys, same
    /// values: nothing counts twice).
    private func write(_ event: UserEvent) async throws -> RecordOutcome {
        let id = CQLValue.uuid(event.id.uuid)
        let user = CQLValue.bigint(event.user.rawValue)
        let anime = CQLValue.int(event.anime.rawValue)
        let statements = self.statements
        guard event.kind.isLogged else {
            // A verdict: the title's row in the user partition, then the id row.
            try await client.execute(statements.setDislikedAt, [.bigint(max(1, event.at)), user, anime], options: .idempotent())
            try await client.execute(
                statements.insertEventID, [id, user, anime, .text(event.kind.rawValue)], options: .idempotent())
            return .recorded
        }
        let hour = TrendingBuckets.bucket(of: event, receivedAt: WallClock.nowMilliseconds)
        try await withThrowingTaskGroup(of: Void.self) { [client] group in
            group.addTask {
                try await client.batch(
                    [
                        CQLBatchStatement(statements.touchUserState, [.bigint(event.at), user, anime]),
                        CQLBatchStatement(statements.addUserEvent, [Self.eventEntry(event), user, anime]),
                    ],
                    kind: .unlogged, options: .idempotent())
            }
            group.addTask {
                try await client.execute(
                    statements.insertEventHour,
                    [.int(hour), .int(TrendingBuckets.shard(of: event.anime)), id, anime, .int(TrendingBuckets.weight(of: event.kind))],
                    options: .idempotent())
            }
            try await group.waitForAll()
        }
        try await client.execute(
            statements.insertEventID, [id, user, anime, .text(event.kind.rawValue)], options: .idempotent())
        return .recorded
    }

    /// One statement: the verdict's value becomes 0 (no tombstone; a row only it wrote reads as
    /// nothing).
    public func withdrawDislike(user: UserID, anime: AnimeID) async throws {
        try await client.execute(
            statements.setDislikedAt, [.bigint(0), .bigint(user.rawValue), .int(anime.rawValue)], options: .idempotent())
    }

    /// One statement: an unlogged batch of the page (`user_impressions`) and the mark of a recent
    /// page in the user's `user_state` partition, both under the user's partition key, so one
    /// mutation on each replica.
    public func recordImpressions(user: UserID, anime: [AnimeID], at: Int64) async throws {
        guard !anime.isEmpty else { return }
        let hour = Exposure.hour(ofMilliseconds: at)
        let now = WallClock.nowMilliseconds
        let mark = CQLValue.map([CQLMapEntry(key: .int(Exposure.hour(ofMilliseconds: now)), value: .bigint(now))])
        try await client.batch(
            [
                CQLBatchStatement(statements.insertImpressionPage, [
                    .bigint(user.rawValue), .int(hour), .bigint(ExposurePage.key(of: anime)), .bigint(at),
                    .blob(ExposurePage.encode(anime)),
                ]),
                CQLBatchStatement(statements.markImpressions, [mark, .bigint(user.rawValue)]),
            ], kind: .unlogged, options: .idempotent())
    }

    /// The newest pages of `user` (``ExposurePage/readLimit``) added to `state`: one statement.
    private func addImpressionPages(of user: UserID, to state: inout UserState) async throws {
        let rows = try await client.select(statements.selectImpressionPages, [.bigint(user.rawValue)], options: .idempotent())?.rows ?? []
        for row in rows {
            guard let at = try? row.decode(Int64.self, at: 0), let bytes = try? row.decode([UInt8].self, at: 1),
                let anime = ExposurePage.decode(bytes)
            else { continue }
            state.addExposures(page: anime, at: at)
        }
    }

    public func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        guard limit > 0 else { return [] }
        return try await userState(of: user).recentEvents(sinceDay: sinceDay, limit: limit)
    }

    // MARK: Interactions

    public func interactions(of user: UserID, limit: Int) async throws -> [Interaction] {
        guard limit > 0 else { return [] }
        return try await userState(of: user).interactions(limit: limit)
    }

    /// The user's partition of `user_state`, whole: one statement.
    private func userState(of user: UserID) async throws -> UserState {
        let rows = try await client.select(statements.userState, [.bigint(user.rawValue)], options: .idempotent())?.rows ?? []
        return Self.userState(user: user, rows: rows)
    }

    /// The request path's read of the user: one slice of `user_state` (interactions, event counts
    /// and the recent events) and the user's candidates in `knownLiveRun`, taken as the live run (the
    /// caller's pointer, at most a second old: §3.2); 2 statements, sent at once, and a third, the
    /// newest impression pages, when the slice holds the mark of one written in the last 14 days.
    /// Without a run, the pointer is read (the first request of a replica).
    public func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads {
        let run: String?
        if let knownLiveRun { run = knownLiveRun } else { run = try await liveRunID() }
        async let stateRead = userState(of: user)
        async let candidatesRead = runCandidates(for: user, run: run, limit: candidateLimit)
        var (state, candidates) = try await (stateRead, candidatesRead)
        if state.hasRecentPages { try await addImpressionPages(of: user, to: &state) }
        return UserReads(
            liveRunID: run, interactions: state.interactions(limit: interactionLimit),
            recentEvents: state.recentEvents(sinceDay: sinceDay, limit: eventLimit), candidates: candidates,
            exposures: state.exposures(after: WallClock.nowMilliseconds - Exposure.lifetimeMilliseconds))
    }

    /// The `events` map entry of `event`, as the one-entry map that `events = events + ?` binds.
    static func eventEntry(_ event: UserEvent) -> CQLValue {
        .map([CQLMapEntry(key: .uuid(event.id.uuid), value: .bigint(EventMark(kind: event.kind, at: event.at).packed))])
    }

    private func runCandidates(for user: UserID, run: String?, limit: Int) async throws -> [Candidate] {
        guard let run else { return [] }
        return try await candidates(for: user, run: run, limit: limit)
    }

    /// The imported rating and like at columns `index` and `index + 1`, stored as rating 0 = not
    /// rated and liked −1 = unknown, since Cassandra 1.2 takes no null bind values.
    static func importedValues(_ row: CQLRow, at index: Int) -> (rating: Int8?, liked: Bool?) {
        let rating = ((try? row.decode(Int32?.self, at: index)) ?? nil).flatMap { $0 > 0 ? Int8(clamping: $0) : nil }
        let liked = ((try? row.decode(Int32?.self, at: index + 1)) ?? nil).flatMap { $0 < 0 ? nil : $0 != 0 }
        return (rating, liked)
    }

    /// `user_id`'s `user_state` rows (`anime_id, rating, liked, last_at, events, disliked_at` and,
    /// when read, `shown`, from `offset`). A row that only a verdict wrote (no imported rating, no
    /// event) is no relation once the verdict is taken back (`disliked_at` 0), and one that only
    /// impressions wrote is none either: its entries are exposures.
    static func userState(user: UserID, rows: [CQLRow], offset: Int = 0) -> UserState {
        var state = UserState(user: user)
        for row in rows {
            guard let anime = try? row.decode(Int32.self, at: offset) else { continue }
            if anime == CassandraStatements.impressionMarkAnime {
                state.hasRecentPages = true
                continue
            }
            let imported = ((try? row.decode(Int32?.self, at: offset + 1)) ?? nil) != nil
            let (rating, liked) = importedValues(row, at: offset + 1)
            let lastAt = (try? row.decode(Int64?.self, at: offset + 3)) ?? nil
            let entries = ((try? row.decode([UUID: Int64]?.self, at: offset + 4)) ?? nil) ?? [:]
            let dislikedAt = ((try? row.decode(Int64?.self, at: offset + 5)) ?? nil).flatMap { $0 > 0 ? $0 : nil }
            let shown = ((try? row.decode([Int32: Int64]?.self, at: offset + 6)) ?? nil) ?? [:]
            if !shown.isEmpty { state.addExposures(anime: AnimeID(anime), shown: shown.lazy.map { (hour: $0.key, at: $0.value) }) }
            guard imported || lastAt != nil || !entries.isEmpty || dislikedAt != nil else { continue }
            state.add(
                anime: AnimeID(anime), rating: rating, liked: liked, lastAt: lastAt, dislikedAt: dislikedAt,
                events: entries.lazy.map { (EventID($0.key), $0.value) })
        }
        return state
    }

    /// Consecutive ratings of one user go out as one single-partition batch (up to
    /// ``Configuration/rowsPerBatch`` rows), sent through the bulk load.
    public func importRatings(_ ratings: [ImportedRating]) async throws {
        var batches: [[CQLBatchStatement]] = []
        var current: [CQLBatchStatement] = []
        var currentUser: UserID?
        let statement = statements.importUserRating
        for rating in ratings {
            if rating.user != currentUser || current.count == configuration.rowsPerBatch {
                if !current.isEmpty { batches.append(current) }
                current = []
                currentUser = rating.user
            }
            current.append(CQLBatchStatement(statement, [
                .bigint(rating.user.rawValue), .int(rating.anime.rawValue), .int(Int32(rating.rating ?? 0)),
                .int(rating.liked.map { $0 ? 1 : 0 } ?? -1),
            ]))
        }
        if !current.isEmpty { batches.append(current) }
        try await writeBatches(batches)
    }

    /// Sends single-partition unlogged batches through the bulk load; all statements are idempotent.
    func writeBatches(_ batches: [[CQLBatchStatement]]) async throws {
        let options = CQLStatementOptions.bulk(timeout: configuration.bulkTimeout)
        _ = try await bulk.map(batches) { [client] batch in
            if batch.count == 1 {
                try await client.execute(batch[0].cql, batch[0].values, options: options)
            } else {
                try await client.batch(batch, kind: .unlogged, options: options)
            }
        }
    }

    /// Sends single idempotent statements through the bulk load.
    func bulkExecute(_ statements: [(String, [CQLValue])]) async throws {
        let options = CQLStatementOptions.bulk(timeout: configuration.bulkTimeout)
        _ = try await bulk.map(statements) { [client] statement in
            try await client.execute(statement.0, statement.1, options: options)
        }
    }

    /// Many idempotent reads of a bulk job through the bulk load, their rows in input order. (A
    /// body run by the bulk load must send its statement itself, never through another bulk call:
    /// a statement holding a slot while it waits for a second one could wait for ever.)
    func bulkSelectAll(_ reads: [(String, [CQLValue])]) async throws -> [[CQLRow]] {
        let options = CQLStatementOptions.bulk(timeout: configuration.bulkTimeout)
        return try await bulk.map(reads) { [client] read in try await client.select(read.0, read.1, options: options)?.rows ?? [] }
    }

    /// One idempotent read of a bulk job through the bulk load.
    func bulkSelect(_ statement: String, _ values: [CQLValue]) async throws -> [CQLRow] {
        let options = CQLStatementOptions.bulk(timeout: configuration.bulkTimeout)
        return try await bulk.run { [client] in try await client.select(statement, values, options: options)?.rows ?? [] }
    }

    /// Sums the buckets' scores. A closed hour is read from its `trending_hours` row, written from
    /// its `event_hours` rows by the first reader that finds none (every replica computes the same
    /// bytes); an hour that is not closed yet is summed from its rows and not stored.
    public func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] {
        guard !buckets.isEmpty, limit > 0 else { return [] }
        let newestClosed = TrendingBuckets.newestClosed(now: WallClock.nowMilliseconds)
        let perHour = try await concurrentMap(buckets, maxInFlight: 8) { [self] hour in
            try await hourScores(hour, closed: hour <= newestClosed)
        }
        var totals: [AnimeID: Double] = [:]
        for scores in perHour {
            for item in scores { totals[item.anime, default: 0] += item.score }
        }
        return TrendingBuckets.top(totals.map { ScoredAnime(anime: $0.key, score: $0.value) }, limit: limit)
    }

    /// One hour's score per title: its rolled-up row, or a sum of its event rows (stored when closed).
    private func hourScores(_ hour: Int32, closed: Bool) async throws -> [ScoredAnime] {
        if closed, let row = try await client.select(statements.selectTrendingHour, [.int(hour)], options: .idempotent())?.rows.first,
            let bytes = try row.decode([UInt8]?.self, at: 0)
        {
            guard let scores = PackedList.scored(bytes) else { throw MalformedPackedList(table: "trending_hours") }
            return scores
        }
        var sums: [AnimeID: Double] = [:]
        for shard in 0..<TrendingBuckets.shards {
            let rows = try client.scanClustering(
                keyspace: statements.keyspace, table: "event_hours", partitionKey: [("hour", .int(hour)), ("shard", .int(shard))],
                clusteringColumn: "event_id", columns: ["anime_id", "weight"], pageSize: 5000, options: .idempotent())
            for try await row in rows {
                guard let anime = try? row.decode(Int32.self, named: "anime_id"), let weight = try? row.decode(Int32.self, named: "weight")
                else { continue }
                sums[AnimeID(anime), default: 0] += Double(weight)
            }
        }
        let scores = sums.map { ScoredAnime(anime: $0.key, score: $0.value) }.sorted { $0.anime < $1.anime }
        if closed {
            try await client.execute(
                statements.insertTrendingHour, [.int(hour), .blob(PackedList.encode(scores))], options: .idempotent())
        }
        return scores
    }
}
