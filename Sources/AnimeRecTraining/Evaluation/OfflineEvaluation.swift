import AnimeRecCore
import HeapModule

/// `eval`: a seeded per-user holdout, every method trained on the train part only.
///
/// 1. **Test split**: for up to ``Options/users`` users with at least ``Options/minimumInteractions``
///    interactions, a share (``Options/holdoutShare``) of their interactions is held out; the rest is
///    the train part. With ``Options/likedOnly`` only held-out positives count as relevant.
/// 2. **Validation split**, carved from the train part the same way (another seed): each tuned
///    method picks its hyperparameter by NDCG@10 there, never on the test part.
/// 3. Every method is fitted on the whole train part with its chosen value and scored on the test
///    users: popularity, tuned item-kNN (cosine neighbours summed, as ``CandidateGenerator``), exact
///    EASE with tuned λ and input (the preferences, or binary as textbook EASE; the reference), each
///    recall source of the served pipeline alone, the served ranking without and with the final
///    list's diversification. The served pipeline is ``RecommendationPipeline`` itself over the run
///    `rebuild` would write from the train part: the collaborative model's neighbour lists and
///    candidates (EASE or EDLAE, whichever ranks best on validation, with its tuned λ, dropout and
///    input), iALS's candidates, popular lists, and the ranker trained by
///    ``RankerTraining/train(_:facts:model:recall:options:now:)``.
public enum OfflineEvaluation {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Share of each test user's interactions held out.
        public var holdoutShare: Double = 0.2
        /// Seed of the test split (the validation split uses the next).
        public var seed: UInt64 = 7
        /// Only held-out positives are relevant.
        public var likedOnly = false
        /// Test users evaluated at most (a seeded sample).
        public var users: Int = 10_000
        /// Validation users at most.
        public var validationUsers: Int = 5_000
        /// Users with fewer interactions are not sampled.
        public var minimumInteractions: Int = 5
        /// EASE λ values tried on the validation split (the baseline, and the served model's).
        public var easeLambdas: [Double] = [30, 100, 300, 1000, 3000]
        /// EDLAE dropout rates tried on the validation split for the served collaborative model, each
        /// with every λ of ``dropoutLambdas`` (``EASE/Options/dropout``); the baseline stays EASE.
        public var easeDropouts: [Double] = [0.2]
        /// Powers of the preferences in EASE's `X` (``EASE/Options/preferencePower``) tried on the
        /// validation split with every λ, for the baseline and the served model alike: 1 the
        /// preferences as they are, 0 every interaction counting 1 (textbook EASE's binary input).
        public var easePreferencePowers: [Double] = [1, 0.5, 0]
        /// The λ values tried with each dropout rate.
        public var dropoutLambdas: [Double] = [30, 100]
        /// Activity discounts (``EASE/Options/activityDiscount``) tried with each dropout setting for
        /// the served model; the baseline stays textbook EASE, every user's pairs alike.
        public var easeActivityDiscounts: [Double] = [0, 0.5]
        /// Item-kNN neighbour counts tried on the validation split.
        public var cosineNeighbors: [Int] = [1, 2, 3, 5, 10, 20, 50, 100]
        /// iALS λ values tried on the validation split, each with every α₀ of ``factorUnobservedWeights``.
        public var factorRegularizations: [Double] = [0.003, 0.01]
        /// iALS α₀ values tried on the validation split.
        public var factorUnobservedWeights: [Double] = [0.03]
        /// iALS's other options (its λ and α₀ are replaced by the tuned ones).
        public var factors = ImplicitALS.Options()
        /// The served model (its λ is replaced by the tuned one).
        public var model = NeighborModel()
        /// Recall as served.
        public var recall = CandidateRecall.Options()
        /// Ranker training as `rebuild` does it (its gain for weak hits and its trees are replaced by
        /// the ones chosen on the validation split, if any are tried).
        public var ranker = RankerTraining.Options()
        /// The ranker's ``RankerTraining/Options/weakHitGain`` values tried on the validation split,
        /// each with every tree shape of ``rankerTrees`` (none: ``ranker`` as it is, untuned).
        public var rankerWeakHitGains: [Double] = [1, 0.5, 0.25, 0.1]
        /// The ranker's tree shapes (rounds, depth) tried on the validation split.
        public var rankerTrees: [RankerTrees] = [RankerTrees(rounds: 50, depth: 3), RankerTrees(rounds: 100, depth: 4)]
        /// Candidates the served ranking orders (as ``RecommendationPipeline/Options/rankingPool``).
        public var rankingPool: Int = RecommendationPipeline.Options().rankingPool

        /// The defaults above.
        public init() {}
    }

    /// How many trees the ranker boosts and how deep.
    public struct RankerTrees: Hashable, Sendable, Codable, CustomStringConvertible {
        public var rounds: Int
        public var depth: Int

        public init(rounds: Int, depth: Int) {
            self.rounds = rounds
            self.depth = depth
        }

        /// The shape of `boosting`'s trees.
        public init(_ boosting: RankerBoosting.Options) {
            self.init(rounds: boosting.rounds, depth: boosting.depth)
        }

        public var description: String { "\(rounds) trees of depth \(depth)" }
    }

    /// One setting of the collaborative model tried on the validation split.
    struct CollaborativeSetting: Hashable, Sendable {
        var lambda: Double
        var dropout: Double
        var preferencePower: Double
        var activityDiscount: Double = 0

        /// `λ=100.0 power=0.5` (EASE) or `λ=100.0 p=0.2 power=0.5 discount=0.5` (EDLAE): the key of
        /// its validation score.
        var label: String {
            "λ=\(lambda)" + (dropout > 0 ? " p=\(dropout)" : "") + " power=\(preferencePower)"
                + (activityDiscount > 0 ? " discount=\(activityDiscount)" : "")
        }

        /// The same Gram matrix serves every setting with this input.
        var input: GramInput { GramInput(preferencePower: preferencePower, activityDiscount: activityDiscount) }

        /// `options` with this setting's λ, dropout and input.
        func applied(to options: EASE.Options) -> EASE.Options {
            var result = options
            (result.lambda, result.dropout) = (lambda, dropout)
            (result.preferencePower, result.activityDiscount) = (preferencePower, activityDiscount)
            return result
        }
    }

    /// What a Gram matrix depends on beyond the matrix: how the entries of `X` are weighted.
    struct GramInput: Hashable, Sendable {
        var preferencePower: Double
        var activityDiscount: Double
    }

    /// `ease (λ=100)`, `ease (λ=100, binary)` or `ease (λ=100, preference^0.5)`: the baseline's row.
    public static func easeMethod(lambda: Double, preferencePower: Double) -> String {
        let input = preferencePower == 1 ? "" : preferencePower == 0 ? ", binary" : ", preference^\(preferencePower)"
        return "ease (λ=\(Int(lambda))\(input))"
    }

    /// One method's figures on the test users.
    public struct Row: Hashable, Sendable, Codable {
        public var method: String
        public var users: Int
        public var recallAt10: Double
        public var recallAt20: Double
        public var ndcgAt10: Double
        public var ndcgAt20: Double
        /// Share of the catalogue (items of the matrix) that appears in some top 10.
        public var coverageAt10: Double
    }

    /// The outcome of one evaluation.
    public struct Report: Hashable, Sendable, Codable {
        /// One row per method, in table order.
        public var rows: [Row]
        /// EASE λ and preference power chosen on the validation split (the baseline; power 0:
        /// binary input).
        public var easeLambda: Double
        public var easePreferencePower: Double
        /// The served collaborative model's λ, dropout rate and preference power, chosen on the
        /// validation split (dropout 0: EASE itself).
        public var collaborativeLambda: Double
        public var collaborativeDropout: Double
        public var collaborativePreferencePower: Double
        public var collaborativeActivityDiscount: Double
        /// Item-kNN neighbour count chosen on the validation split.
        public var cosineNeighbors: Int
        /// iALS λ and α₀ chosen on the validation split.
        public var factorRegularization: Double
        public var factorUnobservedWeight: Double
        /// The ranker's gain for weak hits and its trees, chosen on the validation split.
        public var rankerWeakHitGain: Double
        public var rankerTrees: RankerTrees
        /// Validation NDCG@10 of every value tried, by method.
        public var validation: [String: [String: Double]]
        /// Users with a held-out part, and held-out relevant items over them.
        public var testUsers: Int
        public var relevantItems: Int
        /// The interactions the methods were trained on.
        public var trainInteractions: Int
        /// Whether only held-out positives were relevant.
        public var likedOnly: Bool
        /// The seed of the holdout.
        public var seed: UInt64
        /// The baseline (popularity, tuned item-kNN, tuned EASE or tuned iALS) with the best NDCG@10 on the test
        /// users, and the served `/recommends` compared with it user by user (NDCG@10).
        public var bestBaseline: String
        public var servedAgainstBest: PairedComparison

        /// A plain-text table.
        public var table: String {
            let width = max(23, rows.map(\.method.count).max() ?? 0)
            var lines = [pad("method", width) + "   users  recall@10  recall@20  ndcg@10  ndcg@20  coverage@10"]
            for row in rows {
                lines.append(
                    pad(row.method, width) + pad(String(row.users), 8, left: true) + pad(format(row.recallAt10), 11, left: true)
                        + pad(format(row.recallAt20), 11, left: true) + pad(format(row.ndcgAt10), 9, left: true)
                        + pad(format(row.ndcgAt20), 9, left: true) + pad(format(row.coverageAt10), 13, left: true))
            }
            lines.append(
                "tuned on validation: EASE λ=\(Int(easeLambda)) power \(easePreferencePower), served collaborative "
                    + "λ=\(Int(collaborativeLambda)) dropout \(collaborativeDropout) power \(collaborativePreferencePower) "
                    + "discount \(collaborativeActivityDiscount), item-kNN k=\(cosineNeighbors), "
                    + "iALS λ=\(factorRegularization) α₀=\(factorUnobservedWeight), ranker weak-hit gain \(rankerWeakHitGain) "
                    + "with \(rankerTrees); "
                    + "\(testUsers) test users, \(relevantItems) relevant held-out items\(likedOnly ? " (liked only)" : ""); seed \(seed)")
            let paired = servedAgainstBest
            lines.append(
                "served /recommends against the best baseline (\(bestBaseline)): NDCG@10 \(format(paired.candidateMean)) vs "
                    + "\(format(paired.baselineMean)), \(OfflineEvaluation.ratio(paired.ratio)) ×; paired t-test over "
                    + "\(paired.users) users: mean difference \(OfflineEvaluation.signed(paired.meanDifference)), "
                    + "t = \(OfflineEvaluation.fixed(paired.t, 2)), p = \(OfflineEvaluation.pValue(paired.p))")
            return lines.joined(separator: "\n")
        }

        private func format(_ value: Double) -> String { OfflineEvaluation.fixed(value, 4) }

        private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            OfflineEvaluation.pad(text, width, left: left)
        }
    }

    /// Recall@10/20, NDCG@10/20 and coverage@10 of one method.
    struct Scorer {
        let method: String
        var at10 = MetricAccumulator<Int32>(k: 10)
        var at20 = MetricAccumulator<Int32>(k: 20)
        /// NDCG@10 of each user, in the order they were added (every method adds the test users in
        /// one order), for paired comparisons.
        var ndcgAt10: [Double] = []

        init(_ method: String) { self.method = method }

        mutating func add(_ ranked: [Int32], relevant: Set<Int32>) {
            at10.add(ranked, relevant: relevant)
            at20.add(ranked, relevant: relevant)
            ndcgAt10.append(RankingMetrics.ndcg(ranked, relevant: relevant, k: 10))
        }

        func row(catalogueSize: Int) -> Row {
            let ten = at10.summary(catalogueSize: catalogueSize)
            let twenty = at20.summary(catalogueSize: catalogueSize)
            return Row(
                method: method, users: ten.users, recallAt10: ten.recall, recallAt20: twenty.recall, ndcgAt10: ten.ndcg,
                ndcgAt20: twenty.ndcg, coverageAt10: ten.coverage)
        }
    }

    /// The relevant held-out items of each user of `split` (positives only with `likedOnly`); users
    /// left with none are dropped.
    static func relevant(_ split: HoldoutSplit, of matrix: InteractionMatrix, likedOnly: Bool) -> [Int: Set<Int32>] {
        guard likedOnly else { return split.heldOut }
        var result: [Int: Set<Int32>] = [:]
        for (user, items) in split.heldOut {
            let (rowItems, preferences) = matrix.row(user)
            var liked = Set<Int32>()
            for (item, preference) in zip(rowItems, preferences)
            where items.contains(item) && InteractionMatrix.isPositive(preference) {
                liked.insert(item)
            }
            if !liked.isEmpty { result[user] = liked }
        }
        return result
    }

    /// The best `k` items by `score` (higher first, ties by item), among those `allowed`.
    static func top(_ k: Int, count: Int, score: (Int) -> Float, allowed: (Int) -> Bool) -> [Int32] {
        var heap = Heap<TopEntry>()
        for item in 0..<count where allowed(item) {
            let value = score(item)
            guard value > 0 else { continue }
            let entry = TopEntry(score: value, item: Int32(item))
            heap.offer(entry, keepingAtMost: k)
        }
        return ItemSimilarity.sortedDescending(&heap).map(\.item)
    }

    /// Exact EASE top `k` for each user of `relevant` in `matrix`, seen and adult items left out.
    static func easeLists(
        _ model: EASE, matrix: InteractionMatrix, users: [Int], facts: ItemFacts, includeAdult: Bool, k: Int
    ) -> [Int: [Int32]] {
        var scores = [Float](repeating: 0, count: model.count)
        var lists: [Int: [Int32]] = [:]
        for user in users {
            let (items, preferences) = matrix.row(user)
            for index in scores.indices { scores[index] = 0 }
            model.accumulate(items: items, preferences: preferences, into: &scores)
            var seen = Set<Int32>()
            for item in items { seen.insert(model.modelIndex[Int(item)]) }
            lists[user] = top(k, count: model.count, score: { scores[$0] }) { index in
                let item = Int(model.modelItems[index])
                return !seen.contains(Int32(index)) && facts.inCatalogue[item] && (includeAdult || !facts.isAdult[item])
            }.map { model.modelItems[Int($0)] }
        }
        return lists
    }

    /// Item-kNN top `k`: ``CandidateGenerator`` over a cosine table.
    static func cosineLists(
        _ table: NeighborTable, matrix: InteractionMatrix, users: [Int], facts: ItemFacts, includeAdult: Bool, k: Int
    ) -> [Int: [Int32]] {
        var options = CandidateGenerator.Options()
        options.candidates = k * 3
        var generator = CandidateGenerator(table: table, options: options)
        var lists: [Int: [Int32]] = [:]
        for user in users {
            let (items, preferences) = matrix.row(user)
            lists[user] = Array(
                generator.candidates(items: items, preferences: preferences).lazy.map(\.item)
                    .filter { facts.inCatalogue[Int($0)] && (includeAdult || !facts.isAdult[Int($0)]) }.prefix(k))
        }
        return lists
    }

    /// Hyperparameters chosen on the validation split: each value tried in turn, the best NDCG@10
    /// kept (the first on ties), every score recorded by method, a progress step each.
    struct Tuning {
        let steps: Int
        var step = 0
        var scores: [String: [String: Double]] = [:]

        init(steps: Int) { self.steps = steps }

        /// The value of `values` whose `score` (NDCG@10 and a description for the line `progress`
        /// gets) is best; `nil` when there is none to try.
        mutating func best<Value>(
            of values: [Value], method: String, label: (Value) -> String, progress: (String) -> Void,
            score: (Value) async throws -> (Double, String)
        ) async rethrows -> Value? {
            var best: (value: Value, score: Double)?
            scores[method, default: [:]] = [:]
            for value in values {
                let started = ContinuousClock.now
                let (ndcg, description) = try await score(value)
                scores[method]?[label(value)] = ndcg
                step += 1
                progress(
                    "eval: \(OfflineEvaluation.bar(step, of: steps)) validation \(description): NDCG@10 \(ndcg) "
                        + "(\(OfflineEvaluation.seconds(since: started)))")
                if ndcg > best?.score ?? -1 { best = (value, ndcg) }
            }
            return best?.value
        }
    }

    /// iALS top `k` for each of `users` in `matrix`, seen and not `admitted` items left out.
    static func factorLists(_ model: ImplicitALS, matrix: InteractionMatrix, users: [Int], admitted: [Bool], k: Int) -> [Int: [Int32]] {
        var scorer = ImplicitALS.CandidateScorer(model: model, limit: k, admitted: admitted)
        var lists: [Int: [Int32]] = [:]
        for user in users {
            let (items, preferences) = matrix.row(user)
            lists[user] = scorer.candidates(items: items, preferences: preferences).map(\.item)
        }
        return lists
    }

    /// Recall as the run `rebuild` would write from `part` serves it: EASE's neighbour lists (with
    /// genre fallbacks), `part`'s popular lists, EASE's and iALS's candidates.
    static func servedRecall(
        _ part: InteractionMatrix, ease: EASE, factors: ImplicitALS?, facts: ItemFacts, model: NeighborModel,
        options: CandidateRecall.Options
    ) -> CandidateRecall {
        let table = ItemSimilarity.withFallback(
            ease.neighborTable(itemCount: part.items.count, neighbors: model.ease.neighbors), support: part.itemSupport(),
            traits: facts.similarityTraits, options: model.fallbackOptions)
        return CandidateRecall(
            table: table, items: part.items, facts: facts, lists: PopularLists(part, facts: facts), options: options, ease: ease,
            factors: factors)
    }

    /// `gain 0.25, 50 trees of depth 3`: a ranker setting as `eval` reports it.
    static func rankerLabel(_ setting: RankerTraining.Options) -> String {
        "gain \(setting.weakHitGain), \(RankerTrees(setting.boosting))"
    }

    static func meanNDCG(_ lists: [Int: [Int32]], relevant: [Int: Set<Int32>]) -> Double {
        guard !relevant.isEmpty else { return 0 }
        var total = 0.0
        for (user, items) in relevant { total += RankingMetrics.ndcg(lists[user] ?? [], relevant: items, k: 10) }
        return total / Double(relevant.count)
    }

    /// Evaluates on `matrix` with catalogue facts `facts`; `now` (ms since 1970) is the time recall
    /// replays at; `progress` receives a line per step.
    public static func run(
        _ matrix: InteractionMatrix, facts: ItemFacts, options: Options, now: Int64,
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let includeAdult = options.recall.includeAdult
        let test = HoldoutSplit(
            matrix, maximumUsers: options.users, share: options.holdoutShare, minimumPositives: options.minimumInteractions,
            seed: options.seed, positivesOnly: false)
        let train = test.training
        let testRelevant = relevant(test, of: matrix, likedOnly: options.likedOnly)
        let testUsers = testRelevant.keys.sorted()
        let validation = HoldoutSplit(
            train, maximumUsers: options.validationUsers, share: options.holdoutShare,
            minimumPositives: options.minimumInteractions, seed: options.seed &+ 1, positivesOnly: false)
        let validationRelevant = relevant(validation, of: train, likedOnly: options.likedOnly)
        let validationUsers = validationRelevant.keys.sorted()
        progress(
            "eval: \(testUsers.count) test users (\(train.interactionCount) train interactions), "
                + "\(validationUsers.count) validation users")

        // Steps of the progress bar: each value tried, the three tuned baselines, the ranker (the
        // served pipeline has a bar of its own).
        let rankerSettings = options.rankerWeakHitGains.flatMap { gain in
            options.rankerTrees.map { trees in
                var setting = options.ranker
                setting.weakHitGain = gain
                setting.boosting.rounds = trees.rounds
                setting.boosting.depth = trees.depth
                return setting
            }
        }
        let powers = options.easePreferencePowers.isEmpty ? [options.model.ease.preferencePower] : options.easePreferencePowers
        let easeSettings = powers.flatMap { power in
            options.easeLambdas.map { CollaborativeSetting(lambda: $0, dropout: 0, preferencePower: power) }
        }
        let discounts = options.easeActivityDiscounts.isEmpty ? [options.model.ease.activityDiscount] : options.easeActivityDiscounts
        let dropoutSettings = discounts.flatMap { discount in
            powers.flatMap { power in
                options.easeDropouts.flatMap { dropout in
                    options.dropoutLambdas.map {
                        CollaborativeSetting(lambda: $0, dropout: dropout, preferencePower: power, activityDiscount: discount)
                    }
                }
            }
        }
        let steps = easeSettings.count + dropoutSettings.count + options.cosineNeighbors.count
            + options.factorRegularizations.count * options.factorUnobservedWeights.count + rankerSettings.count + 5
        var tuning = Tuning(steps: steps)
        // One Gram matrix per input, shared by the baseline's and the served model's settings and
        // dropped after the last setting that reads it: the baseline's inputs are held until the
        // served grid's first settings (no discount) have read them, then one input at a time.
        var validationGrams: [GramInput: EASE.Gram] = [:]
        var gramReaders = Dictionary((easeSettings + dropoutSettings).map { ($0.input, 1) }, uniquingKeysWith: +)
        func validationGram(_ setting: CollaborativeSetting) async -> EASE.Gram {
            if let gram = validationGrams[setting.input] { return gram }
            let gram = await EASE.Gram(validation.training, options: setting.applied(to: options.model.ease))
            validationGrams[setting.input] = gram
            return gram
        }
        // The served collaborative model: the best of plain EASE and every dropout setting, kept
        // (by the rule `Tuning` chooses by) with its model for the ranker's pass.
        var bestCollaborative: (ndcg: Double, setting: CollaborativeSetting, model: EASE)?
        func scoreCollaborative(_ setting: CollaborativeSetting) async throws -> (Double, String) {
            let model = try await validationGram(setting).model(lambda: setting.lambda, dropout: setting.dropout)
            gramReaders[setting.input, default: 1] -= 1
            if gramReaders[setting.input] == 0 { validationGrams[setting.input] = nil }
            let lists = easeLists(
                model, matrix: validation.training, users: validationUsers, facts: facts, includeAdult: includeAdult, k: 10)
            let ndcg = meanNDCG(lists, relevant: validationRelevant)
            if ndcg > bestCollaborative?.ndcg ?? -1 { bestCollaborative = (ndcg, setting, model) }
            return (ndcg, "EASE \(setting.label) over \(model.count) items")
        }
        let defaults = options.model.ease
        let baseline = try await tuning.best(of: easeSettings, method: "ease", label: \.label, progress: progress) {
            try await scoreCollaborative($0)
        } ?? CollaborativeSetting(lambda: defaults.lambda, dropout: 0, preferencePower: defaults.preferencePower)
        _ = try await tuning.best(of: dropoutSettings, method: "ease-dropout", label: \.label, progress: progress) {
            try await scoreCollaborative($0)
        }
        let collaborative = bestCollaborative?.setting
            ?? CollaborativeSetting(
                lambda: defaults.lambda, dropout: defaults.dropout, preferencePower: defaults.preferencePower,
                activityDiscount: defaults.activityDiscount)
        let bestNeighbors = await tuning.best(of: options.cosineNeighbors, method: "item-knn", label: { "\($0)" }, progress: progress) {
            neighbors in
            var similarity = options.model.similarity
            similarity.neighbors = neighbors
            let table = await ItemSimilarity.collaborative(validation.training, options: similarity)
            let lists = cosineLists(
                table, matrix: validation.training, users: validationUsers, facts: facts, includeAdult: includeAdult, k: 10)
            return (meanNDCG(lists, relevant: validationRelevant), "item-kNN k=\(neighbors)")
        } ?? options.model.similarity.neighbors
        let admitted = (0..<matrix.items.count).map { facts.inCatalogue[$0] && (includeAdult || !facts.isAdult[$0]) }
        let factorSettings = options.factorRegularizations.flatMap { regularization in
            options.factorUnobservedWeights.map { unobservedWeight in
                var setting = options.factors
                setting.regularization = regularization
                setting.unobservedWeight = unobservedWeight
                return setting
            }
        }
        var validationFactorModels: [ImplicitALS.Options: ImplicitALS] = [:]
        let bestFactors = await tuning.best(
            of: factorSettings, method: "ials", label: { "λ=\($0.regularization) α₀=\($0.unobservedWeight)" }, progress: progress
        ) { setting in
            let model = await ImplicitALS.fit(validation.training, options: setting)
            validationFactorModels[setting] = model
            let lists = factorLists(model, matrix: validation.training, users: validationUsers, admitted: admitted, k: 10)
            return (meanNDCG(lists, relevant: validationRelevant), "iALS λ=\(setting.regularization) α₀=\(setting.unobservedWeight)")
        } ?? options.factors

        // The ranker: trained on the validation split's train part as rebuild would, each setting
        // scored by the served list on the validation users.
        var served = options.model
        served.kind = .ease
        served.ease = collaborative.applied(to: served.ease)
        if served.factors != nil { served.factors = bestFactors }
        var rankerOptions = options.ranker
        if !rankerSettings.isEmpty {
            let started = ContinuousClock.now
            switch try await RankerTraining.collect(
                validation.training, facts: facts, model: served, recall: options.recall, options: options.ranker, now: now)
            {
            case .success(let examples):
                tuning.step += 1
                progress("eval: \(bar(tuning.step, of: steps)) validation ranker examples (\(seconds(since: started)))")
                var validationFactors: ImplicitALS?
                if served.factors != nil {
                    if let fitted = validationFactorModels[bestFactors] {
                        validationFactors = fitted
                    } else {
                        validationFactors = await ImplicitALS.fit(validation.training, options: bestFactors)
                    }
                }
                validationFactorModels = [:]
                let validationEASE: EASE
                if let best = bestCollaborative {
                    validationEASE = best.model
                } else {
                    validationEASE = try await validationGram(collaborative)
                        .model(lambda: collaborative.lambda, dropout: collaborative.dropout)
                }
                var recall = servedRecall(
                    validation.training, ease: validationEASE, factors: validationFactors, facts: facts, model: served,
                    options: options.recall)
                let outcomes = validationUsers.map { recall.outcome(user: $0, in: validation.training, now: now) }
                rankerOptions = await tuning.best(of: rankerSettings, method: "ranker", label: rankerLabel, progress: progress) { setting in
                    let ranker = RankerTraining.fit(examples, options: setting).weights
                    var total = 0.0
                    for (user, outcome) in zip(validationUsers, outcomes) {
                        let list = RecommendationPipeline.recommend(
                            outcome, catalogue: recall.source, ranker: ranker, limit: 20, rankingPool: options.rankingPool)
                        total += RankingMetrics.ndcg(
                            list.map { facts.itemIndex[$0.anime.id] ?? -1 }, relevant: validationRelevant[user]!, k: 10)
                    }
                    return (validationUsers.isEmpty ? 0 : total / Double(validationUsers.count), "served, ranker \(rankerLabel(setting))")
                } ?? options.ranker
            case .failure(let unavailable):
                tuning.step += 1 + rankerSettings.count
                progress("eval: \(bar(tuning.step, of: steps)) no ranker on the validation split: \(unavailable.reason)")
            }
        }
        let validationScores = tuning.scores
        var step = tuning.step

        // Every method fitted on the whole train part.
        let catalogueSize = matrix.items.count
        var rows: [Row] = []
        var popular = Scorer("popularity")
        let popularOrder = PopularLists(train, facts: facts).order.filter {
            facts.inCatalogue[Int($0)] && (includeAdult || !facts.isAdult[Int($0)])
        }
        for user in testUsers {
            let seen = Set(train.row(user).items)
            popular.add(Array(popularOrder.lazy.filter { !seen.contains($0) }.prefix(20)), relevant: testRelevant[user]!)
        }
        rows.append(popular.row(catalogueSize: catalogueSize))

        var cosine = options.model.similarity
        cosine.neighbors = bestNeighbors
        let cosineTable = await ItemSimilarity.collaborative(train, options: cosine)
        var knn = Scorer("item-knn (k=\(bestNeighbors))")
        let knnLists = cosineLists(cosineTable, matrix: train, users: testUsers, facts: facts, includeAdult: includeAdult, k: 20)
        for user in testUsers { knn.add(knnLists[user] ?? [], relevant: testRelevant[user]!) }
        rows.append(knn.row(catalogueSize: catalogueSize))
        step += 1
        progress("eval: \(bar(step, of: steps)) item-kNN on the test users")

        let baselineGram = await EASE.Gram(train, options: baseline.applied(to: served.ease))
        let easeModel = try baselineGram.model(lambda: baseline.lambda, dropout: 0)
        var ease = Scorer(easeMethod(lambda: baseline.lambda, preferencePower: baseline.preferencePower))
        let easeTop = easeLists(easeModel, matrix: train, users: testUsers, facts: facts, includeAdult: includeAdult, k: 20)
        for user in testUsers { ease.add(easeTop[user] ?? [], relevant: testRelevant[user]!) }
        rows.append(ease.row(catalogueSize: catalogueSize))
        step += 1
        progress("eval: \(bar(step, of: steps)) EASE on the test users")

        let factorModel = await ImplicitALS.fit(train, options: bestFactors)
        var factors = Scorer("ials (λ=\(bestFactors.regularization), α₀=\(bestFactors.unobservedWeight))")
        let factorTop = factorLists(factorModel, matrix: train, users: testUsers, admitted: admitted, k: 20)
        for user in testUsers { factors.add(factorTop[user] ?? [], relevant: testRelevant[user]!) }
        rows.append(factors.row(catalogueSize: catalogueSize))
        step += 1
        progress("eval: \(bar(step, of: steps)) iALS on the test users")

        // The served pipeline over the run rebuild would write from the train part.
        progress("eval: \(bar(step, of: steps)) training the ranker as rebuild does")
        let ranker: RankerWeights
        switch try await RankerTraining.train(
            train, facts: facts, model: served, recall: options.recall, options: rankerOptions, now: now)
        {
        case .success(let outcome):
            ranker = outcome.weights
            step += 1
            progress(
                "eval: \(bar(step, of: steps)) ranker from \(outcome.users) users, \(outcome.examples) pairs: "
                    + zip(RankingFeatures.names, outcome.weights.weights).map { "\($0)=\((($1 * 1000).rounded() / 1000))" }.joined(separator: " ")
                    + " + \(outcome.weights.trees.count) trees")
        case .failure(let unavailable):
            ranker = .fallback
            step += 1
            progress("eval: \(bar(step, of: steps)) \(unavailable.reason): the served pipeline uses the fallback ranker")
        }
        let servedEASE = collaborative == baseline
            ? easeModel
            : try await (collaborative.input == baseline.input ? baselineGram : EASE.Gram(train, options: served.ease))
                .model(lambda: collaborative.lambda, dropout: collaborative.dropout)
        var recall = servedRecall(
            train, ease: servedEASE, factors: served.factors == nil ? nil : factorModel, facts: facts, model: served, options: options.recall)
        let sources: [(String, RecallSources, KeyPath<RecalledCandidate, Double>)] = [
            ("source: item-sim", .itemSimilarity, \.itemSimilarity),
            ("source: collaborative", .collaborative, \.collaborative),
            ("source: ials", .factors, \.factors),
            ("source: genre", .genre, \.recallScore),
            ("source: popular", .popular, \.popular),
        ]
        var sourceScorers = sources.map { Scorer($0.0) }
        var ranked = Scorer("served, no diversity")
        var final = Scorer("served /recommends")
        let started = ContinuousClock.now
        for (done, user) in testUsers.enumerated() {
            let relevantItems = testRelevant[user]!
            let outcome = recall.outcome(user: user, in: train, now: now)
            let index = { (anime: AnimeID) in facts.itemIndex[anime] ?? -1 }
            for (position, source) in sources.enumerated() {
                let list = outcome.recalled.filter { $0.sources.contains(source.1) }
                    .sortedByScore({ $0[keyPath: source.2] }, id: \.anime).prefix(20).map { index($0.anime) }
                sourceScorers[position].add(list, relevant: relevantItems)
            }
            let rankedList = RecommendationPipeline.rank(
                outcome, catalogue: recall.source, ranker: ranker, size: max(20, options.rankingPool), explain: false)
            ranked.add(rankedList.prefix(20).map { index($0.anime) }, relevant: relevantItems)
            let list = RecommendationPipeline.recommend(
                outcome, catalogue: recall.source, ranker: ranker, limit: 20, rankingPool: options.rankingPool)
            final.add(list.map { index($0.anime.id) }, relevant: relevantItems)
            if (done + 1) % max(1, testUsers.count / 10) == 0 {
                progress(
                    "eval: \(bar(done + 1, of: testUsers.count)) served pipeline, \(done + 1) of \(testUsers.count) users "
                        + "(\(seconds(since: started)))")
            }
        }
        rows += sourceScorers.map { $0.row(catalogueSize: catalogueSize) }
        rows.append(ranked.row(catalogueSize: catalogueSize))
        rows.append(final.row(catalogueSize: catalogueSize))
        let best = [popular, knn, ease, factors].max { $0.at10.summary(catalogueSize: 1).ndcg < $1.at10.summary(catalogueSize: 1).ndcg }!
        return Report(
            rows: rows, easeLambda: baseline.lambda, easePreferencePower: baseline.preferencePower,
            collaborativeLambda: collaborative.lambda, collaborativeDropout: collaborative.dropout,
            collaborativePreferencePower: collaborative.preferencePower, collaborativeActivityDiscount: collaborative.activityDiscount,
            cosineNeighbors: bestNeighbors,
            factorRegularization: bestFactors.regularization, factorUnobservedWeight: bestFactors.unobservedWeight,
            rankerWeakHitGain: rankerOptions.weakHitGain,
            rankerTrees: RankerTrees(rankerOptions.boosting), validation: validationScores,
            testUsers: testUsers.count, relevantItems: testRelevant.values.reduce(0) { $0 + $1.count },
            trainInteractions: train.interactionCount, likedOnly: options.likedOnly, seed: options.seed,
            bestBaseline: best.method, servedAgainstBest: PairedComparison(candidate: final.ndcgAt10, baseline: best.ndcgAt10))
    }

    /// `1.0047` (four decimals).
    static func ratio(_ value: Double) -> String { fixed(value, 4) }

    /// `+0.0024` or `-0.0065` (four decimals, signed).
    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + fixed(value, 4) }

    /// `value` with `digits` decimals (no Foundation formatter in this target).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let whole = scaled / scale
        let fraction = String(scaled % scale)
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// `text` padded with spaces to `width` characters, on the left with `left` (a table column).
    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }

    /// A p-value as `0.0123`, or `< 0.0001`.
    static func pValue(_ p: Double) -> String { p < 0.0001 ? "< 0.0001" : fixed(p, 4) }

    /// `[######              ]  30 %` for `done` of `total`.
    static func bar(_ done: Int, of total: Int) -> String {
        let share = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((share * 20).rounded())
        let percent = String(Int((share * 100).rounded()))
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 20 - filled) + "] "
            + String(repeating: " ", count: 3 - percent.count) + percent + " %"
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let value = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return "\(Int(value * 10) / 10).\(Int(value * 10) % 10) s"
    }
}
