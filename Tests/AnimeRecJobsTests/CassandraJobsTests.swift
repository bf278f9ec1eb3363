import AnimeRecCore
import AnimeRecJobs
import AnimeRecStore
import Foundation
import Logging
import Testing

/// The test ring, as scripts/test.sh exports it.
private let ringHosts = (ProcessInfo.processInfo.environment["CASSANDRA_HOSTS"] ?? "").split(separator: ",").map(String.init)

/// A migrated keyspace of its own on the test ring for `body`, dropped afterwards.
private func withRingStore(prefix: String, _ body: (CassandraStore) async throws -> Void) async throws {
    let keyspace = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    guard case .cassandra(let location) = try StoreURL(parsing: "cassandra://\(ringHosts.joined(separator: ","))/\(keyspace)?replication=\(min(3, ringHosts.count))")
    else { return }
    var logger = Logger(label: "test.jobs")
    logger.logLevel = .warning
    let cassandra = try await CassandraStore.open(.init(location: location), requireSchema: false, logger: logger)
    do {
        _ = try await cassandra.migrate()
        try await body(cassandra)
    } catch {
        try? await cassandra.dropKeyspace()
        try? await cassandra.close()
        throw error
    }
    try? await cassandra.dropKeyspace()
    try await cassandra.close()
}

@Suite("Jobs on Cassandra give what they give on SQLite", .enabled(if: !ringHosts.isEmpty, "CASSANDRA_HOSTS is not set: run scripts/cassandra.sh start 3 and export CASSANDRA_HOSTS=$(scripts/cassandra.sh hosts)"))
struct CassandraJobsTests {
    @Test func twoShardsWriteWhatOneRebuildWritesOnTheRing() async throws {
        try await withTemporaryDirectory { directory in
            try await withRingStore(prefix: "shard_") { cassandra in
                try await ShardedRebuildCheck.twoShardsWriteWhatOneRebuildWrites(cassandra, directory: directory)
            }
        }
    }

    @Test func importRebuildAndEvalMatchTheEmbeddedStore() async throws {
        try await withSQLiteStore { sqlite, directory in
            let generated = try DataGenerator(
                options: .init(users: 300, anime: 250, ratings: 15_000, seed: 21), progress: .silent
            ).write(to: directory + "/data")
            try await withRingStore(prefix: "jobs_") { cassandra in
                var options = Rebuilder.Options()
                options.training.users = 150
                options.runID = "same"
                var evaluation = OfflineEvaluation.Options()
                evaluation.users = 100
                evaluation.validationUsers = 100
                evaluation.easeLambdas = [100]
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
