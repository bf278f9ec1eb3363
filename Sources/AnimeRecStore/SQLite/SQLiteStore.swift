import Algorithms
import AnimeRecCore
import AnimeRecSchema
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The embedded default store: one SQLite file in WAL mode, zero setup.
///
/// The writer (``SQLiteWriter``) takes every write, one transaction at a time; reader connections
/// serve reads concurrently with it, as WAL allows. The writer's statements run on a thread of their
/// own, so a write never queues behind reads in sqlite-nio's shared thread pool; a batch of events
/// is one hop to that thread, its statements prepared once and kept. A request's read of a user
/// runs on its own thread through a prepared statement (``SQLiteReadPool``); other reads go through
/// sqlite-nio's pool.
public final class SQLiteStore: RecStore {
    /// How the store opens its file.
    public struct Configuration: Sendable {
        /// The database file; created when missing.
        public var path: String
        /// Reader connections for concurrent reads: this many in the request path's pool and as
        /// many for other reads.
        public var readers: Int = 4
        /// `FULL` survives power loss; `NORMAL` survives a killed process (the WAL is in the OS).
        public var synchronousFull: Bool = false
        /// How long behaviour events are kept (the Cassandra table's TTL), default 90 days.
        public var eventTTLMilliseconds: Int64 = 90 * 86_400_000

        public init(path: String) { self.path = path }
    }

    private let writer: SQLiteWriter
    private let writerConnection: SQLiteConnection
    /// The one thread the writer connection's statements run on.
    private let writerThread: NIOThreadPool
    /// sqlite-nio's connections for reads off the request path (catalogue, runs, lists, scans).
    private let readers: [SQLiteConnection]
    /// The request path's reads (``userReads(of:sinceDay:eventLimit:interactionLimit:candidateLimit:knownLiveRun:)``).
    private let readPool: SQLiteReadPool
    /// Checkpoints the WAL as the event writes grow it, off the writer's thread.
    private let checkpointer: SQLiteCheckpointer
    private let nextReader = Atomic<Int>(0)
    private let logger: Logger

    private init(
        writer: SQLiteConnection, eventWriter: SQLitePreparedConnection, writerThread: NIOThreadPool, readers: [SQLiteConnection],
        readPool: SQLiteReadPool, checkpointer: SQLiteCheckpointer, configuration: Configuration, logger: Logger
    ) {
        self.checkpointer = checkpointer
        self.writerConnection = writer
        self.writerThread = writerThread
        self.writer = SQLiteWriter(
            connection: writer, eventConnection: eventWriter, thread: writerThread, eventTTLMilliseconds: configuration.eventTTLMilliseconds)
        self.readers = readers
        self.readPool = readPool
        self.logger = logger
    }

    /// Opens (creating if needed) the database file and, unless `migrate` is false, applies pending migrations.
    public static func open(_ configuration: Configuration, migrate: Bool = true, logger: Logger) async throws -> SQLiteStore {
        // The writer's own thread: on sqlite-nio's shared pool, writes wait behind the reads
        // (docs/benchmarks/service.md has the figures).
        let writerThread = NIOThreadPool(numberOfThreads: 1)
        writerThread.start()
        var writer: SQLiteConnection?
        var readers: [SQLiteConnection] = []
        var readPool: SQLiteReadPool?
        var eventWriter: SQLitePreparedConnection?
        var checkpointer: SQLiteCheckpointer?
        let store: SQLiteStore
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: configuration.path), threadPool: writerThread, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
            writer = connection
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = \(configuration.synchronousFull ? "FULL" : "NORMAL")")
            _ = try await connection.query("PRAGMA temp_store = MEMORY")
            // 8 MiB. Every commit ends with SQLite truncating the connection's page cache, which walks
            // its whole hash table, so a large cache costs every click; import and rebuild are no
            // slower with 8 (docs/benchmarks/service.md).
            _ = try await connection.query("PRAGMA cache_size = -8192")
            let events = try SQLitePreparedConnection(
                path: configuration.path, role: .writer(synchronousFull: configuration.synchronousFull, cacheKibibytes: 8192))
            eventWriter = events
            let walCheckpoints = try SQLiteCheckpointer(path: configuration.path, synchronousFull: configuration.synchronousFull, logger: logger)
            checkpointer = walCheckpoints
            events.onWALCommit(walCheckpoints)
            for _ in 0..<max(1, configuration.readers) {
                let reader = try await SQLiteConnection.open(storage: .file(path: configuration.path), logger: logger)
                readers.append(reader)
                _ = try await reader.query("PRAGMA query_only = ON")
                _ = try await reader.query("PRAGMA cache_size = -32768")
            }
            let pool = try SQLiteReadPool(path: configuration.path, count: configuration.readers, cacheKibibytes: 32768)
            readPool = pool
            store = SQLiteStore(
                writer: connection, eventWriter: events, writerThread: writerThread, readers: readers, readPool: pool,
                checkpointer: walCheckpoints, configuration: configuration, logger: logger)
        } catch {
            // Whatever failed, what was opened before it is closed, the writer's thread last.
            readPool?.close()
            eventWriter?.close()
            try? await checkpointer?.close()
            for reader in readers { try? await reader.close() }
            try? await writer?.close()
            try? await writerThread.shutdownGracefully()
            throw error
        }
        guard migrate else { return store }
        do {
            let report = try await store.migrate(dryRun: false)
            if !report.applied.isEmpty {
                logger.info("applied schema migrations", metadata: ["store.migrations": "\(report.applied.joined(separator: ","))"])
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    private var reader: SQLiteConnection {
        readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
    }

    // MARK: Lifecycle

    public func migrate(dryRun: Bool) async throws -> MigrationReport {
        let shipped = try Migration.shipped(.sqlite)
        let bookkeeping = try SchemaFiles.bookkeeping(.sqlite)
        return try await writer.exclusively { connection in
            for statement in Migration.statements(in: bookkeeping.text) { _ = try await connection.query(statement) }
            // Databases made before checksums were recorded lack the column.
            let columns = try await connection.query("PRAGMA table_info(schema_migrations)").compactMap { $0.column("name")?.string }
            if !columns.contains("checksum") {
                _ = try await connection.query("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            }
            let applied = try await connection.query("SELECT name, checksum FROM schema_migrations").compactMap { row in
                row.column("name")?.string.map { MigrationPlan.Applied(name: $0, checksum: row.column("checksum")?.string) }
            }
            let plan = try MigrationPlan(shipped: shipped, applied: applied)
            var report = MigrationReport(dryRun: dryRun, applying: plan.pending)
            guard !dryRun else { return report }
            for migration in plan.unrecordedChecksums {
                _ = try await connection.query(
                    "UPDATE schema_migrations SET checksum = ? WHERE name = ?", [.text(migration.checksum), .text(migration.name)])
                report.notes.append("recorded checksum \(migration.checksum) of \(migration.name), applied before checksums were kept")
            }
            for migration in plan.pending {
                var current = 0
                do {
                    try await SQLiteWriter.inTransaction(connection) { connection in
                        for (index, statement) in migration.statements.enumerated() {
                            current = index + 1
                            _ = try await connection.query(statement)
                        }
                        _ = try await connection.query(
                            "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)",
                            [.text(migration.name), .text(migration.checksum), .integer(Int(WallClock.nowMilliseconds))])
                    }
                } catch {
                    throw MigrationError.failed(name: migration.name, statement: current, reason: "\(error)")
                }
            }
            return report
        }
    }

    /// Overwrites a recorded checksum (tests of the changed-file refusal only).
    func tamperChecksum(of name: String, with checksum: String) async throws {
        try await writer.exclusively { connection in
            _ = try await connection.query("UPDATE schema_migrations SET checksum = ? WHERE name = ?", [.text(checksum), .text(name)])
        }
    }

    public func ping() async throws {
        _ = try await reader.query("SELECT 1")
    }

    public func close() async throws {
        readPool.close()
        do {
            try await writer.closeEventConnection()
            try await checkpointer.close()
            for reader in readers { try await reader.close() }
            try await writerConnection.close()
        } catch {
            // The writer's thread ends whatever else fails.
            try? await writerThread.shutdownGracefully()
            throw error
        }
        try await writerThread.shutdownGracefully()
    }

    // MARK: Catalogue

    public func upsertAnime(_ anime: [Anime]) async throws {
        try await insertAnime(anime, into: "anime", leading: [])
    }

    /// Inserts or replaces catalogue entries in `table` (`anime`, or `run_catalogue` with the run id
    /// as the `leading` column), 4,000 rows a statement, in one transaction.
    private func insertAnime(_ anime: [Anime], into table: String, leading: [(column: String, value: SQLiteData)]) async throws {
        guard !anime.isEmpty else { return }
        let columns = (leading.map(\.column) + [Self.animeColumns]).joined(separator: ", ")
        let tuple = "(" + Array(repeating: "?", count: leading.count + 7).joined(separator: ",") + ")"
        try await writer.transaction { connection in
            for chunk in anime.chunks(ofCount: 4000) {
                let sql = "INSERT OR REPLACE INTO \(table) (\(columns)) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ",")
                _ = try await connection.query(sql, chunk.flatMap { leading.map(\.value) + Self.animeBinds($0) })
            }
        }
    }

    private static let animeColumns = "anime_id, name, genres, type, episodes, rating, members"

    /// The values of ``animeColumns`` for one entry.
    private static func animeBinds(_ entry: Anime) -> [SQLiteData] {
        [
            .integer(Int(entry.id.rawValue)), .text(entry.name), .text(entry.genres.joined(separator: ", ")),
            entry.type.map(SQLiteData.text) ?? .null, entry.episodes.map(SQLiteData.integer) ?? .null,
            entry.rating.map(SQLiteData.float) ?? .null, .integer(entry.members),
        ]
    }

    /// One entry by id, on the read pool (``/anime/{id}``, and entries imported after the live run).
    public func anime(_ id: AnimeID) async throws -> Anime? {
        try readPool.withConnection { connection in try Self.anime(id, on: connection) }
    }

    /// Entries by id, on the read pool: one kept statement stepped per distinct id, on one
    /// connection (an `IN` list would be a new statement text, and a new parse, per list length).
    public func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] {
        let distinct = Set(ids)
        return try readPool.withConnection { connection in
            var result: [AnimeID: Anime] = [:]
            result.reserveCapacity(distinct.count)
            for id in distinct {
                if let anime = try Self.anime(id, on: connection) { result[id] = anime }
            }
            return result
        }
    }

    static let animeByIDSQL = "SELECT \(animeColumns) FROM anime WHERE anime_id = ?1"

    private static func anime(_ id: AnimeID, on connection: SQLitePreparedConnection) throws -> Anime? {
        var found: Anime?
        try connection.read(animeByIDSQL, [Int64(id.rawValue)]) { row in
            guard let name = row.text(1) else { return }
            found = storedAnime(
                id: row.int64(0), name: name, genres: row.text(2), type: row.text(3), episodes: row.optionalInt64(4),
                rating: row.isNull(5) ? nil : row.double(5), members: row.int64(6))
        }
        return found
    }

    public func allAnime() async throws -> [Anime] {
        try await reader.query("SELECT \(Self.animeColumns) FROM anime ORDER BY anime_id").compactMap(Self.decodeAnime)
    }

    public func hasCatalogue() async throws -> Bool {
        try await !reader.query("SELECT 1 FROM anime LIMIT 1").isEmpty
    }

    public func animeCount() async throws -> Int {
        try await reader.query("SELECT count(*) AS n FROM anime").first?.column("n")?.integer ?? 0
    }

    static func decodeAnime(_ row: SQLiteRow) -> Anime? {
        guard let id = row.column("anime_id")?.integer, let name = row.column("name")?.string else { return nil }
        return storedAnime(
            id: Int64(id), name: name, genres: row.column("genres")?.string, type: row.column("type")?.string,
            episodes: row.column("episodes")?.integer.map(Int64.init), rating: row.column("rating")?.double,
            members: Int64(row.column("members")?.integer ?? 0))
    }

    /// An entry from the values of ``animeColumns`` (genres stored joined by ", "), for the readers
    /// of both connection kinds.
    static func storedAnime(
        id: Int64, name: String, genres: String?, type: String?, episodes: Int64?, rating: Double?, members: Int64
    ) -> Anime {
        Anime(
            id: AnimeID(Int32(truncatingIfNeeded: id)), name: name,
            genres: genres.map { $0.isEmpty ? [] : $0.components(separatedBy: ", ") } ?? [], type: type,
            episodes: episodes.map { Int($0) }, rating: rating, members: Int(members))
    }

    // MARK: Behaviour

    public func record(_ events: [UserEvent]) async throws -> [RecordOutcome] {
        try await writer.record(events)
    }

    public func withdrawDislike(user: UserID, anime: AnimeID) async throws {
        try await writer.transaction { connection in
            _ = try await connection.query(
                "DELETE FROM user_dislikes WHERE user_id = ? AND anime_id = ?",
                [.integer(Int(user.rawValue)), .integer(Int(anime.rawValue))])
        }
    }

    /// One transaction: the user's expired exposures deleted, then one row per title and hour
    /// (the newest time kept).
    public func recordImpressions(user: UserID, anime: [AnimeID], at: Int64) async throws {
        guard !anime.isEmpty else { return }
        let hour = Int(Exposure.hour(ofMilliseconds: at))
        try await writer.transaction { connection in
            _ = try await connection.query(
                "DELETE FROM user_impressions WHERE user_id = ? AND at_ms <= ?",
                [.integer(Int(user.rawValue)), .integer(Int(WallClock.nowMilliseconds - Exposure.lifetimeMilliseconds))])
            var sql = "INSERT INTO user_impressions (user_id, anime_id, hour, at_ms) VALUES "
            var binds: [SQLiteData] = []
            binds.reserveCapacity(anime.count * 4)
            for (index, title) in anime.enumerated() {
                sql += index == 0 ? "(?,?,?,?)" : ",(?,?,?,?)"
                binds += [.integer(Int(user.rawValue)), .integer(Int(title.rawValue)), .integer(hour), .integer(Int(at))]
            }
            sql += " ON CONFLICT (user_id, anime_id, hour) DO UPDATE SET at_ms = max(at_ms, excluded.at_ms)"
            _ = try await connection.query(sql, binds)
        }
    }

    public func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        let rows = try await reader.query(
            """
            SELECT event_id, anime_id, kind, at_ms FROM user_events
            WHERE user_id = ? AND day >= ? AND expires_at > ?
            ORDER BY at_ms DESC LIMIT ?
            """,
            [.integer(Int(user.rawValue)), .integer(Int(sinceDay)), .integer(Int(WallClock.nowMilliseconds)), .integer(limit)])
        return rows.compactMap { row in
            guard case .blob(var buffer)? = row.column("event_id"), let bytes = buffer.readBytes(length: 16),
                let anime = row.column("anime_id")?.integer, let kindText = row.column("kind")?.string,
                let kind = EventKind(rawValue: kindText), let at = row.column("at_ms")?.integer
            else { return nil }
            return UserEvent(id: EventID(bytes: bytes), user: user, anime: AnimeID(Int32(truncatingIfNeeded: anime)), kind: kind, at: Int64(at))
        }
    }

    public func interactions(of user: UserID, limit: Int) async throws -> [Interaction] {
        guard limit > 0 else { return [] }
        let rows = try await reader.query(
            "SELECT anime_id, rating, liked, events, last_at FROM user_anime WHERE user_id = ? ORDER BY anime_id LIMIT ?",
            [.integer(Int(user.rawValue)), .integer(limit)]
        ).compactMap(Self.decodeInteraction)
        let dislikes = try await reader.query(
            "SELECT anime_id, at_ms FROM user_dislikes WHERE user_id = ?", [.integer(Int(user.rawValue))]
        ).compactMap(Self.decodeDislike)
        return rows.markingDisliked(dislikes)
    }

    /// A `user_dislikes` row.
    static func decodeDislike(_ row: SQLiteRow) -> (anime: AnimeID, at: Int64)? {
        guard let anime = row.column("anime_id")?.integer, let at = row.column("at_ms")?.integer else { return nil }
        return (AnimeID(Int32(truncatingIfNeeded: anime)), Int64(at))
    }

    /// One statement for a request's reads of one user, so a request steps one prepared statement on
    /// a connection of the read pool (``SQLiteReadPool``): each row tagged by its first column (0 an
    /// interaction, 1 an event, 2 a candidate of the live run, 3 the live run's id, 4 a "not
    /// interested" verdict, 5 an exposure: the newest ``exposureLimit`` within their lifetime), its
    /// values in the columns after. Every parameter is written `+?N`: a bare parameter in a LIMIT, or compared
    /// with a key that an ORDER BY follows, makes SQLite mark the statement to be prepared again when
    /// it is bound (to plan for the value), and the statement is kept to be prepared once.
    static let userReadsSQL = """
        SELECT 0, anime_id, rating, liked, events, last_at FROM
          (SELECT anime_id, rating, liked, events, last_at FROM user_anime WHERE user_id = +?1 ORDER BY anime_id LIMIT +?2)
        UNION ALL
        SELECT 1, anime_id, kind, at_ms, event_id, NULL FROM
          (SELECT event_id, anime_id, kind, at_ms FROM user_events
           WHERE user_id = +?1 AND day >= +?3 AND expires_at > +?4 ORDER BY at_ms DESC LIMIT +?5)
        UNION ALL
        SELECT 2, rank, anime_id, score, reason, places FROM
          (SELECT anime_id, score, reason, rank, places FROM user_candidates
           WHERE run_id = (SELECT run_id FROM live_run WHERE model = 'default') AND user_id = +?1 ORDER BY rank LIMIT +?6)
        UNION ALL
        SELECT 3, run_id, NULL, NULL, NULL, NULL FROM live_run WHERE model = 'default'
        UNION ALL
        SELECT 4, anime_id, at_ms, NULL, NULL, NULL FROM user_dislikes WHERE user_id = +?1
        UNION ALL
        SELECT 5, anime_id, at_ms, NULL, NULL, NULL FROM
          (SELECT anime_id, at_ms FROM user_impressions WHERE user_id = +?1 AND at_ms > +?7 ORDER BY at_ms DESC LIMIT +?8)
        """

    /// The exposures one request reads at most, the newest.
    static let exposureLimit = Int64(Exposure.readLimit)

    public func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads {
        let binds: [Int64] = [
            Int64(user.rawValue), Int64(max(0, interactionLimit)), Int64(sinceDay), WallClock.nowMilliseconds,
            Int64(max(0, eventLimit)), Int64(max(0, candidateLimit)), WallClock.nowMilliseconds - Exposure.lifetimeMilliseconds,
            Self.exposureLimit,
        ]
        var reads = try readPool.withConnection { connection in
            var reads = UserReads()
            var ranked: [(rank: Int64, candidate: Candidate)] = []
            var dislikes: [(anime: AnimeID, at: Int64)] = []
            try connection.read(Self.userReadsSQL, binds) { row in
                switch row.int64(0) {
                case 0:
                    reads.interactions.append(Self.storedInteraction(
                        anime: row.int64(1), rating: row.optionalInt64(2), liked: row.optionalInt64(3), events: row.int64(4),
                        lastAt: row.optionalInt64(5)))
                case 1:
                    guard let kind = row.text(2).flatMap(EventKind.init(rawValue:)), let bytes = row.blob(4), bytes.count == 16
                    else { throw MalformedRow(part: "user_events") }
                    reads.recentEvents.append(UserEvent(
                        id: EventID(bytes: bytes), user: user, anime: AnimeID(Int32(truncatingIfNeeded: row.int64(1))), kind: kind,
                        at: row.int64(3)))
                case 2:
                    guard let reason = row.withText(4, Reason.init(storageUTF8:)) ?? nil else { throw MalformedRow(part: "user_candidates") }
                    var candidate = Candidate(anime: AnimeID(Int32(truncatingIfNeeded: row.int64(2))), score: row.double(3), reason: reason)
                    _ = row.withBlob(5) { PackedList.readPlaces($0, into: &candidate) }
                    ranked.append((row.int64(1), candidate))
                case 3:
                    reads.liveRunID = row.text(1)
                case 4:
                    dislikes.append((AnimeID(Int32(truncatingIfNeeded: row.int64(1))), row.int64(2)))
                case 5:
                    reads.exposures.append(Exposure(anime: AnimeID(Int32(truncatingIfNeeded: row.int64(1))), at: row.int64(2)))
                default:
                    throw MalformedRow(part: "user reads")
                }
            }
            reads.candidates = ranked.sorted { $0.rank < $1.rank }.map(\.candidate)
            // A compound select's order is not guaranteed: each part is put in its own order.
            reads.interactions.sort { $0.anime < $1.anime }
            reads.interactions = reads.interactions.markingDisliked(dislikes)
            return reads
        }
        reads.recentEvents.sort { $0.at > $1.at }
        return reads
    }

    /// Background WAL checkpoints that succeeded so far (tests: they run).
    var walCheckpoints: Int { checkpointer.completed }

    /// How many times the read pool's statements were prepared again (tests: they are kept).
    var readPoolReprepares: Int { readPool.reprepares }

    /// A row the store's own statement should never return: a bug, never user input.
    struct MalformedRow: Error, CustomStringConvertible {
        var part: String
        var description: String { "malformed \(part) row from SQLite" }
    }

    static func decodeInteraction(_ row: SQLiteRow) -> Interaction? {
        guard let anime = row.column("anime_id")?.integer else { return nil }
        return storedInteraction(
            anime: Int64(anime), rating: row.column("rating")?.integer.map(Int64.init),
            liked: row.column("liked")?.integer.map(Int64.init), events: Int64(row.column("events")?.integer ?? 0),
            lastAt: row.column("last_at")?.integer.map(Int64.init))
    }

    /// An interaction from the values of a `user_anime` row, for the readers of both connection kinds.
    static func storedInteraction(anime: Int64, rating: Int64?, liked: Int64?, events: Int64, lastAt: Int64?) -> Interaction {
        Interaction(
            anime: AnimeID(Int32(truncatingIfNeeded: anime)), rating: rating.map { Int8(clamping: $0) },
            liked: liked.map { $0 != 0 }, events: Int32(clamping: events), lastAt: lastAt)
    }

    public func importRatings(_ ratings: [ImportedRating]) async throws {
        guard !ratings.isEmpty else { return }
        try await writer.transaction { connection in
            for chunk in ratings.chunks(ofCount: 8000) {
                var sql = "INSERT INTO user_anime (user_id, anime_id, rating, liked) VALUES "
                sql.reserveCapacity(chunk.count * 10 + 200)
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * 4)
                for (i, rating) in chunk.enumerated() {
                    sql += i == 0 ? "(?,?,?,?)" : ",(?,?,?,?)"
                    binds += [
                        .integer(Int(rating.user.rawValue)), .integer(Int(rating.anime.rawValue)),
                        rating.rating.map { .integer(Int($0)) } ?? .null, rating.liked.map { .integer($0 ? 1 : 0) } ?? .null,
                    ]
                }
                sql += " ON CONFLICT (user_id, anime_id) DO UPDATE SET rating = excluded.rating, liked = excluded.liked"
                _ = try await connection.query(sql, binds)
            }
        }
    }

    public func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        var after = -1
        let batchSize = max(1, batchSize)
        while true {
            // Keyset pagination over the primary key: the batch's last user bounds the next batch.
            let users = try await reader.query(
                "SELECT DISTINCT user_id FROM user_anime WHERE user_id > ? ORDER BY user_id LIMIT ?",
                [.integer(after), .integer(batchSize)]
            ).compactMap { $0.column("user_id")?.integer }
            guard let first = users.first, let last = users.last else { return }
            defer { after = last }
            let wanted = shard == .all ? nil : Set(users.filter { shard.contains(Int64($0)) })
            if wanted?.isEmpty == true { continue }
            let rows = try await reader.query(
                """
                SELECT user_id, anime_id, rating, liked, events, last_at FROM user_anime
                WHERE user_id BETWEEN ? AND ? ORDER BY user_id, anime_id
                """, [.integer(first), .integer(last)])
            var histories: [UserHistory] = []
            histories.reserveCapacity(users.count)
            for row in rows {
                guard let user = row.column("user_id")?.integer, wanted?.contains(user) ?? true,
                    let interaction = Self.decodeInteraction(row)
                else { continue }
                if histories.last?.user.rawValue != Int64(user) {
                    histories.append(UserHistory(user: UserID(Int64(user)), interactions: []))
                }
                histories[histories.count - 1].interactions.append(interaction)
            }
            // The batch's verdicts, joined to their users' rows (a user with nothing but verdicts
            // adds no row to the model: ``InteractionMatrix``).
            var dislikes: [Int64: [(anime: AnimeID, at: Int64)]] = [:]
            for row in try await reader.query(
                "SELECT user_id, anime_id, at_ms FROM user_dislikes WHERE user_id BETWEEN ? AND ?", [.integer(first), .integer(last)])
            {
                guard let user = row.column("user_id")?.integer, let dislike = Self.decodeDislike(row) else { continue }
                dislikes[Int64(user), default: []].append(dislike)
            }
            if !dislikes.isEmpty {
                for index in histories.indices {
                    guard let verdicts = dislikes[histories[index].user.rawValue] else { continue }
                    histories[index].interactions = histories[index].interactions.markingDisliked(verdicts)
                }
            }
            try await body(histories)
        }
    }

    public func interactionCount() async throws -> Int {
        try await reader.query("SELECT count(*) AS n FROM user_anime").first?.column("n")?.integer ?? 0
    }

    public func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] {
        guard !buckets.isEmpty, limit > 0 else { return [] }
        let sql = """
            SELECT anime_id, sum(clicks) AS clicks, sum(views) AS views FROM anime_hourly_counts
            WHERE bucket IN (\(Self.placeholders(buckets.count))) GROUP BY anime_id
            """
        let counted = try await reader.query(sql, buckets.map { .integer(Int($0)) }).compactMap { row -> ScoredAnime? in
            guard let id = row.column("anime_id")?.integer, let clicks = row.column("clicks")?.integer,
                let views = row.column("views")?.integer
            else { return nil }
            return ScoredAnime(anime: AnimeID(Int32(truncatingIfNeeded: id)),
                               score: TrendingBuckets.score(clicks: Int64(clicks), views: Int64(views)))
        }
        return TrendingBuckets.top(counted, limit: limit)
    }

    // MARK: Model runs

    public func createRun(_ run: ModelRun) async throws {
        let ranker: SQLiteData = try run.ranker.map { .text(try $0.storageText()) } ?? .null
        try await writer.exclusively { connection in
            _ = try await connection.query(
                "INSERT OR REPLACE INTO model_runs (run_id, created_at, ranker) VALUES (?, ?, ?)",
                [.text(run.id), .integer(Int(run.createdAt)), ranker])
        }
    }

    public func run(_ id: String) async throws -> ModelRun? {
        guard let row = try await reader.query("SELECT created_at, ranker FROM model_runs WHERE run_id = ?", [.text(id)]).first
        else { return nil }
        return ModelRun(id: id, createdAt: Int64(row.column("created_at")?.integer ?? 0),
                        ranker: row.column("ranker")?.string.flatMap(RankerWeights.init(storageText:)))
    }

    public func recordProgress(run: String, _ part: RunProgress.Part) async throws {
        try await writer.exclusively { connection in
            _ = try await connection.query(
                "INSERT OR REPLACE INTO run_progress (run_id, stage, part, total, done_at) VALUES (?, ?, ?, ?, ?)",
                [.text(run), .text(part.stage.rawValue), .integer(part.part), .integer(part.total), .integer(Int(WallClock.nowMilliseconds))])
        }
    }

    public func progress(run: String) async throws -> RunProgress {
        let rows = try await reader.query("SELECT stage, part, total FROM run_progress WHERE run_id = ?", [.text(run)])
        return RunProgress(rows.compactMap { row -> RunProgress.Part? in
            guard let stage = row.column("stage")?.string.flatMap(RunProgress.Stage.init(rawValue:)),
                let part = row.column("part")?.integer, let total = row.column("total")?.integer
            else { return nil }
            return RunProgress.Part(stage: stage, part: part, total: total)
        })
    }

    public func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws {
        let rows = lists.flatMap { anime, neighbors in
            neighbors.enumerated().map { rank, neighbor in
                [SQLiteData.text(run), .integer(Int(anime.rawValue)), .integer(rank), .integer(Int(neighbor.anime.rawValue)), .float(neighbor.score)]
            }
        }
        try await writeRows(
            table: "anime_neighbors", columns: "run_id, anime_id, rank, neighbor_id, score",
            replacing: lists.map { [SQLiteData.text(run), .integer(Int($0.0.rawValue))] }, keyColumns: ["run_id", "anime_id"], rows: rows)
    }

    public func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        let rows = lists.flatMap { user, candidates in
            candidates.enumerated().map { rank, candidate in
                [
                    SQLiteData.text(run), .integer(Int(user.rawValue)), .integer(rank), .integer(Int(candidate.anime.rawValue)),
                    .float(candidate.score), .text(candidate.reason.storageText), Self.places(of: candidate),
                ]
            }
        }
        try await writeRows(
            table: "user_candidates", columns: "run_id, user_id, rank, anime_id, score, reason, places",
            replacing: lists.map { [SQLiteData.text(run), .integer(Int($0.0.rawValue))] }, keyColumns: ["run_id", "user_id"], rows: rows)
    }

    public func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws {
        let rows = items.enumerated().map { rank, item in
            [SQLiteData.text(run), .text(key), .integer(rank), .integer(Int(item.anime.rawValue)), .float(item.score)]
        }
        try await writeRows(
            table: "ranked_lists", columns: "run_id, list_key, rank, anime_id, score",
            replacing: [[.text(run), .text(key)]], keyColumns: ["run_id", "list_key"], rows: rows)
    }

    public func writeCatalogue(run: String, _ anime: [Anime]) async throws {
        try await insertAnime(anime, into: "run_catalogue", leading: [("run_id", .text(run))])
    }

    public func catalogue(run: String) async throws -> [Anime] {
        try await reader.query("SELECT \(Self.animeColumns) FROM run_catalogue WHERE run_id = ?", [.text(run)])
            .compactMap(Self.decodeAnime)
    }

    /// Replaces whole lists (partitions) in one transaction: deletes each listed key's old rows, inserts the new ones.
    private func writeRows(
        table: String, columns: String, replacing keys: [[SQLiteData]], keyColumns: [String], rows: [[SQLiteData]]
    ) async throws {
        try await writer.transaction { connection in
            let condition = keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
            for key in keys {
                _ = try await connection.query("DELETE FROM \(table) WHERE \(condition)", key)
            }
            guard let width = rows.first?.count else { return }
            let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ",") + ")"
            for chunk in rows.chunks(ofCount: 30000 / width) {
                let sql = "INSERT INTO \(table) (\(columns)) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ",")
                _ = try await connection.query(sql, chunk.flatMap { $0 })
            }
        }
    }

    public func activate(run: String) async throws {
        try await writer.transaction { connection in
            guard let row = try await connection.query(
                "SELECT created_at, ranker FROM model_runs WHERE run_id = ?", [.text(run)]).first
            else {
                throw StoreError.unknownRun(run)
            }
            guard try await connection.query(
                "SELECT 1 FROM run_progress WHERE run_id = ? AND stage = 'complete'", [.text(run)]).first != nil
            else {
                throw StoreError.incompleteRun(run, missing: [])
            }
            let previous = try await connection.query("SELECT run_id FROM live_run WHERE model = 'default'").first?
                .column("run_id")?.string
            _ = try await connection.query(
                "INSERT OR REPLACE INTO live_run (model, run_id, created_at, ranker) VALUES ('default', ?, ?, ?)",
                [.text(run), row.column("created_at") ?? .integer(0), row.column("ranker") ?? .null])
            // Keep the new run and the one it replaces (readers that fetched it a moment ago); drop
            // the rest. In SQLite a run is a key range, so this is a cheap range delete, not the
            // tombstones it would be on Cassandra, where old runs expire by TTL instead.
            let keep = [run] + (previous.map { [$0] } ?? [])
            let stale = try await connection.query("SELECT run_id FROM model_runs").compactMap { $0.column("run_id")?.string }
                .filter { !keep.contains($0) }
            for old in stale {
                for table in ["anime_neighbors", "user_candidates", "ranked_lists", "run_catalogue", "run_progress", "model_runs"] {
                    _ = try await connection.query("DELETE FROM \(table) WHERE run_id = ?", [.text(old)])
                }
            }
        }
    }

    public func liveRun() async throws -> ModelRun? {
        guard let row = try await reader.query(
            "SELECT run_id, created_at, ranker FROM live_run WHERE model = 'default'"
        ).first, let id = row.column("run_id")?.string else { return nil }
        return ModelRun(id: id, createdAt: Int64(row.column("created_at")?.integer ?? 0),
                        ranker: row.column("ranker")?.string.flatMap(RankerWeights.init(storageText:)))
    }

    public func liveRunID() async throws -> String? {
        try await reader.query("SELECT run_id FROM live_run WHERE model = 'default'").first?.column("run_id")?.string
    }

    public func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        guard !anime.isEmpty else { return [:] }
        var result: [AnimeID: [ScoredAnime]] = [:]
        for chunk in Array(Set(anime)).chunks(ofCount: 500) {
            let sql = """
                SELECT anime_id, neighbor_id, score FROM anime_neighbors
                WHERE run_id = ? AND anime_id IN (\(Self.placeholders(chunk.count))) AND rank < ?
                ORDER BY anime_id, rank
                """
            let rows = try await reader.query(sql, [.text(run)] + chunk.map { .integer(Int($0.rawValue)) } + [.integer(limit)])
            for row in rows {
                guard let id = row.column("anime_id")?.integer, let neighbor = row.column("neighbor_id")?.integer,
                    let score = row.column("score")?.double
                else { continue }
                result[AnimeID(Int32(truncatingIfNeeded: id)), default: []].append(
                    ScoredAnime(anime: AnimeID(Int32(truncatingIfNeeded: neighbor)), score: score))
            }
        }
        return result
    }

    public func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        try await reader.query(
            "SELECT anime_id, score, reason, places FROM user_candidates WHERE run_id = ? AND user_id = ? ORDER BY rank LIMIT ?",
            [.text(run), .integer(Int(user.rawValue)), .integer(limit)]
        ).compactMap { row in
            guard let id = row.column("anime_id")?.integer, let score = row.column("score")?.double,
                let reason = row.column("reason")?.string.flatMap(Reason.init(storageText:))
            else { return nil }
            var candidate = Candidate(anime: AnimeID(Int32(truncatingIfNeeded: id)), score: score, reason: reason)
            if case .blob(var buffer) = row.column("places"), let bytes = buffer.readBytes(length: buffer.readableBytes) {
                PackedList.readPlaces(bytes, into: &candidate)
            }
            return candidate
        }
    }

    /// A candidate's places as stored in `user_candidates.places` (NULL when it has none).
    static func places(of candidate: Candidate) -> SQLiteData {
        guard candidate.hasPlaces else { return .null }
        var bytes: [UInt8] = []
        PackedList.appendPlaces(of: candidate, to: &bytes)
        return .blob(ByteBuffer(bytes: bytes))
    }

    public func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        try await reader.query(
            "SELECT anime_id, score FROM ranked_lists WHERE run_id = ? AND list_key = ? ORDER BY rank LIMIT ?",
            [.text(run), .text(key), .integer(limit)]
        ).compactMap { row in
            guard let id = row.column("anime_id")?.integer, let score = row.column("score")?.double else { return nil }
            return ScoredAnime(anime: AnimeID(Int32(truncatingIfNeeded: id)), score: score)
        }
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}

extension EventID {
    /// The id stored as a 16-byte blob, most significant byte first.
    init(bytes: [UInt8]) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for byte in bytes[0..<8] { high = high << 8 | UInt64(byte) }
        for byte in bytes[8..<16] { low = low << 8 | UInt64(byte) }
        self.init(high: high, low: low)
    }
}
