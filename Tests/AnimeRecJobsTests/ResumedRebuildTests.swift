import AnimeRecCore
import AnimeRecTraining
@testable import AnimeRecJobs
import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

/// The store, dying after `candidateWrites` candidate writes, as a rebuild's host would part-way.
func dying(_ store: SQLiteStore, afterCandidateWrites candidateWrites: Int) -> FaultyStore<SQLiteStore> {
    let left = NIOLockedValueBox(candidateWrites)
    return FaultyStore(store) { operation in
        guard operation == .writeCandidates else { return }
        let alive = left.withLockedValue { left -> Bool in
            left -= 1
            return left >= 0
        }
        guard alive else { throw Died() }
    }
}

/// What ``dying(_:afterCandidateWrites:)`` throws.
struct Died: Error {}

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
            let dying = dying(store, afterCandidateWrites: 3)
            await #expect(throws: Died.self) {
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
