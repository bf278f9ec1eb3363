import AnimeRecCore
import AnimeRecStore

/// Serves recall, ranking, recommendations and similar-anime for one request at a time.
///
/// Stateless per request: every call reads the user's partitions (interactions, recent events,
/// precomputed candidates) and the seeds' neighbour lists afresh, so a click changes the next
/// answer at once. Only global, slowly changing reads (live run, popular, trending) are memoised
/// for a second in ``SharedReads``.
public struct RecommendationEngine<Store: RecStore>: Sendable {
    /// Tunables of the pipeline.
    public struct Options: Sendable {
        /// Days of events read per request.
        public var eventDays: Int = 14
        /// Events read per request at most.
        public var eventLimit: Int = 200
        /// Seeds expanded through their neighbour lists.
        public var seeds: Int = RecallLimits.standard.seeds
        /// Neighbours read per seed.
        public var neighborsPerSeed: Int = RecallLimits.standard.neighborsPerSeed
        /// Precomputed candidates read per user (rebuild stores 50).
        public var precomputed: Int = 50
        /// Favourite genres whose popular lists are read.
        public var genres: Int = RecallLimits.standard.favouriteGenres
        /// Items read per genre list.
        public var genreListSize: Int = RecallLimits.standard.genreListSize
        /// Trending items considered (from the last three day buckets).
        public var trending: Int = 50
        /// Popular items considered.
        public var popular: Int = RecallLimits.standard.popular
        /// Positive interactions whose genres define taste.
        public var tasteHistory: Int = RecallLimits.standard.tasteHistory
        /// Candidates ranked by the model (the strongest by recall signal); `/rank` ranks at least its limit.
        public var rankingPool: Int = 300

        public init() {}
    }

    public let store: Store
    public let options: Options
    let shared: SharedReads<Store>
    let now: @Sendable () -> Int64

    public init(store: Store, options: Options = .init(), now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds }) {
        self.store = store
        self.options = options
        self.shared = SharedReads(store: store, now: now)
        self.now = now
    }

    /// Everything ranking needs for one user.
    struct UserContext: Sendable {
        var recalled: [RecalledCandidate]
        var catalogue: [AnimeID: Anime]
        var affinity: [String: Double]
        var coldStart: Bool
        var ranker: RankerWeights
    }

    func context(for user: UserID, includeAdult: Bool) async throws -> UserContext {
        let now = self.now()
        let sinceDay = DayBucket.day(ofMilliseconds: now - Int64(options.eventDays - 1) * 86_400_000)
        async let interactionsRead = store.interactions(of: user)
        async let eventsRead = store.recentEvents(of: user, sinceDay: sinceDay, limit: options.eventLimit)
        async let runRead = shared.liveRun()
        async let trendingRead = shared.trending(limit: options.trending)
        let (interactions, events, run, trending) = try await (interactionsRead, eventsRead, runRead, trendingRead)

        let seeds = Recall.seeds(interactions: interactions, recentEvents: events, now: now, maximum: options.seeds)
        // The history whose genres define taste: positive interactions, strongest first, bounded.
        let tasteIDs = interactions.filter(\.isPositive).sorted { $0.preference > $1.preference }.prefix(options.tasteHistory).map(\.anime)
            + events.map(\.anime)
        let runID = run?.id
        async let precomputedRead: [Candidate] =
            runID == nil ? [] : store.candidates(for: user, run: runID!, limit: options.precomputed)
        async let neighborsRead: [AnimeID: [ScoredAnime]] =
            runID == nil ? [:] : shared.neighbors(of: seeds.map(\.anime), run: runID!, limit: options.neighborsPerSeed)
        async let popularRead = shared.popular(limit: options.popular)
        async let tasteRead = shared.catalogue(covering: tasteIDs)
        let (precomputed, neighbors, popular, taste) = try await (precomputedRead, neighborsRead, popularRead, tasteRead)

        let affinity = Recall.genreAffinity(interactions: interactions, recentEvents: events, catalogue: taste)
        let favourite = affinity.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(options.genres).map(\.key)
        var genreLists: [String: [ScoredAnime]] = [:]
        if let run {
            for genre in favourite {
                genreLists[genre] = try await shared.list(key: ListKey.genre(genre), run: run.id, limit: options.genreListSize)
            }
        }
        var wanted = precomputed.map(\.anime)
        for list in neighbors.values { wanted += list.map(\.anime) }
        for list in genreLists.values { wanted += list.map(\.anime) }
        wanted += trending.map(\.anime)
        wanted += popular.map(\.anime)
        let catalogue = try await shared.catalogue(covering: wanted)

        let inputs = RecallInputs(
            interactions: interactions, recentEvents: events, precomputed: precomputed, neighbors: neighbors,
            genreLists: genreLists, trending: trending, popular: popular, catalogue: catalogue, now: now)
        let recalled = Recall.merge(inputs, seeds: seeds, includeAdult: includeAdult)
        let coldStart = seeds.isEmpty && precomputed.isEmpty
        return UserContext(recalled: recalled, catalogue: catalogue, affinity: affinity, coldStart: coldStart,
                           ranker: run?.ranker ?? .fallback)
    }

    /// The candidate set for a user (unordered in meaning; strongest recall signal first).
    public func recall(user: UserID, limit: Int, includeAdult: Bool) async throws -> [AnimeID] {
        try await context(for: user, includeAdult: includeAdult).recalled.prefix(limit).map(\.anime)
    }

    /// The recalled candidates, ranked, best first.
    public func rank(user: UserID, limit: Int, includeAdult: Bool) async throws -> [RankedCandidate] {
        let context = try await context(for: user, includeAdult: includeAdult)
        return Array(rankPool(context, size: max(limit, options.rankingPool), explain: false).prefix(limit))
    }

    private func rankPool(_ context: UserContext, size: Int, explain: Bool) -> [RankedCandidate] {
        Ranking.rank(context.recalled.prefix(size), catalogue: context.catalogue, genreAffinity: context.affinity,
                     ranker: context.ranker, coldStart: context.coldStart, explain: explain)
    }

    /// The final list: ranked, diversified, with details and reasons.
    public func recommend(user: UserID, limit: Int, includeAdult: Bool) async throws -> [Recommendation] {
        let context = try await context(for: user, includeAdult: includeAdult)
        let ranked = rankPool(context, size: max(limit, options.rankingPool), explain: false)
        var picked = context.coldStart ? Array(ranked.prefix(limit)) : Ranking.diversify(ranked, catalogue: context.catalogue, limit: limit)
        if !context.coldStart {
            // Explain only what is shown.
            let recalled = Dictionary(context.recalled.prefix(max(limit, options.rankingPool)).map { ($0.anime, $0) }) { a, _ in a }
            for index in picked.indices {
                guard let candidate = recalled[picked[index].anime], let anime = context.catalogue[picked[index].anime] else { continue }
                picked[index].reason = Ranking.reason(
                    of: candidate, features: picked[index].features, anime: anime, genreAffinity: context.affinity, ranker: context.ranker)
            }
        }
        var reasonNames: [AnimeID: Anime] = context.catalogue
        let missing = picked.compactMap { pick -> AnimeID? in
            if case .similarTo(let id) = pick.reason, reasonNames[id] == nil { return id }
            return nil
        }
        if !missing.isEmpty { reasonNames.merge(try await shared.anime(missing)) { a, _ in a } }
        return picked.compactMap { pick in
            guard let anime = context.catalogue[pick.anime] else { return nil }
            var reasonAnime: Anime?
            if case .similarTo(let id) = pick.reason { reasonAnime = reasonNames[id] }
            return Recommendation(anime: anime, score: pick.score, reason: pick.reason, reasonAnime: reasonAnime)
        }
    }

    /// Loads the catalogue snapshot, so that no request waits for it.
    public func warm() async throws {
        try await shared.warm()
    }

    /// Whether the catalogue has `id` (from the snapshot; an id it lacks is looked up in the store).
    public func animeExists(_ id: AnimeID) async throws -> Bool {
        try await shared.anime([id])[id] != nil
    }

    /// One page of the catalogue search, from the catalogue snapshot (never a store scan).
    public func searchCatalogue(_ query: CatalogueQuery) async throws -> CataloguePage {
        try await shared.catalogueIndex().search(query)
    }

    /// The catalogue snapshot (facets for browsing).
    public func catalogueIndex() async throws -> CatalogueIndex {
        try await shared.catalogueIndex()
    }

    /// What is trending now (clicks and views of the closed hour buckets of the last day), filled
    /// up to `limit` with the live run's popular list; each item says which of the two it is.
    public func trending(limit: Int, includeAdult: Bool) async throws -> [Recommendation] {
        async let trendingRead = shared.trending(limit: limit + 20)
        async let popularRead = shared.popular(limit: limit + 20)
        let (trending, popular) = try await (trendingRead, popularRead)
        let catalogue = try await shared.anime(trending.map(\.anime) + popular.map(\.anime))
        return TrendingRow.build(trending: trending, popular: popular, catalogue: catalogue, limit: limit, includeAdult: includeAdult)
            .map { Recommendation(anime: $0.anime, score: $0.score, reason: $0.reason, reasonAnime: nil) }
    }

    /// Anime similar to `anime`, never itself; `nil` when the anime is unknown.
    public func similar(to id: AnimeID, limit: Int, includeAdult: Bool) async throws -> [Anime]? {
        async let animeRead = store.anime(id)
        async let runRead = shared.liveRun()
        let (anime, run) = try await (animeRead, runRead)
        guard let anime else { return nil }
        guard let run else { return [] }
        var list = try await shared.neighbors(of: [id], run: run.id, limit: limit * 2 + 10)[id] ?? []
        if list.isEmpty, let genre = anime.genres.first {
            // No collaborative signal yet: the anime's first genre's popular list stands in.
            list = try await shared.list(key: ListKey.genre(genre), run: run.id, limit: limit * 2 + 10)
        }
        let details = try await shared.anime(list.map(\.anime))
        return list.compactMap { details[$0.anime] }
            .filter { $0.id != id && (includeAdult || !$0.isAdult) }
            .prefix(limit).map { $0 }
    }
}

/// One item of the final list.
public struct Recommendation: Sendable, Hashable {
    public var anime: Anime
    public var score: Double
    public var reason: Reason
    /// The anime a `similarTo` reason points at, for its name.
    public var reasonAnime: Anime?
}

/// Global reads shared by all requests.
///
/// Only memos that cannot make an answer depend on which replica served it:
/// - data that is immutable within a model run (neighbour lists, popular and genre lists) is kept
///   per run and dropped when the live run changes; the live-run pointer itself is read on every
///   request, so a switch is seen at once everywhere;
/// - trending is computed from closed hour buckets (``TrendingBuckets``), which no longer change,
///   and kept until the next bucket closes;
/// - the catalogue is the live run's copy (`run_catalogue`, written by rebuild), loaded once per
///   run in the background: immutable within the run, so the same on every replica. Requests
///   never read the whole catalogue; until the run's copy is loaded, and for ids it lacks, they
///   read the entries they need from the store.
/// Per-user data (history, events, candidates) is never memoised: it is read on every request.
actor SharedReads<Store: RecStore> {
    private let store: Store
    private let now: @Sendable () -> Int64
    /// Hour buckets summed for trending.
    static var trendingHours: Int { 24 }
    /// Longest neighbour or list prefix any route asks for; cached entries hold this many.
    static var longestList: Int { 256 }

    private var trendingCache: (value: [ScoredAnime], limit: Int, buckets: [Int32])?
    /// The live run's catalogue, indexed, and the run it belongs to.
    private var catalogueCache: (run: String, index: CatalogueIndex)?
    /// The load of a run's catalogue under way (one at a time).
    private var catalogueLoad: (run: String, task: Task<CatalogueIndex, any Error>)?
    /// Ids found in neither the snapshot nor the store since the snapshot was taken.
    private var absent: Set<AnimeID> = []
    private var cachedRun: String?
    private var neighborLists: [AnimeID: [ScoredAnime]] = [:]
    private var rankedLists: [String: [ScoredAnime]] = [:]

    init(store: Store, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.now = now
    }

    func liveRun() async throws -> ModelRun? {
        let value = try await store.liveRun()
        if value?.id != cachedRun {
            cachedRun = value?.id
            neighborLists = [:]
            rankedLists = [:]
            // The new run's catalogue copy, in the background.
            if let run = value?.id { _ = catalogueLoad(for: run) }
        }
        return value
    }

    func trending(limit: Int) async throws -> [ScoredAnime] {
        let buckets = TrendingBuckets.closedWindow(now: now(), hours: Self.trendingHours)
        if let cache = trendingCache, cache.limit >= limit, cache.buckets == buckets {
            return Array(cache.value.prefix(limit))
        }
        let value = try await store.trending(buckets: buckets, limit: limit)
        trendingCache = (value, limit, buckets)
        return value
    }

    func popular(limit: Int) async throws -> [ScoredAnime] {
        guard let run = try await liveRun() else { return [] }
        return try await list(key: ListKey.popular, run: run.id, limit: limit)
    }

    /// A ranked list of `run`, memoised for the run.
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        if run == cachedRun, let cached = rankedLists[key] { return Array(cached.prefix(limit)) }
        let value = try await store.list(key: key, run: run, limit: Self.longestList)
        if run == cachedRun { rankedLists[key] = value }
        return Array(value.prefix(limit))
    }

    /// Neighbour lists of `run`, memoised for the run; only the misses are read, in one call.
    func neighbors(of ids: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        var result: [AnimeID: [ScoredAnime]] = [:]
        var missing: [AnimeID] = []
        for id in ids {
            if run == cachedRun, let cached = neighborLists[id] {
                if !cached.isEmpty { result[id] = Array(cached.prefix(limit)) }
            } else {
                missing.append(id)
            }
        }
        guard !missing.isEmpty else { return result }
        let read = try await store.neighbors(of: missing, run: run, limit: Self.longestList)
        for id in missing {
            let list = read[id] ?? []
            if run == cachedRun { neighborLists[id] = list }
            if !list.isEmpty { result[id] = Array(list.prefix(limit)) }
        }
        return result
    }

    /// Catalogue entries for `ids`, from the current snapshot; ids it lacks (imported since, or
    /// every id while no snapshot exists yet) are read from the store, one partition each.
    func anime(_ ids: some Sequence<AnimeID>) async throws -> [AnimeID: Anime] {
        let catalogue = snapshotByID()
        var result: [AnimeID: Anime] = [:]
        var missing: [AnimeID] = []
        for id in ids {
            if let anime = catalogue[id] { result[id] = anime } else { missing.append(id) }
        }
        if !missing.isEmpty { result.merge(try await store.anime(missing)) { current, _ in current } }
        return result
    }

    /// A catalogue that contains every one of `ids` that exists: the snapshot itself (shared, not
    /// copied) when it has them all, else the snapshot plus the entries read from the store.
    func catalogue(covering ids: [AnimeID]) async throws -> [AnimeID: Anime] {
        var catalogue = snapshotByID()
        let missing = ids.filter { catalogue[$0] == nil && !absent.contains($0) }
        guard !missing.isEmpty else { return catalogue }
        let found = try await store.anime(missing)
        // Ids the catalogue does not have (ratings may name anime it lacks) are not asked again
        // until the next snapshot.
        absent.formUnion(missing.filter { found[$0] == nil })
        catalogue.merge(found) { current, _ in current }
        return catalogue
    }

    /// The live run's catalogue, indexed for search (`/anime`, `/facets`): waits for its load when
    /// the run just went live on this replica; 503 `not_ready` before the first run.
    func catalogueIndex() async throws -> CatalogueIndex {
        guard let run = try await liveRun()?.id else {
            throw APIError.notReady("no model run is live yet: run `animerec rebuild` (the catalogue is served from the live run)")
        }
        if let catalogueCache, catalogueCache.run == run { return catalogueCache.index }
        return try await catalogueLoad(for: run).value
    }

    /// The load of `run`'s catalogue copy, started unless one is under way (a full read, but off the
    /// request path: requests that need entries meanwhile read them one by one).
    private func catalogueLoad(for run: String) -> Task<CatalogueIndex, any Error> {
        if let catalogueLoad, catalogueLoad.run == run { return catalogueLoad.task }
        let store = self.store
        let task = Task.detached {
            let copy = try await store.catalogue(run: run)
            // A run written before runs carried their catalogue: the table itself, until the next rebuild.
            return CatalogueIndex(copy.isEmpty ? try await store.allAnime() : copy)
        }
        catalogueLoad = (run, task)
        Task {
            let result = await task.result
            self.finishCatalogueLoad(result, run: run)
        }
        return task
    }

    /// The live run's entries without waiting: empty (its load started) while this replica has
    /// not loaded the copy of the run it last saw, so hydration falls back to per-id reads.
    private func snapshotByID() -> [AnimeID: Anime] {
        guard let run = cachedRun else { return [:] }
        if let catalogueCache, catalogueCache.run == run { return catalogueCache.index.byID }
        _ = catalogueLoad(for: run)
        return [:]
    }

    private func finishCatalogueLoad(_ result: Result<CatalogueIndex, any Error>, run: String) {
        if catalogueLoad?.run == run { catalogueLoad = nil }
        // A copy of a run this replica has moved past is of no use.
        guard case .success(let value) = result, run == cachedRun else { return }
        catalogueCache = (run, value)
        absent = []
    }

    /// Loads the live run's catalogue (at start, so no request waits for it); nothing before the first run.
    func warm() async throws {
        guard try await liveRun() != nil else { return }
        _ = try await catalogueIndex()
    }
}
