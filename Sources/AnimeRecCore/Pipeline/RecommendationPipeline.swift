/// The whole request pipeline as pure functions: a user's partitions and the run's data in,
/// recall, ranking, the final list and similar anime out. No I/O; the server reads the inputs and
/// encodes the outputs, and the offline training replay runs the same recall.
public enum RecommendationPipeline {
    /// Tunables of the pipeline.
    public struct Options: Hashable, Sendable {
        /// Days of events read per request.
        public var eventDays: Int = 14
        /// Events read per request at most.
        public var eventLimit: Int = 200
        /// Interactions read per request at most (the seen filter, seeds and taste).
        public var interactionLimit: Int = 5000
        /// Precomputed candidates read per user: all that rebuild stores (the union of the item
        /// model's 50 and the factor model's 50), as the ranker's training sees them.
        public var precomputed: Int = 100
        /// Trending items considered.
        public var trending: Int = 50
        /// How much recall reads from the run.
        public var limits: RecallLimits = .standard
        /// Candidates ranked by the model (the strongest by recall signal); `/rank` ranks at least its limit.
        public var rankingPool: Int = 100
        /// The user's newest "not interested" verdicts whose neighbours are demoted, and as many of
        /// their lowest ratings well below their mean (each one's first
        /// ``RecallLimits/neighborsPerSeed`` neighbours: ``AgainstNeighbours``), so that a user with
        /// many stays within a request's reads.
        public var dislikedDemoting: Int = 20
        /// How much the final list trades score for genre variety, 0–1 (``Ranking/diversify(_:catalogue:limit:diversity:)``).
        public var diversity: Double = Ranking.defaultDiversity
        /// The same for `/rank`; 0 (the default) leaves the ranking as scored.
        public var rankDiversity: Double = 0
        /// What the caller asks of the list (genres, type, minimum rating, ids to leave out).
        public var filter = ListFilter()
        /// Entries read per favourite-genre list while a filter is on, so the list can still fill.
        public var filteredGenreListSize: Int = 100
        /// Popular entries read while a filter is on.
        public var filteredPopular: Int = 200

        public init() {}

        /// The defaults, with recall reading as `limits` say.
        public init(limits: RecallLimits) { self.limits = limits }
    }

    /// The recalled candidates of one user and what ranking needs besides.
    public struct RecallOutcome: Sendable {
        /// Candidates, strongest recall signal first.
        public var recalled: [RecalledCandidate]
        /// The user's genre taste, numbered as the source's genres.
        public var taste: GenreTaste
        /// No personal signal at all: ranking orders trending, then popular.
        public var coldStart: Bool
    }

    /// What a per-user route asks.
    public enum Question: Sendable {
        /// The candidate ids, strongest recall signal first (`/recall`).
        case recall(limit: Int)
        /// The ranked candidates (`/rank`).
        case rank(limit: Int)
        /// The final list (`/recommends`).
        case recommend(limit: Int)
    }

    /// The answer to a ``Question``: the part it asks for is filled.
    public struct Answer: Sendable {
        public var ids: [AnimeID] = []
        public var ranked: [RankedCandidate] = []
        public var list: [Recommendation] = []
    }

    /// Answers `question` for one user: recall, then (for rank and recommend) ranking over the
    /// strongest ``Options/rankingPool`` candidates.
    public static func answer(
        _ question: Question, _ user: UserPartitions, source: some RecallSource, trending: ArraySlice<ScoredAnime>,
        ranker: RankerWeights, includeAdult: Bool, options: Options, now: Int64
    ) -> Answer {
        answerOver(
            question, ReadPlan(user, options: options, now: now), source: source, trending: trending, ranker: ranker,
            includeAdult: includeAdult)
    }

    /// Answers `question` from what `plan` said to read (`source` holds it).
    public static func answer(
        _ question: Question, _ plan: ReadPlan, source: some RecallSource, trending: ArraySlice<ScoredAnime>,
        ranker: RankerWeights, includeAdult: Bool
    ) -> Answer {
        answerOver(question, plan, source: source, trending: trending, ranker: ranker, includeAdult: includeAdult)
    }

    static func answerOver(
        _ question: Question, _ plan: ReadPlan, source: some RecallSource, trending: ArraySlice<ScoredAnime>,
        ranker: RankerWeights, includeAdult: Bool
    ) -> Answer {
        let options = plan.options
        // Only what the question reads of the recalled list is put in order.
        let keep = switch question {
        case .recall(let limit): limit
        case .rank(let limit), .recommend(let limit): max(limit, options.rankingPool)
        }
        let outcome = recall(plan, source: source, trending: trending, includeAdult: includeAdult, keep: keep)
        switch question {
        case .recall(let limit):
            return Answer(ids: outcome.recalled.prefix(limit).map(\.anime))
        case .rank(let limit):
            let size = max(limit, options.rankingPool)
            let ranked = rank(outcome, catalogue: source, ranker: ranker, size: size, explain: false)
            guard options.rankDiversity > 0, !outcome.coldStart else { return Answer(ranked: Array(ranked.prefix(limit))) }
            return Answer(
                ranked: Ranking.diversify(ranked, catalogue: source, limit: limit, diversity: options.rankDiversity))
        case .recommend(let limit):
            return Answer(
                list: recommend(
                    outcome, catalogue: source, ranker: ranker, limit: limit, rankingPool: options.rankingPool,
                    diversity: options.diversity))
        }
    }

    /// Recall for one user from `source` (and what is trending now, hottest first), keeping only
    /// what `options.filter` admits, the strongest `keep` candidates (all by default).
    public static func recall(
        _ user: UserPartitions, source: some RecallSource, trending: some Collection<ScoredAnime>, options: Options,
        includeAdult: Bool, now: Int64, keep: Int = .max
    ) -> RecallOutcome {
        recall(ReadPlan(user, options: options, now: now), source: source, trending: trending, includeAdult: includeAdult, keep: keep)
    }

    /// Recall from the seeds and limits of `plan`. While a filter is on, the requested genres' lists
    /// join the favourite genres' and the genre and popular lists are read longer
    /// (``ReadPlan/limits``), so that a narrow filter still finds enough candidates.
    public static func recall(
        _ plan: ReadPlan, source: some RecallSource, trending: some Collection<ScoredAnime>, includeAdult: Bool, keep: Int = .max
    ) -> RecallOutcome {
        let taste = plan.taste(catalogue: source)
        let favourite = plan.favouriteGenres(catalogue: source, taste: taste)
        var limits = plan.limits
        limits.favouriteGenres = favourite.count
        var recalled = Recall.merge(
            plan.user, seeds: plan.seeds, favouriteGenres: favourite, trending: trending, source: source, limits: limits,
            includeAdult: includeAdult, filter: plan.options.filter, keep: keep)
        if !plan.disliked.isEmpty || !plan.lowRated.isEmpty {
            let against = AgainstNeighbours(
                disliked: plan.disliked, lowRated: plan.lowRated, source: source, length: limits.neighborsPerSeed)
            for index in recalled.indices {
                (recalled[index].againstCloseness, recalled[index].dislikedCloseness) = against.closeness(of: recalled[index].anime)
            }
        }
        if !plan.user.exposures.isEmpty {
            for index in recalled.indices { recalled[index].fatigue = plan.fatigue.penalty(of: recalled[index].anime) }
        }
        return RecallOutcome(recalled: recalled, taste: taste, coldStart: plan.seeds.isEmpty && plan.user.precomputed.isEmpty)
    }

    /// The genre lists recall reads while `filter` is on: the requested genres (all of them) and the
    /// user's favourites that the filter does not leave out.
    public static func genresToRead(favourite: [String], filter: ListFilter) -> [String] {
        guard filter.restrictsTitles else { return favourite }
        let excluded = Set(filter.excludedGenres.map { $0.lowercased() })
        var result: [String] = []
        for genre in filter.genres + favourite where !excluded.contains(genre.lowercased()) && !result.contains(genre) {
            result.append(genre)
        }
        return result
    }

    /// The strongest `size` recalled candidates, ranked, best first (reasons only with `explain`).
    public static func rank(
        _ outcome: RecallOutcome, catalogue: some CatalogueLookup, ranker: RankerWeights, size: Int, explain: Bool
    ) -> [RankedCandidate] {
        Ranking.rank(
            outcome.recalled.prefix(size), catalogue: catalogue, taste: outcome.taste, ranker: ranker,
            coldStart: outcome.coldStart, explain: explain)
    }

    /// The final list: ranked, diversified by `diversity` (0–1), each item with its details and the
    /// reason it is shown.
    public static func recommend(
        _ outcome: RecallOutcome, catalogue: some CatalogueLookup, ranker: RankerWeights, limit: Int, rankingPool: Int,
        diversity: Double = Ranking.defaultDiversity
    ) -> [Recommendation] {
        let pool = max(limit, rankingPool)
        let ranked = rank(outcome, catalogue: catalogue, ranker: ranker, size: pool, explain: false)
        var picked = outcome.coldStart ? Array(ranked.prefix(limit)) : Ranking.diversify(ranked, catalogue: catalogue, limit: limit, diversity: diversity)
        if !outcome.coldStart {
            // Explain only what is shown.
            let recalled = outcome.recalled.prefix(pool)
            let taste = outcome.taste.renumbered(catalogue.genreNumbering)
            for index in picked.indices {
                let id = picked[index].anime
                guard let candidate = recalled.first(where: { $0.anime == id }), let title = catalogue.titleFeatures(of: id)
                else { continue }
                picked[index].reason = Ranking.reason(
                    of: candidate, features: picked[index].features, genres: title.genres,
                    genreNames: catalogue.genres(of: id) ?? [], taste: taste, ranker: ranker)
            }
        }
        var list: [Recommendation] = []
        list.reserveCapacity(picked.count)
        for pick in picked {
            guard let anime = catalogue.anime(pick.anime) else { continue }
            var reasonAnime: Anime?
            if case .similarTo(let id) = pick.reason { reasonAnime = catalogue.anime(id) }
            list.append(Recommendation(anime: anime, score: pick.score, reason: pick.reason, reasonAnime: reasonAnime))
        }
        return list
    }

    /// How many neighbours ``similar(to:source:limit:includeAdult:)`` reads for `limit` answers
    /// (room for the anime itself and adult titles to be left out).
    public static func similarReadLength(limit: Int) -> Int { limit * 2 + 10 }

    /// Anime similar to `anime`, never itself: its neighbour list, or while it has none (no
    /// collaborative signal yet) its first genre's popular list.
    public static func similar(to anime: Anime, source: some RecallSource, limit: Int, includeAdult: Bool) -> [Anime] {
        similarOver(anime, source: source, limit: limit, includeAdult: includeAdult)
    }

    static func similarOver(_ anime: Anime, source: some RecallSource, limit: Int, includeAdult: Bool) -> [Anime] {
        let length = similarReadLength(limit: limit)
        var list = source.neighbors(of: anime.id, limit: length)
        if list.isEmpty, let genre = anime.genres.first { list = source.genreList(genre, limit: length) }
        var result: [Anime] = []
        result.reserveCapacity(min(limit, list.count))
        for item in list where item.anime != anime.id {
            guard result.count < limit else { break }
            guard let details = source.anime(item.anime), includeAdult || !details.isAdult else { continue }
            result.append(details)
        }
        return result
    }

    /// The "trending now" row: trending, filled with the run's popular list.
    public static func trending(
        _ trending: [ScoredAnime], source: some RecallSource, limit: Int, includeAdult: Bool
    ) -> [Recommendation] {
        trendingOver(trending, source: source, limit: limit, includeAdult: includeAdult)
    }

    static func trendingOver(
        _ trending: [ScoredAnime], source: some RecallSource, limit: Int, includeAdult: Bool
    ) -> [Recommendation] {
        TrendingRow.build(
            trending: trending, popular: Array(source.popular(limit: limit + 20)), catalogue: source, limit: limit,
            includeAdult: includeAdult
        ).map { Recommendation(anime: $0.anime, score: $0.score, reason: $0.reason, reasonAnime: nil) }
    }
}

/// The source serving uses: the live run's snapshot, plus the few entries imported since.
public typealias ServedRun = CatalogueOverlay<RunSnapshot>

/// The entry points serving calls, for its sources concretely: a generic function called from
/// another module runs unspecialised, through witness tables for every catalogue lookup, so these
/// overloads have the compiler specialise the pipeline for serving's sources here.
extension RecommendationPipeline {
    public static func answer(
        _ question: Question, _ plan: ReadPlan, source: ServedRun, trending: ArraySlice<ScoredAnime>,
        ranker: RankerWeights, includeAdult: Bool
    ) -> Answer {
        answerOver(question, plan, source: source, trending: trending, ranker: ranker, includeAdult: includeAdult)
    }

    public static func answer(
        _ question: Question, _ plan: ReadPlan, source: PartialRun, trending: ArraySlice<ScoredAnime>,
        ranker: RankerWeights, includeAdult: Bool
    ) -> Answer {
        answerOver(question, plan, source: source, trending: trending, ranker: ranker, includeAdult: includeAdult)
    }

    public static func similar(to anime: Anime, source: RunSnapshot, limit: Int, includeAdult: Bool) -> [Anime] {
        similarOver(anime, source: source, limit: limit, includeAdult: includeAdult)
    }

    public static func trending(_ trending: [ScoredAnime], source: ServedRun, limit: Int, includeAdult: Bool) -> [Recommendation] {
        trendingOver(trending, source: source, limit: limit, includeAdult: includeAdult)
    }
}
