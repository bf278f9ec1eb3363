import AnimeRecCore
import Testing

/// A rating well below the user's own mean is evidence against the title and its near neighbours:
/// never a seed, and the titles close to it fall in the user's ranked lists.
@Suite("Evidence against a title: low ratings demote the title's neighbours")
struct EvidenceAgainstTests {
    static func anime(_ id: Int32, _ genres: [String]) -> Anime {
        Anime(id: AnimeID(id), name: "A\(id)", genres: genres, type: "TV", episodes: 12, rating: 7, members: 1000)
    }
    static func scored(_ pairs: [(Int32, Double)]) -> [ScoredAnime] { pairs.map { ScoredAnime(anime: AnimeID($0.0), score: $0.1) } }

    /// 1–3 Action, 4–5 Drama, 7 Comedy. 4's nearest neighbour is 5, then 3 at half its closeness.
    static let source = PartialRun(
        neighbors: [
            AnimeID(1): scored([(2, 0.9), (3, 0.5), (5, 0.3)]),
            AnimeID(7): scored([(2, 0.4)]),
            AnimeID(4): scored([(5, 0.7), (3, 0.35)]),
        ],
        lists: [ListKey.popular: scored([(2, 9), (3, 8), (5, 7), (1, 6), (4, 5), (7, 4)])],
        catalogue: Dictionary(uniqueKeysWithValues: [
            anime(1, ["Action"]), anime(2, ["Action"]), anime(3, ["Action"]), anime(4, ["Drama"]), anime(5, ["Drama"]),
            anime(7, ["Comedy"]),
        ].map { ($0.id, $0) }))

    /// Rated 1 and 7 highly, and 4 as `rating` (`nil`: watched, not rated; absent: never seen).
    static func user(ratingOf4 rating: Int8??) -> UserPartitions {
        var interactions = [Interaction(anime: AnimeID(1), rating: 10), Interaction(anime: AnimeID(7), rating: 9)]
        if let rating { interactions.append(Interaction(anime: AnimeID(4), rating: rating)) }
        return UserPartitions(interactions: interactions)
    }

    static func ranked(_ user: UserPartitions) -> [RankedCandidate] {
        let outcome = RecommendationPipeline.recall(user, source: source, trending: [], options: .init(), includeAdult: false, now: 0)
        return RecommendationPipeline.rank(outcome, catalogue: source, ranker: .fallback, size: 100, explain: false)
    }

    static func score(of id: Int32, in ranked: [RankedCandidate]) -> Double? { ranked.first { $0.anime == AnimeID(id) }?.score }

    @Test func onlyARatingWellBelowTheUsersOwnMeanIsEvidenceAgainst() {
        let interactions = Self.user(ratingOf4: 2).interactions
        let profile = RatingProfile(interactions)
        #expect(interactions.map { $0.isEvidenceAgainst(relativeTo: profile) } == [false, false, true])
        #expect(interactions[2].modelWeight(relativeTo: profile) == Interaction.againstWeight)
        #expect(interactions[0].modelWeight(relativeTo: profile) == interactions[0].preference(relativeTo: profile))
        // Watched without a rating, a like flag, a click: plain interactions.
        for plain in [Interaction(anime: AnimeID(4)), Interaction(anime: AnimeID(4), liked: false), Interaction(anime: AnimeID(4), events: 2)] {
            #expect(!plain.isEvidenceAgainst(relativeTo: profile))
        }
        // Relative to the user: a 6 from someone who rates 9 and 10 is low; from someone who rates 5 and 6, it is not.
        let generous = [Interaction(anime: AnimeID(1), rating: 10), Interaction(anime: AnimeID(2), rating: 9), Interaction(anime: AnimeID(3), rating: 6)]
        #expect(generous[2].isEvidenceAgainst(relativeTo: RatingProfile(generous)))
        let harsh = [Interaction(anime: AnimeID(1), rating: 5), Interaction(anime: AnimeID(2), rating: 6), Interaction(anime: AnimeID(3), rating: 6)]
        #expect(!harsh[2].isEvidenceAgainst(relativeTo: RatingProfile(harsh)))
    }

    @Test func aLowRatedTitleIsNeverASeedAndItsNeighboursAreDemotedByTheirCloseness() {
        let plan = ReadPlan(Self.user(ratingOf4: 2), options: .init(), now: 0)
        #expect(plan.against == [AnimeID(4)])
        #expect(!plan.seeds.map(\.anime).contains(AnimeID(4)))
        #expect(plan.firstRunReads.neighborsOf.contains(AnimeID(4)), "a replica without the run reads its neighbours too")

        let outcome = RecommendationPipeline.recall(plan, source: Self.source, trending: [], includeAdult: false)
        #expect(outcome.demotions == [AnimeID(5): 1.0, AnimeID(3): 0.5])
        var undemoted = outcome
        undemoted.demotions = [:]
        let demoted = RecommendationPipeline.rank(outcome, catalogue: Self.source, ranker: .fallback, size: 100, explain: false)
        let plain = RecommendationPipeline.rank(undemoted, catalogue: Self.source, ranker: .fallback, size: 100, explain: false)
        let margin = { (id: Int32, list: [RankedCandidate]) in list.first { $0.anime == AnimeID(id) }!.margin }
        #expect(abs(margin(5, demoted) - (margin(5, plain) - Ranking.demotionMargin)) < 1e-12)
        #expect(abs(margin(3, demoted) - (margin(3, plain) - Ranking.demotionMargin / 2)) < 1e-12)
        #expect(margin(2, demoted) == margin(2, plain), "a title close only to liked ones keeps its place")
        #expect(demoted.map(\.anime) == demoted.sorted { $0.margin > $1.margin }.map(\.anime), "the list is in its new order")
        #expect(!demoted.map(\.anime).contains(AnimeID(4)), "the rated title itself is seen")
    }

    @Test func lowRatedTitlesDoNotPullTheirNeighboursUp() throws {
        let low = Self.ranked(Self.user(ratingOf4: 2))
        let never = Self.ranked(Self.user(ratingOf4: .some(nil)))
        let absent = Self.ranked(Self.user(ratingOf4: nil))
        let five = try #require(Self.score(of: 5, in: low))
        #expect(five < (try #require(Self.score(of: 5, in: absent))), "lower than had the user never met title 4")
        #expect(five < (try #require(Self.score(of: 5, in: never))), "and far lower than a title watched without a rating")
        #expect(low.firstIndex { $0.anime == AnimeID(5) }! > absent.firstIndex { $0.anime == AnimeID(5) }! || low.last?.anime == AnimeID(5))
    }
}
