import AnimeRecCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Three users, three items; preferences chosen so that every similarity can be computed by hand.
///
/// u0: i0 = 1, i1 = 1;  u1: i0 = 1, i1 = 0.5, i2 = 1;  u2: i1 = 1, i2 = 1
/// (a like is 1, watched without rating 0.5).
/// Norms: ‖i0‖ = √2, ‖i1‖ = 1.5, ‖i2‖ = √2.
/// i0·i1 = 1 + 0.5 = 1.5 over 2 users → cos = 1/√2, shrunk by 2/(2+2) → 0.353553.
/// i0·i2 = 1 over 1 user → cos = 0.5, shrunk by 1/(1+2) → 0.166667.
/// i1·i2 = 0.5 + 1 = 1.5 over 2 users → cos = 1/√2, shrunk → 0.353553.
private func liked(_ id: Int32) -> Interaction { Interaction(anime: AnimeID(id), liked: true) }
private func watched(_ id: Int32) -> Interaction { Interaction(anime: AnimeID(id)) }

private func handExample() -> InteractionMatrix {
    var builder = InteractionMatrix.Builder(catalogue: [AnimeID(10), AnimeID(20), AnimeID(30)])
    builder.add(UserHistory(user: UserID(1), interactions: [liked(10), liked(20)]))
    builder.add(UserHistory(user: UserID(2), interactions: [liked(10), watched(20), liked(30)]))
    builder.add(UserHistory(user: UserID(3), interactions: [liked(20), liked(30)]))
    return builder.build()
}

private func options(minimumCoCount: Int = 1) -> ItemSimilarity.Options {
    var options = ItemSimilarity.Options()
    options.shrinkage = 2
    options.minimumCoCount = minimumCoCount
    options.minimumSupport = 0
    options.neighbors = 10
    return options
}

@Suite("Item similarity and candidates")
struct ModelTests {
    @Test func cosineWithShrinkageOnAHandComputedExample() async {
        let table = await ItemSimilarity.collaborative(handExample(), options: options())
        func list(_ item: Int) -> [Int32] { Array(table.list(item).neighbors) }
        func scores(_ item: Int) -> [Double] { table.list(item).scores.map(Double.init) }
        #expect(list(0) == [1, 2])
        #expect(abs(scores(0)[0] - 0.353553) < 1e-5)
        #expect(abs(scores(0)[1] - 0.166667) < 1e-5)
        #expect(list(1) == [0, 2], "ties keep the lower index first")
        #expect(scores(1).allSatisfy { abs($0 - 0.353553) < 1e-5 })
        #expect(list(2) == [1, 0])
        #expect(abs(scores(2)[1] - 0.166667) < 1e-5)
    }

    @Test func minimumCoCountDropsWeakPairsAndOneWorkerGivesTheSameTable() async {
        var single = options(minimumCoCount: 2)
        single.workers = 1
        let table = await ItemSimilarity.collaborative(handExample(), options: single)
        #expect(Array(table.list(0).neighbors) == [1])
        #expect(Array(table.list(2).neighbors) == [1])
        var parallel = single
        parallel.workers = 3
        let again = await ItemSimilarity.collaborative(handExample(), options: parallel)
        #expect(again.neighbors == table.neighbors)
        #expect(again.scores == table.scores)
    }

    @Test func heavyRowsAreSampledDeterministically() async {
        var builder = InteractionMatrix.Builder(catalogue: (0..<50).map { AnimeID(Int32($0)) })
        for user in 0..<20 {
            let items = (0..<50).filter { ($0 + user) % 3 != 0 }.map(Int32.init)
            builder.add(UserHistory(user: UserID(Int64(user)), interactions: items.map(liked)))
        }
        var capped = options()
        capped.maximumItemsPerUser = 10
        let first = await ItemSimilarity.collaborative(builder.build(), options: capped)
        let second = await ItemSimilarity.collaborative(builder.build(), options: capped)
        #expect(first.neighbors == second.neighbors)
        #expect(first.scores == second.scores)
    }

    @Test func genreFallbackGivesEveryCatalogueAnimeNeighbours() async {
        // Items 0–2 as above; item 3 nobody rated, shares genre 0 with item 0 and is the most popular.
        var builder = InteractionMatrix.Builder(catalogue: [AnimeID(10), AnimeID(20), AnimeID(30), AnimeID(40)])
        builder.add(UserHistory(user: UserID(1), interactions: [liked(10), liked(20)]))
        builder.add(UserHistory(user: UserID(2), interactions: [liked(10), watched(20), liked(30)]))
        builder.add(UserHistory(user: UserID(3), interactions: [liked(20), liked(30)]))
        let matrix = builder.build()
        let traits = ItemSimilarity.ItemTraits(
            genres: [[0], [1], [1, 2], [0]], popularity: [0.5, 0.5, 0.5, 1.0], inCatalogue: [true, true, true, true])
        var fallbackOptions = options()
        fallbackOptions.neighbors = 3
        fallbackOptions.minimumSupport = 1
        let table = await ItemSimilarity.neighbors(matrix, traits: traits, options: fallbackOptions)
        // Item 3 is rare: Jaccard 1 with item 0 → 0.1 × (0.8·1 + 0.2·0.5) = 0.09 leads.
        #expect(table.list(3).neighbors.first == 0)
        #expect(abs(Double(table.list(3).scores.first ?? 0) - 0.09) < 1e-6)
        #expect(table.list(3).neighbors.count == 3)
        // Item 0 had two collaborative neighbours; the third slot is filled by item 3, scored below them.
        #expect(Array(table.list(0).neighbors) == [1, 2, 3])
        #expect(table.list(0).scores.last! <= table.list(0).scores[1])
    }

    @Test func matrixKeepsTheInteractionsItWasBuiltFrom() {
        var builder = InteractionMatrix.Builder(catalogue: [AnimeID(10), AnimeID(20)])
        let history = [
            Interaction(anime: AnimeID(20), rating: 9, liked: true),
            Interaction(anime: AnimeID(10), events: 2, lastAt: 1_700_000_000_000),
            Interaction(anime: AnimeID(99), rating: 3, liked: false),
            Interaction(anime: AnimeID(10), liked: false),
        ]
        builder.add(UserHistory(user: UserID(5), interactions: history))
        let matrix = builder.build()
        #expect(matrix.items == [AnimeID(10), AnimeID(20), AnimeID(99)])
        #expect(Array(matrix.row(0).items) == [0, 1, 2])
        #expect(
            matrix.interactions(ofUser: 0) == [history[1], history[0], history[2]], "sorted by item, first copy wins")
        #expect(Array(matrix.row(0).preferences) == [history[1], history[0], history[2]].map { Float($0.preference) })
    }

    @Test func itemCFCandidatesExcludeSeenAndNameTheirSource() async {
        let table = await ItemSimilarity.collaborative(handExample(), options: options())
        var generator = CandidateGenerator(table: table, options: CandidateGenerator.Options())
        let single = generator.candidates(items: [Int32(0)], preferences: [Float(1)])
        #expect(single.map(\.item) == [1, 2])
        #expect(abs(Double(single[0].score) - 1) < 1e-6)
        #expect(abs(Double(single[1].score) - 0.166667 / 0.353553) < 1e-4)
        #expect(single.allSatisfy { $0.source == 0 })

        // Two equal sources: item 1 gets 0.3536 from each; with a 60 % dominance bar no single source is named.
        var strict = CandidateGenerator.Options()
        strict.dominantShare = 0.6
        var strictGenerator = CandidateGenerator(table: table, options: strict)
        let pair = strictGenerator.candidates(items: [Int32(0), 2], preferences: [Float(1), 1])
        #expect(pair.map(\.item) == [1])
        #expect(pair.first?.source == nil)

        // Negative preferences do not vote, but their items are still excluded.
        let disliked = generator.candidates(items: [Int32(0), 1], preferences: [Float(1), -0.5])
        #expect(disliked.map(\.item) == [2])
    }
}

@Suite("Logistic regression")
struct LogisticRegressionTests {
    @Test func separableToySetIsClassifiedPerfectly() {
        let features: [[Double]] = [[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]]
        let labels = [false, false, false, true, true, true]
        let model = LogisticRegression().fit(features: features, labels: labels)
        for (x, y) in zip(features, labels) { #expect((model.probability(x) > 0.5) == y) }
        #expect(model.weights[0] > 0)
        #expect(model.probability([0.9]) > 0.9)
        #expect(model.probability([0.1]) < 0.1)
    }

    @Test func unregularisedFitMatchesTheClosedForm() {
        // x = 0: 1 positive of 4; x = 1: 3 positives of 4 → bias = log(1/3), weight = 2·log 3.
        let features: [[Double]] = [[0], [0], [0], [0], [1], [1], [1], [1]]
        let labels = [true, false, false, false, true, true, true, false]
        var options = LogisticRegression.Options()
        options.l2 = 0
        let model = LogisticRegression(options: options).fit(features: features, labels: labels)
        #expect(abs(model.bias - log(1.0 / 3.0)) < 1e-6)
        #expect(abs(model.weights[0] - 2 * log(3.0)) < 1e-6)
    }

    @Test func constantFeaturesKeepTheirFallbackWeight() {
        var examples: [(features: RankingFeatures, label: Bool)] = []
        for i in 0..<40 {
            let x = Double(i) / 40
            examples.append(
                (
                    RankingFeatures(itemSimilarity: x, collaborative: x * x, popularity: 0.5),
                    i % 4 == 0 ? x > 0.3 : x > 0.6
                ))
        }
        let outcome = RankerTraining.fit(examples, users: 1, options: LogisticRegression.Options())
        #expect(outcome.untrainedFeatures == ["genre_affinity", "popularity", "rating", "trending", "recency"])
        #expect(outcome.weights.weights[5] == RankerWeights.fallback.weights[5])
        #expect(outcome.weights.weights[0] > 0)
        #expect(outcome.positives == examples.filter(\.label).count)
    }
}

@Suite("Offline metrics")
struct MetricsTests {
    @Test func handComputedTopK() {
        let ranked = ["a", "b", "c", "d"]
        let relevant: Set = ["b", "d", "e"]
        #expect(abs(RankingMetrics.precision(ranked, relevant: relevant, k: 3) - 1.0 / 3) < 1e-12)
        #expect(abs(RankingMetrics.recall(ranked, relevant: relevant, k: 3) - 1.0 / 3) < 1e-12)
        // DCG = 1/log2(3); ideal = 1 + 1/log2(3) + 1/2.
        let discount: Double = 1 / log2(3.0)
        let expected: Double = discount / (1 + discount + 0.5)
        #expect(abs(RankingMetrics.ndcg(ranked, relevant: relevant, k: 3) - expected) < 1e-12)
        #expect(RankingMetrics.hit(ranked, relevant: relevant, k: 1) == 0)
        #expect(RankingMetrics.hit(ranked, relevant: relevant, k: 2) == 1)
        #expect(RankingMetrics.ndcg(["b", "d", "e"], relevant: relevant, k: 3) == 1)
        #expect(RankingMetrics.hits(["b", "b", "d"], relevant: relevant, k: 3) == 2)
    }

    @Test func accumulatorAveragesAndCountsCoverage() {
        var accumulator = MetricAccumulator<Int>(k: 2)
        accumulator.add([1, 2], relevant: [1])
        accumulator.add([2, 3], relevant: [4])
        let summary = accumulator.summary(catalogueSize: 6)
        #expect(summary.users == 2)
        #expect(summary.precision == 0.25)
        #expect(summary.recall == 0.5)
        #expect(summary.hitRate == 0.5)
        #expect(summary.ndcg == 0.5)
        #expect(summary.coverage == 0.5)
    }
}

@Suite("Offline replay of online recall")
struct CandidateRecallTests {
    /// Five anime: 1–3 action, 4 adult, 5 romance. Users 1–4 like 1, 2 and 3 (plus 4 for two of them);
    /// user 5 liked only anime 1 and watched anime 5.
    private func fixture() async -> (InteractionMatrix, ItemFacts, NeighborTable) {
        let catalogue = [
            Anime(id: AnimeID(1), name: "A", genres: ["Action"], type: "TV", episodes: 12, rating: 8.0, members: 1000),
            Anime(id: AnimeID(2), name: "B", genres: ["Action"], type: "TV", episodes: 12, rating: 7.0, members: 500),
            Anime(
                id: AnimeID(3), name: "C", genres: ["Action", "Comedy"], type: "TV", episodes: 12, rating: nil,
                members: 100),
            Anime(id: AnimeID(4), name: "D", genres: ["Hentai"], type: "OVA", episodes: 2, rating: 6.0, members: 50),
            Anime(id: AnimeID(5), name: "E", genres: ["Romance"], type: "TV", episodes: 12, rating: 7.5, members: 300),
        ]
        var builder = InteractionMatrix.Builder(catalogue: catalogue.map(\.id))
        for user in 1...4 {
            var history = [1, 2, 3].map { Interaction(anime: AnimeID(Int32($0)), liked: true) }
            if user <= 2 { history.append(Interaction(anime: AnimeID(4), liked: true)) }
            builder.add(UserHistory(user: UserID(Int64(user)), interactions: history))
        }
        builder.add(
            UserHistory(
                user: UserID(5),
                interactions: [Interaction(anime: AnimeID(1), liked: true), Interaction(anime: AnimeID(5))]))
        let matrix = builder.build()
        let facts = ItemFacts(items: matrix.items, anime: catalogue)
        var options = ItemSimilarity.Options()
        options.minimumSupport = 0
        options.minimumCoCount = 1
        let table = await ItemSimilarity.neighbors(matrix, traits: facts.similarityTraits, options: options)
        return (matrix, facts, table)
    }

    @Test func recallLeavesOutSeenAndAdultAndComputesOnlineFeatures() async throws {
        let (matrix, facts, table) = await fixture()
        let lists = PopularLists(matrix, facts: facts)
        var recall = CandidateRecall(table: table, items: matrix.items, facts: facts, lists: lists, options: .init())
        // User 3 (index 2) has seen 1, 2 and 3; 4 is adult: only 5 is left.
        let recalled = recall.recall(user: 2, in: matrix, now: 0)
        #expect(recalled.map { matrix.items[Int($0.item)] } == [AnimeID(5)])
        let five = try #require(recalled.first)
        #expect(five.features.popularity == FeatureScaling.popularity(members: 300))
        #expect(five.features.rating == FeatureScaling.rating(7.5))
        #expect(five.features.genreAffinity == 0, "romance is not among the user's liked genres")
        #expect(five.features.trending == 0 && five.features.recency == 0)

        var adultOptions = CandidateRecall.Options()
        adultOptions.includeAdult = true
        var adultRecall = CandidateRecall(
            table: table, items: matrix.items, facts: facts, lists: lists, options: adultOptions)
        #expect(
            Set(adultRecall.recall(user: 2, in: matrix, now: 0).map { matrix.items[Int($0.item)] }) == [
                AnimeID(4), AnimeID(5),
            ])
    }

    @Test func collaborativeCandidatesScoreTheBestOneAndNameTheirSource() async throws {
        let (matrix, facts, table) = await fixture()
        var recall = CandidateRecall(
            table: table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts), options: .init()
        )
        let (items, preferences) = matrix.row(4)
        let candidates = recall.collaborative(items: items, preferences: preferences)
        let first = try #require(candidates.first)
        #expect(first.score == 1)
        #expect(Set(candidates.map(\.anime)).isDisjoint(with: [AnimeID(1), AnimeID(5)]))
        #expect(candidates.map(\.anime).contains(AnimeID(2)))
        #expect(candidates.allSatisfy { $0.reason == .similarTo(AnimeID(1)) })

        let replayed = recall.recall(user: 4, in: matrix, now: 0)
        let two = try #require(replayed.first { matrix.items[Int($0.item)] == AnimeID(2) })
        #expect(two.features.collaborative == 1)
        #expect(two.features.itemSimilarity > 0)
        #expect(two.features.genreAffinity == 1, "action is the user's only liked genre")
    }
}

@Suite("Offline evaluation groups")
struct EvaluationGroupTests {
    @Test func groupsAreDisjointAndEvaluationKeepsAtLeastHalfWhenUsersAreScarce() {
        let users = Array(0..<100)
        let plenty = OfflineEvaluation.assignGroups(users, evaluation: 30, training: 20, seed: 1)
        #expect(plenty.evaluation.count == 30 && plenty.training.count == 20)
        #expect(Set(plenty.evaluation).isDisjoint(with: plenty.training))
        let scarce = OfflineEvaluation.assignGroups(users, evaluation: 80, training: 80, seed: 1)
        #expect(scarce.evaluation.count == 50 && scarce.training.count == 50)
        let fewTrainers = OfflineEvaluation.assignGroups(users, evaluation: 95, training: 10, seed: 1)
        #expect(fewTrainers.evaluation.count == 90 && fewTrainers.training.count == 10)
        #expect(OfflineEvaluation.assignGroups(users, evaluation: 30, training: 20, seed: 1) == plenty)
    }
}
