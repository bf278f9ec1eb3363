import AnimeRecCore
import Testing

/// A rating well below the user's own mean and a "not interested" are one rule
/// (``Interaction/isEvidenceAgainst(relativeTo:)``): neither seeds, shapes taste or pulls its
/// neighbours up, and the closeness to either is the ranker's ``RankingFeatures/against``. The
/// planted lists are ``DislikeTests``': 4's nearest neighbour is 3, half as near 6.
@Suite("Evidence against a title")
struct EvidenceAgainstTests {
    /// A fan of 1 who rated 9, 8 and 9 elsewhere; with a 3 on title 4 the mean is 7.25 and the
    /// spread 2.5, so the 3 is 1.7 deviations below.
    static let rater: [Interaction] = [
        DislikeTests.fan, Interaction(anime: AnimeID(20), rating: 9), Interaction(anime: AnimeID(21), rating: 8),
        Interaction(anime: AnimeID(22), rating: 9),
    ]
    static let lowRating = Interaction(anime: AnimeID(4), rating: 3)

    /// A ranker whose only nonzero weights are on item similarity and on ``RankingFeatures/against``.
    static let learned = RankerWeights(bias: 0, weights: [1, 0, 0, 0, 0, 0, 0, 0, 0, -1.5])

    static func outcome(_ interactions: [Interaction]) -> RecommendationPipeline.RecallOutcome {
        RecommendationPipeline.recall(
            UserPartitions(interactions: interactions.sorted { $0.anime < $1.anime }), source: DislikeTests.snapshot, trending: [], options: .init(),
            includeAdult: false, now: 1000)
    }

    static func margins(_ interactions: [Interaction], ranker: RankerWeights) -> [AnimeID: Double] {
        let ranked = RecommendationPipeline.rank(
            outcome(interactions), catalogue: DislikeTests.snapshot, ranker: ranker, size: 100, explain: false)
        return Dictionary(uniqueKeysWithValues: ranked.map { ($0.anime, $0.margin) })
    }

    @Test func aRatingWellBelowTheUsersOwnMeanIsEvidenceAgainstOnAnyScale() {
        let profile = RatingProfile(Self.rater + [Self.lowRating])
        #expect(Self.lowRating.isLowRating(relativeTo: profile))
        #expect(Self.lowRating.isEvidenceAgainst(relativeTo: profile))
        #expect(Self.lowRating.preference(relativeTo: profile) == Interaction.lowRatingPreference)
        #expect(!Self.lowRating.isPositive(relativeTo: profile))
        // The user's mean, a not-liked flag, a title watched without a rating and a click are not.
        #expect(!Interaction(anime: AnimeID(9), rating: 8).isEvidenceAgainst(relativeTo: profile))
        #expect(!Interaction(anime: AnimeID(9), liked: false).isEvidenceAgainst(relativeTo: profile))
        #expect(!Interaction(anime: AnimeID(9)).isEvidenceAgainst(relativeTo: profile))
        #expect(!Interaction(anime: AnimeID(9), events: 1).isEvidenceAgainst(relativeTo: profile))
        // A 3 of a user who rates 2 to 4 on a 1–5 scale is their mean, not evidence against.
        let harsh = [2, 4, 3, 2, 4].enumerated().map { Interaction(anime: AnimeID(Int32(30 + $0.offset)), rating: Int8($0.element)) }
        #expect(!Interaction(anime: AnimeID(32), rating: 3).isEvidenceAgainst(relativeTo: RatingProfile(harsh)))
        // A verdict is evidence against whatever else is known.
        #expect(Interaction(anime: AnimeID(9), rating: 10, dislikedAt: 1).isEvidenceAgainst(relativeTo: profile))
    }

    @Test func lowRatedTitlesDoNotPullTheirNeighboursUp() {
        let without = Self.outcome(Self.rater)
        let with = Self.outcome(Self.rater + [Self.lowRating])
        // 4 seeds nothing and is out of the answers; its neighbours 3 and 6 are recalled as before
        // (from 1), with nothing added from 4.
        #expect(!with.recalled.contains { $0.anime == AnimeID(4) })
        for anime in [AnimeID(3), AnimeID(6)] {
            let before = without.recalled.first { $0.anime == anime }
            let after = with.recalled.first { $0.anime == anime }
            #expect(after?.similarTo == AnimeID(1))
            #expect(after?.itemSimilarity == before?.itemSimilarity)
            #expect(after?.collaborative == before?.collaborative)
        }
        #expect(with.taste == without.taste)
        let plan = ReadPlan(
            UserPartitions(interactions: (Self.rater + [Self.lowRating]).sorted { $0.anime < $1.anime }), options: .init(), now: 1000)
        #expect(!plan.seeds.contains { $0.anime == AnimeID(4) })
        #expect(plan.lowRated == [AnimeID(4)])
        #expect(plan.disliked.isEmpty)
    }

    @Test func theClosenessToALowRatingIsTheAgainstFeatureAndOnlyTheLearnedWeightMovesIt() {
        let with = Self.outcome(Self.rater + [Self.lowRating])
        let closeness = Dictionary(uniqueKeysWithValues: with.recalled.map { ($0.anime, $0.againstCloseness) })
        #expect(closeness[AnimeID(3)] == 1)
        #expect(closeness[AnimeID(6)] == 0.5)
        #expect(closeness[AnimeID(2)] == 0)
        #expect(with.recalled.allSatisfy { $0.dislikedCloseness == 0 })

        // The learned weight (−1.5) moves the margin by itself times the closeness...
        let before = Self.margins(Self.rater, ranker: Self.learned)
        let after = Self.margins(Self.rater + [Self.lowRating], ranker: Self.learned)
        #expect(abs((before[AnimeID(3)]! - after[AnimeID(3)]!) - 1.5) < 1e-9)
        #expect(abs((before[AnimeID(6)]! - after[AnimeID(6)]!) - 0.75) < 1e-9)
        #expect(before[AnimeID(2)] == after[AnimeID(2)])
        // ...and before any training (weight 0) a low rating moves nothing but the title itself out.
        var untrained = Self.margins(Self.rater, ranker: .fallback)
        untrained[AnimeID(4)] = nil
        #expect(untrained == Self.margins(Self.rater + [Self.lowRating], ranker: .fallback))
    }

    @Test func aDislikeIsTheSameRuleAndTheUsersOwnWordBesides() {
        let disliked = Interaction(anime: AnimeID(4), dislikedAt: 5)
        let with = Self.outcome(Self.rater + [disliked])
        let three = with.recalled.first { $0.anime == AnimeID(3) }
        #expect(three?.againstCloseness == 1)
        #expect(three?.dislikedCloseness == 1)
        // The learned weight and the fixed penalty both apply.
        let before = Self.margins(Self.rater, ranker: Self.learned)
        let after = Self.margins(Self.rater + [disliked], ranker: Self.learned)
        #expect(abs((before[AnimeID(3)]! - after[AnimeID(3)]!) - (1.5 + Ranking.dislikedPenalty)) < 1e-9)
    }

    @Test func aRequestReadsTheLowRatedTitlesListsWhenTheRunIsNotInMemory() {
        let user = UserPartitions(interactions: (Self.rater + [Self.lowRating]).sorted { $0.anime < $1.anime })
        let plan = ReadPlan(user, options: .init(), now: 1000)
        #expect(plan.firstRunReads.neighborsOf.contains(AnimeID(4)))
        let fromSnapshot = RecommendationPipeline.rank(
            Self.outcome(user.interactions), catalogue: DislikeTests.snapshot, ranker: Self.learned, size: 100, explain: false)
        let fromPartial = RecommendationPipeline.rank(
            RecommendationPipeline.recall(user, source: DislikeTests.partial, trending: [], options: .init(), includeAdult: false, now: 1000),
            catalogue: DislikeTests.partial, ranker: Self.learned, size: 100, explain: false)
        #expect(fromSnapshot == fromPartial)
    }

    @Test func aRankerTrainedBeforeTheFeatureReadsItAsZero() {
        var old = Self.learned
        old.weights.removeLast()
        #expect(RankerWeights.fits(old.weights))
        let features = RankingFeatures(itemSimilarity: 0.5, against: 1)
        #expect(old.margin(features) == 0.5)
        #expect(Self.learned.margin(features) == 0.5 - 1.5)
        #expect(!RankerWeights.fits([1, 2, 3]))
    }
}
