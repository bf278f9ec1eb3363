import AnimeRecCore
import DequeModule
import NIOPosix
import SQLiteNIO

/// Owns the embedded store's writer connections: sqlite-nio's, for migrations, imports and runs, and
/// a ``SQLitePreparedConnection`` for event batches, both on one thread of their own.
///
/// SQLite allows one writer at a time; this actor serialises every write transaction, on either
/// connection, through an async gate (actor methods may interleave at each `await`, so actor
/// isolation alone would not keep a `BEGIN … COMMIT` together). Event writes are group-committed:
/// concurrent `record` calls queue their events and whichever caller holds the gate writes every
/// queued event in one transaction, in one hop to the writer's thread, so many acknowledgements
/// share one commit.
actor SQLiteWriter {
    private let connection: SQLiteConnection
    /// The connection event batches are written on, on `thread`: the same file, its statements kept.
    private let eventConnection: SQLitePreparedConnection
    /// The one thread both connections' statements run on.
    private let thread: NIOThreadPool
    private var gateBusy = false
    private var gateWaiters: Deque<CheckedContinuation<Void, Never>> = []

    private var nextTicket = 0
    private var queuedEvents: [(ticket: Int, events: [UserEvent])] = []
    private var finished: [Int: Result<[RecordOutcome], any Error>] = [:]
    /// How long events live, as the Cassandra table's TTL.
    private let eventTTLMilliseconds: Int64

    init(connection: SQLiteConnection, eventConnection: SQLitePreparedConnection, thread: NIOThreadPool, eventTTLMilliseconds: Int64) {
        self.connection = connection
        self.eventConnection = eventConnection
        self.thread = thread
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

    /// Closes the event connection once no write runs; later event writes fail.
    func closeEventConnection() async throws {
        try await exclusively { _ in eventConnection.close() }
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
                let groups = batch.map(\.events), ttl = eventTTLMilliseconds, events = eventConnection
                result = .success(try await thread.runIfActive { try Self.writeEvents(groups, ttl: ttl, on: events) })
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

    /// Writes a group of event lists in one transaction, on the writer's thread in one hop, each
    /// statement prepared once and kept (``SQLitePreparedConnection``). The store looks up the ids
    /// already in use and ``EventIdentity`` decides; only events it says to write, and that are new
    /// in their (user, day) partition, update `user_anime` and the hour's trending counts, so a
    /// retried request changes nothing.
    private static func writeEvents(_ groups: [[UserEvent]], ttl: Int64, on connection: SQLitePreparedConnection) throws
        -> [[RecordOutcome]]
    {
        let everything = groups.flatMap { $0 }
        guard !everything.isEmpty else { return groups.map { _ in [] } }
        let now = WallClock.nowMilliseconds
        var registered: [EventID: StoredEvent?] = [:]
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(everything.count)
        // A transaction a failed ROLLBACK left open would fail every batch after it at BEGIN.
        if connection.inTransaction { try connection.run("ROLLBACK") }
        try connection.run("BEGIN IMMEDIATE")
        do {
            // Ids already in use, store-wide (`event_ids`).
            for id in Set(everything.map(\.id)) {
                try connection.run(
                    "SELECT user_id, anime_id, kind FROM event_ids WHERE event_id = ?1 AND expires_at > ?2",
                    [.blob(id.bytes), .integer(now)]
                ) { row in
                    let stored = row.text(2).flatMap(EventKind.init(rawValue:)).map { kind in
                        StoredEvent(user: UserID(row.int64(0)), anime: AnimeID(Int32(truncatingIfNeeded: row.int64(1))), kind: kind)
                    }
                    registered.updateValue(stored, forKey: id)
                }
            }
            for (event, decision) in zip(everything, EventIdentity.decide(everything, registered: registered)) {
                guard case .write = decision else {
                    if case .settled(let outcome) = decision { outcomes.append(outcome) }
                    continue
                }
                outcomes.append(try write(event, ttl: ttl, now: now, on: connection))
            }
            try connection.run("COMMIT")
        } catch {
            // SQLite ends some transactions itself when a statement fails (a full disk, for one).
            if connection.inTransaction { _ = try? connection.run("ROLLBACK") }
            throw error
        }
        var next = outcomes.makeIterator()
        return groups.map { events in events.map { _ in next.next()! } }  // one outcome per event, in order
    }

    /// Writes one event ``EventIdentity`` said to write: its `event_ids` row (replacing an expired
    /// one under a reused id) and its `user_events` row; when that row is new, its `user_anime` and
    /// trending counts. A `user_events` row already there (its id row expired first) settles it. A
    /// dislike writes its `user_dislikes` row after the id row instead.
    private static func write(_ event: UserEvent, ttl: Int64, now: Int64, on connection: SQLitePreparedConnection) throws -> RecordOutcome {
        let id = Value.blob(event.id.bytes), user = Value.integer(event.user.rawValue)
        let anime = Value.integer(Int64(event.anime.rawValue)), kind = Value.text(event.kind.rawValue)
        try connection.run(
            """
            INSERT INTO event_ids (event_id, user_id, anime_id, kind, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (event_id) DO UPDATE SET user_id = excluded.user_id, anime_id = excluded.anime_id,
            kind = excluded.kind, expires_at = excluded.expires_at
            """,
            // A verdict's id lives from its write (as Cassandra's TTL does), whatever its `at`: a
            // retry within that time must find it, or a taken-back verdict could come back.
            [id, user, anime, kind, .integer((event.kind.isLogged ? event.at : max(event.at, now)) + ttl)])
        guard event.kind.isLogged else {
            // A verdict: the user's row of the title in `user_dislikes`, the newest word kept.
            try connection.run(
                """
                INSERT INTO user_dislikes (user_id, anime_id, at_ms) VALUES (?1, ?2, ?3)
                ON CONFLICT (user_id, anime_id) DO UPDATE SET at_ms = excluded.at_ms
                """,
                [user, anime, .integer(event.at)])
            return .recorded
        }
        let isNew = try connection.run(
            """
            INSERT INTO user_events (user_id, day, event_id, anime_id, kind, at_ms, expires_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING
            """,
            [user, .integer(Int64(event.day)), id, anime, kind, .integer(event.at), .integer(event.at + ttl)]) == 1
        guard isNew else {
            var stored: StoredEvent?
            try connection.run(
                "SELECT anime_id, kind FROM user_events WHERE user_id = ?1 AND day = ?2 AND event_id = ?3",
                [user, .integer(Int64(event.day)), id]
            ) { row in
                guard let kind = row.text(1).flatMap(EventKind.init(rawValue:)) else { return }
                stored = StoredEvent(user: event.user, anime: AnimeID(Int32(truncatingIfNeeded: row.int64(0))), kind: kind)
            }
            return EventIdentity.outcome(of: event, stored: stored)
        }
        try connection.run(
            """
            INSERT INTO user_anime (user_id, anime_id, events, last_at) VALUES (?1, ?2, 1, ?3)
            ON CONFLICT (user_id, anime_id) DO UPDATE SET events = events + 1,
            last_at = max(coalesce(last_at, 0), excluded.last_at)
            """,
            [user, anime, .integer(event.at)])
        try connection.run(
            """
            INSERT INTO anime_hourly_counts (bucket, shard, anime_id, clicks, views) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (bucket, shard, anime_id) DO UPDATE SET clicks = clicks + excluded.clicks,
            views = views + excluded.views
            """,
            [
                .integer(Int64(TrendingBuckets.bucket(of: event, receivedAt: now))),
                .integer(Int64(TrendingBuckets.shard(of: event.anime))), anime,
                .integer(event.kind == .click ? 1 : 0), .integer(event.kind == .view ? 1 : 0),
            ])
        return .recorded
    }

    private typealias Value = SQLitePreparedConnection.Value
}
