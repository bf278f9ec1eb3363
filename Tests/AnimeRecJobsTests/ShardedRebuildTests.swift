import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import Foundation
import Logging
import Testing

/// A staged rebuild (model once, candidates in shards, then activation) writes exactly what one
/// whole rebuild writes, on any store.
enum ShardedRebuildCheck {
    static func twoShardsWriteWhatOneRebuildWrites(_ store: some RecStore, directory: String) async throws {
        let generated = try DataGenerator(
            options: .init(users: 240, anime: 200, ratings: 9_000, seed: 5), progress: .silent
        ).write(to: directory + "/sharded")
        let importer = Importer(progress: .silent)
        _ = try await importer.importAnime(from: generated.animePath, into: store)
        _ = try await importer.importRatings(from: generated.ratingsPath, into: store)

        var whole = Rebuilder.Options()
        whole.trainRanker = false
        whole.runID = "whole"
        let one = try await Rebuilder(options: whole, progress: .silent).rebuild(store: store)
        #expect(one.live && one.candidateLists > 200)

        var model = whole
        model.runID = "staged"
        model.writeCandidates = false
        model.activate = false
        let staged = try await Rebuilder(options: model, progress: .silent).rebuild(store: store)
        #expect(!staged.live && staged.candidateLists == 0)
        #expect(try await store.liveRun()?.id == "whole", "a staged run is not live before its activation")
        var shardUsers = 0
        var shardLists = 0
        for number in 1...2 {
            let report = try await Rebuilder(options: model, progress: .silent)
                .writeCandidates(store: store, run: "staged", shard: try ScanShard(parsing: "\(number)/2"))
            #expect(report.users > 0, "each shard has users")
            shardUsers += report.users
            shardLists += report.candidateLists
        }
        #expect(shardUsers == one.users, "the shards split the users without overlap")
        #expect(shardLists == one.candidateLists)
        try await Rebuilder(options: model, progress: .silent).activate(run: "staged", store: store)
        #expect(try await store.liveRun()?.id == "staged")

        var users: [UserID] = []
        try await store.scanHistories(batchSize: 100) { histories in users += histories.map(\.user) }
        #expect(users.count == 240)
        for user in users {
            let expected = try await store.candidates(for: user, run: "whole", limit: 100)
            let actual = try await store.candidates(for: user, run: "staged", limit: 100)
            #expect(actual == expected, "user \(user.rawValue)")
        }
        let anime = try await store.allAnime().map(\.id)
        #expect(try await store.neighbors(of: anime, run: "staged", limit: 500) == store.neighbors(of: anime, run: "whole", limit: 500))
        #expect(try await store.list(key: ListKey.popular, run: "staged", limit: 500) == store.list(key: ListKey.popular, run: "whole", limit: 500))

        // A shard of a run that has no neighbour lists says how to write them.
        do {
            _ = try await Rebuilder(options: model, progress: .silent)
                .writeCandidates(store: store, run: "missing", shard: try ScanShard(parsing: "1/2"))
            Issue.record("a shard of an unwritten run must fail")
        } catch let error as RebuildError {
            #expect(error.message.contains("--no-candidates"))
        }
    }
}

@Suite("Staged rebuild on SQLite")
struct ShardedRebuildTests {
    @Test func twoShardsWriteWhatOneRebuildWrites() async throws {
        try await withSQLiteStore { store, directory in
            try await ShardedRebuildCheck.twoShardsWriteWhatOneRebuildWrites(store, directory: directory)
        }
    }
}
