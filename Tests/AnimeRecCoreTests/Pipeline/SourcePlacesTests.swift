import AnimeRecCore
import Testing

@Suite("Per-source places: each recall source's own score and rank reach the ranker")
struct SourcePlacesTests {
    static func anime(_ id: Int32, _ genres: [String]) -> Anime {
        Anime(id: AnimeID(id), name: "A\(id)", genres: genres, type: "TV", episodes: 12, rating: 7, members: 1000)
    }

    static let catalogue = Dictionary(
        uniqueKeysWithValues: (1...12).map { anime(Int32($0), $0 % 2 == 0 ? ["Action"] : ["Drama"]) }.map { ($0.id, $0) })

    @Test("the factor model's candidates are a source of their own, with the place it gave them")
    func factorPlacesBecomeTheirOwnSource() throws {
        let precomputed = [
            Candidate(
                anime: AnimeID(4), score: 1, reason: .similarTo(AnimeID(1)), itemModel: ListPlace(rank: 0, score: 1),
                factorModel: ListPlace(rank: 2, score: 0.6)),
            Candidate(anime: AnimeID(5), score: 0.9, reason: .forYou, factorModel: ListPlace(rank: 0, score: 0.9)),
            Candidate(anime: AnimeID(6), score: 0.5, reason: .forYou, itemModel: ListPlace(rank: 1, score: 0.5)),
        ]
        let inputs = RecallInputs(interactions: [Interaction(anime: AnimeID(1), liked: true)], precomputed: precomputed, catalogue: Self.catalogue, now: 0)
        let merged = Dictionary(uniqueKeysWithValues: Recall.merge(inputs, seeds: [], includeAdult: false).map { ($0.anime, $0) })
        let both = try #require(merged[AnimeID(4)])
        #expect(both.sources == [.collaborative, .factors])
        #expect(both.collaborativeRank == 0 && both.collaborative == 1)
        #expect(both.factorsRank == 2 && abs(both.factors - 0.6) < 1e-7)
        let factorOnly = try #require(merged[AnimeID(5)])
        #expect(factorOnly.sources == [.factors])
        #expect(factorOnly.collaborativeRank == -1 && factorOnly.collaborative == 0)
        #expect(factorOnly.factorsRank == 0 && abs(factorOnly.factors - 0.9) < 1e-7)
        let itemOnly = try #require(merged[AnimeID(6)])
        #expect(itemOnly.sources == [.collaborative] && itemOnly.collaborativeRank == 1 && itemOnly.factorsRank == -1)

        let features = Ranking.features(of: both, anime: Self.catalogue[AnimeID(4)]!, taste: GenreTaste([:], numbering: .empty))
        #expect(features.collaborativeRank == 1 && features.factorsRank == 1.0 / 3 && abs(features.factors - 0.6) < 1e-7)
        #expect(features.agreement == 2.0 / Double(RecallSources.count))
    }

    @Test("a list without places is the item model's alone, in its order, scored over its best")
    func aListWithoutPlacesIsTheItemModels() throws {
        let inputs = RecallInputs(
            precomputed: [Candidate(anime: AnimeID(4), score: 2, reason: .forYou), Candidate(anime: AnimeID(6), score: 1, reason: .forYou)],
            catalogue: Self.catalogue, now: 0)
        let merged = Dictionary(uniqueKeysWithValues: Recall.merge(inputs, seeds: [], includeAdult: false).map { ($0.anime, $0) })
        #expect(merged[AnimeID(4)]?.collaborativeRank == 0 && merged[AnimeID(4)]?.collaborative == 1)
        #expect(merged[AnimeID(6)]?.collaborativeRank == 1 && merged[AnimeID(6)]?.collaborative == 0.5)
        #expect(merged.values.allSatisfy { $0.factorsRank == -1 && !$0.sources.contains(.factors) })
    }

    @Test("neighbours are ranked by similarity across seeds, genre titles by their best place in a favourite list")
    func similarityAndGenreRanks() throws {
        let inputs = RecallInputs(
            interactions: [Interaction(anime: AnimeID(1), liked: true), Interaction(anime: AnimeID(2), liked: true)],
            neighbors: [
                AnimeID(1): [ScoredAnime(anime: AnimeID(3), score: 0.5), ScoredAnime(anime: AnimeID(4), score: 0.2)],
                AnimeID(2): [ScoredAnime(anime: AnimeID(4), score: 0.9), ScoredAnime(anime: AnimeID(5), score: 0.1)],
            ],
            genreLists: ["Action": [ScoredAnime(anime: AnimeID(8), score: 9), ScoredAnime(anime: AnimeID(10), score: 8)],
                         "Drama": [ScoredAnime(anime: AnimeID(10), score: 9), ScoredAnime(anime: AnimeID(9), score: 8)]],
            catalogue: Self.catalogue, now: 0)
        let seeds = [Seed(anime: AnimeID(1), weight: 1, ageMilliseconds: nil), Seed(anime: AnimeID(2), weight: 1, ageMilliseconds: nil)]
        let merged = Dictionary(uniqueKeysWithValues: Recall.merge(inputs, seeds: seeds, includeAdult: false).map { ($0.anime, $0) })
        // Best similarity per candidate: 4 → 0.9, 3 → 0.5, 5 → 0.1.
        #expect(merged[AnimeID(4)]?.similarityRank == 0)
        #expect(merged[AnimeID(3)]?.similarityRank == 1)
        #expect(merged[AnimeID(5)]?.similarityRank == 2)
        #expect(merged[AnimeID(8)]?.similarityRank == -1)
        #expect(merged[AnimeID(8)]?.genreRank == 0)
        #expect(merged[AnimeID(10)]?.genreRank == 0, "first in Drama's list, second in Action's")
        #expect(merged[AnimeID(9)]?.genreRank == 1)
        #expect(merged[AnimeID(3)]?.genreRank == -1)
        let taste = GenreTaste([:], numbering: .empty)
        let features = Ranking.features(of: merged[AnimeID(3)]!, anime: Self.catalogue[AnimeID(3)]!, taste: taste)
        #expect(features.similarityRank == 0.5 && features.genreRank == 0)
    }

    @Test("a ranker stored before the per-source features reads them as weight 0, trees and all")
    func olderRankersReadTheNewFeaturesAsZero() {
        let features = RankingFeatures(
            itemSimilarity: 0.5, against: 0.2, factors: 1, factorsRank: 1, similarityRank: 1, genreRank: 1)
        var weights = Array(repeating: 0.0, count: 10)
        weights[0] = 2
        weights[9] = -1
        let old = RankerWeights(bias: -1, weights: weights)
        #expect(RankerWeights.fits(old.weights))
        #expect(old.margin(features) == -1 + 2 * 0.5 - 0.2)
        let current = RankerWeights(bias: -1, weights: weights + [1, 1, 1, 1])
        #expect(current.margin(features) == old.margin(features) + 4)
        #expect(RankerWeights.fits(Array(repeating: 0, count: RankingFeatures.names.count)))
        #expect(!RankerWeights.fits(Array(repeating: 0, count: RankingFeatures.names.count + 1)))
    }
}
