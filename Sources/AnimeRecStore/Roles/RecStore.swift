import AnimeRecCore

/// The system of record behind the service and the offline jobs.
///
/// Every method on the request path is a bounded number of single-partition reads or writes keyed
/// by user or by anime, so the same contract is served by the embedded ``SQLiteStore`` and by
/// ``CassandraStore``. Methods marked *offline* walk a whole table and are for jobs and background
/// refreshes only. Implementations are `Sendable` and safe to call concurrently. A method that
/// returns has made its writes durable (on Cassandra: at the configured consistency).
public protocol RecStore: Sendable {
    // MARK: Lifecycle

    /// Applies (or, with `dryRun`, lists) the pending numbered files of `Schema/`, recording each in
    /// `schema_migrations`; throws ``MigrationError/changedSinceApplied(name:recorded:shipped:)`` when an
    /// applied file has changed since.
    func migrate(dryRun: Bool) async throws -> MigrationReport
    /// Whether the store answers a trivial read (readiness).
    func ping() async throws
    /// Releases connections. No other call may follow.
    func close() async throws

    // MARK: Catalogue (`anime`)

    /// Inserts or replaces catalogue entries.
    func upsertAnime(_ anime: [Anime]) async throws
    /// One catalogue entry, or `nil`.
    func anime(_ id: AnimeID) async throws -> Anime?
    /// The catalogue entries among `ids` that exist (one partition read each).
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime]
    /// The whole catalogue, in no particular order. *Offline*: jobs and the service's background
    /// catalogue snapshot, never a request.
    func allAnime() async throws -> [Anime]
    /// Whether the catalogue holds at least one entry (one short read).
    func hasCatalogue() async throws -> Bool

    // MARK: Behaviour (`user_events`, `user_anime`, trending buckets)

    /// Stores events idempotently by (user, day of `at`, event id); for each new one also updates
    /// `user_anime` and the trending bucket of the hour it was received in. Outcomes are in input
    /// order. A retry that arrives after the first write returned is a `duplicate` and counted once.
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome]
    /// The user's events, newest first, from the day buckets between `sinceDay` and today.
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent]
    /// What the user interacted with, in anime id order, at most `limit` (the request path reads a
    /// bounded prefix of the partition; offline callers read it whole): one partition.
    func interactions(of user: UserID, limit: Int) async throws -> [Interaction]
    /// What one request reads of one user, with the live run's id: interactions (at most
    /// `interactionLimit`, anime-id order), events since `sinceDay` (at most `eventLimit`, newest
    /// first) and the live run's candidates for the user (at most `candidateLimit`, best first).
    /// `knownLiveRun` is the live-run pointer as the caller read it, at most a second ago (the
    /// service's bound, DESIGN §3.2): a store may take it as the live run and read no pointer
    /// (Cassandra: 2 statements), or read the pointer alongside (the embedded store, in its one
    /// statement; the default, which reads the single reads concurrently). Either way the
    /// candidates are those of the returned ``UserReads/liveRunID``; without a known run the
    /// pointer is read.
    func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads
    /// Bulk upsert of imported ratings into the users' rows (`user_state` on Cassandra, `user_anime`
    /// on SQLite; re-import safe: the last value wins).
    func importRatings(_ ratings: [ImportedRating]) async throws
    /// *Offline*: walks the interactions of every user whose token falls in `shard`, each user once
    /// and whole, `batchSize` users at a time, in the store's natural order (token order on
    /// Cassandra; callers must not assume user order).
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws
    /// *Offline*: number of stored (user, anime) interactions.
    func interactionCount() async throws -> Int
    /// Click and view counts per anime summed over the given hour buckets (``TrendingBuckets``),
    /// highest score first, ties by anime id.
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime]

    // MARK: Model runs (`model_runs`, `live_run`, `anime_neighbors`, `user_candidates`, `ranked_lists`)

    /// Registers a new, not yet live run.
    func createRun(_ run: ModelRun) async throws
    /// A run's row with its ranker, or `nil` when there is no such run (never written, or expired).
    func run(_ id: String) async throws -> ModelRun?
    /// Records that a part of a run's stage is fully written; call it after the part's rows.
    func recordProgress(run: String, _ part: RunProgress.Part) async throws
    /// The parts of a run recorded as fully written (one partition).
    func progress(run: String) async throws -> RunProgress
    /// Writes neighbour lists of a run (each list is that anime's whole list in the run).
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws
    /// Writes candidate lists of a run.
    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws
    /// Writes a named ranked list (``ListKey``) of a run.
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws
    /// Writes the catalogue as the run sees it, whole, in one call.
    func writeCatalogue(run: String, _ anime: [Anime]) async throws
    /// The catalogue a run was written with (a few rows: 16 on Cassandra), in no particular order.
    func catalogue(run: String) async throws -> [Anime]
    /// Makes `run` the live run by flipping one pointer row; throws ``StoreError/incompleteRun(_:)``
    /// when the run was not recorded ``RunProgress/Stage/complete``. Older runs are never deleted in bulk on
    /// the request path: they expire (Cassandra TTL) or are dropped by the embedded store when a
    /// newer run replaces their successor.
    func activate(run: String) async throws
    /// The live run with its ranker, or `nil` before the first rebuild (one row). Requests read
    /// ``liveRunID()`` instead and take the ranker from the run's snapshot, loaded once per run.
    func liveRun() async throws -> ModelRun?
    /// The live run's id alone (the pointer requests read), or `nil` before the first rebuild.
    func liveRunID() async throws -> String?
    /// A run's neighbour lists for several anime (missing anime are absent from the result).
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]]
    /// A run's candidates for one user, best first.
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate]
    /// A run's named ranked list, best first.
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime]
    /// Everything of `run` that requests use, as one immutable snapshot: a background load of the
    /// run's rows, never a request. The default reads them with the single reads above.
    func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot
}

extension RecStore {
    public func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads {
        async let liveRead = liveRunID()
        async let interactionsRead = interactions(of: user, limit: interactionLimit)
        async let eventsRead = recentEvents(of: user, sinceDay: sinceDay, limit: eventLimit)
        async let likelyCandidates = candidates(for: user, inRun: knownLiveRun, limit: candidateLimit)
        let (live, interactions, events, likely) = try await (liveRead, interactionsRead, eventsRead, likelyCandidates)
        var reads = UserReads(liveRunID: live, interactions: interactions, recentEvents: events, candidates: likely)
        if live != knownLiveRun {
            reads.candidates = try await candidates(for: user, inRun: live, limit: candidateLimit)
        }
        return reads
    }

    private func candidates(for user: UserID, inRun run: String?, limit: Int) async throws -> [Candidate] {
        guard let run else { return [] }
        return try await candidates(for: user, run: run, limit: limit)
    }

    /// Everything the user interacted with (offline: training input, tests): the whole partition.
    public func interactions(of user: UserID) async throws -> [Interaction] {
        try await interactions(of: user, limit: Int(Int32.max))
    }

    /// One anime's neighbour list in a run.
    public func neighbors(of anime: AnimeID, run: String, limit: Int) async throws -> [ScoredAnime] {
        try await neighbors(of: [anime], run: run, limit: limit)[anime] ?? []
    }

    /// Applies pending migrations.
    public func migrate() async throws -> MigrationReport { try await migrate(dryRun: false) }

    /// *Offline*: walks every user's interactions.
    public func scanHistories(batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await scanHistories(shard: .all, batchSize: batchSize, body)
    }

    /// *Offline*: number of catalogue entries.
    public func animeCount() async throws -> Int { try await allAnime().count }
}

/// What ``RecStore/userReads(of:sinceDay:eventLimit:interactionLimit:candidateLimit:knownLiveRun:)`` returns.
public struct UserReads: Sendable, Equatable {
    /// The live run's id, or `nil` before the first rebuild.
    public var liveRunID: String?
    public var interactions: [Interaction]
    public var recentEvents: [UserEvent]
    /// The user's candidates in the live run.
    public var candidates: [Candidate]

    public init(
        liveRunID: String? = nil, interactions: [Interaction] = [], recentEvents: [UserEvent] = [], candidates: [Candidate] = []
    ) {
        self.liveRunID = liveRunID
        self.interactions = interactions
        self.recentEvents = recentEvents
        self.candidates = candidates
    }
}

/// A store whose bulk calls adapt to the backend's load and can say how (the Cassandra store's
/// in-flight limit, back-offs and retries), for the jobs' progress lines.
public protocol LoadReporting {
    /// One short phrase, or `nil` when there is nothing to say.
    var loadStatus: String? { get }
}
