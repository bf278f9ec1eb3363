/// Everything the client knows about the cluster, mutated only under the client's lock.
///
/// Methods are synchronous and return ``ClusterEffects`` that the client runs *after* releasing
/// the lock (opening/closing connections, timers, logging health changes).
struct ClusterState: Sendable {
    enum Phase: Sendable {
        case idle
        case starting
        case running
        case shutDown
    }

    struct NodeState: Sendable {
        var dataCenter: String
        var rack: String
        var tokens: [CQLToken]
        var pool: NodePoolStateMachine
        var connections: [NodePoolStateMachine.ConnectionID: any ClusterConnection] = [:]
        /// Whether the node has ever been up: the next "went up" is a recovery (re-prepare everything).
        var hasBeenUp = false
    }

    struct PreparedEntry: Sendable {
        var statement: PreparedStatement
        /// Bind-marker positions of the partition-key components, in partition-key order, or `nil`
        /// when the statement does not bind the whole partition key.
        var routingIndexes: [Int]?
        /// Nodes known to have this statement prepared.
        var preparedOn: Set<CQLNode>
    }

    struct TableName: Hashable, Sendable {
        var keyspace: String
        var table: String
    }

    var phase: Phase = .idle
    var readyWaiters: [CheckedContinuation<Void, any Error>] = []
    var protocolVersion: ProtocolVersion?
    var localDataCenter: String?
    var releaseVersion: String?
    var control: (node: CQLNode, connection: any ClusterConnection)?
    var nodes: [CQLNode: NodeState] = [:]
    var nodeOrder: [CQLNode] = []
    var tokenMap = CQLTokenMap<CQLNode>([:])
    var strategies: [String: CQLReplicationStrategy] = [:]
    var replicaMaps: [String: CQLReplicaMap<CQLNode>] = [:]
    var rotation = 0
    var prepared: [String: PreparedEntry] = [:]
    var partitionKeys: [TableName: [String]] = [:]
    /// Statistics the integration tests and metrics read.
    var reprepareCount = 0

    /// Whether the cluster's schema tables are the 3.0+ `system_schema` ones.
    var usesSystemSchema: Bool {
        guard let major = self.releaseVersion?.split(separator: ".").first.flatMap({ Int($0) }) else { return false }
        return major >= 3
    }

    // MARK: Topology

    struct DiscoveredNode: Sendable {
        var node: CQLNode
        var dataCenter: String
        var rack: String
        var tokens: [CQLToken]
    }

    /// Applies a freshly read `system.local` + `system.peers`.
    mutating func topologyDiscovered(_ discovered: [DiscoveredNode], connectionsPerNode: Int) -> ClusterEffects {
        var effects = ClusterEffects()
        guard self.phase != .shutDown else { return effects }
        let seen = Set(discovered.map(\.node))
        for entry in discovered {
            if var existing = self.nodes[entry.node] {
                existing.dataCenter = entry.dataCenter
                existing.rack = entry.rack
                existing.tokens = entry.tokens
                self.nodes[entry.node] = existing
            } else {
                var state = NodeState(
                    dataCenter: entry.dataCenter,
                    rack: entry.rack,
                    tokens: entry.tokens,
                    pool: NodePoolStateMachine(targetConnections: connectionsPerNode)
                )
                if let action = state.pool.start() { effects.poolActions.append((entry.node, action)) }
                self.nodes[entry.node] = state
                self.nodeOrder.append(entry.node)
                effects.addedNodes.append(entry.node)
            }
        }
        for node in self.nodeOrder where !seen.contains(node) {
            if var state = self.nodes.removeValue(forKey: node) {
                if state.pool.shutdown() != nil { effects.connectionsToClose.append(contentsOf: state.connections.values) }
                effects.removedNodes.append(node)
            }
        }
        self.nodeOrder.removeAll { !seen.contains($0) }
        self.rebuildTokenMap()
        return effects
    }

    mutating func keyspacesDiscovered(_ strategies: [String: CQLReplicationStrategy]) {
        self.strategies = strategies
        self.rebuildReplicaMaps()
    }

    private mutating func rebuildTokenMap() {
        var placements: [CQLNode: CQLNodePlacement] = [:]
        for (node, state) in self.nodes {
            placements[node] = CQLNodePlacement(dataCenter: state.dataCenter, rack: state.rack, tokens: state.tokens)
        }
        self.tokenMap = CQLTokenMap(placements)
        self.rebuildReplicaMaps()
    }

    private mutating func rebuildReplicaMaps() {
        self.replicaMaps = self.strategies.mapValues { self.tokenMap.replicaMap(for: $0) }
    }

    // MARK: Query plans

    /// The replicas of a routed partition (empty when the keyspace or ring is unknown).
    func replicas(keyspace: String?, routingKey: [UInt8]?) -> [CQLNode] {
        guard let keyspace, let routingKey else { return [] }
        let token = CQLToken.murmur3(routingKey)
        if let map = self.replicaMaps[keyspace] { return map.replicas(for: token) }
        return self.tokenMap.primaryOwner(of: token).map { [$0] } ?? []
    }

    /// What a request at `consistency` lacks among the replicas this client knows to be down
    /// (``ReplicaQuorum``); `nil` when it may succeed or the keyspace's placement is unknown.
    func replicaShortfall(keyspace: String?, routingKey: [UInt8]?, consistency: Consistency) -> ReplicaQuorum.Shortfall? {
        // Every request asks: while no node is known down (nearly always), answer without hashing
        // the key or listing replicas again.
        guard let keyspace, let strategy = self.strategies[keyspace],
            self.nodes.values.contains(where: { $0.pool.health == .down })
        else { return nil }
        let candidates = routingKey != nil && self.replicaMaps[keyspace] != nil
            ? self.replicas(keyspace: keyspace, routingKey: routingKey) : self.nodeOrder
        let replicas = candidates.compactMap { node in
            self.nodes[node].map { ReplicaQuorum.Replica(dataCenter: $0.dataCenter, isKnownDown: $0.pool.health == .down) }
        }
        return ReplicaQuorum.shortfall(
            consistency: consistency, strategy: strategy, replicas: replicas, localDataCenter: self.localDataCenter)
    }

    mutating func queryPlan(
        keyspace: String?,
        routingKey: [UInt8]?,
        policy: CQLLoadBalancingPolicy,
        localOnly: Bool
    ) -> [CQLNode] {
        self.rotation &+= 1
        let candidates = self.nodeOrder.compactMap { node in
            self.nodes[node].map { PlannerNode(node: node, dataCenter: $0.dataCenter, isUp: $0.pool.isUp) }
        }
        return QueryPlanner.plan(
            nodes: candidates,
            replicas: policy.isTokenAware ? self.replicas(keyspace: keyspace, routingKey: routingKey) : [],
            localDataCenter: policy.localDataCenter ?? self.localDataCenter,
            rotation: self.rotation,
            remotePerDataCenter: policy.usedHostsPerRemoteDataCenter,
            localOnly: localOnly
        )
    }

    // MARK: Pool events

    /// Leases the least-loaded open connection of `node`, dropping connections found closed.
    mutating func lease(_ node: CQLNode, effects: inout ClusterEffects) -> (NodePoolStateMachine.ConnectionID, any ClusterConnection)? {
        guard self.phase == .running || self.phase == .starting, var state = self.nodes[node] else { return nil }
        var leased: (NodePoolStateMachine.ConnectionID, any ClusterConnection)?
        var changes: [NodePoolStateMachine.HealthChange] = []
        while leased == nil, let id = state.pool.lease() {
            if let connection = state.connections[id], !connection.isClosed {
                leased = (id, connection)
            } else {
                state.connections[id] = nil
                let (change, action) = state.pool.connectionClosed(id)
                effects.record(node: node, change: change, action: action)
                if let change { changes.append(change) }
            }
        }
        self.nodes[node] = state
        for change in changes { self.healthChanged(node, change, effects: &effects) }
        return leased
    }

    mutating func release(_ node: CQLNode, _ id: NodePoolStateMachine.ConnectionID) {
        self.nodes[node]?.pool.release(id)
    }

    mutating func connectionClosed(_ node: CQLNode, _ id: NodePoolStateMachine.ConnectionID) -> ClusterEffects {
        var effects = ClusterEffects()
        guard var state = self.nodes[node], state.connections.removeValue(forKey: id) != nil else { return effects }
        let (change, action) = state.pool.connectionClosed(id)
        self.nodes[node] = state
        effects.record(node: node, change: change, action: action)
        self.healthChanged(node, change, effects: &effects)
        return effects
    }

    mutating func connectionEstablished(
        _ node: CQLNode,
        _ id: NodePoolStateMachine.ConnectionID,
        _ connection: any ClusterConnection
    ) -> ClusterEffects {
        var effects = ClusterEffects()
        guard var state = self.nodes[node] else {
            effects.connectionsToClose.append(connection)
            return effects
        }
        let (change, action) = state.pool.connectionEstablished(id, maxStreams: connection.protocolVersion.maxStreams)
        if case .closeConnections = action {
            effects.connectionsToClose.append(connection)
        } else {
            state.connections[id] = connection
            effects.record(node: node, change: change, action: action)
        }
        self.nodes[node] = state
        self.healthChanged(node, change, effects: &effects)
        if self.phase == .starting, change == .wentUp {
            self.phase = .running
            effects.readyWaiters = self.readyWaiters
            self.readyWaiters = []
        }
        return effects
    }

    mutating func connectionAttemptFailed(_ node: CQLNode, _ id: NodePoolStateMachine.ConnectionID) -> ClusterEffects {
        var effects = ClusterEffects()
        guard var state = self.nodes[node] else { return effects }
        let (change, action) = state.pool.connectionAttemptFailed(id)
        self.nodes[node] = state
        effects.record(node: node, change: change, action: action)
        self.healthChanged(node, change, effects: &effects)
        return effects
    }

    mutating func reconnectTimerFired(_ node: CQLNode, generation: Int) -> ClusterEffects {
        var effects = ClusterEffects()
        guard let action = self.nodes[node]?.pool.reconnectTimerFired(generation: generation) else { return effects }
        effects.record(node: node, change: nil, action: action)
        return effects
    }

    mutating func upEventReceived(_ node: CQLNode) -> ClusterEffects {
        var effects = ClusterEffects()
        guard let action = self.nodes[node]?.pool.upEventReceived() else { return effects }
        effects.record(node: node, change: nil, action: action)
        return effects
    }

    mutating func downEventReceived(_ node: CQLNode) -> ClusterEffects {
        var effects = ClusterEffects()
        guard let change = self.nodes[node]?.pool.downEventReceived() else { return effects }
        effects.record(node: node, change: change, action: nil)
        self.healthChanged(node, change, effects: &effects)
        return effects
    }

    private mutating func healthChanged(_ node: CQLNode, _ change: NodePoolStateMachine.HealthChange?, effects: inout ClusterEffects) {
        guard change == .wentUp, var state = self.nodes[node] else { return }
        if state.hasBeenUp {
            // The node came back: it may have restarted and forgotten prepared statements (1.2 does).
            for key in self.prepared.keys { self.prepared[key]?.preparedOn.remove(node) }
            effects.reprepareNodes.append(node)
        }
        state.hasBeenUp = true
        self.nodes[node] = state
    }

    /// Shut down: every pool closes, waiters fail.
    mutating func shutdown() -> ClusterEffects {
        var effects = ClusterEffects()
        self.phase = .shutDown
        for node in self.nodeOrder {
            guard var state = self.nodes[node] else { continue }
            _ = state.pool.shutdown()
            effects.connectionsToClose.append(contentsOf: state.connections.values)
            state.connections = [:]
            self.nodes[node] = state
        }
        if let control = self.control { effects.connectionsToClose.append(control.connection) }
        self.control = nil
        effects.failedWaiters = self.readyWaiters
        self.readyWaiters = []
        return effects
    }

    var upNodes: [CQLNode] { self.nodeOrder.filter { self.nodes[$0]?.pool.isUp ?? false } }
}

/// Side effects produced under the lock and executed outside it.
struct ClusterEffects: Sendable {
    var poolActions: [(CQLNode, NodePoolStateMachine.Action)] = []
    var healthChanges: [(CQLNode, NodePoolStateMachine.HealthChange)] = []
    var connectionsToClose: [any ClusterConnection] = []
    var reprepareNodes: [CQLNode] = []
    var addedNodes: [CQLNode] = []
    var removedNodes: [CQLNode] = []
    var readyWaiters: [CheckedContinuation<Void, any Error>] = []
    var failedWaiters: [CheckedContinuation<Void, any Error>] = []

    mutating func record(node: CQLNode, change: NodePoolStateMachine.HealthChange?, action: NodePoolStateMachine.Action?) {
        if let change { self.healthChanges.append((node, change)) }
        if let action { self.poolActions.append((node, action)) }
    }

    mutating func merge(_ other: ClusterEffects) {
        self.poolActions += other.poolActions
        self.healthChanges += other.healthChanges
        self.connectionsToClose += other.connectionsToClose
        self.reprepareNodes += other.reprepareNodes
        self.addedNodes += other.addedNodes
        self.removedNodes += other.removedNodes
        self.readyWaiters += other.readyWaiters
        self.failedWaiters += other.failedWaiters
    }
}
