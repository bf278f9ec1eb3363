import AnimeRecCore

/// The system of record behind the service and the offline jobs.
///
/// Every method maps to a handful of partition reads or writes keyed by user or by anime, so the same
/// contract is served by the embedded ``SQLiteStore`` and by a Cassandra cluster. Implementations are
/// `Sendable` and safe to call concurrently. A method that returns has made its writes durable.
public protocol RecStore: Sendable {
    // MARK: Lifecycle

    /// Applies pending numbered schema migrations; returns the names of those applied now.
    func migrate() async throws -> [String]
    /// Whether the store answers a trivial read (readiness).
    func ping() async throws
    /// Releases connections. No other call may follow.
    func close() async throws

    // MARK: Catalogue (`anime`)

    /// Inserts or replaces catalogue entries.
    func upsertAnime(_ anime: [Anime]) async throws
    /// One catalogue entry, or `nil`.
    func anime(_ id: AnimeID) async throws -> Anime?
    /// The catalogue entries among `ids` that exist.
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime]
    /// The whole catalogue, in id order (offline jobs only).
    func allAnime() async throws -> [Anime]
    /// Number of catalogue entries.
    func animeCount() async throws -> Int

    // MARK: Behaviour (`user_events`, `user_anime`, popularity buckets)

    /// Stores events idempotently by event id; for each new one also updates `user_anime` and the
    /// popularity bucket of its day. Durable when it returns. Outcomes are in input order.
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome]
    /// The user's events, newest first, from the day buckets between `sinceDay` and today.
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent]
    /// Everything the user interacted with (seen filter, training input).
    func interactions(of user: UserID) async throws -> [Interaction]
    /// Bulk upsert of imported ratings into `user_anime` (re-import safe: the last value wins).
    func importRatings(_ ratings: [ImportedRating]) async throws
    /// Walks every user's interactions in user order, `batchSize` users at a time (offline jobs).
    func scanHistories(batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws
    /// Number of stored (user, anime) interactions.
    func interactionCount() async throws -> Int
    /// Click and view counts per anime summed over the given day buckets, highest first.
    func trending(days: [Int32], limit: Int) async throws -> [ScoredAnime]

    // MARK: Model runs (`model_runs`, `anime_neighbors`, `user_candidates`, ranked lists)

    /// Registers a new, not yet live run.
    func createRun(_ run: ModelRun) async throws
    /// Writes neighbour lists of a run (each list replaces that anime's list in the run).
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws
    /// Writes candidate lists of a run.
    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws
    /// Writes a named ranked list (``ListKey``) of a run.
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws
    /// Makes `run` the live run in one atomic step and forgets runs older than the previous one.
    func activate(run: String) async throws
    /// The live run, or `nil` before the first rebuild.
    func liveRun() async throws -> ModelRun?
    /// A run's neighbour lists for several anime (missing anime are absent from the result).
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]]
    /// A run's candidates for one user, best first.
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate]
    /// A run's named ranked list, best first.
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime]
}

extension RecStore {
    /// One anime's neighbour list in a run.
    public func neighbors(of anime: AnimeID, run: String, limit: Int) async throws -> [ScoredAnime] {
        try await neighbors(of: [anime], run: run, limit: limit)[anime] ?? []
    }
}
