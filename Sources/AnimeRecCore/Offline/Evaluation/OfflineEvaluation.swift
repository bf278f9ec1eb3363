/// Leave-some-out evaluation of three ways to fill a user's top K: the popular list, the item-CF
/// candidates, and all recalled candidates ordered by a ranker fitted on other users.
///
/// Users with enough positives are sampled and a share of their positives is held out; neighbours,
/// popularity and the ranker are computed from the remaining interactions only (no leakage). The ranker
/// is fitted on one group of sampled users and evaluated on a disjoint group.
public enum OfflineEvaluation {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Users evaluated.
        public var users: Int = 5000
        /// Further users whose held-out positives train the ranker.
        public var trainingUsers: Int = 3000
        /// The cut-off K.
        public var k: Int = 10
        /// Share of each sampled user's positives held out.
        public var holdoutShare: Double = 0.2
        /// Users with fewer positives are not sampled.
        public var minimumPositives: Int = 5
        /// Seed of every sample.
        public var seed: UInt64 = 11
        /// Neighbour computation.
        public var similarity = ItemSimilarity.Options()
        /// Candidate recall.
        public var recall = CandidateRecall.Options()
        /// Ranker training (its `users`, `holdoutShare`, `minimumPositives` are taken from these options).
        public var ranker = RankerTraining.Options()

        /// The defaults above.
        public init() {}
    }

    /// The numbers of one evaluation.
    public struct Report: Hashable, Sendable {
        /// Top K of the popular list (seen and adult left out).
        public var popularity: MetricSummary
        /// Top K of the item-CF candidates.
        public var itemCF: MetricSummary
        /// Top K of the recalled candidates ordered by the fitted ranker.
        public var ranked: MetricSummary
        /// The ranker fitted on the training users.
        public var ranker: RankerTraining.Outcome
        /// Held-out positives over all evaluated users.
        public var heldOut: Int

        /// The three summaries with their labels, in table order.
        public var rows: [(name: String, summary: MetricSummary)] {
            [("popularity", popularity), ("item-cf", itemCF), ("ranked", ranked)]
        }

        /// A plain-text table of the results.
        public var table: String {
            let k = popularity.k
            var lines = [
                "method       users  precision@\(k)  recall@\(k)  ndcg@\(k)  hit_rate@\(k)  coverage"
            ]
            for (name, summary) in rows {
                lines.append(
                    pad(name, 10) + pad(String(summary.users), 8, left: true)
                        + pad(format(summary.precision), 14, left: true) + pad(format(summary.recall), 11, left: true)
                        + pad(format(summary.ndcg), 9, left: true) + pad(format(summary.hitRate), 13, left: true)
                        + pad(format(summary.coverage), 10, left: true))
            }
            return lines.joined(separator: "\n")
        }

        private func format(_ value: Double) -> String {
            let scaled = Int((value * 10_000).rounded())
            let fraction = String(scaled % 10_000)
            return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
        }

        private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? padding + text : text + padding
        }
    }

    /// Splits the sampled users at random into an evaluation and a training group. When fewer users
    /// qualify than both groups ask for, evaluation keeps at least half of them.
    public static func assignGroups(
        _ users: [Int], evaluation: Int, training: Int, seed: UInt64
    ) -> (evaluation: [Int], training: [Int]) {
        let evaluationCount = min(max(0, evaluation), max(users.count / 2, users.count - max(0, training)))
        let trainingCount = min(max(0, training), users.count - evaluationCount)
        var shuffled = users
        var random = SeededRandom(seed: seed)
        for i in 0..<min(shuffled.count, evaluationCount + trainingCount) {
            shuffled.swapAt(i, i + random.below(shuffled.count - i))
        }
        let evaluationGroup = shuffled[0..<evaluationCount].sorted()
        let trainingGroup = shuffled[evaluationCount..<(evaluationCount + trainingCount)].sorted()
        return (evaluationGroup, trainingGroup)
    }

    /// Evaluates on `matrix` with catalogue facts `facts` (same item indexes); `now` (ms since 1970) is
    /// the time recall replays at.
    public static func run(
        _ matrix: InteractionMatrix, facts: ItemFacts, options: Options, now: Int64
    ) async -> Report {
        let split = HoldoutSplit(
            matrix, maximumUsers: options.users + options.trainingUsers, share: options.holdoutShare,
            minimumPositives: options.minimumPositives, seed: options.seed)
        let (evaluationUsers, trainingUsers) = assignGroups(
            split.users, evaluation: options.users, training: options.trainingUsers, seed: options.seed &+ 1)

        let table = await ItemSimilarity.neighbors(
            split.training, traits: facts.similarityTraits, options: options.similarity)
        let lists = PopularLists(split.training, facts: facts)
        var recall = CandidateRecall(
            table: table, items: matrix.items, facts: facts, lists: lists, options: options.recall)

        let examples = RankerTraining.examples(
            split: split, users: trainingUsers, recall: &recall, negativesPerUser: options.ranker.negativesPerUser,
            seed: options.ranker.seed, now: now)
        let ranker = RankerTraining.fit(examples, users: trainingUsers.count, options: options.ranker.regression)

        let k = options.k
        var popularity = MetricAccumulator<Int32>(k: k)
        var itemCF = MetricAccumulator<Int32>(k: k)
        var ranked = MetricAccumulator<Int32>(k: k)
        var heldOutTotal = 0
        let allowed = { (item: Int32) in options.recall.includeAdult || !facts.isAdult[Int(item)] }
        let popularOrder = lists.order.filter(allowed)
        for user in evaluationUsers {
            guard let relevant = split.heldOut[user] else { continue }
            heldOutTotal += relevant.count
            let (items, preferences) = split.training.row(user)
            let seen = Set(items)

            var popular: [Int32] = []
            for item in popularOrder where !seen.contains(item) {
                popular.append(item)
                if popular.count == k { break }
            }
            popularity.add(popular, relevant: relevant)

            let collaborative = recall.collaborative(items: items, preferences: preferences)
                .compactMap { facts.itemIndex[$0.anime] }.filter(allowed).prefix(k)
            itemCF.add(Array(collaborative), relevant: relevant)

            let scored = recall.recall(user: user, in: split.training, now: now)
                .map { (item: $0.item, score: ranker.weights.score($0.features)) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
            ranked.add(scored.prefix(k).map(\.item), relevant: relevant)
        }
        let catalogueSize = matrix.items.count
        return Report(
            popularity: popularity.summary(catalogueSize: catalogueSize),
            itemCF: itemCF.summary(catalogueSize: catalogueSize),
            ranked: ranked.summary(catalogueSize: catalogueSize), ranker: ranker, heldOut: heldOutTotal)
    }
}
