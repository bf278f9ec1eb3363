import AnimeRecCore

/// What a request reads: bounded single-partition reads keyed by user, by anime or by run, and the
/// background loads of a run's snapshot.
public protocol RequestReads: Sendable {
    /// Whether the store answers a trivial read (readiness).
    func ping() async throws

    // MARK: Catalogue

    /// One catalogue entry, or `nil`.
    func anime(_ id: AnimeID) async throws -> Anime?
    /// The catalogue entries among `ids` that exist (one partition read each).
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime]
    /// Whether the catalogue holds at least one entry (one short read).
    func hasCatalogue() async throws -> Bool

    // MARK: The user

    /// The user's events, newest first, from `sinceDay` (`yyyymmdd`) to today.
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
    /// Click and view scores per anime summed over the given hour buckets (``TrendingBuckets``),
    /// highest score first, ties by anime id.
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime]

    // MARK: Runs

    /// The live run's id alone (the pointer requests read), or `nil` before the first rebuild.
    func liveRunID() async throws -> String?
    /// The live run with its ranker, or `nil` before the first rebuild (one row). Requests read
    /// ``liveRunID()`` and take the ranker from the run's snapshot; only while their replica has not
    /// loaded it do they read this row.
    func liveRun() async throws -> ModelRun?
    /// A run's row with its ranker, or `nil` when there is no such run (never written, or expired).
    func run(_ id: String) async throws -> ModelRun?
    /// A run's neighbour lists for several anime (missing anime are absent from the result).
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]]
    /// A run's candidates for one user, best first.
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate]
    /// A run's named ranked list, best first.
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime]
    /// The catalogue a run was written with (a few rows: 16 on Cassandra), in no particular order.
    func catalogue(run: String) async throws -> [Anime]
    /// Everything of `run` that requests use, as one immutable snapshot: a background load of the
    /// run's rows, never a request. A store that is also ``OfflineWalks`` gets a default that reads
    /// them with the single reads above.
    func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot
}

extension RequestReads {
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

    /// ``loadSnapshot(of:listLength:)`` with lists of ``RunSnapshot/storedListLength``.
    public func loadSnapshot(of run: ModelRun) async throws -> RunSnapshot {
        try await loadSnapshot(of: run, listLength: RunSnapshot.storedListLength)
    }
}
