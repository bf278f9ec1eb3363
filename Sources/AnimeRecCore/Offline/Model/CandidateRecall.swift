/// The offline mirror of the online recall and feature computation: for one user's history it merges
/// item-CF candidates, the neighbours of the user's strongest positive anime and the popular list,
/// leaves out seen and adult anime, and computes each candidate's ``RankingFeatures`` with
/// ``RankingFeatureFormulas``. Training and evaluation both use it, so the trained ranker sees the same
/// features online serving computes.
public struct CandidateRecall: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Item-CF options.
        public var collaborative = CandidateGenerator.Options()
        /// Popular anime added to every user's candidates.
        public var popular: Int = 50
        /// Strongest positive anime whose neighbours are recalled.
        public var sources: Int = RankingFeatureFormulas.itemSimilaritySources
        /// Neighbours read per source.
        public var neighborsPerSource: Int = RankingFeatureFormulas.neighborsPerSource
        /// Whether adult anime may be candidates.
        public var includeAdult = false

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
    private let facts: ItemFacts
    private let popular: [Int32]
    private let options: Options
    private var generator: CandidateGenerator
    private var slot: [Int32]

    /// Recall over `table` with `popular` (item indexes, best first) for the popular source.
    public init(table: NeighborTable, facts: ItemFacts, popular: [Int32], options: Options) {
        self.table = table
        self.facts = facts
        self.popular = popular
        self.options = options
        generator = CandidateGenerator(table: table, options: options.collaborative)
        slot = Array(repeating: -1, count: table.itemCount)
    }

    /// The item-CF candidates alone (best first), as `rebuild` stores them.
    public mutating func collaborative(items: ArraySlice<Int32>, preferences: ArraySlice<Float>) -> [CandidateGenerator.Scored] {
        generator.candidates(items: items, preferences: preferences)
    }

    /// The merged candidates of a user, with features, in recall order (CF, then neighbours, then popular).
    public mutating func recall(items: ArraySlice<Int32>, preferences: ArraySlice<Float>) -> [Recalled] {
        var result: [Recalled] = []
        let seen = Set(items)
        func admit(_ item: Int32) -> Int? {
            if seen.contains(item) || (!options.includeAdult && facts.isAdult[Int(item)]) { return nil }
            if slot[Int(item)] >= 0 { return Int(slot[Int(item)]) }
            slot[Int(item)] = Int32(result.count)
            result.append(
                Recalled(
                    item: item,
                    features: RankingFeatures(
                        popularity: facts.popularity[Int(item)], rating: facts.rating[Int(item)])))
            return result.count - 1
        }
        for candidate in generator.candidates(items: items, preferences: preferences) {
            if let index = admit(candidate.item) { result[index].features.collaborative = Double(candidate.score) }
        }
        var positives: [(item: Int32, preference: Float)] = zip(items, preferences)
            .filter { Double($0.1) > InteractionMatrix.positiveThreshold }
            .map { ($0.0, $0.1) }
        let weights = facts.genreWeights(positiveItems: positives.map(\.item))
        positives.sort { $0.preference != $1.preference ? $0.preference > $1.preference : $0.item < $1.item }
        for source in positives.prefix(options.sources) {
            let (neighbors, scores) = table.list(Int(source.item))
            for (neighbor, score) in zip(neighbors, scores).prefix(options.neighborsPerSource) {
                if let index = admit(neighbor) {
                    result[index].features.itemSimilarity = max(result[index].features.itemSimilarity, Double(score))
                }
            }
        }
        var added = 0
        for item in popular where added < options.popular {
            if admit(item) != nil { added += 1 }
        }
        for index in result.indices {
            slot[Int(result[index].item)] = -1
            result[index].features.genreAffinity = facts.genreAffinity(item: result[index].item, weights: weights)
        }
        return result
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
        split: HoldoutSplit, users: [Int], recall: inout CandidateRecall, negativesPerUser: Int, seed: UInt64
    ) -> [(features: RankingFeatures, label: Bool)] {
        var random = SeededRandom(seed: seed)
        var examples: [(features: RankingFeatures, label: Bool)] = []
        for user in users {
            guard let heldOut = split.heldOut[user] else { continue }
            let (items, preferences) = split.training.row(user)
            var negatives: [RankingFeatures] = []
            for candidate in recall.recall(items: items, preferences: preferences) {
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
