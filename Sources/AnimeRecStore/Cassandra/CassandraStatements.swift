import AnimeRecCore

/// Every CQL statement of ``CassandraStore``, as text with `?` bind markers for every value.
///
/// Keyspace and TTLs are spliced in once, when the store is opened: the keyspace is checked to be
/// a plain identifier, TTLs are numbers from the configuration (Cassandra 1.2 takes no TTL bind
/// markers). `LIMIT` takes no bind marker on 1.2 either, so limits are literals rounded up to a
/// power of two (a handful of prepared variants) and trimmed after the read.
struct CassandraStatements: Sendable {
    let keyspace: String
    let eventTTLSeconds: Int
    let runTTLSeconds: Int

    private func table(_ name: String) -> String { "\(keyspace).\(name)" }

    // MARK: Catalogue
    var upsertAnime: String {
        "INSERT INTO \(table("anime")) (anime_id, name, genres, media_type, episodes, rating, members) VALUES (?, ?, ?, ?, ?, ?, ?)"
    }
    static let animeColumns = "anime_id, name, genres, media_type, episodes, rating, members"
    var selectAnime: String { "SELECT \(Self.animeColumns) FROM \(table("anime")) WHERE anime_id = ?" }
    var anyAnime: String { "SELECT anime_id FROM \(table("anime")) LIMIT 1" }

    // MARK: The user partition (0005): state per title, events as map entries
    /// The partition's rows in anime id order, up to ``userStateBound`` (a row per title: the
    /// catalogue bounds it).
    var userState: String {
        "SELECT anime_id, rating, liked, last_at, events, disliked_at, shown FROM \(table("user_state")) WHERE user_id = ? LIMIT \(Self.userStateBound)"
    }
    /// One page of titles shown (0008), living as long as exposures count.
    var insertImpressionPage: String {
        "INSERT INTO \(table("user_impressions")) (user_id, hour, page, at_ms, anime) VALUES (?, ?, ?, ?, ?) USING TTL \(Exposure.lifetimeMilliseconds / 1000)"
    }
    /// The mark of a recent page in the user's slice: a one-entry `shown` map, hour -> time, on the
    /// row at ``impressionMarkAnime``, living as long as the page.
    var markImpressions: String {
        "UPDATE \(table("user_state")) USING TTL \(Exposure.lifetimeMilliseconds / 1000) SET shown = shown + ? WHERE user_id = ? AND anime_id = \(Self.impressionMarkAnime)"
    }
    /// The newest pages of one user, newest hour first.
    var selectImpressionPages: String {
        "SELECT at_ms, anime FROM \(table("user_impressions")) WHERE user_id = ? LIMIT \(ExposurePage.readLimit)"
    }
    /// The `user_state` row that marks recent impression pages: no title has this id.
    static let impressionMarkAnime: Int32 = -1
    /// A "not interested" verdict (0006): its time, or 0 once taken back.
    var setDislikedAt: String {
        "UPDATE \(table("user_state")) SET disliked_at = ? WHERE user_id = ? AND anime_id = ?"
    }
    /// Rows read of one user's partition: above any catalogue this service serves (12,294 titles).
    static let userStateBound = 65536
    /// The user partition's rows that an event writes: its time, kept, and its map entry, expiring.
    var touchUserState: String {
        "UPDATE \(table("user_state")) SET last_at = ? WHERE user_id = ? AND anime_id = ?"
    }
    var addUserEvent: String { addUserEvent(ttlSeconds: eventTTLSeconds) }
    /// The map entry with a TTL of its own (the migration keeps each event's remaining lifetime,
    /// rounded up to a whole day so that a handful of texts is prepared).
    func addUserEvent(ttlSeconds: Int) -> String {
        let ttl = ttlSeconds == eventTTLSeconds ? ttlSeconds : min(eventTTLSeconds, (ttlSeconds + 86_399) / 86_400 * 86_400)
        // `events = events + ?` (a one-entry map), not `events[?] = ?`: 1.2.0 fails to prepare a
        // batch holding an element marker (ArrayStoreException), and the event's batch needs it.
        return "UPDATE \(table("user_state")) USING TTL \(ttl) SET events = events + ? WHERE user_id = ? AND anime_id = ?"
    }
    var importUserRating: String {
        "INSERT INTO \(table("user_state")) (user_id, anime_id, rating, liked) VALUES (?, ?, ?, ?)"
    }
    var insertEventHour: String {
        "INSERT INTO \(table("event_hours")) (hour, shard, event_id, anime_id, weight) VALUES (?, ?, ?, ?, ?) USING TTL \(Self.trendingTTLSeconds)"
    }
    var selectTrendingHour: String { "SELECT scores FROM \(table("trending_hours")) WHERE hour = ?" }
    var insertTrendingHour: String {
        "INSERT INTO \(table("trending_hours")) (hour, scores) VALUES (?, ?) USING TTL \(Self.trendingTTLSeconds)"
    }
    /// Trending rows live two days: the service reads the 24 closed hours before now.
    static let trendingTTLSeconds = 2 * 86_400

    // MARK: Behaviour
    var selectEventID: String {
        "SELECT user_id, anime_id, kind FROM \(table("event_ids")) WHERE event_id = ?"
    }
    var insertEventID: String {
        "INSERT INTO \(table("event_ids")) (event_id, user_id, anime_id, kind) VALUES (?, ?, ?, ?) USING TTL \(eventTTLSeconds)"
    }


    // MARK: The tables of 0001 that 0005 replaced, read once by the migration that moves them
    func eventDays(limit: Int) -> String {
        "SELECT day FROM \(table("user_event_days")) WHERE user_id = ? AND day >= ? LIMIT \(Self.rounded(limit))"
    }
    func eventsOfDay(limit: Int) -> String {
        "SELECT event_id, anime_id, kind, at_ms FROM \(table("user_events")) WHERE user_id = ? AND day = ? LIMIT \(Self.rounded(limit))"
    }


    // MARK: Offline walks of tables keyed (user_id, anime_id), in token order
    func walkFirst(table: String, columns: String, page: Int) -> String {
        "SELECT \(columns) FROM \(self.table(table)) LIMIT \(page)"
    }
    func walkAfterUser(table: String, columns: String, page: Int) -> String {
        "SELECT \(columns) FROM \(self.table(table)) WHERE token(user_id) > token(?) LIMIT \(page)"
    }
    func walkRest(table: String, columns: String, page: Int) -> String {
        "SELECT \(columns) FROM \(self.table(table)) WHERE user_id = ? AND anime_id > ? LIMIT \(page)"
    }

    // MARK: Runs
    var insertRun: String {
        "INSERT INTO \(table("model_runs")) (run_id, created_at, ranker) VALUES (?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var selectRun: String { "SELECT run_id, created_at, ranker FROM \(table("model_runs")) WHERE run_id = ?" }
    var setLiveRun: String {
        "INSERT INTO \(table("live_run")) (model, run_id, created_at, ranker) VALUES (?, ?, ?, ?)"
    }
    var selectLiveRun: String { "SELECT run_id, created_at, ranker FROM \(table("live_run")) WHERE model = ?" }
    var selectLiveRunID: String { "SELECT run_id FROM \(table("live_run")) WHERE model = ?" }
    var insertNeighborList: String {
        "INSERT INTO \(table("run_neighbor_lists")) (anime_id, run_id, items) VALUES (?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var insertCandidateList: String {
        "INSERT INTO \(table("run_user_candidates")) (user_id, run_id, items) VALUES (?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var insertRankedList: String {
        "INSERT INTO \(table("run_ranked_lists")) (run_id, list_key, items) VALUES (?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var insertProgress: String {
        "INSERT INTO \(table("run_progress")) (run_id, stage, part, total, done_at) VALUES (?, ?, ?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var selectProgress: String { "SELECT stage, part, total FROM \(table("run_progress")) WHERE run_id = ?" }
    var selectComplete: String {
        "SELECT part FROM \(table("run_progress")) WHERE run_id = ? AND stage = 'complete'"
    }
    var insertCataloguePart: String {
        "INSERT INTO \(table("run_catalogue_parts")) (run_id, bucket, items) VALUES (?, ?, ?) USING TTL \(runTTLSeconds)"
    }
    var cataloguePart: String {
        "SELECT items FROM \(table("run_catalogue_parts")) WHERE run_id = ? AND bucket = ?"
    }
    /// Rows a run's catalogue copy is spread over (by anime_id % 16).
    static let catalogueBuckets: Int32 = 16
    /// The row of the run's catalogue copy that holds `anime` (0 to 15, negative ids included).
    static func catalogueBucket(of anime: Int32) -> Int32 {
        (anime % catalogueBuckets + catalogueBuckets) % catalogueBuckets
    }
    var neighborList: String {
        "SELECT items FROM \(table("run_neighbor_lists")) WHERE anime_id = ? AND run_id = ?"
    }
    var candidateList: String {
        "SELECT items FROM \(table("run_user_candidates")) WHERE user_id = ? AND run_id = ?"
    }
    var rankedList: String {
        "SELECT items FROM \(table("run_ranked_lists")) WHERE run_id = ? AND list_key = ?"
    }

    // MARK: The tables of 0001 that 0004 replaced, read once by the migration that copies the live run
    var legacyNeighbors: String {
        "SELECT neighbor_id, score FROM \(table("anime_neighbors")) WHERE anime_id = ? AND run_id = ?"
    }
    var legacyCandidates: String {
        "SELECT anime_id, score, reason FROM \(table("user_candidates")) WHERE user_id = ? AND run_id = ?"
    }
    var legacyList: String {
        "SELECT anime_id, score FROM \(table("ranked_lists")) WHERE list_key = ? AND run_id = ?"
    }

    // MARK: Migrations
    var appliedMigrations: String { "SELECT name, checksum FROM \(table("schema_migrations"))" }
    var recordMigration: String {
        "INSERT INTO \(table("schema_migrations")) (name, checksum, applied_at) VALUES (?, ?, ?)"
    }

    /// The smallest power of two ≥ `limit` (at least 1, at most 65536).
    static func rounded(_ limit: Int) -> Int {
        var value = 1
        while value < limit && value < 65536 { value <<= 1 }
        return value
    }
}
