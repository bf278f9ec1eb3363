/// Online recall replayed offline: for one user's history it runs the recall serving runs
/// (``RecommendationPipeline/recall(_:source:trending:limits:includeAdult:now:)``) over the model as
/// computed (the user's item-CF candidates as `rebuild` stores them, the neighbour table, the popular
/// lists), then ``Ranking/features(of:anime:genreAffinity:)``. Training and evaluation both use it,
/// so the ranker is fitted on exactly the features online ranking computes.
public struct CandidateRecall: Sendable {
    /// Tuning knobs; the defaults are the recommendation engine's.
    public struct Options: Hashable, Sendable {
        /// Item-CF options (what `rebuild` stores per user).
        public var collaborative = CandidateGenerator.Options()
        /// Seeds expanded through their neighbour lists.
        public var seeds: Int = RecallLimits.standard.seeds
        /// Neighbours read per seed.
        public var neighborsPerSeed: Int = RecallLimits.standard.neighborsPerSeed
        /// Favourite genres whose popular lists are read.
        public var favouriteGenres: Int = RecallLimits.standard.favouriteGenres
        /// Items read per genre list.
        public var genreListSize: Int = RecallLimits.standard.genreListSize
        /// Popular items considered.
        public var popular: Int = RecallLimits.standard.popular
        /// Positive interactions whose genres define taste.
        public var tasteHistory: Int = RecallLimits.standard.tasteHistory
        /// Whether adult anime may be candidates.
        public var includeAdult = false

        /// The recall limits these options describe.
        public var limits: RecallLimits {
            RecallLimits(
                seeds: seeds, neighborsPerSeed: neighborsPerSeed, favouriteGenres: favouriteGenres,
                genreListSize: genreListSize, popular: popular, tasteHistory: tasteHistory)
        }

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

    /// Recall over neighbour `table`, with `lists` as the run's popular lists; `items` are the matrix's ids.
    public init(table: NeighborTable, items: [AnimeID], facts: ItemFacts, lists: PopularLists, options: Options) {
        self.table = table
        self.items = items
        self.facts = facts
        self.options = options
        popular = lists.popular(length: options.popular, items: items)
        genreLists = lists.byGenre(length: options.genreListSize, items: items, facts: facts)
        generator = CandidateGenerator(table: table, options: options.collaborative)
    }

    /// The item-CF candidates alone (best first, catalogue anime only), as `rebuild` stores them.
    public mutating func collaborative(
        items rowItems: ArraySlice<Int32>, preferences: ArraySlice<Float>
    ) -> [Candidate] {
        generator.candidates(items: rowItems, preferences: preferences)
            .filter { facts.inCatalogue[Int($0.item)] }
            .map { scored in
                Candidate(
                    anime: items[Int(scored.item)], score: Double(scored.score),
                    reason: scored.source.map { .similarTo(items[Int($0)]) } ?? .forYou)
            }
    }

    /// The merged candidates of user `user` of `matrix` with their features, strongest recall signal
    /// first: ``RecommendationPipeline/recall(_:source:trending:limits:includeAdult:now:)``, the
    /// function serving calls, over the model as computed.
    public mutating func recall(user: Int, in matrix: InteractionMatrix, now: Int64) -> [Recalled] {
        let interactions = matrix.interactions(ofUser: user)
        let (rowItems, preferences) = matrix.row(user)
        let partitions = UserPartitions(
            interactions: interactions, recentEvents: [], precomputed: collaborative(items: rowItems, preferences: preferences))
        let source = ModelRecallSource(table: table, items: items, facts: facts, popularList: popular, genreLists: genreLists)
        let outcome = RecommendationPipeline.recall(
            partitions, source: source, trending: [], limits: options.limits, includeAdult: options.includeAdult, now: now)
        return outcome.recalled.compactMap { candidate in
            guard let anime = facts.catalogue[candidate.anime], let item = facts.itemIndex[candidate.anime] else {
                return nil
            }
            return Recalled(
                item: item, features: Ranking.features(of: candidate, anime: anime, genreAffinity: outcome.affinity))
        }
    }
}

/// Fits ``RankerWeights`` on held-out hits: for each sampled user, the candidates recalled from the
/// training part of their history are labelled 1 when held out, 0 otherwise; all positives and a
/// sample of negatives per user enter a logistic regression.
public enum RankerTraining {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Users sampled for training.
        public var users: Int = 3000
        /// Share of each sampled user's positives held out.
        public var holdoutShare: Double = 0.2
        /// Users with fewer positives are not sampled.
        public var minimumPositives: Int = 5
        /// Negative examples kept per user (random sample).
        public var negativesPerUser: Int = 40
        /// Seed of every sample.
        public var seed: UInt64 = 7
        /// Regression options.
        public var regression = LogisticRegression.Options()

        /// The defaults above.
        public init() {}
    }

    /// A fitted ranker and how it was obtained.
    public struct Outcome: Hashable, Sendable {
        /// The weights to store with the run.
        public var weights: RankerWeights
        /// Users that contributed examples.
        public var users: Int
        /// Examples fitted.
        public var examples: Int
        /// Positive examples among them.
        public var positives: Int
        /// Mean training log-loss.
        public var logLoss: Double
        /// Features that never varied in the training data; they keep ``RankerWeights/fallback``'s weight
        /// (imported histories have no timestamps, so `trending` and `recency` are always 0 offline).
        public var untrainedFeatures: [String]
    }

    /// Labelled examples for `users` of a split, recalled with `recall`.
    public static func examples(
        split: HoldoutSplit, users: [Int], recall: inout CandidateRecall, negativesPerUser: Int, seed: UInt64,
        now: Int64
    ) -> [(features: RankingFeatures, label: Bool)] {
        var random = SeededRandom(seed: seed)
        var examples: [(features: RankingFeatures, label: Bool)] = []
        for user in users {
            guard let heldOut = split.heldOut[user] else { continue }
            var negatives: [RankingFeatures] = []
            for candidate in recall.recall(user: user, in: split.training, now: now) {
                if heldOut.contains(candidate.item) {
                    examples.append((candidate.features, true))
                } else {
                    negatives.append(candidate.features)
                }
            }
            let keep = min(negativesPerUser, negatives.count)
            for i in 0..<keep {
                negatives.swapAt(i, i + random.below(negatives.count - i))
                examples.append((negatives[i], false))
            }
        }
        return examples
    }

    /// Fits the weights on labelled examples.
    public static func fit(
        _ examples: [(features: RankingFeatures, label: Bool)], users: Int, options: LogisticRegression.Options
    ) -> Outcome {
        let vectors = examples.map(\.features.vector)
        let labels = examples.map(\.label)
        let dimension = RankingFeatures.names.count
        var constant = Array(repeating: true, count: dimension)
        if let first = vectors.first {
            for vector in vectors {
                for i in 0..<dimension where vector[i] != first[i] { constant[i] = false }
            }
        }
        let varying = (0..<dimension).filter { !constant[$0] }
        let model = LogisticRegression(options: options).fit(
            features: vectors.map { vector in varying.map { vector[$0] } }, labels: labels)
        var weights = RankerWeights.fallback.weights
        var bias = model.bias
        for (position, feature) in varying.enumerated() { weights[feature] = model.weights[position] }
        // A constant feature's contribution is folded into the bias, so the fallback weight only acts
        // where the feature moves away from its training value.
        if let first = vectors.first {
            for feature in 0..<dimension where constant[feature] { bias -= weights[feature] * first[feature] }
        }
        return Outcome(
            weights: RankerWeights(bias: bias, weights: weights), users: users, examples: examples.count,
            positives: labels.filter { $0 }.count, logLoss: model.logLoss,
            untrainedFeatures: (0..<dimension).filter { constant[$0] }.map { RankingFeatures.names[$0] })
    }
}
