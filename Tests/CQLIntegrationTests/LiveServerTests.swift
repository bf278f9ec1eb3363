import AnimeRecTestSupport
import Foundation
import Logging
import NIOPosix
import Testing

@testable import CQL

/// Read-only checks of the connection layer against one real server: `CQL_LIVE_HOST`, or the test
/// ring's first node (``TestRing``; skipped without either, failing under `CI=true`).
@Suite(
    "Live server",
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["CQL_LIVE_HOST"] != nil || TestRing.isAvailable || TestRing.isCI, TestRing.skipMessage),
    .timeLimit(.minutes(1))
)
struct LiveServerTests {
    var host: String {
        get throws { try ProcessInfo.processInfo.environment["CQL_LIVE_HOST"] ?? TestRing.requireHosts()[0] }
    }
    /// The version negotiation should end at; 1 for the Cassandra 1.2 test server.
    let expectedVersion =
        ProtocolVersion(rawValue: UInt8(ProcessInfo.processInfo.environment["CQL_LIVE_EXPECTED_VERSION"] ?? "1") ?? 1)
        ?? .v1

    @Test("Negotiates down from v5, then OPTIONS, QUERY, PREPARE/EXECUTE, errors and close")
    func negotiateAndQuery() async throws {
        let configuration = CQLConnection.Configuration(host: try self.host)
        let connection = try await CQLConnection.connect(
            configuration: configuration,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "cql.live")
        )
        #expect(connection.protocolVersion == self.expectedVersion)

        let supported = try await connection.options()
        #expect(supported["CQL_VERSION"]?.isEmpty == false)

        let local = try #require(try await connection.query("SELECT key, release_version FROM system.local").rows)
        #expect(local.count == 1)
        #expect(try local.rows[0].decode(String.self, named: "key") == "local")
        let releaseVersion = try local.rows[0].decode(String.self, named: "release_version")
        #expect(!releaseVersion.isEmpty)

        let statement = try await connection.prepare("SELECT release_version FROM system.local WHERE key = ?")
        #expect(statement.bindMarkers.count == 1)
        let executed = try #require(try await connection.execute(statement, values: [.text("local")]).rows)
        #expect(try executed.rows.first?.decode(String.self, at: 0) == releaseVersion)

        await expectCQLError(.syntaxError) { try await connection.query("SELEKT nothing") }
        await expectCQLError(.invalid) { try await connection.query("SELECT * FROM no_such_keyspace.no_such_table") }

        // Many concurrent requests over one connection's stream ids.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask { try await connection.query("SELECT key FROM system.local").rows?.count ?? 0 }
            }
            var total = 0
            for try await count in group { total += count }
            #expect(total == 200)
        }
        #expect(connection.inFlightRequests == 0)

        try await connection.register(for: [.topologyChange, .statusChange, .schemaChange])

        // v1 text batch of a value-free statement (a read-only keyspace-less no-op is not valid CQL,
        // so only check that a v1 batch with bind values is refused before reaching the server).
        var batch = CQLBatch(kind: .unlogged)
        batch.add("INSERT INTO t (k) VALUES (?)", values: [.int(1)])
        await expectCQLError(.unsupportedFeature) { try await connection.batch(batch) }

        try await connection.close()
        #expect(connection.isClosed)
    }

    @Test("A pinned version the server refuses is a typed error, not a hang")
    func pinnedRefused() async throws {
        guard self.expectedVersion < .v5 else { return }
        var configuration = CQLConnection.Configuration(host: try self.host)
        configuration.pinnedVersion = .v5
        await expectCQLError(.unsupportedProtocolVersion) {
            try await CQLConnection.connect(
                configuration: configuration,
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: Logger(label: "cql.live")
            )
        }
    }
}
