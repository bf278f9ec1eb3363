import AnimeRecTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import CQL

/// Runs against the ring from `CASSANDRA_HOSTS` (see ``Ring``). Serialized: the failover test kills
/// and restarts a node.
@Suite("CQL cluster against a real ring", .serialized, TestRing.enabled)
struct ClusterIntegrationTests {
    static let keyspace = "cqlit"
    static let keyspaceRF1 = "cqlit_rf1"

    // MARK: Types

    @Test("every type Cassandra 1.2 supports round-trips through prepared statements", .timeLimit(.minutes(2)))
    func typesRoundTrip() async throws {
        try await withCQLClient(configuration: try Ring.configuration(), logger: Ring.logger) { client in
            try await Ring.recreateKeyspace(client, Self.keyspace, replicationFactor: 3)
            try await client.query(
                """
                CREATE TABLE \(Self.keyspace).types (
                  k int PRIMARY KEY, c_ascii ascii, c_bigint bigint, c_blob blob, c_boolean boolean,
                  c_decimal decimal, c_double double, c_float float, c_inet inet, c_int int, c_text text,
                  c_timestamp timestamp, c_uuid uuid, c_timeuuid timeuuid, c_varchar varchar, c_varint varint,
                  c_list list<int>, c_set set<text>, c_map map<text, int>
                )
                """
            )
            let columns: [(String, CQLValue)] = [
                ("c_ascii", .ascii("plain ascii")),
                ("c_bigint", .bigint(-9_007_199_254_740_993)),
                ("c_blob", .blob([0x00, 0xFF, 0x10, 0x80])),
                ("c_boolean", .boolean(true)),
                ("c_decimal", .decimal(CQLDecimal(unscaled: CQLVarint(-123_456_789), scale: 4))),
                ("c_double", .double(3.141592653589793)),
                ("c_float", .float(-2.5)),
                ("c_inet", .inet([192, 168, 1, 42])),
                ("c_int", .int(.min)),
                ("c_text", .text("ナルト – naïve ✓")),
                ("c_timestamp", .timestamp(1_700_000_000_123)),
                ("c_uuid", .uuid(UUID(uuidString: "550E8400-E29B-41D4-A716-446655440000")!)),
                ("c_timeuuid", .timeuuid(UUID(uuidString: "E1BB3AC0-8D2F-11EE-B9D1-0242AC120002")!)),
                ("c_varchar", .text("varchar value")),
                ("c_varint", .varint(CQLVarint(Int64.max))),
                ("c_list", .list([.int(3), .int(1), .int(2)])),
                ("c_set", .set([.text("a"), .text("b"), .text("c")])),
                ("c_map", .map([CQLMapEntry(key: .text("x"), value: .int(1)), CQLMapEntry(key: .text("y"), value: .int(2))])),
            ]
            let names = columns.map(\.0).joined(separator: ", ")
            let markers = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            try await client.execute(
                "INSERT INTO \(Self.keyspace).types (k, \(names)) VALUES (?, \(markers))",
                [.int(1)] + columns.map(\.1),
                options: .idempotent(.quorum)
            )
            let rows = try #require(
                try await client.select(
                    "SELECT \(names) FROM \(Self.keyspace).types WHERE k = ?", [.int(1)], options: .idempotent(.quorum))
            )
            let row = try #require(rows.rows.first)
            for (name, value) in columns {
                #expect(try row.value(named: name) == value, "column \(name)")
            }
            // IPv6, and columns never written read back as null (1.2.0 rejects null bind values).
            try await client.execute(
                "INSERT INTO \(Self.keyspace).types (k, c_inet) VALUES (?, ?)",
                [.int(2), .inet(Array(repeating: 0, count: 15) + [1])],
                options: .idempotent(.quorum)
            )
            let second = try #require(
                try await client.select(
                    "SELECT c_inet, c_text, c_int FROM \(Self.keyspace).types WHERE k = ?", [.int(2)],
                    options: .idempotent(.quorum)
                )?.rows.first
            )
            #expect(try second.value(named: "c_inet") == .inet(Array(repeating: 0, count: 15) + [1]))
            #expect(try second.decode(String?.self, named: "c_text") == nil)
            #expect(try second.decode(Int32?.self, named: "c_int") == nil)
            // Counters: never retried, and still correct.
            try await client.query("CREATE TABLE \(Self.keyspace).counters (k int PRIMARY KEY, n counter)")
            for _ in 0..<5 {
                try await client.execute(
                    "UPDATE \(Self.keyspace).counters SET n = n + ? WHERE k = ?", [.counter(2), .int(7)],
                    options: .init(consistency: .quorum)
                )
            }
            let counter = try await client.select(
                "SELECT n FROM \(Self.keyspace).counters WHERE k = ?", [.int(7)], options: .idempotent(.quorum))
            #expect(try counter?.rows.first?.value(named: "n") == .counter(10))
        }
    }

    // MARK: Token order and routing

    /// The script gives node i of the 3-node ring the token -2^63 + (i-1)·⌊2^64/3⌋.
    static func scriptOwner(of token: CQLToken, hosts: [String]) -> String {
        let step = UInt64.max / UInt64(hosts.count)
        let nodeTokens = hosts.indices.map { Int64(bitPattern: UInt64(bitPattern: Int64.min) &+ UInt64($0) &* step) }
        let index = nodeTokens.firstIndex { token.rawValue <= $0 } ?? 0
        return hosts[index]
    }

    static func int32Bytes(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    static func int64Bytes(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    @Test(
        "partitions come back in the order of our Murmur3 tokens, and routing picks the owning replica",
        .timeLimit(.minutes(3))
    )
    func tokenOrderMatchesServer() async throws {
        let hosts = try TestRing.requireHosts()
        try await withCQLClient(configuration: try Ring.configuration(), logger: Ring.logger) { client in
            try await Ring.recreateKeyspace(client, Self.keyspaceRF1, replicationFactor: 1)
            let ks = Self.keyspaceRF1
            try await client.query("CREATE TABLE \(ks).ints (k int PRIMARY KEY, v int)")
            try await client.query("CREATE TABLE \(ks).texts (k text PRIMARY KEY, v int)")
            try await client.query("CREATE TABLE \(ks).pairs (a bigint, b int, v int, PRIMARY KEY ((a, b)))")

            var ints: [Int32] = (0..<3000).map { (i: Int) -> Int32 in Int32(i * 7919 - 9_000_000) }
            ints += [Int32.min, Int32.max, 0, -1]
            let texts: [String] = (0..<1500).map { (i: Int) -> String in "key-\(i)-" + String(repeating: "é", count: i % 20) }
            let pairs: [(Int64, Int32)] = (0..<1500).map { (i: Int) -> (Int64, Int32) in
                (Int64(i % 40) * 1_000_003 - 7, Int32(i / 40))
            }

            let allInts = ints
            try await Self.concurrently(allInts.count) { i in
                try await client.execute("INSERT INTO \(ks).ints (k, v) VALUES (?, ?)", [.int(allInts[i]), .int(1)], options: .idempotent())
            }
            try await Self.concurrently(texts.count) { i in
                try await client.execute("INSERT INTO \(ks).texts (k, v) VALUES (?, ?)", [.text(texts[i]), .int(1)], options: .idempotent())
            }
            try await Self.concurrently(pairs.count) { i in
                try await client.execute(
                    "INSERT INTO \(ks).pairs (a, b, v) VALUES (?, ?, ?)", [.bigint(pairs[i].0), .int(pairs[i].1), .int(1)],
                    options: .idempotent())
            }

            // ints
            let intRows = try #require(try await client.query("SELECT k FROM \(ks).ints LIMIT 100000").rows)
            let serverInts = try intRows.rows.map { try $0.decode(Int32.self, at: 0) }
            let ourInts = ints.sorted { CQLToken.murmur3(Self.int32Bytes($0)) < CQLToken.murmur3(Self.int32Bytes($1)) }
            #expect(serverInts.count == ints.count)
            #expect(serverInts == ourInts)

            // texts
            let textRows = try #require(try await client.query("SELECT k FROM \(ks).texts LIMIT 100000").rows)
            let serverTexts = try textRows.rows.map { try $0.decode(String.self, at: 0) }
            let ourTexts = texts.sorted { CQLToken.murmur3(Array($0.utf8)) < CQLToken.murmur3(Array($1.utf8)) }
            #expect(serverTexts == ourTexts)

            // composite keys
            func pairKey(_ pair: (Int64, Int32)) -> [UInt8] {
                CQLRoutingKey.compose([Self.int64Bytes(pair.0), Self.int32Bytes(pair.1)])
            }
            let pairRows = try #require(try await client.query("SELECT a, b FROM \(ks).pairs LIMIT 100000").rows)
            let serverPairs = try pairRows.rows.map { "\(try $0.decode(Int64.self, at: 0))/\(try $0.decode(Int32.self, at: 1))" }
            let ourPairs = pairs.sorted { CQLToken.murmur3(pairKey($0)) < CQLToken.murmur3(pairKey($1)) }.map { "\($0.0)/\($0.1)" }
            #expect(serverPairs == ourPairs)

            // Routing: with RF 1 the only replica is the owner under the script's tokens, and the
            // query plan of a bound statement starts with it.
            let entry = try await client.preparedEntry(for: "SELECT v FROM \(ks).pairs WHERE a = ? AND b = ?", logger: Ring.logger)
            #expect(entry.routingIndexes == [0, 1])
            var mismatches = 0
            for pair in pairs {
                let key = try #require(try client.routingKey(entry, values: [.bigint(pair.0), .int(pair.1)]))
                #expect(key == pairKey(pair))
                let owner = Self.scriptOwner(of: CQLToken.murmur3(key), hosts: hosts)
                let replicas = client.replicas(keyspace: ks, routingKey: key)
                let plan = client.queryPlan(keyspace: ks, routingKey: key)
                if replicas != [CQLNode(host: owner, port: Ring.port)] || plan.first?.host != owner {
                    mismatches += 1
                }
            }
            #expect(mismatches == 0)
        }
    }

    /// Runs `count` operations with up to 64 in flight.
    static func concurrently(_ count: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(64, count) {
                let i = next
                group.addTask { try await operation(i) }
                next += 1
            }
            while try await group.next() != nil {
                if next < count {
                    let i = next
                    group.addTask { try await operation(i) }
                    next += 1
                }
            }
        }
    }

    // MARK: v1 walks and batches

    @Test("token-range and clustering walks and batches work on protocol v1", .timeLimit(.minutes(2)))
    func walksAndBatches() async throws {
        try await withCQLClient(configuration: try Ring.configuration(), logger: Ring.logger) { client in
            let ks = Self.keyspace
            try await Ring.recreateKeyspace(client, ks, replicationFactor: 3)
            try await client.query("CREATE TABLE \(ks).walk (k int PRIMARY KEY, v text)")
            try await client.query("CREATE TABLE \(ks).events (u bigint, day int, e int, w double, PRIMARY KEY ((u, day), e)) WITH CLUSTERING ORDER BY (e DESC)")
            try await Self.concurrently(1234) { i in
                try await client.execute("INSERT INTO \(ks).walk (k, v) VALUES (?, ?)", [.int(Int32(i)), .text("v\(i)")], options: .idempotent(.quorum))
            }
            // RF 3: reads see every acknowledged write only when both sides use QUORUM (2 + 2 > 3).
            // At ONE a read can reach the one replica a write has not reached yet: a CI run lost a
            // whole batch that way.
            var seen: [Int32] = []
            for try await row in try client.scanPartitions(keyspace: ks, table: "walk", partitionKey: ["k"], columns: ["v"], pageSize: 100, options: .idempotent(.quorum)) {
                seen.append(try row.decode(Int32.self, named: "k"))
            }
            #expect(seen.count == 1234)
            #expect(Set(seen).count == 1234)
            #expect(seen == seen.sorted { CQLToken.murmur3(Self.int32Bytes($0)) < CQLToken.murmur3(Self.int32Bytes($1)) })

            // A batch of 250 rows in one partition (v1: a prepared BEGIN BATCH statement).
            for chunk in stride(from: 0, to: 250, by: 50) {
                try await client.batch(
                    (chunk..<chunk + 50).map {
                        CQLBatchStatement("INSERT INTO \(ks).events (u, day, e, w) VALUES (?, ?, ?, ?)", [.bigint(42), .int(20240501), .int(Int32($0)), .double(Double($0) / 2)])
                    },
                    kind: .unlogged,
                    options: .idempotent(.quorum)
                )
            }
            var events: [Int32] = []
            let walk = try client.scanClustering(
                keyspace: ks, table: "events", partitionKey: [("u", .bigint(42)), ("day", .int(20240501))],
                clusteringColumn: "e", columns: ["w"], descending: true, pageSize: 40, options: .idempotent(.quorum)
            )
            for try await row in walk { events.append(try row.decode(Int32.self, named: "e")) }
            #expect(events == Array((0..<250).reversed()).map { Int32($0) })
            // The row sequence API (server paging on v2+; one page on v1).
            var count = 0
            for try await _ in client.rows("SELECT e FROM \(ks).events WHERE u = ? AND day = ? LIMIT 1000", [.bigint(42), .int(20240501)], options: .idempotent(.quorum)) {
                count += 1
            }
            #expect(count == 250)
        }
    }
}

extension ClusterIntegrationTests {
    /// Kills and restarts node 2 of the ring with `scripts/cassandra.sh` while traffic runs (nested in the
    /// serialized parent suite, so nothing else runs against the ring meanwhile).
    @Suite("CQL failover against a real ring")
    struct FailoverIntegrationTests {
        final class Tally: Sendable {
            let counts = NIOLockedValueBox((ok: 0, failed: 0, errors: [String]()))
            let testStart = ContinuousClock.now
            func success() { self.counts.withLockedValue { $0.ok += 1 } }
            /// Records a failed request with when it started (from the test's start) and how long it took,
            /// so that a failure says in which phase (kill, down, restart) it happened.
            func failure(_ error: any Error, step: String, started: ContinuousClock.Instant) {
                let now = ContinuousClock.now
                let description = "\(step) started at \(started - self.testStart), failed after \(now - started): \(error)"
                self.counts.withLockedValue {
                    $0.failed += 1
                    if $0.errors.count < 8 { $0.errors.append(description) }
                }
            }
        }

        @Test(
            "RF=3 QUORUM reads and writes keep succeeding while a node is killed and after it restarts",
            .enabled(if: Ring.hosts.count >= 3 || TestRing.isCI, "needs a 3-node ring"),
            .timeLimit(.minutes(3))
        )
        func killAndRestart() async throws {
            var configuration = try Ring.configuration()
            configuration.speculativeExecutionPolicy = .constant(delay: .milliseconds(500), maxExecutions: 2)
            // Until gossip convicts the dead node (~18 s at the default phi threshold 8), coordinators still
            // pick it for QUORUM reads and answer ReadTimeout after their own 10 s: the client's default
            // attempt timeout (12 s) waits for that answer and the default retry budget (25 s, backing
            // off) spans a second such timeout; nothing here raises either.
            #expect(configuration.retryPolicy == .default)
            let hosts = try TestRing.requireHosts()
            try #require(hosts.count >= 3, "the failover test needs a 3-node ring")
            let node2 = CQLNode(host: hosts[1], port: Ring.port)
            try await withCQLClient(configuration: configuration, logger: Ring.logger) { client in
                let ks = "cqlit_failover"
                try await Ring.recreateKeyspace(client, ks, replicationFactor: 3)
                try await client.query("CREATE TABLE \(ks).kv (k int PRIMARY KEY, v bigint)")
                let write = "INSERT INTO \(ks).kv (k, v) VALUES (?, ?)"
                let read = "SELECT v FROM \(ks).kv WHERE k = ?"
                let tally = Tally()
                let stop = NIOLockedValueBox(false)

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<16 {
                        group.addTask {
                            var i = 0
                            while !stop.withLockedValue({ $0 }) {
                                i += 1
                                let key = Int32((worker * 7919 + i * 31) % 1000)
                                var step = "write"
                                var started = ContinuousClock.now
                                do {
                                    try await client.execute(write, [.int(key), .bigint(Int64(i))], options: .idempotent(.quorum))
                                    step = "read"
                                    started = ContinuousClock.now
                                    _ = try await client.select(read, [.int(key)], options: .idempotent(.quorum))
                                    tally.success()
                                } catch {
                                    tally.failure(error, step: step, started: started)
                                }
                            }
                        }
                    }
                    try await Task.sleep(for: .seconds(3))
                    let killedAt = ContinuousClock.now - tally.testStart
                    let okBeforeKill = tally.counts.withLockedValue { $0.ok }
                    try await Ring.script("kill", "2")
                    try await Task.sleep(for: .seconds(8))
                    let okWhileDown = tally.counts.withLockedValue { $0.ok } - okBeforeKill
                    #expect(client.nodes.first { $0.node == node2 }?.isUp == false)
                    let repreparesBefore = client.reprepareCount
                    let restartedAt = ContinuousClock.now - tally.testStart
                    try await Ring.script("restart", "2")
                    // Wait until the client reconnects to node 2 (UP event or backoff), then keep going.
                    let deadline = ContinuousClock.now + .seconds(30)
                    while client.nodes.first(where: { $0.node == node2 })?.isUp != true && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    #expect(client.nodes.first { $0.node == node2 }?.isUp == true)
                    let upAgainAt = ContinuousClock.now - tally.testStart
                    try await Task.sleep(for: .seconds(5))
                    stop.withLockedValue { $0 = true }
                    try await group.waitForAll()
                    let counts = tally.counts.withLockedValue { $0 }
                    #expect(
                        counts.failed == 0,
                        """
                        node 2 killed at \(killedAt), restarted at \(restartedAt), up for the client at \(upAgainAt); \
                        failed idempotent requests: \(counts.errors)
                        """
                    )
                    #expect(okBeforeKill > 0)
                    #expect(okWhileDown > 0)
                    // Node 2 forgot its prepared statements: the client prepared them again there.
                    #expect(client.reprepareCount > repreparesBefore)
                    let entry = try #require(client.state.withLockedValue { $0.prepared[read] })
                    #expect(entry.preparedOn.contains(node2))
                }

            }
        }
    }
}
