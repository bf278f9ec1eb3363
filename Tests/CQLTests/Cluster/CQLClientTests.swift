import Logging
import NIOConcurrencyHelpers
import Testing

@testable import CQL

/// The whole client (discovery, pools, routing, retries, speculation, reconnection) against a scripted
/// three-node cluster and a manual clock: no sockets, no sleeping on real time for backoff.
@Suite("CQLClient with a scripted cluster", .timeLimit(.minutes(1)))
struct CQLClientTests {
    static let insert = "INSERT INTO ks.t (k, v) VALUES (?, ?)"

    static func withClient(
        replicationFactor: Int = 1,
        _ configure: (inout CQLClient.Configuration) -> Void = { _ in },
        logger: Logger = Logger(label: "cql.test"),
        _ body: (CQLClient, MockCluster, ManualClock) async throws -> Void
    ) async throws {
        let clock = ManualClock()
        let cluster = MockCluster(clock: clock, replicationFactor: replicationFactor)
        var configuration = CQLClient.Configuration(contactPoints: [MockCluster.hosts[0]])
        configuration.connectionsPerNodeV1V2 = 2
        configure(&configuration)
        let client = CQLClient(
            configuration: configuration, factory: cluster.factory, clock: clock, random: { 0.5 },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await client.waitUntilReady()
            #expect(await eventually { client.nodes.count == 3 && client.nodes.allSatisfy(\.isUp) })
            try await body(client, cluster, clock)
            group.cancelAll()
        }
    }

    /// The node owning `key` under the mock's evenly spaced tokens (the only replica: RF 1).
    static func owner(of key: Int32) -> String {
        let token = CQLToken.murmur3(withUnsafeBytes(of: key.bigEndian) { Array($0) })
        let step = UInt64.max / 3
        let tokens = (0..<3).map { Int64(bitPattern: UInt64(bitPattern: Int64.min) &+ UInt64($0) &* step) }
        return MockCluster.hosts[tokens.firstIndex { token.rawValue <= $0 } ?? 0]
    }

    static func executions(_ cluster: MockCluster, _ query: String = insert) -> [String] {
        cluster.executed.filter { $0.query == query }.map(\.host)
    }

    @Test("discovery finds every node and a bound statement goes to its partition's replica")
    func tokenAwareRouting() async throws {
        try await Self.withClient { client, cluster, _ in
            #expect(Set(client.nodes.map(\.node.host)) == Set(MockCluster.hosts))
            for key in Int32(0)..<60 {
                try await client.execute(Self.insert, [.int(key), .int(1)])
                #expect(Self.executions(cluster).last == Self.owner(of: key), "key \(key)")
            }
            // Prepared once per node up front, not per execution.
            #expect(cluster.prepared.filter { $0.query == Self.insert }.count == 3)
        }
    }

    @Test("a broken connection is retried on the next node only for idempotent statements")
    func idempotentRetry() async throws {
        try await Self.withClient { client, cluster, _ in
            let owner = Self.owner(of: 7)
            cluster.script(owner, .closeConnection)
            await #expect(throws: CQLError.self) {
                try await client.execute(Self.insert, [.int(7), .int(1)])
            }
            #expect(Self.executions(cluster) == [owner])

            cluster.script(owner, .closeConnection)
            try await client.execute(Self.insert, [.int(7), .int(1)], options: .idempotent())
            let hosts = Self.executions(cluster)
            #expect(hosts.count == 3)
            #expect(hosts[1] == owner)
            #expect(hosts[2] != owner)
        }
    }

    @Test("server timeouts: idempotent statements retry up to the limit, counter batches never")
    func retryLimitsAndCounters() async throws {
        try await Self.withClient({ $0.retryPolicy = CQLRetryPolicy(maxRetries: 1) }) { client, cluster, _ in
            var timeout = CQLError(.writeTimeout, "timed out")
            timeout.writeType = "SIMPLE"
            for host in MockCluster.hosts { cluster.script(host, .error(timeout)) }
            await #expect(throws: CQLError.self) {
                try await client.execute(Self.insert, [.int(3), .int(1)], options: .idempotent())
            }
            #expect(Self.executions(cluster).count == 2)  // first attempt + one retry

            var counterTimeout = CQLError(.writeTimeout, "timed out")
            counterTimeout.writeType = "COUNTER"
            let owner = Self.owner(of: 3)
            cluster.script(owner, .error(counterTimeout))
            let batch = [CQLBatchStatement("UPDATE ks.c SET n = n + 1 WHERE k = ?", [.int(3)])]
            await #expect(throws: CQLError.self) {
                // Marked idempotent by mistake: a counter batch is still never retried.
                try await client.batch(batch + batch, kind: .counter, options: .idempotent())
            }
            #expect(cluster.executed.filter { $0.query.hasPrefix("BEGIN COUNTER BATCH") }.count == 1)
        }
    }

    @Test("Unavailable: retried on the next node within the policy's limits, like a timeout")
    func unavailableIsRetriedWithinTheLimits() async throws {
        try await Self.withClient({ $0.retryPolicy = CQLRetryPolicy(maxRetries: 1) }) { client, cluster, _ in
            let unavailable = CQLError(.unavailable, "Cannot achieve consistency level QUORUM")
            for host in MockCluster.hosts { cluster.script(host, .error(unavailable)) }
            await #expect(throws: CQLError.self) {
                try await client.execute(Self.insert, [.int(3), .int(1)], options: .idempotent())
            }
            #expect(Self.executions(cluster).count == 2)  // first attempt + the one retry allowed
        }
    }

    @Test("Unavailable from two coordinators in a row while a node restarts: the request still succeeds")
    func unavailableTwiceThenSuccess() async throws {
        try await Self.withClient { client, cluster, clock in
            // A write timeout on the owner (a node just died), then Unavailable from both other nodes
            // (their gossip views disagree while it restarts), then the owner answers.
            var timeout = CQLError(.writeTimeout, "timed out")
            timeout.writeType = "SIMPLE"
            let unavailable = CQLError(.unavailable, "Cannot achieve consistency level QUORUM")
            let owner = Self.owner(of: 4)
            cluster.script(owner, .error(timeout))
            for host in MockCluster.hosts where host != owner { cluster.script(host, .error(unavailable)) }
            let request = Task { try await client.execute(Self.insert, [.int(4), .int(1)], options: .idempotent()) }
            // Retries two and three wait the backoff: 100 ms, then 200 ms.
            for delay in [Duration.milliseconds(100), .milliseconds(200)] {
                #expect(await eventually { clock.pendingDelays.contains(delay) })
                clock.advance(by: delay)
            }
            _ = try await request.value
            #expect(Self.executions(cluster).count == 4)
            #expect(Self.executions(cluster).first == owner)
            #expect(Self.executions(cluster).last == owner)
        }
    }

    @Test("UNPREPARED: the statement is prepared again on that node and retried there")
    func unprepared() async throws {
        try await Self.withClient { client, cluster, _ in
            try await client.execute(Self.insert, [.int(11), .int(1)])
            let owner = Self.owner(of: 11)
            cluster.state.withLockedValue { $0.nodes[owner]?.preparedIDs = [] }  // e.g. a restart we missed
            try await client.execute(Self.insert, [.int(11), .int(2)])
            #expect(Self.executions(cluster) == [owner, owner])  // UNPREPARED answers are not logged as executions
            #expect(cluster.prepared.filter { $0.host == owner && $0.query == Self.insert }.count == 2)
            #expect(client.reprepareCount == 1)
        }
    }

    @Test("speculative execution: a slow replica is overtaken by the next node, only when idempotent")
    func speculativeExecution() async throws {
        try await Self.withClient({
            $0.speculativeExecutionPolicy = .constant(delay: .milliseconds(100), maxExecutions: 2)
        }) { client, cluster, clock in
            let owner = Self.owner(of: 5)
            cluster.script(owner, .delayed(.seconds(10)))
            async let fast: CQLResult = client.execute(Self.insert, [.int(5), .int(1)], options: .idempotent())
            // The first execution is stuck on the owner; its speculative timer is pending.
            #expect(await eventually { clock.pendingDelays == [.milliseconds(100), .seconds(10)] })
            clock.advance(by: .milliseconds(100))
            _ = try await fast  // answered by the second node while the owner is still busy
            let hosts = Self.executions(cluster)
            #expect(hosts.count == 2 && hosts[0] == owner && hosts[1] != owner)
            clock.advance(by: .seconds(10))

            cluster.script(owner, .delayed(.seconds(10)))
            async let slow: CQLResult = client.execute(Self.insert, [.int(5), .int(1)])
            #expect(await eventually { clock.pendingSleeps == 1 })
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(50))
            #expect(Self.executions(cluster).count == 3)  // no speculative execution
            clock.advance(by: .seconds(10))
            _ = try await slow
        }
    }

    @Test("a dead node is marked down, retried with exponential backoff, and re-prepared when back")
    func reconnectionBackoff() async throws {
        // RF 3: the partitions of the dead node still have live replicas.
        try await Self.withClient(replicationFactor: 3, {
            $0.reconnectionPolicy = CQLReconnectionPolicy(base: .seconds(1), max: .seconds(8), jitter: 0.15)
        }) { client, cluster, clock in
            try await client.execute(Self.insert, [.int(1), .int(1)])
            let victim = MockCluster.hosts[1]
            let attemptsBefore = cluster.connectAttempts(victim)
            cluster.kill(victim)
            #expect(await eventually { client.nodes.first { $0.node.host == victim }?.isUp == false })
            // Requests avoid the dead node.
            for key in Int32(0)..<30 { try await client.execute(Self.insert, [.int(key), .int(1)], options: .idempotent()) }
            #expect(!cluster.executed.suffix(30).contains { $0.host == victim })

            // Backoff with jitter sample 0.5: 1 s, then 2 s, then 4 s.
            for (attempt, delay) in [Duration.seconds(1), .seconds(2), .seconds(4)].enumerated() {
                #expect(await eventually { clock.pendingDelays.contains(delay) }, "attempt \(attempt)")
                clock.advance(by: delay - .milliseconds(1))
                try await Task.sleep(for: .milliseconds(20))
                #expect(cluster.connectAttempts(victim) == attemptsBefore + attempt)
                clock.advance(by: .milliseconds(1))
                #expect(await eventually { cluster.connectAttempts(victim) == attemptsBefore + attempt + 1 })
            }
            // The node restarts (and forgot its prepared statements); the UP event reconnects at once.
            cluster.revive(victim)
            cluster.push(.statusChange(change: "UP", address: CQLInetAddress(address: [10, 0, 0, 2], port: 9042)))
            #expect(await eventually { clock.pendingDelays.contains(.seconds(1)) })  // upEventDelay
            clock.advance(by: .seconds(1))
            #expect(await eventually { client.nodes.first { $0.node.host == victim }?.isUp == true })
            #expect(await eventually { cluster.prepared.contains { $0.host == victim && $0.query == Self.insert } })
            #expect(await eventually { client.state.withLockedValue { $0.prepared[Self.insert]?.preparedOn.contains(CQLNode(host: victim, port: 9042)) == true } })
        }
    }

    @Test("a request whose replicas the client knows to be down fails at once with nothing sent; one that can be served is")
    func knownDownReplicasFailFast() async throws {
        try await Self.withClient(replicationFactor: 3) { client, cluster, _ in
            cluster.kill(MockCluster.hosts[1])
            #expect(await eventually { client.nodes.first { $0.node.host == MockCluster.hosts[1] }?.isUp == false })
            // One of three replicas down: QUORUM still has two.
            try await client.execute(Self.insert, [.int(1), .int(1)], options: .idempotent(.quorum))
            cluster.kill(MockCluster.hosts[2])
            #expect(await eventually { client.nodes.filter(\.isUp).count == 1 })
            let sentBefore = Self.executions(cluster).count
            let error = await #expect(throws: CQLClusterError.self) {
                try await client.execute(Self.insert, [.int(2), .int(1)], options: .idempotent(.quorum))
            }
            #expect(error?.code == .replicasDown)
            #expect(error?.message.contains("QUORUM needs 2 replica(s)") == true)
            #expect(Self.executions(cluster).count == sentBefore)
            // A transient failure for bulk loads (they wait for the ring), a 503 for the service.
            #expect(CQLBulkLoad.isTransient(try #require(error)))
            // ONE is met by the node that is left.
            try await client.execute(Self.insert, [.int(3), .int(1)], options: .idempotent(.one))
            #expect(Self.executions(cluster).count == sentBefore + 1)
        }
    }

    @Test("losing the control node moves the control connection to another node, which keeps receiving events")
    func controlConnectionFailover() async throws {
        try await Self.withClient(replicationFactor: 3) { client, cluster, clock in
            #expect(cluster.control.host == MockCluster.hosts[0])
            cluster.kill(MockCluster.hosts[0])
            #expect(await eventually { cluster.control.connects == 2 })
            let newControl = try #require(cluster.control.host)
            #expect(newControl != MockCluster.hosts[0])
            // Requests keep working on the remaining nodes.
            for key in Int32(0)..<20 { try await client.execute(Self.insert, [.int(key), .int(1)], options: .idempotent()) }
            // The DOWN event for a node with live connections is ignored; the UP event for the dead one
            // (after it restarts) reconnects it.
            cluster.push(.statusChange(change: "DOWN", address: CQLInetAddress(address: [10, 0, 0, 3], port: 9042)))
            try await Task.sleep(for: .milliseconds(50))
            #expect(client.nodes.first { $0.node.host == MockCluster.hosts[2] }?.isUp == true)
            cluster.revive(MockCluster.hosts[0])
            cluster.push(.statusChange(change: "UP", address: CQLInetAddress(address: [10, 0, 0, 1], port: 9042)))
            #expect(await eventually { clock.pendingDelays.contains(.seconds(1)) })
            clock.advance(by: .seconds(1))
            #expect(await eventually { client.nodes.allSatisfy(\.isUp) })
        }
    }

    @Test("logs use constant messages and cql. metadata, and never contain bound values")
    func loggingHygiene() async throws {
        let recorder = LogRecorder()
        try await Self.withClient(logger: recorder.makeLogger()) { client, cluster, _ in
            let secret = "secret-user-value-4711"
            cluster.script(Self.owner(of: 9), .closeConnection)
            _ = try? await client.execute(Self.insert, [.int(9), .text(secret)], logger: recorder.makeLogger())
            cluster.script(Self.owner(of: 9), .closeConnection)
            try await client.execute(Self.insert, [.int(9), .text(secret)], options: .idempotent(), logger: recorder.makeLogger())
        }
        let records = recorder.records.filter { $0.message.hasPrefix("cql ") }
        #expect(records.contains { $0.message == "cql attempt failed" })
        for record in records {
            #expect(!record.message.contains("secret-user-value"))
            #expect(!record.metadata.description.contains("secret-user-value"))
            #expect(record.metadata.keys.allSatisfy { $0.hasPrefix("cql.") }, "\(record.metadata.keys)")
            #expect(record.level <= .info)
        }
    }

    @Test("client errors before the start and after the shutdown")
    func lifecycle() async throws {
        let clock = ManualClock()
        let cluster = MockCluster(clock: clock)
        let client = CQLClient(
            configuration: .init(contactPoints: [MockCluster.hosts[0]]), factory: cluster.factory, clock: clock,
            random: { 0.5 }, logger: Logger(label: "cql.test")
        )
        let run = Task { try await client.run() }
        try await client.waitUntilReady()
        run.cancel()
        _ = await run.result
        await #expect(throws: CQLClusterError.self) { try await client.execute(Self.insert, [.int(1), .int(1)]) }
        await #expect(throws: CQLClusterError.self) { try await client.run() }
    }
}
