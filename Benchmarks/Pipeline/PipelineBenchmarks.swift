// The pure request pipeline (no store, no HTTP): `RecommendationPipeline.answer` for `/recall`,
// `/rank` and `/recommends`, exactly as the server calls it, over a run snapshot shaped like
// ../shared/data's. Each sample answers 1,000 requests of 1,000 different users; the results are
// per request: wall time and malloc calls.
//
//   bench/pipeline.sh    (or: cd Benchmarks && swift package benchmark)
import AnimeRecCore
import Benchmark

/// A run shaped like ../shared/data's: 12,294 anime over 43 genres, 50 neighbours each, the popular
/// list and one list per genre (256 items), and users with 20–200 rated anime, a few recent events
/// and precomputed candidates as `rebuild` writes them: the union of EASE's 50 and iALS's 50 with
/// their places (half of iALS's also EASE's, so 75 titles).
enum Fixture {
    static let animeCount = 12_294
    static let genres = (0..<43).map { "Genre\($0)" }
    static let now: Int64 = 1_800_000_000_000

    static func snapshot() -> RunSnapshot {
        var random = SeededRandom(seed: 7)
        var catalogue: [Anime] = []
        for id in 1...animeCount {
            let picked = Set((0..<random.int(in: 1...4)).map { _ in genres[random.below(genres.count)] })
            catalogue.append(Anime(
                id: AnimeID(Int32(id)), name: "Anime \(id)", genres: picked.sorted(), type: "TV", episodes: 12,
                rating: 5 + random.unit() * 4, members: random.below(1_000_000)))
        }
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        for anime in catalogue {
            neighbors[anime.id] = (0..<50).map { rank in
                ScoredAnime(anime: AnimeID(Int32(1 + random.below(animeCount))), score: 1 - Double(rank) / 60)
            }
        }
        let index = CatalogueIndex(catalogue)
        let byMembers = catalogue.sorted { $0.members > $1.members }
        var lists: [String: [ScoredAnime]] = [ListKey.popular: byMembers.prefix(256).map { ScoredAnime(anime: $0.id, score: Double($0.members)) }]
        for genre in genres {
            lists[ListKey.genre(genre)] = byMembers.filter { $0.genres.contains(genre) }.prefix(256)
                .map { ScoredAnime(anime: $0.id, score: Double($0.members)) }
        }
        return RunSnapshot(run: ModelRun(id: "bench", createdAt: 0, ranker: nil), catalogue: index, neighbors: neighbors, lists: lists)
    }

    /// A ranker shaped like the one `rebuild` trains on ../shared/data: the linear part and 50
    /// boosted trees of depth 3 (random splits and leaves; what is measured is their evaluation).
    static func ranker() -> RankerWeights {
        var random = SeededRandom(seed: 13)
        let depth = 3
        var parameters: [Double] = []
        for _ in 0..<50 {
            for _ in 0..<((1 << depth) - 1) { parameters += [Double(random.below(RankingFeatures.names.count)), random.unit()] }
            for _ in 0..<(1 << depth) { parameters.append(random.normal() / 10) }
        }
        return RankerWeights(
            bias: RankerWeights.fallback.bias, weights: RankerWeights.fallback.weights,
            trees: TreeEnsemble(depth: depth, parameters: parameters)!)
    }

    static func users(_ count: Int) -> [UserPartitions] {
        var random = SeededRandom(seed: 11)
        return (0..<count).map { user in
            let interactions = (0..<random.int(in: 20...200)).map { _ in
                Interaction(anime: AnimeID(Int32(1 + random.below(animeCount))), rating: Int8(random.int(in: 1...10)))
            }
            let events = (0..<random.int(in: 0...5)).map { index in
                UserEvent(id: EventID(high: UInt64(user), low: UInt64(index)), user: UserID(Int64(user)),
                          anime: AnimeID(Int32(1 + random.below(animeCount))), kind: random.chance(0.5) ? .click : .view,
                          at: now - Int64(random.below(86_400_000)))
            }
            var candidates = (0..<50).map { rank in
                Candidate(
                    anime: AnimeID(Int32(1 + random.below(animeCount))), score: 1 - Double(rank) / 50, reason: .forYou,
                    itemModel: ListPlace(rank: Int32(rank), score: Float(1 - Double(rank) / 50)))
            }
            for rank in 0..<50 {
                let place = ListPlace(rank: Int32(rank), score: Float(1 - Double(rank) / 60))
                if rank % 2 == 0 {
                    candidates[rank].factorModel = place
                } else {
                    candidates.append(Candidate(
                        anime: AnimeID(Int32(1 + random.below(animeCount))), score: Double(place.score), reason: .forYou, factorModel: place))
                }
            }
            return UserPartitions(interactions: interactions, recentEvents: events, precomputed: candidates)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    let source = ServedRun(base: Fixture.snapshot(), extra: [:])
    let users = Fixture.users(1_000)
    let trending = ArraySlice(source.popular(limit: 50).reversed())
    let options = RecommendationPipeline.Options()
    let ranker = Fixture.ranker()
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 20)

    for (name, question) in [
        ("/recall (limit 100)", RecommendationPipeline.Question.recall(limit: 100)),
        ("/rank (limit 50)", .rank(limit: 50)),
        ("/recommends (limit 10)", .recommend(limit: 10)),
    ] {
        Benchmark(name, configuration: configuration) { benchmark in
            for index in benchmark.scaledIterations {
                let plan = ReadPlan(users[index % users.count], options: options, now: Fixture.now)
                let answer = RecommendationPipeline.answer(
                    question, plan, source: source, trending: trending, ranker: ranker, includeAdult: false)
                blackHole(answer)
            }
        }
    }
}
