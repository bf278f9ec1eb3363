import Logging
import NIOConcurrencyHelpers
import NIOCore

@testable import CQL

/// A clock that only moves when the test advances it.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: self.offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - self.offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    var now: Instant { self.state.withLockedValue { $0.now } }
    var minimumResolution: Duration { .zero }
    var pendingSleeps: Int { self.state.withLockedValue { $0.sleepers.count } }
    /// Deadlines of the pending sleeps, relative to now.
    var pendingDelays: [Duration] {
        self.state.withLockedValue { state in state.sleepers.values.map { state.now.duration(to: $0.deadline) }.sorted() }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = self.state.withLockedValue { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = self.state.withLockedValue { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = self.state.withLockedValue { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(by duration: Duration) {
        let due = self.state.withLockedValue { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// What a mock node answers to an EXECUTE.
enum MockReply: Sendable {
    case void
    case error(CQLError)
    /// The connection breaks before answering.
    case closeConnection
    /// Answer after the test advances the manual clock by this much.
    case delayed(Duration)
}

/// A scripted three-node cluster: discovery answers, per-node behaviour, and a log of what ran where.
final class MockCluster: Sendable {
    struct Node: Sendable {
        var token: Int64
        var reachable = true
        var preparedIDs: Set<[UInt8]> = []
        var executeReplies: [MockReply] = []
    }

    struct State: Sendable {
        var nodes: [String: Node]
        var executed: [(host: String, query: String)] = []
        var prepared: [(host: String, query: String)] = []
        var connectAttempts: [String: Int] = [:]
        var connections: [String: [MockConnection]] = [:]
        var events: AsyncStream<CQLEvent>.Continuation?
        var controlHost: String?
        var controlConnects = 0
    }

    let state: NIOLockedValueBox<State>
    let clock: ManualClock
    static let hosts = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    static let keyspace = "ks"
    /// The replication factor the schema tables report for ``keyspace`` (SimpleStrategy).
    let replicationFactor: Int

    init(clock: ManualClock, replicationFactor: Int = 1) {
        self.clock = clock
        self.replicationFactor = replicationFactor
        let step = UInt64.max / 3
        var nodes: [String: Node] = [:]
        for (index, host) in Self.hosts.enumerated() {
            nodes[host] = Node(token: Int64(bitPattern: UInt64(bitPattern: Int64.min) &+ UInt64(index) &* step))
        }
        self.state = NIOLockedValueBox(State(nodes: nodes))
    }

    var executed: [(host: String, query: String)] { self.state.withLockedValue { $0.executed } }
    var prepared: [(host: String, query: String)] { self.state.withLockedValue { $0.prepared } }

    var control: (host: String?, connects: Int) {
        self.state.withLockedValue { ($0.controlHost, $0.controlConnects) }
    }

    func connectAttempts(_ host: String) -> Int { self.state.withLockedValue { $0.connectAttempts[host] ?? 0 } }

    /// Queue replies for the next EXECUTEs on `host` (afterwards: `.void`).
    func script(_ host: String, _ replies: MockReply...) {
        self.state.withLockedValue { $0.nodes[host]?.executeReplies += replies }
    }

    /// The node process dies: its connections close and new ones are refused.
    func kill(_ host: String) {
        let (connections, events) = self.state.withLockedValue { state -> ([MockConnection], AsyncStream<CQLEvent>.Continuation?) in
            state.nodes[host]?.reachable = false
            state.nodes[host]?.preparedIDs = []
            defer { state.connections[host] = [] }
            // Like CQLConnection: the event stream of a closed control connection finishes.
            let events = state.controlHost == host ? state.events : nil
            if events != nil { state.events = nil }
            return (state.connections[host] ?? [], events)
        }
        for connection in connections { connection.markClosed() }
        events?.finish()
    }

    func revive(_ host: String) { self.state.withLockedValue { $0.nodes[host]?.reachable = true } }

    func push(_ event: CQLEvent) { _ = self.state.withLockedValue { $0.events }?.yield(event) }

    var factory: ClusterConnectionFactory {
        ClusterConnectionFactory(
            connect: { node, _, _ in try self.connect(node.host) },
            connectControl: { node, _, _ in
                let connection = try self.connect(node.host)
                let (stream, continuation) = AsyncStream<CQLEvent>.makeStream()
                self.state.withLockedValue { state in
                    state.events = continuation
                    state.controlHost = node.host
                    state.controlConnects += 1
                }
                return (connection, stream)
            }
        )
    }

    private func connect(_ host: String) throws -> MockConnection {
        try self.state.withLockedValue { state in
            state.connectAttempts[host, default: 0] += 1
            guard state.nodes[host]?.reachable == true else {
                throw CQLError(.connectionFailed, "connection refused")
            }
            let connection = MockConnection(host: host, cluster: self)
            state.connections[host, default: []].append(connection)
            return connection
        }
    }

    // MARK: Server side

    static func rows(_ columns: [(String, CQLDataType)], _ values: [[CQLValue]]) throws -> CQLResult {
        let specs = columns.map { ColumnSpec(keyspace: "system", table: "t", name: $0.0, type: $0.1) }
        let cells = try values.map { row in try row.map { try $0.serializedBytes(version: .v1) } }
        return .rows(
            CQLRows(
                columns: specs, cells: cells, columnCount: specs.count, hasMetadata: true, pagingState: nil,
                newResultMetadataId: nil, version: .v1
            )
        )
    }

    func query(_ host: String, _ cql: String) throws -> CQLResult {
        let nodes = self.state.withLockedValue { $0.nodes }
        func tokens(_ host: String) -> CQLValue { .set([.text(String(nodes[host]!.token))]) }
        func inet(_ host: String) -> CQLValue { .inet(host.split(separator: ".").map { UInt8($0)! }) }
        if cql.contains("FROM system.local") {
            if cql.hasPrefix("SELECT schema_version") { return try Self.rows([("schema_version", .uuid)], [[.text("v")]]) }
            return try Self.rows(
                [("data_center", .varchar), ("rack", .varchar), ("tokens", .set(.varchar)), ("release_version", .varchar)],
                [[.text("dc1"), .text("r1"), tokens(host), .text("1.2.0")]]
            )
        }
        if cql.contains("FROM system.peers") {
            if cql.hasPrefix("SELECT peer, rpc_address, schema_version") { return try Self.rows([("peer", .inet)], []) }
            let peers = Self.hosts.filter { $0 != host }
            return try Self.rows(
                [("peer", .inet), ("data_center", .varchar), ("rack", .varchar), ("tokens", .set(.varchar)), ("rpc_address", .inet)],
                peers.map { [inet($0), .text("dc1"), .text("r1"), tokens($0), .inet([0, 0, 0, 0])] }
            )
        }
        if cql.contains("system.schema_keyspaces") {
            return try Self.rows(
                [("keyspace_name", .varchar), ("strategy_class", .varchar), ("strategy_options", .varchar)],
                [[.text(Self.keyspace), .text("org.apache.cassandra.locator.SimpleStrategy"), .text(#"{"replication_factor":"\#(self.replicationFactor)"}"#)]]
            )
        }
        self.state.withLockedValue { $0.executed.append((host, cql)) }
        return .void
    }

    func prepare(_ host: String, _ cql: String) -> PreparedStatement {
        let id = Array(cql.utf8.prefix(16))
        self.state.withLockedValue { state in
            state.nodes[host]?.preparedIDs.insert(id)
            state.prepared.append((host, cql))
        }
        let markers = [
            ColumnSpec(keyspace: Self.keyspace, table: "t", name: "k", type: .int),
            ColumnSpec(keyspace: Self.keyspace, table: "t", name: "v", type: .int),
        ]
        return PreparedStatement(id: id, bindMarkers: markers, partitionKeyIndexes: [0], query: cql)
    }

    func execute(_ host: String, _ statement: PreparedStatement, connection: MockConnection) async throws -> CQLResult {
        let reply = self.state.withLockedValue { state -> MockReply in
            guard state.nodes[host]?.preparedIDs.contains(statement.id) == true else {
                var error = CQLError(.unprepared, "unknown prepared id")
                error.unpreparedID = statement.id
                return .error(error)
            }
            state.executed.append((host, statement.query))
            guard var node = state.nodes[host], !node.executeReplies.isEmpty else { return .void }
            let reply = node.executeReplies.removeFirst()
            state.nodes[host] = node
            return reply
        }
        switch reply {
        case .void:
            return .void
        case .error(let error):
            throw error
        case .closeConnection:
            connection.markClosed()
            throw CQLError(.connectionClosed, "connection reset by peer")
        case .delayed(let delay):
            try await self.clock.sleep(for: delay)
            return .void
        }
    }
}

/// One scripted connection.
final class MockConnection: ClusterConnection {
    let host: String
    let cluster: MockCluster
    private let closed = NIOLockedValueBox((isClosed: false, waiters: [CheckedContinuation<Void, Never>]()))

    init(host: String, cluster: MockCluster) {
        self.host = host
        self.cluster = cluster
    }

    var protocolVersion: ProtocolVersion { .v1 }
    var isClosed: Bool { self.closed.withLockedValue { $0.isClosed } }

    func markClosed() {
        let waiters = self.closed.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func checkOpen() throws {
        if self.isClosed { throw CQLError(.connectionClosed, "closed") }
    }

    func query(_ cql: String, parameters: QueryParameters, timeout: Duration?) async throws -> CQLResult {
        try self.checkOpen()
        return try self.cluster.query(self.host, cql)
    }

    func prepare(_ cql: String) async throws -> PreparedStatement {
        try self.checkOpen()
        return self.cluster.prepare(self.host, cql)
    }

    func execute(_ statement: PreparedStatement, values: [CQLValue], parameters: QueryParameters, timeout: Duration?)
        async throws -> CQLResult
    {
        try self.checkOpen()
        return try await self.cluster.execute(self.host, statement, connection: self)
    }

    func batch(_ batch: CQLBatch, parameters: QueryParameters, timeout: Duration?) async throws -> CQLResult {
        try self.checkOpen()
        return .void
    }

    func closeConnection() async { self.markClosed() }

    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyClosed = self.closed.withLockedValue { state -> Bool in
                if state.isClosed { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyClosed { continuation.resume() }
        }
    }
}

/// Polls `condition` (real time) until it holds or 5 s pass.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
