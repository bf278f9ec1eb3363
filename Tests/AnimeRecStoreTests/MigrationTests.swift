import AnimeRecSchema
@testable import AnimeRecStore
import Foundation
import Logging
import Testing

@Suite("Migration files: statements, checksums, plans")
struct MigrationTests {
    @Test func statementsAreSplitOutsideQuotesAndCommentsDropped() {
        let text = """
            -- a comment; with a semicolon
            CREATE TABLE a (x int PRIMARY KEY); -- trailing
            INSERT INTO a (x) VALUES ('semi;colon'); ;
            CREATE TABLE b (y text PRIMARY KEY)
            """
        #expect(Migration.statements(in: text) == [
            "CREATE TABLE a (x int PRIMARY KEY)",
            "INSERT INTO a (x) VALUES ('semi;colon')",
            "CREATE TABLE b (y text PRIMARY KEY)",
        ])
    }

    @Test func checksumsAreFNV1a64() {
        #expect(Migration.checksum(of: "") == "cbf29ce484222325")
        #expect(Migration.checksum(of: "a") == "af63dc4c8601ec8c")
        #expect(Migration(name: "x", text: "a").checksum != Migration(name: "x", text: "b").checksum)
    }

    @Test func planListsPendingInOrderAndRefusesChangedFiles() throws {
        let files = [Migration(name: "0002_b", text: "B"), Migration(name: "0001_a", text: "A")]
        let fresh = try MigrationPlan(shipped: files, applied: [])
        #expect(fresh.pending.map(\.name) == ["0001_a", "0002_b"])
        let half = try MigrationPlan(shipped: files, applied: [.init(name: "0001_a", checksum: files[1].checksum)])
        #expect(half.pending.map(\.name) == ["0002_b"])
        let legacy = try MigrationPlan(shipped: files, applied: [.init(name: "0001_a", checksum: nil)])
        #expect(legacy.unrecordedChecksums.map(\.name) == ["0001_a"])
        #expect(throws: MigrationError.changedSinceApplied(name: "0001_a", recorded: "0000000000000000", shipped: files[1].checksum)) {
            try MigrationPlan(shipped: files, applied: [.init(name: "0001_a", checksum: "0000000000000000")])
        }
    }

    @Test func shippedFilesAreTheResources() throws {
        #expect(try Migration.shipped(.sqlite).map(\.name) == ["0001_init", "0002_partition_keys", "0003_event_ids", "0004_run_catalogue", "0005_run_progress", "0006_dislikes", "0007_impressions", "0008_candidate_places"])
        #expect(try Migration.shipped(.cassandra).map(\.name) == ["0001_init", "0002_event_ids", "0003_run_catalogue", "0004_run_rows", "0005_user_state", "0006_dislikes", "0007_impressions", "0008_impression_pages"])
        // Every Cassandra statement is portable to 1.2: no IF NOT EXISTS, no default TTL, no static.
        for statement in try Migration.shipped(.cassandra).flatMap(\.statements) {
            let upper = statement.uppercased()
            #expect(!upper.contains("IF NOT EXISTS") && !upper.contains("DEFAULT_TIME_TO_LIVE") && !upper.contains(" STATIC"))
        }
    }

    @Test func schemaStatementsGetTheKeyspace() {
        #expect(CassandraStore.qualify("CREATE TABLE anime (\n  anime_id int PRIMARY KEY\n)", keyspace: "ks")
            == "CREATE TABLE ks.anime (\n  anime_id int PRIMARY KEY\n)")
        #expect(CassandraStore.qualify("ALTER TABLE t ADD c int", keyspace: "ks") == "ALTER TABLE ks.t ADD c int")
        #expect(CassandraStore.qualify("CREATE INDEX i ON t (c)", keyspace: "ks") == "CREATE INDEX i ON ks.t (c)")
        #expect(CassandraStore.qualify("CREATE TABLE other.t (a int PRIMARY KEY)", keyspace: "ks") == "CREATE TABLE other.t (a int PRIMARY KEY)")
    }

    @Test func sqliteRefusesAChangedAppliedFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-migrate-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await SQLiteStore.open(.init(path: path), logger: Logger(label: "test"))
        try await store.tamperChecksum(of: "0001_init", with: "0123456789abcdef")
        await #expect(throws: MigrationError.self) { try await store.migrate(dryRun: true) }
        try await store.close()
        await #expect(throws: MigrationError.self) { _ = try await SQLiteStore.open(.init(path: path), logger: Logger(label: "test")) }
    }
}
