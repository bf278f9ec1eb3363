import Logging
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Cassandra cluster client: discovers the nodes, keeps a multiplexed connection pool per node,
/// routes each statement to a replica of its partition, retries and speculatively re-executes
/// idempotent statements, and re-prepares statements where needed.
///
/// It is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` (or use
/// ``withCQLClient(configuration:eventLoopGroup:logger:_:)``); requests wait until ``run()`` has
/// discovered the cluster and one connection is up, and fail once it has returned.
///
/// ```swift
/// let client = CQLClient(configuration: .init(contactPoints: ["127.0.0.1"]), backgroundLogger: logger)
/// let rows = try await client.execute("SELECT title FROM anime WHERE anime_id = ?", [.int(5114)])
/// ```
public final class CQLClient: Service, Sendable {
    let configuration: Configuration
    let factory: ClusterConnectionFactory
    let clock: any Clock<Duration>
    let random: @Sendable () -> Double
    let logger: Logger
    let state: NIOLockedValueBox<ClusterState>
    let workStream: AsyncStream<Work>
    let workContinuation: AsyncStream<Work>.Continuation
    let metrics: ClientMetrics

    /// Background work the running client performs in its task group.
    enum Work: Sendable {
        case open(CQLNode, [NodePoolStateMachine.ConnectionID])
        case reconnect(CQLNode, attempt: Int, generation: Int)
        case close([any ClusterConnection])
        case reprepare(CQLNode)
        case upEvent(CQLNode)
        case refreshTopology
        case refreshKeyspaces
    }

    /// Creates a client; nothing connects until ``run()`` is called.
    ///
    /// - Parameters:
    ///   - configuration: contact points, policies and timeouts.
    ///   - eventLoopGroup: where connections live.
    ///   - backgroundLogger: logger for everything not tied to one request.
    public convenience init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        backgroundLogger: Logger
    ) {
        self.init(
            configuration: configuration,
            factory: .cqlConnections(configuration: configuration, eventLoopGroup: eventLoopGroup),
            clock: ContinuousClock(),
            random: { Double.random(in: 0...1) },
            logger: backgroundLogger
        )
    }

    init(
        configuration: Configuration,
        factory: ClusterConnectionFactory,
        clock: any Clock<Duration>,
        random: @escaping @Sendable () -> Double,
        logger: Logger
    ) {
        self.configuration = configuration
        self.factory = factory
        self.clock = clock
        self.random = random
        self.logger = logger
        self.state = NIOLockedValueBox(ClusterState())
        (self.workStream, self.workContinuation) = AsyncStream.makeStream(of: Work.self)
        self.metrics = ClientMetrics()
    }

    // MARK: Service

    /// Connects to the cluster and keeps the pools, control connection and topology current until
    /// the task is cancelled or a graceful shutdown is triggered.
    public func run() async throws {
        let started = self.state.withLockedValue { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .starting
            return true
        }
        guard started else { throw CQLClusterError(.invalidRequest, "run() may only be called once") }
        await withTaskCancellationHandler {
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await self.runControlConnection() }
                    for await work in self.workStream {
                        group.addTask { await self.perform(work) }
                    }
                    // The work stream ends on cancellation or graceful shutdown: close everything so the
                    // children watching connections and events return, then stop the rest.
                    await self.shutDown()
                    group.cancelAll()
                }
            }
        } onCancel: {
            self.workContinuation.finish()
        }
        await self.shutDown()
        self.logger.debug("cql client stopped")
    }

    private func shutDown() async {
        let effects = self.state.withLockedValue { $0.shutdown() }
        self.workContinuation.finish()
        for waiter in effects.failedWaiters {
            waiter.resume(throwing: CQLClusterError(.clientShutDown, "the client shut down"))
        }
        for connection in effects.connectionsToClose { await connection.closeConnection() }
    }

    /// Waits until the client has discovered the cluster and has at least one open connection.
    public func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = self.state.withLockedValue { state in
                switch state.phase {
                case .running:
                    return .success(())
                case .shutDown:
                    return .failure(CQLClusterError(.clientShutDown, "the client is shut down"))
                case .idle, .starting:
                    state.readyWaiters.append(continuation)
                    return nil
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// The protocol version negotiated with the cluster (`nil` before the first connection).
    public var protocolVersion: ProtocolVersion? { self.state.withLockedValue { $0.protocolVersion } }

    /// The nodes currently known, with whether each is considered up.
    public var nodes: [(node: CQLNode, isUp: Bool, dataCenter: String)] {
        self.state.withLockedValue { state in
            state.nodeOrder.compactMap { node in
                state.nodes[node].map { (node, $0.pool.isUp, $0.dataCenter) }
            }
        }
    }

    /// The replicas of a partition, computed from the token map and the keyspace's replication.
    ///
    /// - Parameters:
    ///   - keyspace: the keyspace whose replication strategy applies.
    ///   - routingKey: the routing key (see ``CQLRoutingKey``).
    public func replicas(keyspace: String, routingKey: [UInt8]) -> [CQLNode] {
        self.state.withLockedValue { $0.replicas(keyspace: keyspace, routingKey: routingKey) }
    }

    /// The nodes a request for this partition would try, in order (exposed for tests).
    func queryPlan(keyspace: String?, routingKey: [UInt8]?) -> [CQLNode] {
        self.state.withLockedValue {
            $0.queryPlan(
                keyspace: keyspace,
                routingKey: routingKey,
                policy: self.configuration.loadBalancingPolicy,
                localOnly: false
            )
        }
    }

    /// How many times statements were prepared again on a node (after UNPREPARED or a node coming back).
    var reprepareCount: Int { self.state.withLockedValue { $0.reprepareCount } }

    // MARK: Effects

    func run(_ effects: ClusterEffects) {
        for (node, change) in effects.healthChanges {
            switch change {
            case .wentUp:
                self.logger.info("cql node up", metadata: ["cql.node": "\(node)"])
                self.metrics.nodeUp.increment()
            case .wentDown:
                self.logger.info("cql node down", metadata: ["cql.node": "\(node)"])
                self.metrics.nodeDown.increment()
            }
        }
        if !effects.healthChanges.isEmpty {
            self.metrics.nodesUp.record(self.state.withLockedValue { $0.upNodes.count })
        }
        for (node, action) in effects.poolActions {
            switch action {
            case .openConnections(let ids):
                self.workContinuation.yield(.open(node, ids))
            case .scheduleReconnect(let attempt, let generation):
                self.workContinuation.yield(.reconnect(node, attempt: attempt, generation: generation))
            case .closeConnections:
                break  // The connections were handed over in `connectionsToClose`.
            }
        }
        if !effects.connectionsToClose.isEmpty,
            case .terminated = self.workContinuation.yield(.close(effects.connectionsToClose))
        {
            // The client is shutting down and no longer takes work: a connection that finished
            // opening after the shutdown closed the others is closed here, so its watcher (and
            // with it `run()`) returns instead of waiting for it forever.
            let connections = effects.connectionsToClose
            Task { for connection in connections { await connection.closeConnection() } }
        }
        for node in effects.reprepareNodes { self.workContinuation.yield(.reprepare(node)) }
        for waiter in effects.readyWaiters { waiter.resume() }
        for waiter in effects.failedWaiters {
            waiter.resume(throwing: CQLClusterError(.clientShutDown, "the client shut down"))
        }
    }

    func perform(_ work: Work) async {
        switch work {
        case .open(let node, let ids):
            await withDiscardingTaskGroup { group in
                for id in ids { group.addTask { await self.openConnection(node, id) } }
            }
        case .reconnect(let node, let attempt, let generation):
            let delay = self.configuration.reconnectionPolicy.delay(attempt: attempt, random: self.random())
            self.logger.debug(
                "cql reconnection scheduled",
                metadata: ["cql.node": "\(node)", "cql.attempt": "\(attempt)", "cql.delay": "\(delay)"]
            )
            do { try await self.clock.sleep(for: delay) } catch { return }
            self.run(self.state.withLockedValue { $0.reconnectTimerFired(node, generation: generation) })
        case .close(let connections):
            for connection in connections { await connection.closeConnection() }
        case .reprepare(let node):
            await self.reprepareAll(on: node)
        case .upEvent(let node):
            do { try await self.clock.sleep(for: self.configuration.upEventDelay) } catch { return }
            self.run(self.state.withLockedValue { $0.upEventReceived(node) })
        case .refreshTopology:
            await self.refreshTopologyFromControl()
        case .refreshKeyspaces:
            guard let control = self.state.withLockedValue({ $0.control?.connection }) else { return }
            do {
                let strategies = try await self.readKeyspaces(control)
                self.state.withLockedValue { $0.keyspacesDiscovered(strategies) }
            } catch {
                self.logger.debug("cql keyspace refresh failed", metadata: ["cql.error": "\(error)"])
            }
        }
    }

    func openConnection(_ node: CQLNode, _ id: NodePoolStateMachine.ConnectionID) async {
        let version = self.state.withLockedValue { $0.protocolVersion }
        do {
            let connection = try await self.factory.connect(node, version, self.logger)
            self.metrics.connectionsOpened.increment()
            self.run(self.state.withLockedValue { $0.connectionEstablished(node, id, connection) })
            // Watch the connection for its whole life, so a node that dies is noticed at once, not
            // only when a request happens to pick one of its idle connections.
            await connection.waitUntilClosed()
            self.run(self.state.withLockedValue { $0.connectionClosed(node, id) })
        } catch {
            self.logger.debug(
                "cql connection attempt failed",
                metadata: ["cql.node": "\(node)", "cql.error": "\(error)"]
            )
            self.run(self.state.withLockedValue { $0.connectionAttemptFailed(node, id) })
        }
    }
}

/// Metrics of one client (swift-metrics; label prefix `cql_client_`, distinct from the connection layer's `cql_`).
struct ClientMetrics: Sendable {
    let requests = Counter(label: "cql_client_requests_total")
    let requestErrors = Counter(label: "cql_client_request_errors_total")
    let retries = Counter(label: "cql_client_retries_total")
    let speculativeExecutions = Counter(label: "cql_client_speculative_executions_total")
    let reprepares = Counter(label: "cql_client_reprepares_total")
    let connectionsOpened = Counter(label: "cql_client_connections_opened_total")
    let nodeUp = Counter(label: "cql_client_node_up_total")
    let nodeDown = Counter(label: "cql_client_node_down_total")
    let latency = Timer(label: "cql_client_request_duration_seconds")
    let nodesUp = Gauge(label: "cql_client_nodes_up")
}

/// Runs `body` with a started client, then shuts the client down.
///
/// - Parameters:
///   - configuration: the cluster and policies.
///   - eventLoopGroup: where connections live.
///   - logger: background logger of the client.
///   - body: the work to do; the client is ready (cluster discovered, a connection open) when it starts.
public func withCQLClient<Value: Sendable>(
    configuration: CQLClient.Configuration,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    logger: Logger,
    _ body: (CQLClient) async throws -> Value
) async throws -> Value {
    let client = CQLClient(configuration: configuration, eventLoopGroup: eventLoopGroup, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        defer { group.cancelAll() }
        try await client.waitUntilReady()
        return try await body(client)
    }
}
