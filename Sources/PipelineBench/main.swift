// Benchmark of the pure request pipeline (no store, no HTTP): for synthetic users over a
// Kaggle-sized run snapshot, `RecommendationPipeline.answer` for `/recall`, `/rank` and
// `/recommends`, exactly as the server calls it. Prints the median wall time per request over
// repeated rounds and, when run through bench/pipeline.sh (which preloads a malloc counter), the
// allocations per request.
//
// Usage: PipelineBench [--requests 2000] [--rounds 7]
import AnimeRecCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var requests = 2_000
    var rounds = 7

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--requests": requests = max(1, Int(iterator.next() ?? "") ?? requests)
            case "--rounds": rounds = max(1, Int(iterator.next() ?? "") ?? rounds)
            default:
                FileHandle.standardError.write(Data("usage: PipelineBench [--requests N] [--rounds N]\n".utf8))
                exit(2)
            }
        }
    }
}

/// A run shaped like ../shared/data's: 12,294 anime over 43 genres, 50 neighbours each, the popular
/// list and one list per genre (256 items), and users with ~100 rated anime, a few recent events
/// and 50 precomputed candidates.
enum Fixture {
    static let animeCount = 12_294
    static let genres = (0..<43).map { "Genre\($0)" }

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

    static func users(_ count: Int, now: Int64) -> [UserPartitions] {
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
            let candidates = (0..<50).map { rank in
                Candidate(anime: AnimeID(Int32(1 + random.below(animeCount))), score: 1 - Double(rank) / 50, reason: .forYou)
            }
            return UserPartitions(interactions: interactions, recentEvents: events, precomputed: candidates)
        }
    }
}

/// The malloc counter bench/pipeline.sh preloads (bench/malloc-count.c), if any.
let mallocCalls: (@convention(c) () -> UInt64)? = {
    #if os(Linux)
    let everywhere: UnsafeMutableRawPointer? = nil  // glibc's RTLD_DEFAULT
    #else
    let everywhere = UnsafeMutableRawPointer(bitPattern: -2)  // Darwin's RTLD_DEFAULT
    #endif
    guard let symbol = dlsym(everywhere, "animerec_malloc_calls") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
}()

func measure(_ name: String, options: Options, users: [UserPartitions], _ body: (UserPartitions) -> Int) {
    var sink = 0
    for user in users.prefix(200) { sink &+= body(user) }  // warm-up
    var perRequest: [Double] = []
    var allocations: [Double] = []
    for _ in 0..<options.rounds {
        let mallocsBefore = mallocCalls?() ?? 0
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<options.requests { sink &+= body(users[index % users.count]) }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        let mallocs = (mallocCalls?() ?? 0) - mallocsBefore
        perRequest.append(Double(elapsed) / Double(options.requests) / 1000)
        allocations.append(Double(mallocs) / Double(options.requests))
    }
    perRequest.sort()
    allocations.sort()
    let median = perRequest[perRequest.count / 2]
    let mallocText = mallocCalls == nil ? "n/a (run bench/pipeline.sh)" : String(format: "%.0f", allocations[allocations.count / 2])
    let label = name.padding(toLength: 38, withPad: " ", startingAt: 0)
    print(label + String(format: "%8.1f µs/request (median of %d rounds, min %.1f, max %.1f)", median, options.rounds,
                         perRequest.first!, perRequest.last!) + "   mallocs/request \(mallocText)")
    if sink == 42 { print("") }  // keeps the work observable
}

let options = Options(arguments: CommandLine.arguments)
let now: Int64 = 1_800_000_000_000
let snapshot = ServedRun(base: Fixture.snapshot(), extra: [:])
let users = Fixture.users(1_000, now: now)
let trending = ArraySlice(snapshot.popular(limit: 50).reversed())
let pipeline = RecommendationPipeline.Options()
print("pipeline bench: \(Fixture.animeCount) anime, \(users.count) users, \(options.requests) requests per round")

// Through `RecommendationPipeline.answer`, as the server calls it.
for (name, question) in [
    ("recall (one /recall, 100)", RecommendationPipeline.Question.recall(limit: 100)),
    ("recall + rank (one /rank, 50)", .rank(limit: 50)),
    ("recall + recommend (one /recommends)", .recommend(limit: 10)),
] {
    measure(name, options: options, users: users) { user in
        let answer = RecommendationPipeline.answer(
            question, user, source: snapshot, trending: trending, ranker: .fallback, includeAdult: false, options: pipeline, now: now)
        return answer.ids.count + answer.ranked.count + answer.list.count
    }
}
