import AnimeRecCore
import AnimeRecStore
import Foundation
import Logging
import Testing

/// The Cassandra test ring named by `CASSANDRA_HOSTS` (scripts/test.sh starts one). Without it the
/// Cassandra suites skip with a message, except under `CI=true`, where a missing ring fails.
enum TestRing {
    static let environment = ProcessInfo.processInfo.environment
    static let hosts = (environment["CASSANDRA_HOSTS"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
    static let isAvailable = !hosts.isEmpty
    static let isCI = environment["CI"] == "true"
    static let skipMessage: Comment = "CASSANDRA_HOSTS is not set: run scripts/cassandra.sh start 3 and export CASSANDRA_HOSTS=$(scripts/cassandra.sh hosts)"

    static var logger: Logger {
        var logger = Logger(label: "store.cassandra.test")
        logger.logLevel = .warning
        return logger
    }

    /// A store on a new keyspace (replication 3, QUORUM), migrated, dropped afterwards.
    static func withFreshStore(_ body: (CassandraStore) async throws -> Void) async throws {
        let keyspace = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        let location = try StoreURL(parsing: "cassandra://\(hosts.joined(separator: ","))/\(keyspace)?replication=\(min(3, hosts.count))")
        guard case .cassandra(let location) = location else { return }
        let store = try await CassandraStore.open(.init(location: location), requireSchema: false, logger: logger)
        do {
            _ = try await store.migrate()
            try await body(store)
        } catch {
            try? await store.dropKeyspace()
            try? await store.close()
            throw error
        }
        try? await store.dropKeyspace()
        try await store.close()
    }
}

@Suite("Integration ring requirement (store)")
struct StoreRingRequirementTests {
    @Test("on CI the Cassandra ring must be configured", .enabled(if: TestRing.isCI && !TestRing.isAvailable))
    func ringIsConfiguredOnCI() {
        Issue.record("CI=true but CASSANDRA_HOSTS is not set: the CassandraStore conformance suite cannot run")
    }
}

@Suite("CassandraStore conformance (real 3-node ring)", .serialized, .enabled(if: TestRing.isAvailable, TestRing.skipMessage))
struct CassandraStoreConformanceTests {
    @Test func catalogue() async throws { try await TestRing.withFreshStore(StoreConformance.catalogueRoundTrips) }
    @Test func events() async throws { try await TestRing.withFreshStore(StoreConformance.eventsAreIdempotentAndUpdateInteractions) }
    @Test func concurrentEvents() async throws { try await TestRing.withFreshStore(StoreConformance.concurrentEventsAreAllStored) }
    @Test func importAndScan() async throws { try await TestRing.withFreshStore(StoreConformance.importAndScan) }
    @Test func runs() async throws { try await TestRing.withFreshStore(StoreConformance.runsSwitchAtomically) }
    @Test func userReads() async throws { try await TestRing.withFreshStore(StoreConformance.userReadsMatchTheSingleReads) }

    @Test func migrationsAreRecordedAndRefusedWhenChanged() async throws {
        try await TestRing.withFreshStore { (store: CassandraStore) async throws in
            #expect(try await store.migrate().applied.isEmpty)
            #expect(try await store.migrate(dryRun: true).applied.isEmpty)
            #expect(try await store.hasCatalogue() == false)
        }
    }

    @Test func readersRefuseAMissingKeyspaceWhileImportAndDemoCreateIt() async throws {
        let keyspace = "w_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        var configuration = StoreConfiguration()
        configuration.url = try StoreURL(parsing: "cassandra://\(TestRing.hosts.joined(separator: ","))/\(keyspace)?replication=\(min(3, TestRing.hosts.count))")
        do {
            _ = try await configuration.open(for: .read, logger: TestRing.logger)
            Issue.record("serve, rebuild and eval must refuse a keyspace that does not exist")
        } catch let error as StoreError {
            #expect("\(error)".contains("does not exist"))
            #expect("\(error)".contains("animerec import"))
        }
        // import and demo open for writing: the keyspace is created and migrated.
        try await configuration.withStore(for: .write, logger: TestRing.logger) { store in
            #expect(try await store.migrate(dryRun: true).applied.isEmpty)
            try await store.upsertAnime([Anime(id: AnimeID(1), name: "A", genres: [], type: nil, episodes: nil, rating: nil, members: 1)])
        }
        let reader = try await configuration.open(for: .read, logger: TestRing.logger)
        #expect(try await reader.hasCatalogue())
        try await (reader as? CassandraStore)?.dropKeyspace()
        try await reader.close()
    }
}
