import AnimeRecCore
import Testing

/// "Not interested" as the pipeline applies it, with planted neighbour lists: the title never comes
/// back, its neighbours lose ``Ranking/dislikedPenalty`` times their closeness, and it neither
/// seeds nor shapes taste.
@Suite("Dislikes in the pipeline")
struct DislikeTests {
    static func anime(_ id: Int32, _ genres: [String]) -> Anime {
        Anime(id: AnimeID(id), name: "A\(id)", genres: genres, type: "TV", episodes: 12, rating: 7, members: 1000)
    }
    static func scored(_ pairs: [(Int32, Double)]) -> [ScoredAnime] { pairs.map { ScoredAnime(anime: AnimeID($0.0), score: $0.1) } }

    static let catalogue: [Anime] = (1...9).map { anime($0, $0 <= 5 ? ["Action"] : ["Comedy"]) }
    /// 1's neighbours are 2, 3 and 6; 4 (to be disliked) is nearest to 3, half as near to 6; 7's
    /// only neighbour is 8.
    static let neighbors: [AnimeID: [ScoredAnime]] = [
        AnimeID(1): scored([(2, 0.9), (3, 0.8), (6, 0.7)]),
        AnimeID(4): scored([(3, 0.6), (6, 0.3)]),
        AnimeID(7): scored([(8, 0.9)]),
    ]
    static let lists: [String: [ScoredAnime]] = [ListKey.popular: scored([(9, 100), (5, 90), (4, 80)])]
    static var snapshot: RunSnapshot {
        RunSnapshot(
            run: ModelRun(id: "r", createdAt: 0, ranker: nil), catalogue: CatalogueIndex(catalogue), neighbors: neighbors,
            lists: lists)
    }
    static var partial: PartialRun {
        PartialRun(neighbors: neighbors, lists: lists, catalogue: Dictionary(uniqueKeysWithValues: catalogue.map { ($0.id, $0) }))
    }

    static let fan = Interaction(anime: AnimeID(1), liked: true)

    static func ranked(_ user: UserPartitions, _ source: some RecallSource = snapshot) -> [RankedCandidate] {
        let outcome = RecommendationPipeline.recall(user, source: source, trending: [], options: .init(), includeAdult: false, now: 1000)
        return RecommendationPipeline.rank(outcome, catalogue: source, ranker: .fallback, size: 100, explain: false)
    }

    static func margins(_ ranked: [RankedCandidate]) -> [AnimeID: Double] {
        Dictionary(uniqueKeysWithValues: ranked.map { ($0.anime, $0.margin) })
    }

    @Test func aDislikedTitleIsInNoAnswer() {
        let user = UserPartitions(interactions: [Self.fan, Interaction(anime: AnimeID(2), dislikedAt: 5)])
        let answers = [
            RecommendationPipeline.Question.recall(limit: 100), .rank(limit: 100), .recommend(limit: 100),
        ].map { question in
            RecommendationPipeline.answer(
                question, user, source: Self.snapshot, trending: [], ranker: .fallback, includeAdult: false, options: .init(), now: 1000)
        }
        #expect(!answers[0].ids.isEmpty && !answers[0].ids.contains(AnimeID(2)))
        #expect(!answers[1].ranked.isEmpty && !answers[1].ranked.contains { $0.anime == AnimeID(2) })
        #expect(!answers[2].list.isEmpty && !answers[2].list.contains { $0.anime.id == AnimeID(2) })
    }

    @Test func neighboursOfADislikedTitleLoseThePenaltyTimesTheirCloseness() {
        let beforeRanking = Self.ranked(UserPartitions(interactions: [Self.fan]))
        let before = Self.margins(beforeRanking)
        let afterRanking = Self.ranked(UserPartitions(interactions: [Self.fan, Interaction(anime: AnimeID(4), dislikedAt: 5)]))
        let after = Self.margins(afterRanking)
        // 3 is 4's nearest neighbour (closeness 1), 6 half as near (0.3 / 0.6); 2 is no neighbour of 4.
        #expect(abs((before[AnimeID(3)]! - after[AnimeID(3)]!) - Ranking.dislikedPenalty) < 1e-9)
        #expect(abs((before[AnimeID(6)]! - after[AnimeID(6)]!) - Ranking.dislikedPenalty * 0.5) < 1e-9)
        #expect(before[AnimeID(2)] == after[AnimeID(2)])
        // 3 falls in the list; 4 itself is out of it.
        let order = afterRanking.map(\.anime)
        #expect(order.firstIndex(of: AnimeID(3))! > beforeRanking.map(\.anime).firstIndex(of: AnimeID(3))!)
        #expect(!order.contains(AnimeID(4)))
    }

    @Test func aDislikedTitleNeitherSeedsNorShapesTaste() {
        // 7 was clicked just now and then disliked: its neighbour 8 is not recalled from it, and its
        // genre (Comedy) is no taste of the user's.
        let click = UserEvent(id: EventID(high: 1, low: 1), user: UserID(1), anime: AnimeID(7), kind: .click, at: 999)
        let clicked = UserPartitions(interactions: [Self.fan, Interaction(anime: AnimeID(7), events: 1, lastAt: 999)], recentEvents: [click])
        var disliked = clicked
        disliked.interactions[1].dislikedAt = 1000
        let plan = ReadPlan(clicked, options: .init(), now: 1000)
        #expect(plan.seeds.map(\.anime).contains(AnimeID(7)))
        let ruledOut = ReadPlan(disliked, options: .init(), now: 1000)
        #expect(ruledOut.seeds.map(\.anime) == [AnimeID(1)])
        #expect(ruledOut.user.recentEvents.isEmpty)
        #expect(ruledOut.disliked == [AnimeID(7)])
        #expect(ruledOut.firstRunReads.neighborsOf == [AnimeID(1), AnimeID(7)])
        let outcome = RecommendationPipeline.recall(ruledOut, source: Self.snapshot, trending: [], includeAdult: false)
        #expect(outcome.recalled.first { $0.anime == AnimeID(8) }?.similarTo == nil)
        #expect(outcome.taste.byName["Comedy"] == nil)
        #expect(Interaction(anime: AnimeID(7), liked: true, dislikedAt: 1).preference(relativeTo: RatingProfile([]))
            == Interaction.dislikePreference)
    }

    @Test func aRequestReadsTheSameWithAndWithoutTheRunInMemory() {
        let user = UserPartitions(interactions: [Self.fan, Interaction(anime: AnimeID(4), dislikedAt: 5)])
        #expect(Self.ranked(user, Self.snapshot) == Self.ranked(user, Self.partial))
    }

    @Test func onlyTheNewestDislikesDemoteSoManyStayWithinARequestsReads() {
        let many = (0..<500).map { Interaction(anime: AnimeID(Int32(100 + $0)), dislikedAt: Int64($0)) }
        let plan = ReadPlan(UserPartitions(interactions: [Self.fan] + many), options: .init(), now: 1000)
        #expect(plan.disliked == (0..<20).map { AnimeID(Int32(599 - $0)) })
        #expect(plan.firstRunReads.neighborsOf.count == 1 + 20)
    }

    @Test func aRequestReadsEveryVerdictAndTheNewestExposures() {
        var state = UserState(user: UserID(1))
        for id in 1...10 {
            state.add(anime: AnimeID(Int32(id)), rating: nil, liked: true, lastAt: nil, dislikedAt: id == 9 ? 5 : nil, events: [])
            let shown: [(hour: Int32, at: Int64)] = [(0, Int64(id)), (1, Int64(100 + id))]
            state.addExposures(anime: AnimeID(Int32(id)), shown: shown)
        }
        #expect(state.interactions(limit: 3).map(\.anime.rawValue) == [1, 2, 3, 9])
        #expect(state.interactions(limit: 20).count == 10)
        #expect(state.exposures(after: 0, limit: 3).map(\.at) == [110, 109, 108])
        #expect(state.exposures(after: 105).count == 5)
    }

    @Test func verdictsJoinTheRowsTheyBelongTo() {
        let rows = [Interaction(anime: AnimeID(2), rating: 8), Interaction(anime: AnimeID(5), events: 1)]
        let joined = rows.markingDisliked([(anime: AnimeID(5), at: Int64(7)), (anime: AnimeID(3), at: Int64(9))])
        #expect(joined == [
            Interaction(anime: AnimeID(2), rating: 8), Interaction(anime: AnimeID(3), dislikedAt: 9),
            Interaction(anime: AnimeID(5), events: 1, dislikedAt: 7),
        ])
    }
}
