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

    @Test func anyKeyOrderAndWhitespace() {
        #expect(RankerWeights(storageText: " { \"weights\" : [ 1.5 , -2 ] ,\n\"bias\":0.25 } ")
            == RankerWeights(bias: 0.25, weights: [1.5, -2]))
        #expect(RankerWeights(storageText: "{\"bias\":-1,\"weights\":[]}") == RankerWeights(bias: -1, weights: []))
    }

    @Test func anythingElseIsNotARanker() {
        for text in [
            "", "{}", "{\"bias\":1}", "{\"weights\":[1]}", "{\"bias\":1,\"weights\":[1],\"extra\":2}",
            "{\"bias\":1,\"bias\":2,\"weights\":[1]}", "{\"bias\":x,\"weights\":[1]}", "{\"bias\":1,\"weights\":[1,]}",
            "{\"bias\":1,\"weights\":[1]} trailing", "{\"bias\":1,\"weights\":[1]", "[1,2]", "{\"bi\\as\":1,\"weights\":[1]}",
            "{\"bias\":1e,\"weights\":[1]}", "{\"bias\":\"1\",\"weights\":[1]}",
        ] {
            #expect(RankerWeights(storageText: text) == nil, "\(text)")
        }
    }
}
