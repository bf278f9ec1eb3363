import AnimeRecCore

/// What the jobs write: the catalogue, imported ratings and model runs (`model_runs`, `live_run`,
/// `anime_neighbors`, `user_candidates`, `ranked_lists`), staged and then made live.
public protocol RunWrites: Sendable {
    /// Inserts or replaces catalogue entries.
    func upsertAnime(_ anime: [Anime]) async throws
    /// Bulk upsert of imported ratings into the users' rows (`user_state` on Cassandra, `user_anime`
    /// on SQLite; re-import safe: the last value wins).
    func importRatings(_ ratings: [ImportedRating]) async throws
    /// Registers a new, not yet live run.
    func createRun(_ run: ModelRun) async throws
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
    /// Makes `run` the live run by flipping one pointer row; throws ``StoreError/incompleteRun(_:missing:)``
    /// when the run was not recorded ``RunProgress/Stage/complete``. Older runs are never deleted in
    /// bulk on the request path: they expire (Cassandra TTL) or are dropped by the embedded store
    /// when a newer run replaces their successor.
    func activate(run: String) async throws
}
