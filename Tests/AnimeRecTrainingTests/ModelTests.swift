import AnimeRecCore
@testable import AnimeRecTraining
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

    /// One user's "not interested" is no evidence about two titles' likeness: the shared lists and
    /// item support are what they are without it.
    @Test func aDislikeChangesNeitherTheSharedListsNorItemSupport() async {
        var builder = InteractionMatrix.Builder(catalogue: [AnimeID(10), AnimeID(20), AnimeID(30)])
        builder.add(UserHistory(user: UserID(1), interactions: [liked(10), liked(20)]))
        builder.add(UserHistory(user: UserID(2), interactions: [liked(10), watched(20), liked(30)]))
        builder.add(UserHistory(user: UserID(3), interactions: [liked(20), liked(30)]))
        builder.add(UserHistory(user: UserID(4), interactions: [liked(10), Interaction(anime: AnimeID(30), dislikedAt: 1)]))
        let withVerdict = builder.build()
        var plainBuilder = InteractionMatrix.Builder(catalogue: [AnimeID(10), AnimeID(20), AnimeID(30)])
        plainBuilder.add(UserHistory(user: UserID(1), interactions: [liked(10), liked(20)]))
        plainBuilder.add(UserHistory(user: UserID(2), interactions: [liked(10), watched(20), liked(30)]))
        plainBuilder.add(UserHistory(user: UserID(3), interactions: [liked(20), liked(30)]))
        plainBuilder.add(UserHistory(user: UserID(4), interactions: [liked(10)]))
        let plain = plainBuilder.build()
        let a = await ItemSimilarity.collaborative(withVerdict, options: options())
        let b = await ItemSimilarity.collaborative(plain, options: options())
        for item in 0..<3 {
            #expect(Array(a.list(item).neighbors) == Array(b.list(item).neighbors))
            #expect(Array(a.list(item).scores) == Array(b.list(item).scores))
        }
        #expect(withVerdict.itemSupport() == plain.itemSupport())
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
        #expect(Array(matrix.row(0).preferences) == [history[1], history[0], history[2]].map { Float($0.preference(relativeTo: RatingProfile(history))) })
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

    @Test(arguments: [true, false])
    func evidenceAgainstATitleMayOnlyLowerItsNeighbours(hitsAreCloser: Bool) {
        // Hits are closer to what the user is against than misses (as when users watch more of what
        // they rated low), or farther: the weight is learned when negative and held at 0 otherwise.
        var random = SeededRandom(seed: 5)
        func features(hit: Bool) -> RankingFeatures {
            let near = Double(50 + random.below(50)) / 100
            let far = Double(random.below(50)) / 100
            return RankingFeatures(
                itemSimilarity: Double(random.below(100)) / 100, genreAffinity: hit ? 0.6 : 0.4,
                against: hit == hitsAreCloser ? near : far)
        }
        let users = (0..<60).map { _ in
            RankerTraining.UserExamples(hits: (0..<3).map { _ in features(hit: true) }, misses: (0..<20).map { _ in features(hit: false) })
        }
        let outcome = RankerTraining.fit(users, options: RankerTraining.Options())
        let against = RankingFeatures.names.firstIndex(of: "against")!
        if hitsAreCloser {
            #expect(outcome.pinnedFeatures == ["against"])
            #expect(outcome.weights.weights[against] == 0)
        } else {
            #expect(outcome.pinnedFeatures.isEmpty)
            #expect(outcome.weights.weights[against] < -1)
        }
        #expect(outcome.weights.weights[2] > 0)
    }

    @Test func thePairwiseRankerLearnsAPlantedSignalAndKeepsConstantFeatures() {
        // Hits have a higher genre match than misses; every other feature is noise or constant.
        var random = SeededRandom(seed: 9)
        func features(genre: Double) -> RankingFeatures {
            RankingFeatures(
                itemSimilarity: Double(random.below(100)) / 100, collaborative: Double(random.below(100)) / 100,
                genreAffinity: genre, popularity: 0.5)
        }
        var users: [RankerTraining.UserExamples] = []
        for _ in 0..<60 {
            users.append(.init(
                hits: (0..<3).map { _ in features(genre: 0.5 + Double(random.below(50)) / 100) },
                misses: (0..<20).map { _ in features(genre: Double(random.below(60)) / 100) }))
        }
        let outcome = RankerTraining.fit(users, options: RankerTraining.Options())
        #expect(
            outcome.untrainedFeatures == [
                "popularity", "rating", "trending", "recency", "collaborative_rank", "agreement", "against", "factors", "factors_rank",
                "similarity_rank", "genre_rank",
            ])
        #expect(outcome.weights.weights[5] == RankerWeights.fallback.weights[5])
        #expect(outcome.weights.weights[2] > 5 * abs(outcome.weights.weights[0]), "genre match dominates: \(outcome.weights.weights)")
        #expect(outcome.weights.weights[2] > 5 * abs(outcome.weights.weights[1]))
        #expect(outcome.positives == 180 && outcome.users == 60 && outcome.examples == 180 * 8)
        // On fresh users, the fitted ranker puts a hit first far more often than chance (3 of 23).
        var firstIsHit = 0
        for _ in 0..<100 {
            let hits = (0..<3).map { _ in features(genre: 0.5 + Double(random.below(50)) / 100) }
            let misses = (0..<20).map { _ in features(genre: Double(random.below(60)) / 100) }
            let best = (hits.map { (outcome.weights.score($0), true) } + misses.map { (outcome.weights.score($0), false) })
                .max { $0.0 < $1.0 }!
            if best.1 { firstIsHit += 1 }
        }
        #expect(firstIsHit >= 80, "\(firstIsHit) of 100")
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

    @Test func trainingTakesThePoolServingRanks() async throws {
        let (matrix, facts, table) = await fixture()
        var options = CandidateRecall.Options()
        #expect(options.rankingPool == RecommendationPipeline.Options().rankingPool, "serving's pool by default")
        var whole = CandidateRecall(table: table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts), options: options)
        let all = whole.outcome(user: 4, in: matrix, now: 0).recalled.map(\.anime)
        #expect(all.count >= 2)
        options.rankingPool = 1
        var pooled = CandidateRecall(table: table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts), options: options)
        let trained = pooled.recall(user: 4, in: matrix, now: 0).map { matrix.items[Int($0.item)] }
        #expect(trained == Array(all.prefix(1)), "the strongest by recall signal, in serving's order")
    }
}

@Suite("One recall path online and offline")
struct OneRecallPathTests {
    @Test func theTrainingReplayComputesExactlyTheFeaturesServingComputes() async throws {
        // Generated tastes, an EASE model, and one user seen through both paths.
        let catalogue = (1...40).map { id in
            Anime(id: AnimeID(Int32(id)), name: "A\(id)", genres: [["Action", "Drama", "Comedy", "Romance"][id % 4]],
                  type: "TV", episodes: 12, rating: 6 + Double(id % 4), members: 100 * id)
        }
        var builder = InteractionMatrix.Builder(catalogue: catalogue.map(\.id))
        var random = SeededRandom(seed: 4)
        for user in 1...80 {
            let interactions = (1...40).filter { ($0 % 4 == user % 4 && random.below(2) == 0) || random.below(8) == 0 }
                .map { Interaction(anime: AnimeID(Int32($0)), rating: Int8(3 + random.below(8))) }
            builder.add(UserHistory(user: UserID(Int64(user)), interactions: interactions))
        }
        let matrix = builder.build()
        let facts = ItemFacts(items: matrix.items, anime: catalogue)
        var model = NeighborModel()
        model.ease.minimumSupport = 1
        let fitted = try await model.fit(matrix, traits: facts.similarityTraits)
        let lists = PopularLists(matrix, facts: facts)
        let options = CandidateRecall.Options()
        var replay = CandidateRecall(table: fitted.table, items: matrix.items, facts: facts, lists: lists, options: options, ease: fitted.ease)

        let user = 7
        let offline = Dictionary(uniqueKeysWithValues: replay.recall(user: user, in: matrix, now: 0).map { (matrix.items[Int($0.item)], $0.features) })

        // Serving: the run as `rebuild` stores it, read back as a partial run, and the user's partitions.
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        for item in 0..<matrix.items.count {
            neighbors[matrix.items[item]] = fitted.table.pairs(item).map { ScoredAnime(anime: matrix.items[Int($0.item)], score: Double($0.score)) }
        }
        var stored = [ListKey.popular: lists.popular(length: options.limits.popular, items: matrix.items)]
        for (genre, list) in lists.byGenre(length: options.limits.genreListSize, items: matrix.items, facts: facts) {
            stored[ListKey.genre(genre)] = list
        }
        let run = PartialRun(neighbors: neighbors, lists: stored, catalogue: facts.catalogue)
        let (items, preferences) = matrix.row(user)
        let partitions = UserPartitions(
            interactions: matrix.interactions(ofUser: user), recentEvents: [],
            precomputed: replay.collaborative(items: items, preferences: preferences))
        let outcome = RecommendationPipeline.recall(partitions, source: run, trending: [], options: .init(), includeAdult: false, now: 0)
        let online = Dictionary(uniqueKeysWithValues: outcome.recalled.map { candidate in
            (candidate.anime, Ranking.features(of: candidate, anime: facts.catalogue[candidate.anime]!, taste: outcome.taste))
        })
        #expect(!online.isEmpty)
        #expect(online == offline, "the same candidates with the same features")
    }
}
