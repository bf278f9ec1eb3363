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

    /// Per event: two concurrent single-partition reads, its `event_ids` row (the id store-wide) and
    /// its `user_events` row (events stored before `event_ids` existed). The same user, anime and
    /// kind again is a duplicate, anything else under a used id a conflict. A new event is written
    /// (id row, event row, day index, `user_anime.last_at`, all idempotent) and then counted
    /// (counters: never retried). A retry that arrives after the first write finished is a
    /// duplicate; two copies racing each other both write the same rows (stored once) and may both
    /// count; two different events racing under one id are both stored (no lightweight transactions
    /// on 1.2), the later id row winning.
    public func record(_ events: [UserEvent]) async throws -> [RecordOutcome] {
        var outcomes: [RecordOutcome] = []
        var claimed: [EventID: UserEvent] = [:]
        for event in events {
            if let earlier = claimed[event.id] {
                outcomes.append(RecordOutcome.ofRetry(event, stored: StoredEvent(earlier)))
                continue
            }
            claimed[event.id] = event
            outcomes.append(try await recordOne(event))
        }
        return outcomes
    }

    private func recordOne(_ event: UserEvent) async throws -> RecordOutcome {
        let user = CQLValue.bigint(event.user.rawValue)
        let day = CQLValue.int(event.day)
        let id = CQLValue.uuid(event.id.uuid)
        async let byIDRead = client.select(statements.selectEventID, [id], options: .idempotent())
        async let inPartitionRead = client.select(statements.selectEvent, [user, day, id], options: .idempotent())
        let (byID, inPartition) = try await (byIDRead?.rows.first, inPartitionRead?.rows.first)
        if let byID {
            let storedUser = UserID(try byID.decode(Int64.self, at: 0))
            let storedAnime = AnimeID(try byID.decode(Int32.self, at: 1))
            let kind = try EventKind(rawValue: byID.decode(String.self, at: 2))
            return RecordOutcome.ofRetry(event, stored: kind.map { StoredEvent(user: storedUser, anime: storedAnime, kind: $0) })
        }
        if let inPartition {
            let anime = try inPartition.decode(Int32.self, at: 0)
            let kind = try EventKind(rawValue: inPartition.decode(String.self, at: 1))
            return RecordOutcome.ofRetry(event, stored: kind.map { StoredEvent(user: event.user, anime: AnimeID(anime), kind: $0) })
        }
        let statements = self.statements
        try await withThrowingTaskGroup(of: Void.self) { [client] group in
            group.addTask {
                try await client.execute(
                    statements.insertEventID, [id, user, .int(event.anime.rawValue), .text(event.kind.rawValue)],
                    options: .idempotent())
            }
            group.addTask {
                try await client.execute(
                    statements.insertEvent,
                    [user, day, .uuid(event.id.uuid), .int(event.anime.rawValue), .text(event.kind.rawValue), .bigint(event.at)],
                    options: .idempotent())
            }
            group.addTask { try await client.execute(statements.insertEventDay, [user, day], options: .idempotent()) }
            group.addTask {
                try await client.execute(
                    statements.touchInteraction, [.bigint(event.at), user, .int(event.anime.rawValue)], options: .idempotent())
            }
            try await group.waitForAll()
        }
        // The event is stored: counts are best effort from here (a counter that timed out may or
        // may not have applied, so it is never retried, and the event stays acknowledged).
        let bucket = TrendingBuckets.bucket(ofMilliseconds: WallClock.nowMilliseconds)
        let counts: [(String, [CQLValue])] = [
            (statements.countInteractionEvent, [.counter(1), user, .int(event.anime.rawValue)]),
            (event.kind == .click ? statements.countClick : statements.countView,
             [.counter(1), .int(bucket), .int(TrendingBuckets.shard(of: event.anime)), .int(event.anime.rawValue)]),
        ]
        await withTaskGroup(of: Void.self) { [client, logger] group in
            for (statement, values) in counts {
                group.addTask {
                    do {
                        try await client.execute(statement, values)
                    } catch {
                        logger.warning("event counter update failed", metadata: ["store.error": "\(error)"])
                    }
                }
            }
        }
        return .recorded
    }

    public func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        guard limit > 0 else { return [] }
        let days = try await client.select(
            statements.eventDays(limit: 64), [.bigint(user.rawValue), .int(sinceDay)], options: .idempotent()
        )?.rows.compactMap { try? $0.decode(Int32.self, at: 0) } ?? []
        let statement = statements.eventsOfDay(limit: limit)
        let perDay = try await concurrentMap(days, maxInFlight: 16) { [client] day in
            try await client.select(statement, [.bigint(user.rawValue), .int(day)], options: .idempotent())?.rows
                .compactMap { row -> UserEvent? in
                    guard let id = try? row.decode(UUID.self, at: 0), let anime = try? row.decode(Int32.self, at: 1),
                        let kind = (try? row.decode(String.self, at: 2)).flatMap(EventKind.init(rawValue:)),
                        let at = try? row.decode(Int64.self, at: 3)
                    else { return nil }
                    return UserEvent(id: EventID(id), user: user, anime: AnimeID(anime), kind: kind, at: at)
                } ?? []
        }
        return Array(perDay.joined().sorted { ($0.at, $0.id.high, $0.id.low) > ($1.at, $1.id.high, $1.id.low) }.prefix(limit))
    }

    // MARK: Interactions

    public func interactions(of user: UserID, limit: Int) async throws -> [Interaction] {
        guard limit > 0 else { return [] }
        // Past the largest rounded LIMIT the partition is read whole (offline callers).
        let bound = limit < 65536 ? limit : nil
        async let rows = client.select(statements.interactions(limit: bound), [.bigint(user.rawValue)], options: .idempotent())
        async let counted = client.select(statements.interactionEvents(limit: bound), [.bigint(user.rawValue)], options: .idempotent())
        return Array(try await Self.merge(user: user, rows: rows?.rows ?? [], counters: counted?.rows ?? []).prefix(limit))
    }

    /// Joins `user_anime` rows with their `user_anime_events` counters.
    static func merge(user: UserID, rows: [CQLRow], counters: [CQLRow]) -> [Interaction] {
        var events: [Int32: Int64] = [:]
        for row in counters {
            if let anime = try? row.decode(Int32.self, at: 0), let count = try? row.decode(Int64.self, at: 1) { events[anime] = count }
        }
        return rows.compactMap { row -> Interaction? in decodeInteraction(row, offset: 0, events: events) }
    }

    /// `anime_id, rating, liked, last_at` from `offset` on. Stored as rating 0 = not rated and
    /// liked -1 = unknown, since Cassandra 1.2 takes no null bind values.
    static func decodeInteraction(_ row: CQLRow, offset: Int, events: [Int32: Int64]) -> Interaction? {
        guard let anime = try? row.decode(Int32.self, at: offset) else { return nil }
        let rating = ((try? row.decode(Int32?.self, at: offset + 1)) ?? nil).flatMap { $0 > 0 ? Int8(clamping: $0) : nil }
        let liked = ((try? row.decode(Int32?.self, at: offset + 2)) ?? nil).flatMap { $0 < 0 ? nil : $0 != 0 }
        let lastAt = (try? row.decode(Int64?.self, at: offset + 3)) ?? nil
        return Interaction(anime: AnimeID(anime), rating: rating, liked: liked,
                           events: Int32(clamping: events[anime] ?? 0), lastAt: lastAt)
    }

    /// Consecutive ratings of one user go out as one single-partition batch (up to
    /// ``Configuration/rowsPerBatch`` rows), sent through the bulk load.
    public func importRatings(_ ratings: [ImportedRating]) async throws {
        var batches: [[CQLBatchStatement]] = []
        var current: [CQLBatchStatement] = []
        var currentUser: UserID?
        let statement = statements.importRating
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

    public func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] {
        guard !buckets.isEmpty, limit > 0 else { return [] }
        let partitions = buckets.flatMap { bucket in (0..<TrendingBuckets.shards).map { (bucket, $0) } }
        let statement = statements.hourlyCounts
        let rows = try await concurrentMap(partitions, maxInFlight: 32) { [client] bucket, shard in
            try await client.select(statement, [.int(bucket), .int(shard)], options: .idempotent())?.rows ?? []
        }
        var totals: [Int32: (clicks: Int64, views: Int64)] = [:]
        for row in rows.joined() {
            guard let anime = try? row.decode(Int32.self, at: 0) else { continue }
            let clicks = ((try? row.decode(Int64?.self, at: 1)) ?? nil) ?? 0
            let views = ((try? row.decode(Int64?.self, at: 2)) ?? nil) ?? 0
            totals[anime, default: (0, 0)].clicks += clicks
            totals[anime, default: (0, 0)].views += views
        }
        return TrendingBuckets.top(
            totals.map { ScoredAnime(anime: AnimeID($0.key), score: TrendingBuckets.score(clicks: $0.value.clicks, views: $0.value.views)) },
            limit: limit)
    }
}

/// An event's identity: its id inside its (user, day) partition.
struct EventKey: Hashable {
    var user: Int64
    var day: Int32
    var id: EventID
    init(_ event: UserEvent) {
        self.init(user: event.user.rawValue, day: event.day, id: event.id)
    }
    init(user: Int64, day: Int32, id: EventID) {
        self.user = user
        self.day = day
        self.id = id
    }
}
