import AnimeRecCore
import Testing

/// The pipeline says what one answer reads; reading exactly that gives the answer the whole run gives.
@Suite("The read plan of one answer")
struct ReadPlanTests {
    typealias Fixture = RecommendationPipelineTests

    static let user = UserPartitions(
        interactions: [Interaction(anime: AnimeID(1), rating: 10), Interaction(anime: AnimeID(4), rating: 9)],
        recentEvents: [UserEvent(id: EventID(high: 1, low: 1), user: UserID(1), anime: AnimeID(7), kind: .click, at: 0)],
        precomputed: [Candidate(anime: AnimeID(5), score: 2, reason: .forYou)])

    /// What an engine without the run in memory reads, step by step as `plan` says, from `run`.
    static func read(_ plan: ReadPlan, from run: PartialRun, trending: [ScoredAnime]) -> PartialRun {
        var partial = PartialRun()
        let first = plan.firstRunReads
        for seed in first.neighborsOf { partial.neighbors[seed] = Array(run.neighbors(of: seed, limit: first.neighborsPerSeed)) }
        partial.lists[ListKey.popular] = Array(run.popular(limit: first.popularLength))
        for id in first.tasteEntries { partial.catalogue[id] = run.anime(id) }
        let (genres, length) = plan.genreLists(catalogue: partial)
        for genre in genres { partial.lists[ListKey.genre(genre)] = Array(run.genreList(genre, limit: length)) }
        for id in plan.candidateEntries(of: partial, trending: trending) { partial.catalogue[id] = run.anime(id) }
        return partial
    }

    @Test(arguments: [ListFilter(), ListFilter(genres: ["Comedy"]), ListFilter(excludedGenres: ["Action"])])
    func readingWhatThePlanSaysGivesTheWholeRunsAnswer(filter: ListFilter) {
        var options = RecommendationPipeline.Options()
        options.filter = filter
        let trending = Fixture.scored([(8, 3)])
        let plan = ReadPlan(Self.user, options: options, now: 0)
        let read = Self.read(plan, from: Fixture.partial, trending: trending)
        for question in [RecommendationPipeline.Question.recall(limit: 10), .rank(limit: 10), .recommend(limit: 5)] {
            let whole = RecommendationPipeline.answer(
                question, plan, source: Fixture.snapshot, trending: trending[...], ranker: .fallback, includeAdult: false)
            let planned = RecommendationPipeline.answer(
                question, plan, source: read, trending: trending[...], ranker: .fallback, includeAdult: false)
            #expect(planned.ids == whole.ids)
            #expect(planned.ranked.map(\.anime) == whole.ranked.map(\.anime))
            #expect(planned.list == whole.list)
        }
    }

    @Test func aPrecomputedCandidatesReasonIsNamedFromWhatThePlanReads() {
        // The candidate's reason names a title outside the user's taste history and seeds.
        let user = UserPartitions(
            interactions: [Interaction(anime: AnimeID(1), rating: 10)],
            precomputed: [Candidate(anime: AnimeID(5), score: 2, reason: .similarTo(AnimeID(4)))])
        let plan = ReadPlan(user, options: .init(), now: 0)
        let read = Self.read(plan, from: Fixture.partial, trending: [])
        let whole = RecommendationPipeline.answer(
            .recommend(limit: 10), plan, source: Fixture.snapshot, trending: [], ranker: .fallback, includeAdult: false)
        let planned = RecommendationPipeline.answer(
            .recommend(limit: 10), plan, source: read, trending: [], ranker: .fallback, includeAdult: false)
        #expect(planned.list == whole.list)
        #expect(Set(plan.entries(trending: [ScoredAnime]())).contains(AnimeID(4)))
    }

    @Test func theEntriesAnAnswerNamesIncludeTheSeedsItsReasonsName() {
        let plan = ReadPlan(Self.user, options: .init(), now: 0)
        let entries = Set(plan.entries(trending: Fixture.scored([(8, 3)])))
        #expect(entries.isSuperset(of: plan.seeds.map(\.anime)))
        #expect(entries.isSuperset(of: [AnimeID(7), AnimeID(5), AnimeID(8)]))
    }

    @Test func aFilterReadsTheGenreAndPopularListsLonger() {
        var options = RecommendationPipeline.Options()
        #expect(ReadPlan(Self.user, options: options, now: 0).limits == options.limits)
        options.filter = ListFilter(genres: ["Comedy"])
        let limits = ReadPlan(Self.user, options: options, now: 0).limits
        #expect(limits.genreListSize == options.filteredGenreListSize && limits.popular == options.filteredPopular)
        #expect(ReadPlan(Self.user, options: options, now: 0).firstRunReads.popularLength == options.filteredPopular)
    }
}
