import AnimeRecCore
import AnimeRecStore
import Logging

/// Serves recall, ranking, recommendations, similar anime and trending: reads what a request needs
/// and runs ``RecommendationPipeline`` on it. It does no ranking or recall of its own.
///
/// Stateless per user: every per-user call reads the user's partitions (interactions, recent
/// events, precomputed candidates) afresh, so a click changes the next answer at once. Every route
/// takes the live-run pointer as read at most ``pointerInterval`` ago (one read per interval,
/// single flight), so a run switch reaches every route within that time without a store round
/// trip per request. What is immutable within a run (its
/// catalogue copy, neighbour lists, ranked lists) is read from a ``RunSnapshot`` shared by all
/// requests without a lock or actor on the path; it is loaded in the background, once per run.
/// Until this replica holds the live run's snapshot, a request reads the few partitions of the run
/// it needs itself (``PartialRun``). Trending comes from closed hour buckets, read once per bucket.
public struct RecommendationEngine<Store: ServingStore>: Sendable {
    public let store: Store
    public let options: RecommendationPipeline.Options
    let snapshots: SingleFlight<String, LoadedRun>
    /// Trending per window, keyed by the window's newest closed hour bucket.
    let trendingWindows: SingleFlight<Int32, [ScoredAnime]>
    /// The live-run id per ``pointerInterval`` window since ``pointerOrigin``.
    let pointerWindows: SingleFlight<Int64, String?>
    let pointerOrigin = ContinuousClock.now
    let now: @Sendable () -> Int64

    /// How old the live-run pointer of a route without a user partition may be.
    static var pointerInterval: Duration { .seconds(1) }

    /// How long a request waits for a newer pointer or trending when this replica has one already.
    static var refreshWait: Duration { .milliseconds(250) }

    /// Hour buckets summed for trending.
    static var trendingHours: Int { 24 }
    /// Trending items read per window (more than any route asks for).
    static var trendingLength: Int { 128 }

    public init(
        store: Store, options: RecommendationPipeline.Options = .init(),
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds }
    ) {
        self.store = store
        self.options = options
        self.now = now
        let logger = Logger(label: "animerec.engine")
        // A failed snapshot load (a full read of the run) is retried after 5 s at the earliest.
        snapshots = SingleFlight(retryDelay: .seconds(5)) { run, error in
            logger.warning("run snapshot not loaded; requests read the run's partitions meanwhile",
                           metadata: ["run": "\(run)", "error": "\(String(reflecting: error))"])
        }
        // A failed trending read is retried by the next request (it is one partition read).
        trendingWindows = SingleFlight(retryDelay: .zero)
        // Likewise a failed pointer read: the next request reads again.
        pointerWindows = SingleFlight(retryDelay: .zero)
    }

    // MARK: Routes

    /// The candidate set for `recipient` (strongest recall signal first), and which of a session's
    /// titles the catalogue does not know (ignored; always none for a user).
    public func recall(for recipient: Recipient, limit: Int, includeAdult: Bool) async throws -> (ids: [AnimeID], unknown: [AnimeID]) {
        let (answer, unknown) = try await answer(.recall(limit: limit), for: recipient, includeAdult: includeAdult, options: options)
        return (answer.ids, unknown)
    }

    /// The recalled candidates that pass `filter`, ranked, best first; diversified by genre only
    /// when `diversity` (0–1) is given and above 0.
    public func rank(
        for recipient: Recipient, limit: Int, includeAdult: Bool, filter: ListFilter = ListFilter(), diversity: Double? = nil
    ) async throws -> (ranked: [RankedCandidate], unknown: [AnimeID]) {
        var options = self.options
        options.filter = canonical(filter)
        options.rankDiversity = diversity ?? self.options.rankDiversity
        let (answer, unknown) = try await answer(.rank(limit: limit), for: recipient, includeAdult: includeAdult, options: options)
        return (answer.ranked, unknown)
    }

    /// The final list of what passes `filter`: ranked, diversified (`diversity` 0–1, by default
    /// ``RecommendationPipeline/Options/diversity``), with details and reasons.
    public func recommend(
        for recipient: Recipient, limit: Int, includeAdult: Bool, filter: ListFilter = ListFilter(), diversity: Double? = nil
    ) async throws -> (list: [Recommendation], unknown: [AnimeID]) {
        var options = self.options
        options.filter = canonical(filter)
        if let diversity { options.diversity = diversity }
        let (answer, unknown) = try await answer(.recommend(limit: limit), for: recipient, includeAdult: includeAdult, options: options)
        return (answer.list, unknown)
    }

    /// `filter` with its genres spelled as the catalogue of this replica's latest snapshot spells them
    /// (genres compare case-insensitively; the run's genre lists are keyed by the exact name).
    func canonical(_ filter: ListFilter) -> ListFilter {
        guard !filter.genres.isEmpty, let snapshot = snapshots.latest?.value.snapshot else { return filter }
        var names: [String: String] = [:]
        for facet in snapshot.catalogue.genres(includeAdult: true) where names[facet.name.lowercased()] == nil {
            names[facet.name.lowercased()] = facet.name
        }
        var result = filter
        result.genres = filter.genres.map { names[$0.lowercased()] ?? $0 }
        return result
    }

    /// Anime similar to `id`, never itself; `nil` when the anime is unknown.
    public func similar(to id: AnimeID, limit: Int, includeAdult: Bool) async throws -> [Anime]? {
        let live = try await self.live(recentLiveRunID())
        var found = live.snapshot?.anime(id)
        if found == nil { found = try await store.anime(id) }
        guard let anime = found else { return nil }
        guard let run = live.runID else { return [] }
        if let snapshot = live.snapshot {
            return RecommendationPipeline.similar(to: anime, source: snapshot, limit: limit, includeAdult: includeAdult)
        }
        // No snapshot of the live run yet: its partitions this answer needs.
        let length = RecommendationPipeline.similarReadLength(limit: limit)
        var partial = PartialRun(neighbors: try await store.neighbors(of: [id], run: run, limit: length))
        var listed = partial.neighbors[id] ?? []
        if listed.isEmpty, let genre = anime.genres.first {
            listed = try await store.list(key: ListKey.genre(genre), run: run, limit: length)
            partial.lists[ListKey.genre(genre)] = listed
        }
        partial.catalogue = try await store.anime(listed.map(\.anime))
        return RecommendationPipeline.similar(to: anime, source: partial, limit: limit, includeAdult: includeAdult)
    }

    /// What is trending now (clicks and views of the closed hour buckets of the last day), filled
    /// up to `limit` with the live run's popular list; each item says which of the two it is.
    public func trending(limit: Int, includeAdult: Bool) async throws -> [Recommendation] {
        async let liveRead = recentLiveRunID()
        async let trendingRead = trendingNow()
        let (liveID, trending) = try await (liveRead, trendingRead)
        let live = try await self.live(liveID)
        let shown = Array(trending.prefix(limit + 20))
        if let snapshot = live.snapshot {
            let source = try await covering(shown.map(\.anime), snapshot)
            return RecommendationPipeline.trending(shown, source: source, limit: limit, includeAdult: includeAdult)
        }
        var partial = PartialRun()
        if let run = live.runID { partial.lists[ListKey.popular] = try await store.list(key: ListKey.popular, run: run, limit: limit + 20) }
        partial.catalogue = try await store.anime(shown.map(\.anime) + (partial.lists[ListKey.popular] ?? []).map(\.anime))
        return RecommendationPipeline.trending(shown, source: partial, limit: limit, includeAdult: includeAdult)
    }

    /// The catalogue entry of `id` from the `anime` table (the newest import); from the loaded run's
    /// copy when the store cannot be read (its age recorded in ``StaleAnswer``).
    public func anime(_ id: AnimeID) async throws -> Anime? {
        do {
            return try await store.anime(id)
        } catch where StoreFailure.isUnavailable(error) && !(error is CancellationError) {
            guard let latest = pointerWindows.latest, let snapshot = snapshots.latest?.value.snapshot,
                snapshot.run.id == latest.value, let anime = snapshot.anime(id)
            else { throw error }
            StaleAnswer.record(age: pointerAge(latest.key))
            return anime
        }
    }

    /// Whether the catalogue has `id` (the run's copy, else the `anime` table).
    public func animeExists(_ id: AnimeID) async throws -> Bool {
        if snapshots.latest?.value.snapshot.admits(id, includeAdult: true) == true { return true }
        return try await store.anime(id) != nil
    }

    /// The ids among `ids` that the catalogue holds, in their order: those of the loaded run without
    /// a read, the others in one read.
    public func knownAnime(_ ids: [AnimeID]) async throws -> [AnimeID] {
        let snapshot = snapshots.latest?.value.snapshot
        let missing = ids.filter { snapshot?.admits($0, includeAdult: true) != true }
        guard !missing.isEmpty else { return ids }
        let found = try await store.anime(missing)
        return ids.filter { snapshot?.admits($0, includeAdult: true) == true || found[$0] != nil }
    }

    /// One page of the catalogue search, from the live run's snapshot (never a store scan).
    public func searchCatalogue(_ query: CatalogueQuery) async throws -> CataloguePage {
        try await catalogueIndex().search(query)
    }

    /// The live run's catalogue, indexed: waits for the run's snapshot when the run just went live on
    /// this replica; ``EngineError/noLiveRun`` before the first run.
    public func catalogueIndex() async throws -> CatalogueIndex {
        if let snapshot = loadedSnapshot(of: try await recentLiveRunID()) { return snapshot.catalogue }
        guard let live = try await store.liveRun() else { throw EngineError.noLiveRun }
        return try await snapshots.value(for: live.id, load: snapshotLoad(of: live)).snapshot.catalogue
    }

    /// Loads the live run's snapshot, so that no request waits for it; nothing before the first run.
    public func warm() async throws {
        guard let live = try await store.liveRun() else { return }
        _ = try await snapshots.value(for: live.id, load: snapshotLoad(of: live))
    }

    // MARK: Per-user requests

    typealias Question = RecommendationPipeline.Question
    typealias Answer = RecommendationPipeline.Answer

    /// Answers `question` for `recipient`, with the ids of a session's titles the catalogue does not
    /// know (none for a user).
    func answer(
        _ question: Question, for recipient: Recipient, includeAdult: Bool, options: RecommendationPipeline.Options
    ) async throws -> (answer: Answer, unknown: [AnimeID]) {
        switch recipient {
        case .user(let user):
            return (try await answer(question, user: user, includeAdult: includeAdult, options: options), [])
        case .session(let items):
            return try await answer(question, session: items, includeAdult: includeAdult, options: options)
        }
    }

    /// Reads the user's partitions with the live-run pointer (``RequestReads/userReads(of:sinceDay:eventLimit:interactionLimit:candidateLimit:knownLiveRun:)``)
    /// and trending concurrently, then answers from the live run's snapshot, or from the run's
    /// partitions while this replica has none. Trending is nearly always already read, but the two
    /// run concurrently all the same: awaited in a row on the request's own task, the p99 of
    /// `/recommends` rises (docs/benchmarks/service.md).
    private func answer(
        _ question: Question, user: UserID, includeAdult: Bool, options: RecommendationPipeline.Options
    ) async throws -> Answer {
        let now = self.now()
        let sinceDay = DayBucket.day(ofMilliseconds: now - Int64(options.eventDays - 1) * 86_400_000)
        // The pointer as read in this second (nearly always without a read): the store may take it
        // as the live run, so the user is one or two partition reads (DESIGN §3.2).
        let knownLiveRun = try await recentLiveRunID()
        async let readsRead = store.userReads(
            of: user, sinceDay: sinceDay, eventLimit: options.eventLimit, interactionLimit: options.interactionLimit,
            candidateLimit: options.precomputed, knownLiveRun: knownLiveRun)
        async let trendingRead = trendingNow()
        let (reads, trending) = try await (readsRead, trendingRead)
        let plan = ReadPlan(
            UserPartitions(
                interactions: reads.interactions, recentEvents: reads.recentEvents, precomputed: reads.candidates,
                exposures: reads.exposures),
            options: options, now: now)
        return try await answer(question, plan, live: try await self.live(reads.liveRunID), trending: trending, includeAdult: includeAdult)
    }

    /// Answers `question` for a visitor's session (``UserPartitions/session(_:now:)``): the live-run
    /// pointer and trending, as every route takes them, and no partition of any user. Titles the
    /// catalogue does not know are left out of the session and returned as `unknown`; the entries
    /// of titles imported since the run, read to know them, are not read again.
    private func answer(
        _ question: Question, session items: [AnimeID], includeAdult: Bool, options: RecommendationPipeline.Options
    ) async throws -> (answer: Answer, unknown: [AnimeID]) {
        let now = self.now()
        async let liveRead = recentLiveRunID()
        async let trendingRead = trendingNow()
        let (liveID, trending) = try await (liveRead, trendingRead)
        let live = try await self.live(liveID)
        let notInRun = items.filter { live.snapshot?.admits($0, includeAdult: true) != true }
        let imported = notInRun.isEmpty ? [:] : try await store.anime(notInRun)
        let unknown = notInRun.filter { imported[$0] == nil }
        let known = unknown.isEmpty ? items : items.filter { !unknown.contains($0) }
        let plan = ReadPlan(.session(known, now: now), options: options, now: now)
        let answer = try await answer(question, plan, live: live, trending: trending, includeAdult: includeAdult, entriesRead: imported)
        return (answer, unknown)
    }

    /// Answers `question` from what `plan` says to read: from the live run's snapshot, or from the
    /// run's partitions while this replica has none. `entriesRead` are catalogue entries the
    /// request has read already.
    private func answer(
        _ question: Question, _ plan: ReadPlan, live: LiveRun, trending: [ScoredAnime], includeAdult: Bool,
        entriesRead: [AnimeID: Anime] = [:]
    ) async throws -> Answer {
        let trendingConsidered = trending.prefix(plan.options.trending)
        let ranker = live.ranker

        if let snapshot = live.snapshot {
            let source = try await covering(plan.entries(trending: trendingConsidered), snapshot, read: entriesRead)
            return RecommendationPipeline.answer(
                question, plan, source: source, trending: trendingConsidered, ranker: ranker, includeAdult: includeAdult)
        }
        let partial = try await partialRun(for: plan, run: live.runID, trending: trendingConsidered, read: entriesRead)
        return RecommendationPipeline.answer(
            question, plan, source: partial, trending: trendingConsidered, ranker: ranker, includeAdult: includeAdult)
    }

    /// The live-run id as read in the current ``pointerInterval`` window: one read per window,
    /// which every request of the window shares (the first ones wait for it).
    private func recentLiveRunID() async throws -> String? {
        let window = Int64(pointerOrigin.duration(to: .now) / Self.pointerInterval)
        // A request that computed its window just before the next one was read takes the newer read.
        if let latest = pointerWindows.latest, latest.key >= window { return latest.value }
        return try await freshOrLatest(pointerWindows, key: window, age: pointerAge) { [store] in try await store.liveRunID() }
    }

    /// How long ago the pointer of `window` was read (at the latest, when its window began).
    private func pointerAge(_ window: Int64) -> Duration {
        pointerOrigin.duration(to: .now) - Self.pointerInterval * Int(window)
    }

    /// What is trending in the closed hour buckets of the last day, read once per window; a window
    /// taken from memory is as old as the time since a newer hour closed.
    private func trendingNow() async throws -> [ScoredAnime] {
        let now = now()
        let newest = TrendingBuckets.newestClosed(now: now)
        return try await freshOrLatest(
            trendingWindows, key: newest,
            age: { .milliseconds(max(0, now - TrendingBuckets.supersededMilliseconds(newest: $0))) }
        ) { [store] in
            try await store.trending(buckets: TrendingBuckets.window(newest: newest, hours: Self.trendingHours), limit: Self.trendingLength)
        }
    }

    /// `flight`'s value of `key`, read once for every request that asks for it. A replica that has an
    /// older value waits for the read at most ``refreshWait``, and uses the older value when the
    /// read takes longer or the store cannot be read, recording its `age` in ``StaleAnswer``: while
    /// the ring stalls (a replica that just died is still chosen until gossip convicts it) or is
    /// down, the routes that answer from memory go on, saying how old their answer is.
    private func freshOrLatest<Key: Hashable & Sendable, Value: Sendable>(
        _ flight: SingleFlight<Key, Value>, key: Key, age: (Key) -> Duration,
        read: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let latest = flight.latest else { return try await flight.value(for: key, load: read) }
        do {
            if let fresh = try await flight.value(for: key, waitingAtMost: Self.refreshWait, load: read) { return fresh }
        } catch where StoreFailure.isUnavailable(error) && !(error is CancellationError) {}
        StaleAnswer.record(age: age(latest.key))
        return latest.value
    }

    /// The live run as a request sees it: from the id the request read, this replica's snapshot of
    /// the run (the common case: no further read), else the run's row with its ranker (one read),
    /// its snapshot's load started in the background.
    enum LiveRun {
        case none
        case loaded(RunSnapshot)
        case loading(ModelRun)

        var snapshot: RunSnapshot? { if case .loaded(let snapshot) = self { snapshot } else { nil } }

        var runID: String? {
            switch self {
            case .none: nil
            case .loaded(let snapshot): snapshot.run.id
            case .loading(let run): run.id
            }
        }

        /// The run's ranker (``RankerWeights/fallback`` before the first run or for a run without one).
        var ranker: RankerWeights {
            switch self {
            case .none: .fallback
            case .loaded(let snapshot): snapshot.run.ranker ?? .fallback
            case .loading(let run): run.ranker ?? .fallback
            }
        }
    }

    /// ``LiveRun`` for the live run id `id` a request read.
    private func live(_ id: String?) async throws -> LiveRun {
        guard let id else { return .none }
        if let snapshot = loadedSnapshot(of: id) { return .loaded(snapshot) }
        guard let run = try await store.liveRun() else { return .none }
        if let snapshot = snapshot(of: run) { return .loaded(snapshot) }
        return .loading(run)
    }

    /// This replica's latest snapshot when it is that of run `id` (no read, no load started).
    private func loadedSnapshot(of id: String?) -> RunSnapshot? {
        guard let latest = snapshots.latest, latest.key == id else { return nil }
        return latest.value.snapshot
    }

    /// This replica's snapshot of `run`, or `nil` (its load started) when it has none yet.
    private func snapshot(of run: ModelRun) -> RunSnapshot? {
        snapshots.loadedValue(for: run.id, orStart: snapshotLoad(of: run))?.snapshot
    }

    /// The one way a snapshot of `run` is loaded (a full read of the run, in the background).
    private func snapshotLoad(of run: ModelRun) -> @Sendable () async throws -> LoadedRun {
        { [store] in
            let snapshot = try await store.loadSnapshot(of: run)
            return LoadedRun(snapshot: snapshot, encoded: EncodedCatalogue(snapshot.catalogue))
        }
    }

    /// A run's snapshot, and its catalogue's entries written as JSON once.
    struct LoadedRun: Sendable {
        let snapshot: RunSnapshot
        let encoded: EncodedCatalogue
    }

    /// The catalogue of this replica's latest snapshot, written as JSON (``EncodedCatalogue``): the
    /// bodies of list routes copy its entries.
    var encodedCatalogue: EncodedCatalogue? { snapshots.latest?.value.encoded }

    /// `snapshot`, with the entries of `ids` it lacks (anime imported since the run): those in
    /// `read`, and the rest read from the store.
    private func covering(
        _ ids: [AnimeID], _ snapshot: RunSnapshot, read: [AnimeID: Anime] = [:]
    ) async throws -> CatalogueOverlay<RunSnapshot> {
        // `admits(_:includeAdult: true)` is "known" without copying the entry (as `anime(_:)` would).
        let missing = ids.filter { !snapshot.admits($0, includeAdult: true) && read[$0] == nil }
        guard !missing.isEmpty else { return CatalogueOverlay(base: snapshot, extra: read) }
        return CatalogueOverlay(base: snapshot, extra: read.merging(try await store.anime(missing)) { current, _ in current })
    }

    /// The rows of `run` one user's answer needs while this replica has no snapshot of it (besides
    /// the entries in `read`), as `plan` says, in the order recall uses them: the seeds' neighbour
    /// lists, the popular list and the taste history's entries; then the genre lists; then every
    /// candidate's entry.
    private func partialRun(
        for plan: ReadPlan, run: String?, trending: ArraySlice<ScoredAnime>, read: [AnimeID: Anime] = [:]
    ) async throws -> PartialRun {
        var partial = PartialRun(catalogue: read)
        if let run {
            let first = plan.firstRunReads
            let tasteEntries = first.tasteEntries.filter { read[$0] == nil }
            async let neighborsRead: [AnimeID: [ScoredAnime]] = first.neighborsOf.isEmpty
                ? [:] : store.neighbors(of: first.neighborsOf, run: run, limit: first.neighborsPerSeed)
            async let popularRead = store.list(key: ListKey.popular, run: run, limit: first.popularLength)
            async let tasteRead: [AnimeID: Anime] = tasteEntries.isEmpty ? [:] : store.anime(tasteEntries)
            let taste: [AnimeID: Anime]
            (partial.neighbors, partial.lists[ListKey.popular], taste) = try await (neighborsRead, popularRead, tasteRead)
            partial.catalogue.merge(taste) { current, _ in current }
            let (genres, length) = plan.genreLists(catalogue: partial)
            for genre in genres {
                partial.lists[ListKey.genre(genre)] = try await store.list(key: ListKey.genre(genre), run: run, limit: length)
            }
        }
        let missing = plan.candidateEntries(of: partial, trending: trending).filter { partial.catalogue[$0] == nil }
        if !missing.isEmpty { partial.catalogue.merge(try await store.anime(missing)) { current, _ in current } }
        return partial
    }
}
