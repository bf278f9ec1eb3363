import Algorithms
import AnimeRecCore
import DequeModule
import SQLiteNIO

/// Owns the embedded store's single writer connection.
///
/// SQLite allows one writer at a time; this actor serialises every write transaction through an
/// async gate (actor methods may interleave at each `await`, so actor isolation alone would not
/// keep a `BEGIN … COMMIT` together). Event writes are group-committed: concurrent `record` calls
/// queue their events and whichever caller holds the gate writes every queued event in one
/// transaction, so many acknowledgements share one commit.
actor SQLiteWriter {
    private let connection: SQLiteConnection
    private var gateBusy = false
    private var gateWaiters: Deque<CheckedContinuation<Void, Never>> = []

    private var nextTicket = 0
    private var queuedEvents: [(ticket: Int, events: [UserEvent])] = []
    private var finished: [Int: Result<[RecordOutcome], any Error>] = [:]
    /// How long events live, as the Cassandra table's TTL.
    private let eventTTLMilliseconds: Int64

    init(connection: SQLiteConnection, eventTTLMilliseconds: Int64) {
        self.connection = connection
        self.eventTTLMilliseconds = eventTTLMilliseconds
    }

    /// Runs `body` while no other write runs.
    func exclusively<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        while gateBusy {
            await withCheckedContinuation { gateWaiters.append($0) }
        }
        gateBusy = true
        defer {
            gateBusy = false
            gateWaiters.popFirst()?.resume()
        }
        return try await body(connection)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` while no other write runs; rolls back on error.
    func transaction<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await exclusively { connection in try await Self.inTransaction(connection) { try await body($0) } }
    }

    /// `BEGIN IMMEDIATE`, `body`, `COMMIT`; `ROLLBACK` and rethrow if anything fails. The caller
    /// must hold the gate (``exclusively(_:)``).
    nonisolated(nonsending) static func inTransaction<T>(_ connection: SQLiteConnection, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let value = try await body(connection)
            _ = try await connection.query("COMMIT")
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    /// Stores events idempotently, group-committing with concurrent callers.
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome] {
        let ticket = nextTicket
        nextTicket += 1
        queuedEvents.append((ticket, events))
        return try await exclusively { connection in
            if let done = finished.removeValue(forKey: ticket) { return try done.get() }
            let batch = queuedEvents
            queuedEvents.removeAll(keepingCapacity: true)
            let result: Result<[[RecordOutcome]], any Error>
            do {
                result = .success(try await writeEvents(batch.map(\.events), on: connection))
            } catch {
                result = .failure(error)
            }
            for (index, entry) in batch.enumerated() where entry.ticket != ticket {
                finished[entry.ticket] = result.map { $0[index] }
            }
            let mine = batch.firstIndex { $0.ticket == ticket }!  // our own ticket is always in the batch
            return try result.get()[mine]
        }
    }

    /// Writes a group of event lists in one transaction. Only events that are new in their
    /// (user, day) partition update `user_anime` and the hour's trending counts, so a retried
    /// request changes nothing.
    private func writeEvents(_ groups: [[UserEvent]], on connection: SQLiteConnection) async throws
        -> [[RecordOutcome]]
    {
        let everything = groups.flatMap { $0 }
        guard !everything.isEmpty else { return groups.map { _ in [] } }
        let now = WallClock.nowMilliseconds
        let (inserted, stored, registered) = try await Self.inTransaction(connection) { connection in
            // Ids already in use (store-wide, `event_ids`) decide at once: retry or conflict.
            var registered: [EventID: StoredEvent] = [:]
            for chunk in Set(everything.map(\.id)).chunks(ofCount: 900) {
                let sql = "SELECT event_id, user_id, anime_id, kind FROM event_ids WHERE expires_at > ? AND event_id IN ("
                    + Array(repeating: "?", count: chunk.count).joined(separator: ",") + ")"
                let rows = try await connection.query(sql, [.integer(Int(now))] + chunk.map { .blob(ByteBuffer(bytes: $0.bytes)) })
                for row in rows {
                    guard case .blob(var buffer)? = row.column("event_id"), let bytes = buffer.readBytes(length: 16),
                        let user = row.column("user_id")?.integer, let anime = row.column("anime_id")?.integer,
                        let kind = row.column("kind")?.string.flatMap(EventKind.init(rawValue:))
                    else { continue }
                    registered[EventID(bytes: bytes)] = StoredEvent(
                        user: UserID(Int64(user)), anime: AnimeID(Int32(truncatingIfNeeded: anime)), kind: kind)
                }
            }
            // Within the batch the first event under an id claims it; the rest are retries or conflicts.
            var claimedIDs = Set<EventID>()
            let all = everything.filter { registered[$0.id] == nil && claimedIDs.insert($0.id).inserted }
            var inserted = Set<EventKey>()
            for chunk in all.chunks(ofCount: 6000) {
                var sql = "INSERT INTO event_ids (event_id, user_id, anime_id, kind, expires_at) VALUES "
                var binds: [SQLiteData] = []
                for (i, event) in chunk.enumerated() {
                    sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)"
                    binds += [
                        .blob(ByteBuffer(bytes: event.id.bytes)), .integer(Int(event.user.rawValue)),
                        .integer(Int(event.anime.rawValue)), .text(event.kind.rawValue), .integer(Int(event.at + eventTTLMilliseconds)),
                    ]
                }
                // An expired row under a reused id is replaced.
                sql += """
                     ON CONFLICT (event_id) DO UPDATE SET user_id = excluded.user_id, anime_id = excluded.anime_id,
                     kind = excluded.kind, expires_at = excluded.expires_at
                    """
                _ = try await connection.query(sql, binds)
            }
            // 7 values per row; SQLite allows 32766 bound values per statement.
            for chunk in all.chunks(ofCount: 4000) {
                var sql = "INSERT INTO user_events (user_id, day, event_id, anime_id, kind, at_ms, expires_at) VALUES "
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * 7)
                for (i, event) in chunk.enumerated() {
                    sql += i == 0 ? "(?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?)"
                    binds += [
                        .integer(Int(event.user.rawValue)), .integer(Int(event.day)), .blob(ByteBuffer(bytes: event.id.bytes)),
                        .integer(Int(event.anime.rawValue)), .text(event.kind.rawValue), .integer(Int(event.at)),
                        .integer(Int(event.at + eventTTLMilliseconds)),
                    ]
                }
                sql += " ON CONFLICT DO NOTHING RETURNING user_id, day, event_id"
                for row in try await connection.query(sql, binds) {
                    if case .blob(var buffer)? = row.column("event_id"), let bytes = buffer.readBytes(length: 16),
                        let user = row.column("user_id")?.integer, let day = row.column("day")?.integer
                    {
                        inserted.insert(EventKey(user: Int64(user), day: Int32(truncatingIfNeeded: day), id: EventID(bytes: bytes)))
                    }
                }
            }
            var claimed = Set<EventKey>()
            let fresh = all.filter { inserted.contains(EventKey($0)) && claimed.insert(EventKey($0)).inserted }
            let receivedBucket = TrendingBuckets.bucket(ofMilliseconds: WallClock.nowMilliseconds)
            for chunk in fresh.chunks(ofCount: 6000) {
                var sql = "INSERT INTO user_anime (user_id, anime_id, events, last_at) VALUES "
                var binds: [SQLiteData] = []
                for (i, event) in chunk.enumerated() {
                    sql += i == 0 ? "(?,?,1,?)" : ",(?,?,1,?)"
                    binds += [.integer(Int(event.user.rawValue)), .integer(Int(event.anime.rawValue)), .integer(Int(event.at))]
                }
                sql += """
                     ON CONFLICT (user_id, anime_id) DO UPDATE SET events = events + 1,
                     last_at = max(coalesce(last_at, 0), excluded.last_at)
                    """
                _ = try await connection.query(sql, binds)
                var countsSQL = "INSERT INTO anime_hourly_counts (bucket, shard, anime_id, clicks, views) VALUES "
                var countBinds: [SQLiteData] = []
                for (i, event) in chunk.enumerated() {
                    countsSQL += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)"
                    countBinds += [
                        .integer(Int(receivedBucket)), .integer(Int(TrendingBuckets.shard(of: event.anime))),
                        .integer(Int(event.anime.rawValue)),
                        .integer(event.kind == .click ? 1 : 0), .integer(event.kind == .view ? 1 : 0),
                    ]
                }
                countsSQL += """
                     ON CONFLICT (bucket, shard, anime_id) DO UPDATE SET clicks = clicks + excluded.clicks,
                     views = views + excluded.views
                    """
                _ = try await connection.query(countsSQL, countBinds)
            }
            // Events that were not new: what the partition holds under their id decides between
            // duplicate (the same event again) and conflict (another event under a used id).
            var stored: [EventKey: StoredEvent] = [:]
            for event in all where !fresh.contains(event) && stored[EventKey(event)] == nil {
                let row = try await connection.query(
                    "SELECT anime_id, kind FROM user_events WHERE user_id = ? AND day = ? AND event_id = ?",
                    [.integer(Int(event.user.rawValue)), .integer(Int(event.day)), .blob(ByteBuffer(bytes: event.id.bytes))]
                ).first
                if let anime = row?.column("anime_id")?.integer, let kind = row?.column("kind")?.string.flatMap(EventKind.init(rawValue:)) {
                    stored[EventKey(event)] = StoredEvent(user: event.user, anime: AnimeID(Int32(truncatingIfNeeded: anime)), kind: kind)
                }
            }
            return (inserted, stored, registered)
        }
        var claimed: [EventID: StoredEvent] = [:]
        return groups.map { events in
            events.map { event in
                if let earlier = registered[event.id] { return RecordOutcome.ofRetry(event, stored: earlier) }
                if let earlier = claimed[event.id] { return RecordOutcome.ofRetry(event, stored: earlier) }
                claimed[event.id] = StoredEvent(event)
                let key = EventKey(event)
                return inserted.contains(key) ? .recorded : RecordOutcome.ofRetry(event, stored: stored[key])
            }
        }
    }
}

/// The event a store already holds under an event id.
struct StoredEvent: Sendable, Hashable {
    var user: UserID
    var anime: AnimeID
    var kind: EventKind

    init(user: UserID, anime: AnimeID, kind: EventKind) {
        self.user = user
        self.anime = anime
        self.kind = kind
    }

    init(_ event: UserEvent) {
        self.init(user: event.user, anime: event.anime, kind: event.kind)
    }
}

extension RecordOutcome {
    /// The outcome for an event whose id is already used: the same user, anime and kind again is a
    /// duplicate (a retry), anything else a conflict.
    static func ofRetry(_ event: UserEvent, stored: StoredEvent?) -> RecordOutcome {
        guard let stored else { return .duplicate }
        return stored == StoredEvent(event) ? .duplicate : .conflict
    }
}

extension EventID {
    init(bytes: [UInt8]) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for byte in bytes[0..<8] { high = high << 8 | UInt64(byte) }
        for byte in bytes[8..<16] { low = low << 8 | UInt64(byte) }
        self.init(high: high, low: low)
    }
}

