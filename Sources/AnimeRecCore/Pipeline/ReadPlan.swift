/// What one answer reads, said by the pipeline that will use it: the engine fetches exactly this
/// and makes one pure call (``RecommendationPipeline/answer(_:_:source:trending:ranker:includeAdult:)``),
/// which recalls from the same seeds and limits.
///
/// With the live run's snapshot in memory a request reads only the user's partitions, and the
/// catalogue entries the snapshot lacks among ``entries(trending:)``. A replica that has not loaded
/// the run yet reads the run's rows as well, in recall's order: ``firstRunReads`` (the seeds'
/// neighbour lists, the popular list, the taste history's entries), then
/// ``genreLists(catalogue:)``, then the entries of every candidate (``candidateEntries(of:trending:)``).
public struct ReadPlan: Sendable {
    /// The user's partitions, as read.
    public let user: UserPartitions
    /// The request's options.
    public let options: RecommendationPipeline.Options
    /// The user's rating habits, shared by seeds and taste.
    public let profile: RatingProfile
    /// The anime recall expands from, strongest first.
    public let seeds: [Seed]
    /// How much recall reads: ``RecommendationPipeline/Options/limits``, the genre and popular lists
    /// read longer while a filter is on, so that a narrow filter still finds enough candidates.
    public let limits: RecallLimits

    /// The titles the user said "not interested" in, newest verdict first, at most
    /// ``RecommendationPipeline/Options/dislikedDemoting``: their neighbours are demoted
    /// (``AgainstNeighbours``).
    public let disliked: [AnimeID]
    /// The titles the user rated well below their own mean (``Interaction/isLowRating(relativeTo:)``),
    /// lowest rating first, at most ``RecommendationPipeline/Options/dislikedDemoting``: the
    /// closeness to them is a ranking feature (``AgainstNeighbours``).
    public let lowRated: [AnimeID]
    /// How far titles shown again and again without a click are demoted.
    public let fatigue: Fatigue

    /// The plan for `user`. A disliked title's recent clicks and views are left out of the user as
    /// the plan holds it: they neither seed recall nor shape taste (the title itself stays out of
    /// every answer as an interaction).
    public init(_ user: UserPartitions, options: RecommendationPipeline.Options, now: Int64) {
        var user = user
        let profile = RatingProfile(user.interactions)
        // One pass over what the user is against (``Interaction/isEvidenceAgainst(relativeTo:)``):
        // the verdicts, and the low ratings in one array sized on first use (the benchmark's users
        // and a graded site's have a few on every request).
        var verdicts: [(anime: AnimeID, at: Int64)] = []
        var low: [(rating: Int8, anime: AnimeID)] = []
        for interaction in user.interactions where interaction.isEvidenceAgainst(relativeTo: profile) {
            if let at = interaction.dislikedAt {
                verdicts.append((interaction.anime, at))
            } else {
                if low.isEmpty { low.reserveCapacity(user.interactions.count) }
                low.append((interaction.rating ?? 0, interaction.anime))
            }
        }
        if !verdicts.isEmpty {
            let ruledOut = Set(verdicts.map(\.anime))
            user.recentEvents.removeAll { ruledOut.contains($0.anime) }
        }
        disliked = verdicts.sortedByScore({ Double($0.at) }, id: \.anime, limit: options.dislikedDemoting).map(\.anime)
        self.user = user
        self.options = options
        fatigue = Fatigue(user, now: now)
        self.profile = profile
        low.sort { ($0.rating, $0.anime) < ($1.rating, $1.anime) }
        lowRated = low.prefix(options.dislikedDemoting).map(\.anime)
        seeds = Recall.seeds(
            interactions: user.interactions, recentEvents: user.recentEvents, now: now, maximum: options.limits.seeds,
            profile: profile)
        var limits = options.limits
        if options.filter.restrictsTitles {
            limits.genreListSize = max(limits.genreListSize, options.filteredGenreListSize)
            limits.popular = max(limits.popular, options.filteredPopular)
        }
        self.limits = limits
    }

    /// The catalogue entries an answer names besides those of the run's lists: the recent events',
    /// the precomputed candidates' (and the titles their reasons name), what is trending, and the
    /// seeds' (a reason names its seed).
    public func entries(trending: some Collection<ScoredAnime>) -> [AnimeID] {
        var ids: [AnimeID] = []
        ids.reserveCapacity(user.recentEvents.count + 2 * user.precomputed.count + trending.count + seeds.count)
        for event in user.recentEvents { ids.append(event.anime) }
        for candidate in user.precomputed {
            ids.append(candidate.anime)
            if case .similarTo(let named) = candidate.reason { ids.append(named) }
        }
        for item in trending { ids.append(item.anime) }
        for seed in seeds { ids.append(seed.anime) }
        return ids
    }

    /// The first reads of a run that is not in memory, all at once.
    public struct RunReads: Sendable, Equatable {
        /// The anime whose neighbour lists are read, ``neighborsPerSeed`` long.
        public var neighborsOf: [AnimeID]
        public var neighborsPerSeed: Int
        /// The length of the popular list read.
        public var popularLength: Int
        /// The entries the user's genre taste is computed from.
        public var tasteEntries: [AnimeID]
    }

    /// The seeds', the disliked and the low-rated titles' neighbour lists, the popular list and the
    /// taste history's entries.
    public var firstRunReads: RunReads {
        let taste = Recall.tasteHistory(user.interactions, count: limits.tasteHistory, profile: profile).map(\.anime)
            + user.recentEvents.map(\.anime)
        return RunReads(
            neighborsOf: seeds.map(\.anime) + disliked + lowRated, neighborsPerSeed: limits.neighborsPerSeed, popularLength: limits.popular,
            tasteEntries: taste)
    }

    /// The genre lists recall reads (the user's favourites; while a filter is on, also the requested
    /// genres, without the excluded ones) and their length, once `catalogue` holds the taste
    /// history's entries.
    public func genreLists(catalogue: some CatalogueLookup) -> (genres: [String], length: Int) {
        (favouriteGenres(catalogue: catalogue, taste: taste(catalogue: catalogue)), limits.genreListSize)
    }

    /// Every entry the candidates recalled from `partial` (and from the user's partitions and what is
    /// trending) name, so that the answer needs no further read.
    public func candidateEntries(of partial: PartialRun, trending: some Collection<ScoredAnime>) -> [AnimeID] {
        var ids = entries(trending: trending)
        for list in partial.neighbors.values { ids += list.map(\.anime) }
        for list in partial.lists.values { ids += list.map(\.anime) }
        return ids
    }

    /// The user's genre taste, numbered as `catalogue`'s genres.
    func taste(catalogue: some CatalogueLookup) -> GenreTaste {
        Recall.genreAffinity(user, tasteHistory: limits.tasteHistory, catalogue: catalogue, profile: profile)
    }

    /// The genres whose lists recall merges, given the user's `taste`.
    func favouriteGenres(catalogue: some CatalogueLookup, taste: GenreTaste) -> [String] {
        RecommendationPipeline.genresToRead(favourite: taste.favourites(limits.favouriteGenres), filter: options.filter)
    }
}
