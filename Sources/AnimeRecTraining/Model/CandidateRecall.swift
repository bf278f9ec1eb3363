import AnimeRecCore
/// Online recall replayed offline: for one user's history it runs the recall serving runs
/// (``RecommendationPipeline/recall(_:source:trending:options:includeAdult:now:keep:)``) over the model as
/// computed (the user's collaborative candidates as `rebuild` stores them, the neighbour table, the
/// popular lists), then ``Ranking/features(of:anime:taste:)``. Training and evaluation both use it,
/// so the ranker is fitted on exactly the features online ranking computes.
public struct CandidateRecall: Sendable {
    /// Tuning knobs; the defaults are the recommendation engine's.
    public struct Options: Hashable, Sendable {
        /// Per-user candidate options (what `rebuild` stores per user).
        public var collaborative = CandidateGenerator.Options()
        /// How much recall reads: serving's own limits (one declaration, ``RecallLimits/standard``).
        public var limits = RecallLimits.standard
        /// Whether adult anime may be candidates.
        public var includeAdult = false
        /// The candidates ``recall(user:in:now:)`` hands to training: the strongest by recall
        /// signal, as many as serving ranks (``RecommendationPipeline/Options/rankingPool``), so
        /// the ranker is fitted on pools of the size and make-up it orders online.
        public var rankingPool = RecommendationPipeline.Options().rankingPool

        /// The defaults above.
        public init() {}
    }

    /// One recalled candidate.
    public struct Recalled: Sendable {
        /// Item index.
        public var item: Int32
        /// Its features.
        public var features: RankingFeatures
    }

    private let table: NeighborTable
    private let items: [AnimeID]
    private let facts: ItemFacts
    private let popular: [ScoredAnime]
    private let genreLists: [String: [ScoredAnime]]
    private let options: Options
    private var generator: CandidateGenerator
    private var exact: EASE.CandidateScorer?
    private var factorScorer: ImplicitALS.CandidateScorer?

    /// Recall over neighbour `table`, with `lists` as the run's popular lists; `items` are the matrix's
    /// ids. With `ease`, the item model's per-user candidates are EASE's exact scores, else summed from
    /// `table`; with `factors`, the factor model's join them.
    public init(
        table: NeighborTable, items: [AnimeID], facts: ItemFacts, lists: PopularLists, options: Options, ease: EASE? = nil,
        factors: ImplicitALS? = nil
    ) {
        self.table = table
        self.items = items
        self.facts = facts
        self.options = options
        popular = lists.popular(length: options.limits.popular, items: items)
        genreLists = lists.byGenre(length: options.limits.genreListSize, items: items, facts: facts)
        generator = CandidateGenerator(table: table, options: options.collaborative)
        exact = ease.map { EASE.CandidateScorer(model: $0, limit: options.collaborative.candidates) }
        factorScorer = factors.map {
            ImplicitALS.CandidateScorer(model: $0, limit: options.collaborative.candidates, admitted: facts.inCatalogue)
        }
    }

    /// The user's precomputed candidates (catalogue anime only), as `rebuild` stores them: the
    /// union of the item model's list and the factor model's, each entry with its place in both,
    /// best first by the better of its two scores (ties by anime).
    public mutating func collaborative(
        items rowItems: ArraySlice<Int32>, preferences: ArraySlice<Float>
    ) -> [Candidate] {
        let scored: [CandidateGenerator.Scored]
        if var scorer = exact {
            exact = nil  // keep the scratch row uniquely referenced while it is written
            scored = scorer.candidates(items: rowItems, preferences: preferences)
            exact = scorer
        } else {
            scored = generator.candidates(items: rowItems, preferences: preferences)
        }
        var merged: [Candidate] = []
        var position: [Int32: Int] = [:]
        for entry in scored where facts.inCatalogue[Int(entry.item)] {
            position[entry.item] = merged.count
            merged.append(
                Candidate(
                    anime: items[Int(entry.item)], score: Double(entry.score),
                    reason: entry.source.map { .similarTo(items[Int($0)]) } ?? .forYou,
                    itemModel: ListPlace(rank: Int32(merged.count), score: entry.score)))
        }
        if var scorer = factorScorer {
            factorScorer = nil
            let factorList = scorer.candidates(items: rowItems, preferences: preferences)
            factorScorer = scorer
            for (rank, entry) in factorList.enumerated() {
                let place = ListPlace(rank: Int32(rank), score: entry.score)
                if let index = position[entry.item] {
                    merged[index].factorModel = place
                    merged[index].score = max(merged[index].score, Double(entry.score))
                } else {
                    merged.append(
                        Candidate(anime: items[Int(entry.item)], score: Double(entry.score), reason: .forYou, factorModel: place))
                }
            }
        }
        return merged.sortedByScore(\.score, id: \.anime)
    }

    /// The run's data as serving reads it, over the model as computed.
    var source: ModelRecallSource {
        ModelRecallSource(table: table, items: items, facts: facts, popularList: popular, genreLists: genreLists)
    }

    /// What ``RecommendationPipeline/recall(_:source:trending:options:includeAdult:now:keep:)``, the
    /// function serving calls, recalls for user `user` of `matrix` over the model as computed.
    /// (the strongest `keep` candidates, all by default).
    public mutating func outcome(
        user: Int, in matrix: InteractionMatrix, now: Int64, keep: Int = .max
    ) -> RecommendationPipeline.RecallOutcome {
        let interactions = matrix.interactions(ofUser: user)
        let (rowItems, preferences) = matrix.row(user)
        let partitions = UserPartitions(
            interactions: interactions, recentEvents: [], precomputed: collaborative(items: rowItems, preferences: preferences))
        return RecommendationPipeline.recall(
            partitions, source: source, trending: [], options: RecommendationPipeline.Options(limits: options.limits),
            includeAdult: options.includeAdult, now: now, keep: keep)
    }

    /// The merged candidates of user `user` of `matrix` with their features, strongest recall signal
    /// first, as many as serving ranks (``Options/rankingPool``): ``outcome(user:in:now:keep:)`` then
    /// ``Ranking/features(of:anime:taste:)``.
    public mutating func recall(user: Int, in matrix: InteractionMatrix, now: Int64) -> [Recalled] {
        let outcome = outcome(user: user, in: matrix, now: now, keep: options.rankingPool)
        return outcome.recalled.compactMap { candidate in
            guard let anime = facts.catalogue[candidate.anime], let item = facts.itemIndex[candidate.anime] else {
                return nil
            }
            return Recalled(
                item: item, features: Ranking.features(of: candidate, anime: anime, taste: outcome.taste))
        }
    }
}
