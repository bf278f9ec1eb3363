import AnimeRecCore
import Testing

@Suite("List filters and diversity")
struct ListFilterTests {
    let action = Anime(id: AnimeID(1), name: "A", genres: ["Action", "Mecha"], type: "TV", episodes: 12, rating: 8.2, members: 10)
    let romance = Anime(id: AnimeID(2), name: "R", genres: ["Romance"], type: "Movie", episodes: 1, rating: 7.0, members: 10)
    let unrated = Anime(id: AnimeID(3), name: "U", genres: ["Comedy"], type: nil, episodes: nil, rating: nil, members: 10)

    @Test func eachConditionOnItsOwnAndTogether() {
        #expect(ListFilter().isEmpty && ListFilter().admits(unrated))
        #expect(ListFilter(genres: ["mecha", "Romance"]).admits(action) && ListFilter(genres: ["mecha", "Romance"]).admits(romance))
        #expect(!ListFilter(genres: ["Comedy"]).admits(action))
        #expect(!ListFilter(excludedGenres: ["ACTION"]).admits(action) && ListFilter(excludedGenres: ["ACTION"]).admits(romance))
        #expect(!ListFilter(genres: ["Mecha"], excludedGenres: ["Action"]).admits(action), "an excluded genre wins")
        #expect(ListFilter(type: "tv").admits(action) && !ListFilter(type: "tv").admits(romance) && !ListFilter(type: "tv").admits(unrated))
        #expect(ListFilter(minimumRating: 8).admits(action) && !ListFilter(minimumRating: 8).admits(romance))
        #expect(!ListFilter(minimumRating: 0).admits(unrated), "no rating: left out when a minimum is asked")
        #expect(!ListFilter(excluded: [AnimeID(1)]).admits(action) && !ListFilter(excluded: [AnimeID(1)]).restrictsTitles)
        var changed = ListFilter()
        changed.genres = ["ROMANCE"]
        #expect(changed.admits(romance) && !changed.admits(action), "setting genres later takes effect")
    }

    @Test func aNarrowFilterStillFillsTheListFromTheRequestedGenre() {
        // Recall finds only Action titles through the seed; the Romance list fills a Romance request.
        let catalogue = (1...30).map { id in
            Anime(id: AnimeID(Int32(id)), name: "T\(id)", genres: [id <= 20 ? "Action" : "Romance"], type: "TV", episodes: 12,
                  rating: 7, members: 100 * id)
        }
        let inputs = RecallInputs(
            interactions: [Interaction(anime: AnimeID(1), liked: true)],
            neighbors: [AnimeID(1): (2...20).map { ScoredAnime(anime: AnimeID(Int32($0)), score: 1 / Double($0)) }],
            catalogue: Dictionary(uniqueKeysWithValues: catalogue.map { ($0.id, $0) }), now: 0)
        var lists = [ListKey.popular: (1...20).reversed().map { ScoredAnime(anime: AnimeID(Int32($0)), score: Double($0)) }]
        lists[ListKey.genre("Romance")] = (21...30).reversed().map { ScoredAnime(anime: AnimeID(Int32($0)), score: Double($0)) }
        lists[ListKey.genre("Action")] = (1...20).reversed().map { ScoredAnime(anime: AnimeID(Int32($0)), score: Double($0)) }
        let source = PartialRun(neighbors: inputs.neighbors, lists: lists, catalogue: inputs.catalogue)
        let user = UserPartitions(interactions: inputs.interactions, recentEvents: [], precomputed: [])
        var options = RecommendationPipeline.Options()
        options.filter = ListFilter(genres: ["Romance"])
        let answer = RecommendationPipeline.answer(
            .recommend(limit: 10), user, source: source, trending: [], ranker: .fallback, includeAdult: false, options: options, now: 0)
        #expect(Set(answer.list.map(\.anime.id.rawValue)) == Set(21...30), "ten Romance titles, none of the recalled Action ones")
        let unfiltered = RecommendationPipeline.answer(
            .recommend(limit: 10), user, source: source, trending: [], ranker: .fallback, includeAdult: false,
            options: RecommendationPipeline.Options(), now: 0)
        #expect(unfiltered.list.allSatisfy { $0.anime.genres == ["Action"] })
    }

    @Test func fullDiversityPicksByVarietyAndZeroKeepsTheRankingOrder() {
        let catalogue = PartialRun(catalogue: [
            AnimeID(1): Anime(id: AnimeID(1), name: "a", genres: ["Action"], type: nil, episodes: nil, rating: nil, members: 0),
            AnimeID(2): Anime(id: AnimeID(2), name: "b", genres: ["Action"], type: nil, episodes: nil, rating: nil, members: 0),
            AnimeID(3): Anime(id: AnimeID(3), name: "c", genres: ["Drama", "Action"], type: nil, episodes: nil, rating: nil, members: 0),
            AnimeID(4): Anime(id: AnimeID(4), name: "d", genres: ["Drama"], type: nil, episodes: nil, rating: nil, members: 0),
        ])
        let ranked = [(1, 1.0), (2, 0.9), (3, 0.8), (4, 0.7)].map {
            RankedCandidate(anime: AnimeID(Int32($0.0)), score: $0.1, features: RankingFeatures(), reason: .popular)
        }
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 4, diversity: 0).map(\.anime.rawValue) == [1, 2, 3, 4])
        // At 1 only similarity counts: after 1 (Action), Drama (0) comes next; then Drama+Action (½
        // to both) beats Action (1 to the first pick).
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 4, diversity: 1).map(\.anime.rawValue) == [1, 4, 3, 2])
        #expect(Ranking.diversify(ranked, catalogue: catalogue, limit: 2, diversity: 1).map(\.anime.rawValue) == [1, 4])
    }
}
