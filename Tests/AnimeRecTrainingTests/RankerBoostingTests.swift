import AnimeRecCore
@testable import AnimeRecTraining
import Testing

@Suite("The ranker's boosted trees")
struct RankerBoostingTests {
    /// Depth 2: the root splits popularity (feature 3) at 0.5; its left child rating (4) at 0.2, its
    /// right child genre match (2) at 0.7; then four leaves.
    static let tree: [Double] = [3, 0.5, 4, 0.2, 2, 0.7, 1, 2, 3, 4]

    @Test func eachTreeAddsTheLeafItsThresholdsChoose() throws {
        let ensemble = try #require(TreeEnsemble(depth: 2, parameters: Self.tree + Self.tree.prefix(6) + [10, 20, 30, 40]))
        #expect(ensemble.count == 2)
        // A value equal to the threshold goes left.
        #expect(ensemble.margin(RankingFeatures(popularity: 0.5, rating: 0.2)) == 11)
        #expect(ensemble.margin(RankingFeatures(popularity: 0.4, rating: 0.3)) == 22)
        #expect(ensemble.margin(RankingFeatures(genreAffinity: 0.7, popularity: 0.6)) == 33)
        #expect(ensemble.margin(RankingFeatures(genreAffinity: 0.8, popularity: 0.6)) == 44)
        #expect(TreeEnsemble.none.margin(RankingFeatures(popularity: 1)) == 0)
        // The ranker adds the trees to its linear margin.
        let ranker = RankerWeights(bias: 0.5, weights: Array(repeating: 0, count: RankingFeatures.names.count), trees: ensemble)
        #expect(ranker.margin(RankingFeatures(popularity: 0.4, rating: 0.3)) == 22.5)
    }

    /// The trees' meaning read straight from `parameters`: per tree, walk from the root (node `n`'s
    /// children are `2n + 1` and `2n + 2`; above the threshold goes right), add the leaf.
    static func referenceMargin(_ parameters: [Double], depth: Int, _ features: RankingFeatures) -> Double {
        let splits = (1 << depth) - 1
        let size = TreeEnsemble.parametersPerTree(depth: depth)
        var total = 0.0
        for tree in stride(from: 0, to: parameters.count, by: size) {
            var node = 0
            while node < splits {
                let (feature, threshold) = (Int(parameters[tree + 2 * node]), parameters[tree + 2 * node + 1])
                node = features[feature] > threshold ? 2 * node + 2 : 2 * node + 1
            }
            total += parameters[tree + 2 * splits + node - splits]
        }
        return total
    }

    @Test(arguments: [1, 3, 5])
    func theFlatWalkAddsTheLeavesTheParametersMean(depth: Int) throws {
        var random = SeededRandom(seed: UInt64(depth))
        var parameters: [Double] = []
        for _ in 0..<40 {
            for _ in 0..<((1 << depth) - 1) { parameters += [Double(random.below(RankingFeatures.names.count)), random.unit()] }
            for _ in 0..<(1 << depth) { parameters.append(random.normal()) }
        }
        let trees = try #require(TreeEnsemble(depth: depth, parameters: parameters))
        for _ in 0..<200 {
            let features = RankingFeatures(
                itemSimilarity: random.unit(), collaborative: random.unit(), genreAffinity: random.unit(),
                popularity: random.unit(), rating: random.unit(), trending: random.unit(), recency: random.unit(),
                collaborativeRank: random.unit(), agreement: random.unit())
            #expect(trees.margin(features) == Self.referenceMargin(parameters, depth: depth, features))
        }
    }

    @Test func parametersThatAreNotWholeTreesAreRefused() {
        #expect(TreeEnsemble(depth: 2, parameters: Self.tree) != nil)
        #expect(TreeEnsemble(depth: 0, parameters: []) == TreeEnsemble.none)
        var refused: [(Int, [Double])] = [
            (2, Array(Self.tree.dropLast())), (3, Self.tree), (0, [1]), (9, []), (-1, []),
        ]
        for (index, value) in [(0, Double(RankingFeatures.names.count)), (0, -1), (2, 1.5), (1, .nan), (7, .infinity)] {
            var parameters = Self.tree
            parameters[index] = value
            refused.append((2, parameters))
        }
        for (depth, parameters) in refused {
            #expect(TreeEnsemble(depth: depth, parameters: parameters) == nil, "depth \(depth): \(parameters)")
        }
    }

    /// Hits sit in the middle of the popularity range, misses on both sides of it: a weighted sum
    /// puts one extreme first and never the middle; two thresholds find it.
    @Test func boostingLearnsABandThatNoLinearRankerCan() {
        var random = SeededRandom(seed: 11)
        func candidate(hit: Bool) -> RankingFeatures {
            let outside = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]
            return RankingFeatures(
                itemSimilarity: Double(random.below(100)) / 100, popularity: hit ? 0.5 : outside[random.below(outside.count)])
        }
        func user() -> RankerTraining.UserExamples {
            .init(hits: (0..<3).map { _ in candidate(hit: true) }, misses: (0..<20).map { _ in candidate(hit: false) })
        }
        let outcome = RankerTraining.fit((0..<80).map { _ in user() }, options: RankerTraining.Options())
        #expect(outcome.weights.trees.count == RankerBoosting.Options().rounds)
        let linear = RankerWeights(bias: outcome.weights.bias, weights: outcome.weights.weights)
        var (boostedFirst, linearFirst) = (0, 0)
        for _ in 0..<100 {
            let fresh = user()
            func hitsFirst(_ ranker: RankerWeights) -> Bool {
                fresh.hits.map(ranker.margin).min()! > fresh.misses.map(ranker.margin).max()!
            }
            if hitsFirst(outcome.weights) { boostedFirst += 1 }
            if hitsFirst(linear) { linearFirst += 1 }
        }
        #expect(boostedFirst == 100, "all three hits above every miss for \(boostedFirst) of 100 users")
        #expect(linearFirst == 0, "the linear part alone: \(linearFirst) of 100")
    }

    @Test func noTreeSplitsOnEvidenceAgainst() {
        // Hits sit in a band of `against` and of popularity: the trees may learn the popularity band
        // only, since a tree could give evidence against a title either sign.
        var random = SeededRandom(seed: 12)
        let outside = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]
        func candidate(hit: Bool) -> RankingFeatures {
            RankingFeatures(
                itemSimilarity: Double(random.below(100)) / 100, popularity: hit ? 0.5 : outside[random.below(outside.count)],
                against: hit ? 0.5 : outside[random.below(outside.count)])
        }
        let users = (0..<80).map { _ in
            RankerTraining.UserExamples(hits: (0..<3).map { _ in candidate(hit: true) }, misses: (0..<20).map { _ in candidate(hit: false) })
        }
        let trees = RankerTraining.fit(users, options: RankerTraining.Options()).weights.trees
        #expect(trees.count > 0)
        let size = TreeEnsemble.parametersPerTree(depth: trees.depth)
        var splitFeatures: Set<Int> = []
        for tree in stride(from: 0, to: trees.parameters.count, by: size) {
            for node in 0..<((1 << trees.depth) - 1) { splitFeatures.insert(Int(trees.parameters[tree + 2 * node])) }
        }
        #expect(splitFeatures.contains(3))
        #expect(splitFeatures.isDisjoint(with: RankingFeatures.monotoneDecreasing))
    }

    @Test func gradedGainsPutStrongHitsAboveWeakOnes() {
        // Every user has hits of two bands of popularity: liked ones at 0.5, merely watched ones at
        // 0.7; misses lie outside both. With a weak hit worth a quarter of a liked one the trees
        // learn to put 0.5 above 0.7; with every hit worth 1 they see no difference to learn.
        var random = SeededRandom(seed: 31)
        let outside = [0.1, 0.2, 0.3, 0.9]
        let users = (0..<80).map { _ in
            RankerTraining.UserExamples(
                hits: [0.5, 0.5, 0.7, 0.7].map { RankingFeatures(itemSimilarity: Double(random.below(100)) / 100, popularity: $0) },
                misses: (0..<20).map { _ in
                    RankingFeatures(itemSimilarity: Double(random.below(100)) / 100, popularity: outside[random.below(outside.count)])
                },
                hitIsPositive: [true, true, false, false])
        }
        func gap(weakHitGain: Double) -> Double {
            var options = RankerTraining.Options()
            options.weakHitGain = weakHitGain
            let trees = RankerTraining.fit(users, options: options).weights.trees
            return trees.margin(RankingFeatures(itemSimilarity: 0.5, popularity: 0.5))
                - trees.margin(RankingFeatures(itemSimilarity: 0.5, popularity: 0.7))
        }
        let graded = gap(weakHitGain: 0.25)
        let flat = gap(weakHitGain: 1)
        #expect(graded > 0.5, "liked above watched by \(graded)")
        #expect(abs(flat) < 0.1 * graded, "every hit worth 1: \(flat)")
    }

    @Test func aGroupOfEqualGainsTeachesNothing() {
        let weakOnly = RankerBoosting.Group(
            features: [RankingFeatures(popularity: 0.2), RankingFeatures(popularity: 0.8)], gains: [0.5, 0.5], base: [0, 0])
        #expect(RankerBoosting.fit([weakOnly], options: RankerBoosting.Options()) == .none)
    }

    @Test func noRoundsOrNoPairsGiveNoTrees() {
        let group = RankerBoosting.Group(
            features: [RankingFeatures(popularity: 0.2), RankingFeatures(popularity: 0.8)], hits: [true, false], base: [0, 0])
        var options = RankerBoosting.Options()
        options.rounds = 0
        #expect(RankerBoosting.fit([group], options: options) == .none)
        let onlyHits = RankerBoosting.Group(features: [RankingFeatures(), RankingFeatures()], hits: [true, true], base: [0, 0])
        #expect(RankerBoosting.fit([onlyHits], options: RankerBoosting.Options()) == .none)
    }
}
