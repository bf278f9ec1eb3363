import AnimeRecCore
import Foundation
import Testing

/// Impression fatigue with planted exposures: the first is free, each further one (halved per day
/// of age) costs ``Fatigue/penaltyPerExposure``, at most ``Fatigue/maximumPenalty``; a click or view
/// starts the count again.
@Suite("Impression fatigue")
struct FatigueTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_800_000_000_000
    static let title = AnimeID(7)

    static func shown(_ ages: [Int64], of anime: AnimeID = title) -> [Exposure] {
        ages.map { Exposure(anime: anime, at: now - $0) }
    }

    @Test func theFirstExposureIsFreeAndEachFurtherOneCostsHalfALogit() {
        #expect(Fatigue(UserPartitions(exposures: Self.shown([0])), now: Self.now).penalty(of: Self.title) == 0)
        let three = Fatigue(UserPartitions(exposures: Self.shown([0, 0, 0])), now: Self.now)
        #expect(abs(three.penalty(of: Self.title) - 1.0) < 1e-12)
        // A day old counts half: 1 + ½ + ½ − 1 = 1 exposure past the first.
        let older = Fatigue(UserPartitions(exposures: Self.shown([0, Self.day, Self.day])), now: Self.now)
        #expect(abs(older.penalty(of: Self.title) - 0.5) < 1e-12)
        let many = Fatigue(UserPartitions(exposures: Self.shown(Array(repeating: 0, count: 40))), now: Self.now)
        #expect(many.penalty(of: Self.title) == Fatigue.maximumPenalty)
        #expect(many.penalty(of: AnimeID(8)) == 0, "titles never shown lose nothing")
    }

    @Test func exposuresPastTheirLifetimeCountForNothing() {
        let gone = Self.shown(Array(repeating: Exposure.lifetimeMilliseconds + Self.hour, count: 10))
        #expect(Fatigue(UserPartitions(exposures: gone), now: Self.now).penalty(of: Self.title) == 0)
    }

    @Test func aClickOrViewStartsTheCountAgain() {
        let exposures = Self.shown([5 * Self.hour, 4 * Self.hour, 3 * Self.hour, Self.hour])
        let tired = Fatigue(UserPartitions(exposures: exposures), now: Self.now).penalty(of: Self.title)
        #expect(tired > 1)
        let click = UserEvent(id: EventID(high: 1, low: 1), user: UserID(1), anime: Self.title, kind: .click, at: Self.now - 2 * Self.hour)
        let afterClick = Fatigue(UserPartitions(recentEvents: [click], exposures: exposures), now: Self.now)
        #expect(afterClick.penalty(of: Self.title) == 0, "only the exposure after the click counts, and the first is free")
        let viewed = Interaction(anime: Self.title, events: 1, lastAt: Self.now - 2 * Self.hour)
        #expect(Fatigue(UserPartitions(interactions: [viewed], exposures: exposures), now: Self.now).penalty(of: Self.title) == 0)
    }

    @Test func rankingTakesTheFatigueOffTheMargin() {
        let catalogue = (1...9).map {
            Anime(id: AnimeID(Int32($0)), name: "A\($0)", genres: ["Action"], type: "TV", episodes: 12, rating: 7, members: 1000)
        }
        let snapshot = RunSnapshot(
            run: ModelRun(id: "r", createdAt: 0, ranker: nil), catalogue: CatalogueIndex(catalogue),
            neighbors: [AnimeID(1): [2, 3, 7].map { ScoredAnime(anime: AnimeID(Int32($0)), score: 0.9) }],
            lists: [ListKey.popular: [ScoredAnime(anime: AnimeID(9), score: 1)]])
        func margins(_ exposures: [Exposure]) -> [AnimeID: Double] {
            let user = UserPartitions(interactions: [Interaction(anime: AnimeID(1), liked: true)], exposures: exposures)
            let outcome = RecommendationPipeline.recall(user, source: snapshot, trending: [], options: .init(), includeAdult: false, now: Self.now)
            let ranked = RecommendationPipeline.rank(outcome, catalogue: snapshot, ranker: .fallback, size: 50, explain: false)
            return Dictionary(uniqueKeysWithValues: ranked.map { ($0.anime, $0.margin) })
        }
        let fresh = margins([])
        let tired = margins(Self.shown([0, Self.hour, 2 * Self.hour]))
        // Shown now, an hour and two hours ago: 1 + 2^(−1/24) + 2^(−2/24), the first free.
        let load = 1 + exp2(-1.0 / 24) + exp2(-2.0 / 24)
        #expect(abs((fresh[Self.title]! - tired[Self.title]!) - Fatigue.penaltyPerExposure * (load - 1)) < 1e-9)
        #expect(fresh[AnimeID(2)] == tired[AnimeID(2)])
    }
}
