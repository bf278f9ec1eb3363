import AnimeRecCore
import Testing

@Suite("Recall, features, ranking and diversification")
struct PipelineTests {
    static let day: Int64 = 86_400_000
    static func anime(_ id: Int32, _ genres: [String], members: Int = 1000, rating: Double? = 7) -> Anime {
        Anime(id: AnimeID(id), name: "A\(id)", genres: genres, type: "TV", episodes: 12, rating: rating, members: members)
    }

    @Test func featureScalingIsExact() {
        #expect(FeatureScaling.popularity(members: 0) == 0)
        #expect(FeatureScaling.popularity(members: 1_000_000) == 1)
        #expect(FeatureScaling.popularity(members: 5_000_000) == 1)
        #expect(abs(FeatureScaling.popularity(members: 999) - 0.5) < 0.001)  // log(1000)/log(1000001)
        #expect(FeatureScaling.rating(10) == 1)
        #expect(FeatureScaling.rating(5.5) == 0.5)
        #expect(FeatureScaling.rating(nil) == 0.5)
        #expect(FeatureScaling.recency(ageMilliseconds: 0) == 1)
        #expect(FeatureScaling.recency(ageMilliseconds: 7 * Self.day) == 0.5)
        #expect(FeatureScaling.recency(ageMilliseconds: nil) == 0)
        // A title's genre match is the mean taste over its genres (the taste itself: GenreTasteTests).
        let genres = ["Action", "Drama"]
        #expect(GenreTaste(["Action": 1.0, "Mecha": 0.5], numbering: .empty).match(GenreNumbering.empty.numbers(of: genres), names: genres) == 0.5)
    }

    @Test func rankerIsALogisticModel() {
        let zero = RankerWeights(bias: 0, weights: Array(repeating: 0, count: RankingFeatures.names.count))
        #expect(zero.score(RankingFeatures()) == 0.5)
        let weights = RankerWeights(bias: -1, weights: [2, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(abs(weights.score(RankingFeatures(itemSimilarity: 0.5)) - 0.5) < 1e-12)
        #expect(RankingFeatures.names.count == RankingFeatures().vector.count)
        #expect(RankerWeights.fallback.weights.count == RankingFeatures.names.count)
    }

    @Test func seedsPreferRecentEventsAndLikedHistory() {
        let now: Int64 = 100 * Self.day
        let interactions = [
            // The user's ratings 10 and 3: mean 6.5, spread 3.5, so 10 is one spread above (0.9) and 3
            // one below (0.4: not positive).
            Interaction(anime: AnimeID(1), rating: 10),            // imported, no time: 0.9 × 0.75
            Interaction(anime: AnimeID(2), rating: 3),             // not positive
            Interaction(anime: AnimeID(3), liked: true, lastAt: now - 7 * Self.day),  // 1.0 × (0.5 + 0.25)
        ]
        let events = [
            UserEvent(id: EventID(high: 1, low: 1), user: UserID(1), anime: AnimeID(4), kind: .view, at: now),  // 0.6 × 1.5 + 0.1 = 1.0
            UserEvent(id: EventID(high: 1, low: 2), user: UserID(1), anime: AnimeID(5), kind: .click, at: now - 3 * Self.day),  // 0.3×1.5×0.5+0.1
        ]
        let seeds = Recall.seeds(interactions: interactions, recentEvents: events, now: now)
        #expect(seeds.map(\.anime) == [AnimeID(4), AnimeID(3), AnimeID(1), AnimeID(5)])
        #expect(abs(seeds[0].weight - 1.0) < 1e-9)
        #expect(seeds[1].weight == 0.75)
        #expect(abs(seeds[2].weight - 0.675) < 1e-9)
        #expect(abs(seeds[3].weight - 0.325) < 1e-9)
        #expect(Recall.seeds(interactions: interactions, recentEvents: events, now: now, maximum: 2).count == 2)
    }

    @Test func mergeTagsSourcesAndExcludesSeenUnknownAndAdult() {
        let catalogue = Dictionary(uniqueKeysWithValues: [
            Self.anime(1, ["Action"]), Self.anime(2, ["Action"]), Self.anime(3, ["Hentai"]), Self.anime(4, ["Drama"]),
            Self.anime(5, ["Comedy"]), Self.anime(6, ["Action", "Mecha"]),
        ].map { ($0.id, $0) })
        let inputs = RecallInputs(
            interactions: [Interaction(anime: AnimeID(1), rating: 10)],
            precomputed: [Candidate(anime: AnimeID(4), score: 2, reason: .forYou), Candidate(anime: AnimeID(6), score: 1, reason: .forYou)],
            neighbors: [AnimeID(1): [ScoredAnime(anime: AnimeID(2), score: 0.8), ScoredAnime(anime: AnimeID(3), score: 0.9),
                                     ScoredAnime(anime: AnimeID(99), score: 0.9), ScoredAnime(anime: AnimeID(6), score: 0.4)]],
            trending: [ScoredAnime(anime: AnimeID(5), score: 10), ScoredAnime(anime: AnimeID(6), score: 5)],
            popular: [ScoredAnime(anime: AnimeID(1), score: 1), ScoredAnime(anime: AnimeID(4), score: 1)],
            catalogue: catalogue, now: 0)
        let seeds = [Seed(anime: AnimeID(1), weight: 0.5, ageMilliseconds: nil)]
        let merged = Dictionary(uniqueKeysWithValues: Recall.merge(inputs, seeds: seeds, includeAdult: false).map { ($0.anime, $0) })
        #expect(Set(merged.keys) == [AnimeID(2), AnimeID(4), AnimeID(5), AnimeID(6)])
        #expect(merged[AnimeID(2)]?.itemSimilarity == 0.4)
        #expect(merged[AnimeID(2)]?.similarTo == AnimeID(1))
        #expect(merged[AnimeID(4)]?.collaborative == 1.0)
        #expect(merged[AnimeID(4)]?.popular == 0.5)
        #expect(merged[AnimeID(6)]?.collaborative == 0.5)
        #expect(merged[AnimeID(6)]?.trending == 0.5)
        #expect(merged[AnimeID(6)]?.sources == [.itemSimilarity, .collaborative, .trending])
        let withAdult = Recall.merge(inputs, seeds: seeds, includeAdult: true).map(\.anime)
        #expect(withAdult.contains(AnimeID(3)))
    }

    @Test func coldStartRanksTrendingThenPopular() {
        let catalogue = Dictionary(uniqueKeysWithValues: (1...4).map { Self.anime(Int32($0), ["Action"]) }.map { ($0.id, $0) })
        var hot = RecalledCandidate(anime: AnimeID(3))
        hot.trending = 0.2
        var popularFirst = RecalledCandidate(anime: AnimeID(1))
        popularFirst.popular = 1.0
        var popularSecond = RecalledCandidate(anime: AnimeID(2))
        popularSecond.popular = 0.5
        let ranked = Ranking.rank([popularSecond, popularFirst, hot], catalogue: catalogue, taste: GenreTaste(), ranker: .fallback, coldStart: true)
        #expect(ranked.map(\.anime) == [AnimeID(3), AnimeID(1), AnimeID(2)])
        #expect(ranked.map(\.reason) == [.trending, .popular, .popular])
    }

    @Test func rankingUsesTheRankerAndExplains() {
        let catalogue = Dictionary(uniqueKeysWithValues: [Self.anime(1, ["Action"]), Self.anime(2, ["Drama"])].map { ($0.id, $0) })
        var similar = RecalledCandidate(anime: AnimeID(1))
        similar.itemSimilarity = 0.9
        similar.similarTo = AnimeID(7)
        var genreOnly = RecalledCandidate(anime: AnimeID(2))
        genreOnly.genre = "Drama"
        let ranked = Ranking.rank([genreOnly, similar], catalogue: catalogue, taste: GenreTaste(["Drama": 1], numbering: .empty), ranker: .fallback, coldStart: false)
        #expect(ranked.map(\.anime) == [AnimeID(1), AnimeID(2)])
        #expect(ranked.map(\.reason) == [.similarTo(AnimeID(7)), .genre("Drama")])
        #expect(ranked[1].features.genreAffinity == 1)
        #expect(ranked[0].score == RankerWeights.fallback.score(ranked[0].features))
    }

    @Test func diversifyBreaksGenreRuns() {
        let catalogue = Dictionary(uniqueKeysWithValues: [
            Self.anime(1, ["Action"]), Self.anime(2, ["Action"]), Self.anime(3, ["Action"]), Self.anime(4, ["Drama"]),
        ].map { ($0.id, $0) })
        let ranked = [(1, 1.0), (2, 0.95), (3, 0.9), (4, 0.85)].map {
            RankedCandidate(anime: AnimeID(Int32($0.0)), score: $0.1, features: RankingFeatures(), reason: .popular)
        }
        // Relevance over the pool: 1, ⅔, ⅓, 0. At diversity ½, after 1 (Action): 2 → ½·⅔ − ½·1 = −⅙,
        // 3 → −⅓, 4 (Drama) → 0: 4 next, then 2, then 3.
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 4, diversity: 0.5).map(\.anime.rawValue) == [1, 4, 2, 3])
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 2, diversity: 0.5).map(\.anime.rawValue) == [1, 4])
        // At 0.1: 2 → 0.9·⅔ − 0.1 = 0.5 beats 4 → 0: the ranking order stands.
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 4, diversity: 0.1).map(\.anime.rawValue) == [1, 2, 3, 4])
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 3, diversity: 0).map(\.anime.rawValue) == [1, 2, 3])
    }

    @Test func diversifyNeverPrefersACandidateWithoutAValue() {
        let catalogue = Dictionary(uniqueKeysWithValues: [
            Self.anime(1, ["Action"]), Self.anime(2, ["Drama"]), Self.anime(3, ["Comedy"]),
        ].map { ($0.id, $0) })
        // 2's margin is NaN, so its relevance is too: the first pick is 1 (0.5 beats 3's 0), the
        // second 3, though 2 comes first among those left.
        let ranked = [(1, 3.0), (2, Double.nan), (3, 1.0)].map {
            RankedCandidate(anime: AnimeID(Int32($0.0)), score: 0.5, margin: $0.1, features: RankingFeatures(), reason: .popular)
        }
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 2, diversity: 0.5).map(\.anime.rawValue) == [1, 3])
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 3, diversity: 0.5).map(\.anime.rawValue) == [1, 3, 2])
    }
}
