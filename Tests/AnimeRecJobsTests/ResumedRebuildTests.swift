import AnimeRecCore
@testable import AnimeRecJobs
import AnimeRecStore
import Foundation
import NIOConcurrencyHelpers
import Testing

/// A store that dies after a number of candidate writes, as a rebuild's host would part-way.
struct DyingStore: RecStore {
    struct Died: Error {}
    let inner: SQLiteStore
    let candidateWritesLeft: NIOLockedValueBox<Int>

    func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        let alive = candidateWritesLeft.withLockedValue { left -> Bool in
            left -= 1
            return left >= 0
        }
        guard alive else { throw Died() }
        try await inner.writeCandidates(run: run, lists)
    }

    func migrate(dryRun: Bool) async throws -> MigrationReport { try await inner.migrate(dryRun: dryRun) }
    func ping() async throws { try await inner.ping() }
    func close() async throws {}
    func upsertAnime(_ anime: [Anime]) async throws { try await inner.upsertAnime(anime) }
    func anime(_ id: AnimeID) async throws -> Anime? { try await inner.anime(id) }
    func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { try await inner.anime(ids) }
    func allAnime() async throws -> [Anime] { try await inner.allAnime() }
    func hasCatalogue() async throws -> Bool { try await inner.hasCatalogue() }
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { try await inner.record(events) }
    func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        try await inner.recentEvents(of: user, sinceDay: sinceDay, limit: limit)
    }
    func interactions(of user: UserID, limit: Int) async throws -> [Interaction] { try await inner.interactions(of: user, limit: limit) }
    func importRatings(_ ratings: [ImportedRating]) async throws { try await inner.importRatings(ratings) }
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await inner.scanHistories(shard: shard, batchSize: batchSize, body)
    }
    func interactionCount() async throws -> Int { try await inner.interactionCount() }
    func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] { try await inner.trending(buckets: buckets, limit: limit) }
    func createRun(_ run: ModelRun) async throws { try await inner.createRun(run) }
    func run(_ id: String) async throws -> ModelRun? { try await inner.run(id) }
    func recordProgress(run: String, _ part: RunProgress.Part) async throws { try await inner.recordProgress(run: run, part) }
    func progress(run: String) async throws -> RunProgress { try await inner.progress(run: run) }
    func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws { try await inner.writeNeighbors(run: run, lists) }
    func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws { try await inner.writeList(run: run, key: key, items) }
    func writeCatalogue(run: String, _ anime: [Anime]) async throws { try await inner.writeCatalogue(run: run, anime) }
    func catalogue(run: String) async throws -> [Anime] { try await inner.catalogue(run: run) }
    func activate(run: String) async throws { try await inner.activate(run: run) }
    func liveRun() async throws -> ModelRun? { try await inner.liveRun() }
    func liveRunID() async throws -> String? { try await inner.liveRunID() }
    func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        try await inner.neighbors(of: anime, run: run, limit: limit)
    }
    func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        try await inner.candidates(for: user, run: run, limit: limit)
    }
    func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] { try await inner.list(key: key, run: run, limit: limit) }
}

@Suite("A rebuild stopped part-way resumes with the same --run and writes what a clean rebuild writes")
struct ResumedRebuildTests {
    @Test func resumedRunMatchesACleanRebuildAndIsNeverLiveHalfWritten() async throws {
        try await withGeneratedStore(users: 300, anime: 250, ratings: 15_000, seed: 5) { store in
            var options = Rebuilder.Options()
            options.training.users = 150
            options.writeBatchSize = 40  // 8 parts of users, 7 of neighbour lists
            options.runID = "clean"
            let clean = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
            #expect(clean.resumedParts == 0)

            options.runID = "resumed"
            let checkpoints = NSTemporaryDirectory() + "animerec-checkpoints-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: checkpoints) }
            options.checkpointDirectory = checkpoints
            options.storeIdentity = "sqlite:test"
            let dying = DyingStore(inner: store, candidateWritesLeft: NIOLockedValueBox(3))
            await #expect(throws: DyingStore.Died.self) {
                try await Rebuilder(options: options, progress: .silent).rebuild(store: dying)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints).filter { $0.hasSuffix(".input") }.count == 1,
                    "the stopped run left its input")
            #expect(try await store.liveRunID() == "clean", "the stopped run was not made live")
            await #expect(throws: StoreError.self) { try await store.activate(run: "resumed") }
            let stopped = try await store.progress(run: "resumed")
            #expect(stopped.isWhole(.neighbours) && stopped.isWhole(.catalogue))
            #expect(!stopped.isWhole(.candidates) && !stopped.isComplete)

            let lines = NIOLockedValueBox<[String]>([])
            let resumed = try await Rebuilder(options: options, progress: ProgressOutput { line in lines.withLockedValue { $0.append(line) } })
                .rebuild(store: store)
            #expect(lines.withLockedValue { $0 }.contains { $0.contains("read when it started") }, "the resumed run read its checkpoint")
            #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints).isEmpty, "a complete run's checkpoint is removed")
            #expect(resumed.resumedParts >= 1 + 7 + 3, "catalogue, every neighbour part and three candidate parts were kept")
            #expect(try await store.liveRunID() == "resumed")
            #expect(try await store.run("resumed")?.ranker == store.run("clean")?.ranker,
                    "the resumed run keeps the ranker it stored; a clean rebuild of the same data trains the same one")

            for anime in try await store.allAnime().map(\.id) {
                let a = try await store.neighbors(of: anime, run: "clean", limit: 300)
                let b = try await store.neighbors(of: anime, run: "resumed", limit: 300)
                #expect(a.map(\.anime) == b.map(\.anime), "neighbours of \(anime.rawValue)")
            }
            for user in 1...300 {
                let a = try await store.candidates(for: UserID(Int64(user)), run: "clean", limit: 200)
                let b = try await store.candidates(for: UserID(Int64(user)), run: "resumed", limit: 200)
                #expect(a.map(\.anime) == b.map(\.anime), "candidates of user \(user)")
            }
            #expect(try await store.list(key: ListKey.popular, run: "clean", limit: 300)
                == store.list(key: ListKey.popular, run: "resumed", limit: 300))
        }
    }

    @Test func aStagedRunIsLiveOnlyOnceEveryShardIsWritten() async throws {
        try await withGeneratedStore(users: 200, anime: 150, ratings: 8_000, seed: 9) { store in
            var options = Rebuilder.Options()
            options.trainRanker = false
            options.runID = "staged"
            options.writeCandidates = false
            options.activate = false
            let rebuilder = Rebuilder(options: options, progress: .silent)
            _ = try await rebuilder.rebuild(store: store)
            _ = try await rebuilder.writeCandidates(store: store, run: "staged", shard: try ScanShard(parsing: "1/2"))
            await #expect(throws: StoreError.self) { try await rebuilder.activate(run: "staged", store: store) }
            #expect(try await store.liveRunID() == nil)
            _ = try await rebuilder.writeCandidates(store: store, run: "staged", shard: try ScanShard(parsing: "2/2"))
            try await rebuilder.activate(run: "staged", store: store)
            #expect(try await store.liveRunID() == "staged")
        }
    }
}

@Suite("InputCheckpoint: a run's input kept whole until the run is complete")
struct InputCheckpointTests {
    @Test func roundTripsAndIgnoresWhatIsNotWhole() async throws {
        try await withTemporaryDirectory { directory in
            let checkpoint = InputCheckpoint(directory: directory + "/runs", store: "cassandra://a/ks", runID: "r 1/x")
            #expect(checkpoint.read() == nil)
            let catalogue = [Anime(id: AnimeID(5), name: "Five", genres: ["Drama"], type: nil, episodes: 3, rating: 7, members: 9)]
            let histories = [
                UserHistory(user: UserID(-4), interactions: [
                    Interaction(anime: AnimeID(5), rating: 9, liked: true, events: 3, lastAt: 1_700_000_000_000),
                    Interaction(anime: AnimeID(77), rating: nil, liked: nil, events: 0, lastAt: nil),
                ]),
                UserHistory(user: UserID(Int64.max), interactions: [Interaction(anime: AnimeID(5), rating: -1, liked: false)]),
            ]
            var writer = InputCheckpoint.Writer(path: checkpoint.path, catalogue: catalogue)
            writer.add(Array(histories.prefix(1)))
            writer.add(Array(histories.dropFirst()))
            try writer.finish()
            let read = try #require(checkpoint.read())
            #expect(read.catalogue == catalogue)
            #expect(read.histories.map(\.user) == histories.map(\.user))
            #expect(read.histories.map(\.interactions) == histories.map(\.interactions))
            #expect(InputCheckpoint(directory: directory + "/runs", store: "cassandra://b/ks", runID: "r 1/x").path != checkpoint.path)

            // A cut file is not a checkpoint.
            let bytes = try #require(FileManager.default.contents(atPath: checkpoint.path))
            try bytes.dropLast(3).write(to: URL(fileURLWithPath: checkpoint.path))
            #expect(checkpoint.read() == nil)
            checkpoint.remove()
            #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
        }
    }
}
