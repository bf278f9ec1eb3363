import AnimeRecCore
@testable import AnimeRecStore
import Testing

@Suite("Ranker storage text: what both stores keep in model_runs.ranker")
struct RankerStorageTests {
    @Test func everyWeightSurvivesTheRoundTripExactly() throws {
        var random = SeededRandom(seed: 3)
        for _ in 0..<200 {
            let weights = (0..<RankingFeatures.names.count).map { _ in
                (Double(random.below(2_000_001)) - 1_000_000) / Double(1 + random.below(1000)) * 1e-3
            }
            let ranker = RankerWeights(bias: Double(random.below(1000)) / 7 - 70, weights: weights)
            #expect(RankerWeights(storageText: try ranker.storageText()) == ranker)
        }
        let tiny = RankerWeights(bias: 1e-300, weights: [-2.5e-7, 0, 1, 1.0 / 3.0])
        #expect(RankerWeights(storageText: try tiny.storageText()) == tiny)
    }

    @Test func treesSurviveTheRoundTripExactly() throws {
        var random = SeededRandom(seed: 5)
        let size = TreeEnsemble.parametersPerTree(depth: 3)
        var parameters: [Double] = []
        for _ in 0..<40 {
            for node in 0..<size {
                parameters.append(
                    node < 14 && node % 2 == 0
                        ? Double(random.below(RankingFeatures.names.count))
                        : (Double(random.below(2_000_001)) - 1_000_000) / Double(1 + random.below(997)) * 1e-4)
            }
        }
        let trees = try #require(TreeEnsemble(depth: 3, parameters: parameters))
        let ranker = RankerWeights(bias: -0.125, weights: [1, 2, 3, 4, 5, 6, 7, 8, 9], trees: trees)
        let text = try ranker.storageText()
        #expect(RankerWeights(storageText: text) == ranker)
        #expect(text.hasPrefix("{\"bias\":-0.125,\"tree_depth\":3,\"trees\":["))
        // A linear ranker is written without tree keys, and reads back as one.
        let linear = try RankerWeights(bias: 1, weights: [2]).storageText()
        #expect(!linear.contains("tree"))
        #expect(RankerWeights(storageText: linear) == RankerWeights(bias: 1, weights: [2]))
        #expect(throws: (any Error).self) { try RankerWeights(bias: .nan, weights: []).storageText() }
    }

    @Test func textWrittenByEarlierBuildsStillReads() {
        #expect(RankerWeights(storageText: "{\"bias\":1.0,\"weights\":[2.0]}") == RankerWeights(bias: 1, weights: [2]))
    }

    @Test func anyKeyOrderAndWhitespace() {
        #expect(RankerWeights(storageText: " { \"weights\" : [ 1.5 , -2 ] ,\n\"bias\":0.25 } ")
            == RankerWeights(bias: 0.25, weights: [1.5, -2]))
        #expect(RankerWeights(storageText: "{\"bias\":-1,\"weights\":[]}") == RankerWeights(bias: -1, weights: []))
        #expect(RankerWeights(storageText: "{ \"trees\" : [0, 0.5, 1, 2], \"tree_depth\": 1, \"bias\":0,\"weights\":[]}")
            == RankerWeights(bias: 0, weights: [], trees: TreeEnsemble(depth: 1, parameters: [0, 0.5, 1, 2])!))
    }

    @Test func anythingElseIsNotARanker() {
        for text in [
            "", "{}", "{\"bias\":1}", "{\"weights\":[1]}", "{\"bias\":x,\"weights\":[1]}",
            "{\"bias\":1,\"weights\":[1]} trailing", "{\"bias\":1,\"weights\":[1]", "[1,2]",
            "{\"bias\":1e,\"weights\":[1]}", "{\"bias\":\"1\",\"weights\":[1]}",
            // Trees: both keys or neither, whole trees of a known depth over known features.
            "{\"bias\":1,\"weights\":[1],\"tree_depth\":1}", "{\"bias\":1,\"weights\":[1],\"trees\":[0,0.5,1,2]}",
            "{\"bias\":1,\"weights\":[1],\"tree_depth\":1.5,\"trees\":[0,0.5,1,2]}",
            "{\"bias\":1,\"weights\":[1],\"tree_depth\":1,\"trees\":[0,0.5,1]}",
            "{\"bias\":1,\"weights\":[1],\"tree_depth\":1,\"trees\":[14,0.5,1,2]}",  // one past the features
            "{\"bias\":1,\"weights\":[1],\"tree_depth\":99,\"trees\":[0,0.5,1,2]}",
        ] {
            #expect(RankerWeights(storageText: text) == nil, "\(text)")
        }
    }
}
