import AnimeRecCore
import Testing

/// The request pipeline without a store: a user's partitions and a run's data in, lists out.
@Suite("The pure recommendation pipeline")
struct RecommendationPipelineTests {
    static func anime(_ id: Int32, _ genres: [String], members: Int = 1000) -> Anime {
        Anime(id: AnimeID(id), name: "A\(id)", genres: genres, type: "TV", episodes: 12, rating: 7, members: members)
    }
    static func scored(_ pairs: [(Int32, Double)]) -> [ScoredAnime] { pairs.map { ScoredAnime(anime: AnimeID($0.0), score: $0.1) } }

    /// Eight anime: 1–3 Action, 4–5 Drama, 6 Hentai (adult), 7 Comedy, 8 Action/Comedy.
    static let catalogue: [Anime] = [
        anime(1, ["Action"]), anime(2, ["Action"]), anime(3, ["Action"]), anime(4, ["Drama"]), anime(5, ["Drama"]),
        anime(6, ["Hentai"]), anime(7, ["Comedy"]), anime(8, ["Action", "Comedy"]),
    ]
    static let neighbors: [AnimeID: [ScoredAnime]] = [
        AnimeID(1): scored([(2, 0.9), (6, 0.8), (3, 0.5), (4, 0.1)]),
        AnimeID(4): scored([(5, 0.7)]),
    ]
    static let lists: [String: [ScoredAnime]] = [
        ListKey.popular: scored([(7, 100), (1, 90), (4, 80), (8, 70)]),
        ListKey.genre("Action"): scored([(8, 10), (2, 9)]),
        ListKey.genre("Comedy"): scored([(7, 5)]),
    ]
    static let run = ModelRun(id: "r1", createdAt: 0, ranker: nil)
    static var snapshot: RunSnapshot {
        RunSnapshot(run: run, catalogue: CatalogueIndex(catalogue), neighbors: neighbors, lists: lists)
    }
    static var partial: PartialRun {
        PartialRun(neighbors: neighbors, lists: lists, catalogue: Dictionary(uniqueKeysWithValues: catalogue.map { ($0.id, $0) }))
    }
    /// A user who liked anime 1 and clicked nothing.
    static let fan = UserPartitions(interactions: [Interaction(anime: AnimeID(1), liked: true)])

    static func recall(_ user: UserPartitions, _ source: some RecallSource, includeAdult: Bool = false) -> RecommendationPipeline.RecallOutcome {
        RecommendationPipeline.recall(user, source: source, trending: [], options: .init(), includeAdult: includeAdult, now: 0)
    }

    @Test func recallLeavesOutSeenAndAdultTitles() {
        let ids = Set(Self.recall(Self.fan, Self.snapshot).recalled.map(\.anime))
        #expect(ids == Set([2, 3, 4, 7, 8].map { AnimeID($0) }))
        let withAdult = Set(Self.recall(Self.fan, Self.snapshot, includeAdult: true).recalled.map(\.anime))
        #expect(withAdult == ids.union([AnimeID(6)]))
    }

    @Test func recommendExplainsItemsBySimilarityWithTheSeedsName() {
        let outcome = Self.recall(Self.fan, Self.snapshot)
        #expect(outcome.taste.byName == ["Action": 1.0])
        #expect(!outcome.coldStart)
        let list = RecommendationPipeline.recommend(outcome, catalogue: Self.snapshot, ranker: .fallback, limit: 3, rankingPool: 300)
        #expect(list.count == 3)
        #expect(list.first?.anime.id == AnimeID(2))
        #expect(list.first?.reason == .similarTo(AnimeID(1)))
        #expect(list.first?.reasonAnime?.name == "A1")
        #expect(!list.map(\.anime.id).contains(AnimeID(1)))
    }

    @Test func aSnapshotAndThePartitionsReadForOneRequestGiveTheSameAnswers() {
        let user = UserPartitions(
            interactions: [Interaction(anime: AnimeID(1), rating: 10), Interaction(anime: AnimeID(4), rating: 9)],
            recentEvents: [UserEvent(id: EventID(high: 1, low: 1), user: UserID(1), anime: AnimeID(7), kind: .click, at: 0)],
            precomputed: [Candidate(anime: AnimeID(5), score: 2, reason: .forYou)])
        let fromSnapshot = Self.recall(user, Self.snapshot)
        let fromPartial = Self.recall(user, Self.partial)
        #expect(fromSnapshot.recalled == fromPartial.recalled)
        #expect(
            RecommendationPipeline.recommend(fromSnapshot, catalogue: Self.snapshot, ranker: .fallback, limit: 5, rankingPool: 300)
                == RecommendationPipeline.recommend(fromPartial, catalogue: Self.partial, ranker: .fallback, limit: 5, rankingPool: 300))
    }

    @Test func aUserWithNothingGetsTrendingThenPopular() {
        let trending = Self.scored([(5, 3), (3, 1)])
        let outcome = RecommendationPipeline.recall(
            UserPartitions(), source: Self.snapshot, trending: trending, options: .init(), includeAdult: false, now: 0)
        #expect(outcome.coldStart)
        let list = RecommendationPipeline.recommend(outcome, catalogue: Self.snapshot, ranker: .fallback, limit: 4, rankingPool: 300)
        #expect(list.map(\.anime.id.rawValue) == [5, 3, 7, 1])
        #expect(list.map(\.reason) == [.trending, .trending, .popular, .popular])
    }

    @Test func rankOrdersTheSameCandidatesRecallFinds() {
        let outcome = Self.recall(Self.fan, Self.snapshot)
        let ranked = RecommendationPipeline.rank(outcome, catalogue: Self.snapshot, ranker: .fallback, size: 300, explain: false)
        #expect(Set(ranked.map(\.anime)) == Set(outcome.recalled.map(\.anime)))
        #expect(ranked.map(\.score) == ranked.map(\.score).sorted(by: >))
    }

    @Test func similarNeverShowsTheAnimeItselfOrAdultTitlesUnlessAsked() {
        let one = Self.catalogue[0]
        #expect(RecommendationPipeline.similar(to: one, source: Self.snapshot, limit: 10, includeAdult: false).map(\.id.rawValue) == [2, 3, 4])
        #expect(RecommendationPipeline.similar(to: one, source: Self.snapshot, limit: 2, includeAdult: true).map(\.id.rawValue) == [2, 6])
        // No neighbours yet: the first genre's popular list, without the anime itself.
        let two = Self.catalogue[1]
        #expect(RecommendationPipeline.similar(to: two, source: Self.snapshot, limit: 10, includeAdult: false).map(\.id.rawValue) == [8])
    }

    @Test func theTrendingRowFillsWithPopularTitles() {
        let row = RecommendationPipeline.trending(Self.scored([(4, 2), (99, 1)]), source: Self.snapshot, limit: 3, includeAdult: false)
        #expect(row.map(\.anime.id.rawValue) == [4, 7, 1])
        #expect(row.map(\.reason) == [.trending, .popular, .popular])
    }

    @Test func aSnapshotKeepsTheListsARunWrites() {
        #expect(RunSnapshot.listKeys(for: CatalogueIndex(Self.catalogue)).sorted()
                == ["genre:Action", "genre:Comedy", "genre:Drama", "genre:Hentai", "popular"])
        #expect(Self.snapshot.neighbors(of: AnimeID(1), limit: 2).map(\.anime.rawValue) == [2, 6])
        #expect(Self.snapshot.genreList("Action", limit: 1).map(\.anime.rawValue) == [8])
        #expect(Self.snapshot.popular(limit: 2).map(\.anime.rawValue) == [7, 1])
        #expect(Self.snapshot.anime(AnimeID(99)) == nil)
    }
}
