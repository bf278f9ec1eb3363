import AnimeRecCore
/// Fits ``RankerWeights`` with a pairwise objective on held-out hits: for each sampled user, the
/// candidates recalled from the training part of their history that were held out are hits, the
/// others misses; every hit is paired with a few random misses of the same user (half of them among
/// the user's collaborative candidates, which compete for the top of the list; a hit that was not a
/// positive interaction with ``Options/weakHitGain`` times as many), and a logistic
/// regression on the feature differences learns `w` so that `w·hit > w·miss` (RankNet with a linear
/// scorer). ``RankerBoosting`` then fits trees on top of that linear score with LambdaMART over the
/// same users' candidates, a positive hit's gain 1 and another's ``Options/weakHitGain``. Only the
/// order within one user's candidates is learned, which is all ranking uses.
public enum RankerTraining {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Users sampled for training.
        public var users: Int = 3000
        /// Share of each sampled user's interactions held out.
        public var holdoutShare: Double = 0.2
        /// Users with fewer interactions are not sampled.
        public var minimumPositives: Int = 5
        /// Misses paired with each hit (random sample of the user's misses).
        public var missesPerHit: Int = 8
        /// Share of each hit's misses drawn from the user's collaborative candidates (the ones that
        /// compete for the top of the list); the rest come from all the user's misses.
        public var collaborativeMissShare: Double = 0.5
        /// Seed of every sample.
        public var seed: UInt64 = 7
        /// Regression options.
        public var regression = LogisticRegression.Options()
        /// The trees boosted on top of the linear weights (``RankerBoosting``; 0 rounds: linear only).
        public var boosting = RankerBoosting.Options()
        /// The weight of a held-out interaction that was not a positive one (a title watched and not
        /// liked, or rated below the user's mean) against 1 for a positive one, as the trees' gain
        /// and as the share of pairs it makes: below 1, the ranker learns to put what the user will
        /// like above what they will merely watch. 0.25 is what `eval` picks on the validation split
        /// when liked titles are the ones that count.
        public var weakHitGain: Double = 0.25

        /// A held-out hit's gain: 1 for a positive interaction, ``weakHitGain`` for another.
        func gain(isPositive: Bool) -> Double { isPositive ? 1 : weakHitGain }

        /// The defaults above.
        public init() {}
    }

    /// A fitted ranker and how it was obtained.
    public struct Outcome: Hashable, Sendable {
        /// The weights to store with the run.
        public var weights: RankerWeights
        /// Users that contributed examples.
        public var users: Int
        /// Pairs fitted.
        public var examples: Int
        /// Hits (held-out candidates) among the users' candidates.
        public var positives: Int
        /// Mean pairwise training log-loss.
        public var logLoss: Double
        /// Features that never differed within a pair; they keep ``RankerWeights/fallback``'s weight
        /// (imported histories have no timestamps, so `trending` and `recency` are always 0 offline).
        public var untrainedFeatures: [String]
        /// Features that may only lower a score (``RankingFeatures/monotoneDecreasing``) whose
        /// unconstrained fit came out positive: held at weight 0.
        public var pinnedFeatures: [String] = []
    }

    /// One user's recalled candidates, split into held-out hits and misses.
    public struct UserExamples: Sendable {
        public var hits: [RankingFeatures]
        public var misses: [RankingFeatures]
        /// Whether each hit was a positive interaction (``Options/weakHitGain`` weighs the others).
        public var hitIsPositive: [Bool]

        public init(hits: [RankingFeatures], misses: [RankingFeatures], hitIsPositive: [Bool]? = nil) {
            precondition(hitIsPositive.map { $0.count == hits.count } ?? true, "one flag per hit")
            self.hits = hits
            self.misses = misses
            self.hitIsPositive = hitIsPositive ?? hits.map { _ in true }
        }
    }

    /// Fits the ranker as `rebuild` and `eval` both do: ``collect(_:facts:model:recall:options:now:)``,
    /// then ``fit(_:options:)``. A failure (with the reason) when no usable example could be made.
    public static func train(
        _ matrix: InteractionMatrix, facts: ItemFacts, model: NeighborModel, recall recallOptions: CandidateRecall.Options,
        options: Options, now: Int64
    ) async throws -> Result<Outcome, Unavailable> {
        try await collect(matrix, facts: facts, model: model, recall: recallOptions, options: options, now: now)
            .map { fit($0, options: options) }
    }

    /// The examples the ranker learns from: holds out a share of sampled users' interactions from
    /// `matrix`, fits `model` and the popular lists on the rest and replays recall with
    /// `recallOptions`; each user's recalled candidates are hits (held out) or misses. Only the
    /// sampling options are read, so one collection serves every ranker setting `eval` tries.
    public static func collect(
        _ matrix: InteractionMatrix, facts: ItemFacts, model: NeighborModel, recall recallOptions: CandidateRecall.Options,
        options: Options, now: Int64
    ) async throws -> Result<[UserExamples], Unavailable> {
        let split = HoldoutSplit(
            matrix, maximumUsers: options.users, share: options.holdoutShare, minimumPositives: options.minimumPositives,
            seed: options.seed, positivesOnly: false)
        guard !split.users.isEmpty else { return .failure(Unavailable(reason: "no user has enough interactions")) }
        let fitted = try await model.fit(split.training, traits: facts.similarityTraits)
        var recall = CandidateRecall(
            table: fitted.table, items: matrix.items, facts: facts, lists: PopularLists(split.training, facts: facts),
            options: recallOptions, ease: fitted.ease, factors: fitted.factors)
        let users = examples(split: split, of: matrix, users: split.users, recall: &recall, now: now)
        guard users.contains(where: { !$0.hits.isEmpty && !$0.misses.isEmpty }) else {
            return .failure(Unavailable(reason: "held-out interactions gave no usable examples"))
        }
        return .success(users)
    }

    /// Why no ranker could be trained.
    public struct Unavailable: Error, Hashable, Sendable {
        public var reason: String
    }

    /// Hits and misses of `users` of a split of `matrix`, recalled with `recall`.
    public static func examples(
        split: HoldoutSplit, of matrix: InteractionMatrix, users: [Int], recall: inout CandidateRecall, now: Int64
    ) -> [UserExamples] {
        var result: [UserExamples] = []
        for user in users {
            guard let heldOut = split.heldOut[user] else { continue }
            let (items, preferences) = matrix.row(user)
            var positive: [Int32: Bool] = [:]
            for (item, preference) in zip(items, preferences) where heldOut.contains(item) {
                positive[item] = InteractionMatrix.isPositive(preference)
            }
            var examples = UserExamples(hits: [], misses: [])
            for candidate in recall.recall(user: user, in: split.training, now: now) {
                if let isPositive = positive[candidate.item] {
                    examples.hits.append(candidate.features)
                    examples.hitIsPositive.append(isPositive)
                } else {
                    examples.misses.append(candidate.features)
                }
            }
            result.append(examples)
        }
        return result
    }

    /// Fits the weights on the users' hits and misses (pairs sampled with `options.seed`).
    public static func fit(_ users: [UserExamples], options: Options) -> Outcome {
        var random = SeededRandom(seed: options.seed)
        var differences: [[Double]] = []
        var labels: [Bool] = []
        var usersWithPairs = 0
        for user in users where !user.hits.isEmpty && !user.misses.isEmpty {
            usersWithPairs += 1
            let strong = user.misses.indices.filter { user.misses[$0].collaborative > 0 }
            for (hit, isPositive) in zip(user.hits, user.hitIsPositive) {
                let hitVector = hit.vector
                // A weak hit weighs its gain in pairs: it is paired with that share of the misses.
                let pairs = Int((Double(max(1, options.missesPerHit)) * options.gain(isPositive: isPositive)).rounded())
                let fromStrong = strong.isEmpty ? 0 : Int((Double(pairs) * options.collaborativeMissShare).rounded())
                for pair in 0..<pairs {
                    let index = pair < fromStrong ? strong[random.below(strong.count)] : random.below(user.misses.count)
                    let miss = user.misses[index].vector
                    // Alternate the pair's direction so that the classes balance and the bias stays ~0.
                    let forward = labels.count % 2 == 0
                    differences.append(zip(hitVector, miss).map { forward ? $0 - $1 : $1 - $0 })
                    labels.append(forward)
                }
            }
        }
        let dimension = RankingFeatures.names.count
        var varying = (0..<dimension).filter { feature in differences.contains { $0[feature] != 0 } }
        let regression = LogisticRegression(options: options.regression)
        var model = regression.fit(features: differences.map { difference in varying.map { difference[$0] } }, labels: labels)
        // A feature that may only lower a score and came out positive is held at 0 (the
        // constrained optimum of this convex fit lies on that bound) and the rest refitted.
        let pinned = varying.enumerated().filter { RankingFeatures.monotoneDecreasing.contains($0.element) && model.weights[$0.offset] > 0 }
            .map(\.element)
        if !pinned.isEmpty {
            varying.removeAll { pinned.contains($0) }
            model = regression.fit(features: differences.map { difference in varying.map { difference[$0] } }, labels: labels)
        }
        var weights = RankerWeights.fallback.weights
        for feature in pinned { weights[feature] = 0 }
        for (position, feature) in varying.enumerated() { weights[feature] = model.weights[position] }
        // Centre the scores on the candidates seen in training, so a typical one scores about ½.
        var mean = Array(repeating: 0.0, count: dimension)
        var count = 0.0
        for user in users {
            for features in user.hits + user.misses {
                for (index, value) in features.vector.enumerated() { mean[index] += value }
                count += 1
            }
        }
        let bias = count > 0 ? -zip(weights, mean).reduce(0) { $0 + $1.0 * $1.1 / count } : RankerWeights.fallback.bias
        // Trees on top of the linear score: they learn what a weighted sum cannot (thresholds, interactions).
        let linear = RankerWeights(bias: bias, weights: weights)
        let groups = users.map { user in
            let features = user.hits + user.misses
            return RankerBoosting.Group(
                features: features, gains: user.hitIsPositive.map { options.gain(isPositive: $0) } + user.misses.map { _ in 0 },
                base: features.map { linear.margin($0) })
        }
        let trees = RankerBoosting.fit(groups, options: options.boosting)
        return Outcome(
            weights: RankerWeights(bias: bias, weights: weights, trees: trees), users: usersWithPairs, examples: differences.count,
            positives: users.reduce(0) { $0 + $1.hits.count }, logLoss: model.logLoss,
            untrainedFeatures: (0..<dimension).filter { !varying.contains($0) && !pinned.contains($0) }.map { RankingFeatures.names[$0] },
            pinnedFeatures: pinned.map { RankingFeatures.names[$0] })
    }
}
