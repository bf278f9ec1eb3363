import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import Logging
import Testing

@Suite("Jobs on Cassandra give what they give on SQLite", TestRing.enabled)
struct CassandraJobsTests {
    @Test func twoShardsWriteWhatOneRebuildWritesOnTheRing() async throws {
        try await withTemporaryDirectory { directory in
            try await TestRing.withFreshStore(prefix: "shard_") { cassandra in
                try await ShardedRebuildCheck.twoShardsWriteWhatOneRebuildWrites(cassandra, directory: directory)
            }
        }
    }

    @Test func importRebuildAndEvalMatchTheEmbeddedStore() async throws {
        try await withSQLiteStore { sqlite, directory in
            let generated = try DataGenerator(
                options: .init(users: 300, anime: 250, ratings: 15_000, seed: 21), progress: .silent
            ).write(to: directory + "/data")
            try await TestRing.withFreshStore(prefix: "jobs_") { cassandra in
                var options = Rebuilder.Options()
                options.training.users = 150
                options.runID = "same"
                var evaluation = OfflineEvaluation.Options()
                evaluation.users = 100
                evaluation.validationUsers = 100
                evaluation.easeLambdas = [100]
                evaluation.rankerWeakHitGains = []
                evaluation.cosineNeighbors = [20]
                var reports: [ImportReport] = []
                var tables: [String] = []
                for store in [sqlite as any RecStore, cassandra as any RecStore] {
                    let importer = Importer(progress: .silent)
                    reports.append(try await importer.importAnime(from: generated.animePath, into: store))
                    reports.append(try await importer.importRatings(from: generated.ratingsPath, into: store))
                    let rebuilt = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
                    #expect(rebuilt.users == 300 && rebuilt.interactions == 15_000)
                    tables.append(try await Evaluator(options: evaluation, progress: .silent).evaluate(store: store).table)
                }
                #expect(reports[0].imported == reports[2].imported && reports[1].imported == reports[3].imported)
                #expect(reports[1].imported == 15_000)
                #expect(tables[0] == tables[1], "eval gives the same figures on both stores")
                let (sqliteRun, cassandraRun) = (try await sqlite.liveRun(), try await cassandra.liveRun())
                #expect(sqliteRun?.id == "same" && cassandraRun?.id == "same")
                #expect(sqliteRun?.ranker == cassandraRun?.ranker, "the same ranker trained from the same data")
                let catalogue = try await sqlite.allAnime().map(\.id)
                #expect(Set(try await cassandra.allAnime().map(\.id)) == Set(catalogue))
                let sqliteLists = try await sqlite.neighbors(of: catalogue, run: "same", limit: 256)
                let cassandraLists = try await cassandra.neighbors(of: catalogue, run: "same", limit: 256)
                #expect(sqliteLists == cassandraLists, "the same neighbour lists")
                for user in [1, 2, 50, 150, 300].map({ UserID(Int64($0)) }) {
                    #expect(try await sqlite.candidates(for: user, run: "same", limit: 100)
                        == cassandra.candidates(for: user, run: "same", limit: 100))
                }
            }
        }
    }
}
