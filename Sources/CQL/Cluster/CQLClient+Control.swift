import Foundation
import Logging
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers

extension CQLClient {
    /// Keeps one control connection open: it discovers the topology, receives REGISTER'd events and
    /// moves to another node when its node goes away.
    func runControlConnection() async {
        var failedRounds = 0
        while !Task.isCancelled {
            let candidates = self.controlCandidates()
            var connected = false
            for node in candidates where !Task.isCancelled {
                let version = self.state.withLockedValue { $0.protocolVersion }
                let connection: any ClusterConnection
                let events: AsyncStream<CQLEvent>
                do {
                    (connection, events) = try await self.factory.connectControl(node, version, self.logger)
                } catch {
                    self.logger.debug(
                        "cql control connection attempt failed",
                        metadata: ["cql.node": "\(node)", "cql.error": "\(error)"]
                    )
                    continue
                }
                do {
                    try await self.controlConnected(connection, node: node)
                } catch {
                    self.logger.info(
                        "cql cluster discovery failed",
                        metadata: ["cql.node": "\(node)", "cql.error": "\(error)"]
                    )
                    await connection.closeConnection()
                    continue
                }
                connected = true
                failedRounds = 0
                for await event in events {
                    self.handle(event)
                }
                self.state.withLockedValue { state in
                    if state.control?.connection === connection { state.control = nil }
                }
                await connection.closeConnection()
                self.logger.info("cql control connection lost", metadata: ["cql.node": "\(node)"])
                break
            }
            if Task.isCancelled { return }
            if !connected {
                failedRounds += 1
                let waiters: [CheckedContinuation<Void, any Error>] = self.state.withLockedValue { state in
                    guard case .starting = state.phase else { return [] }
                    defer { state.readyWaiters = [] }
                    return state.readyWaiters
                }
                let error = CQLClusterError(
                    .contactPointsUnreachable,
                    "no contact point or known node accepted a control connection"
                )
                for waiter in waiters { waiter.resume(throwing: error) }
                self.logger.info("cql no node reachable for the control connection")
                let delay = self.configuration.reconnectionPolicy.delay(attempt: failedRounds - 1, random: self.random())
                do { try await self.clock.sleep(for: delay) } catch { return }
            }
        }
    }

    /// Known up nodes first (rotated), then the configured contact points.
    private func controlCandidates() -> [CQLNode] {
        let known = self.state.withLockedValue { state in
            state.upNodes + state.nodeOrder.filter { !(state.nodes[$0]?.pool.isUp ?? false) }
        }
        let contacts = self.configuration.contactPoints.map { CQLNode(host: $0, port: self.configuration.port) }
        var seen = Set<CQLNode>()
        return (known + contacts).filter { seen.insert($0).inserted }
    }

    private func controlConnected(_ connection: any ClusterConnection, node: CQLNode) async throws {
        let version = connection.protocolVersion
        let topology = try await self.readTopology(connection, controlNode: node)
        let strategies = try await self.readKeyspaces(connection)
        let effects = self.state.withLockedValue { state -> ClusterEffects? in
            // Shut down while this connection was being set up: it must not become the control
            // connection, since shutdown already closed the connections it knew of.
            if case .shutDown = state.phase { return nil }
            if state.protocolVersion == nil { state.protocolVersion = version }
            state.control = (node, connection)
            state.releaseVersion = topology.releaseVersion
            if state.localDataCenter == nil {
                state.localDataCenter = self.configuration.localDataCenter ?? topology.localDataCenter
            }
            let effects = state.topologyDiscovered(
                topology.nodes,
                connectionsPerNode: self.configuration.connectionsPerNode(for: version)
            )
            state.keyspacesDiscovered(strategies)
            return effects
        }
        guard let effects else { throw CQLClusterError(.clientShutDown, "the client shut down") }
        self.logger.info(
            "cql control connection established",
            metadata: [
                "cql.node": "\(node)", "cql.protocol_version": "\(version)",
                "cql.nodes": "\(topology.nodes.count)",
            ]
        )
        self.run(effects)
    }

    func refreshTopologyFromControl() async {
        guard let (node, connection) = self.state.withLockedValue({ $0.control }) else { return }
        do {
            let topology = try await self.readTopology(connection, controlNode: node)
            let version = connection.protocolVersion
            let effects = self.state.withLockedValue {
                $0.topologyDiscovered(topology.nodes, connectionsPerNode: self.configuration.connectionsPerNode(for: version))
            }
            self.run(effects)
        } catch {
            self.logger.debug("cql topology refresh failed", metadata: ["cql.error": "\(error)"])
        }
    }

    func handle(_ event: CQLEvent) {
        switch event {
        case .statusChange(let change, let address):
            let node = CQLNode(host: address.hostString, port: self.configuration.port)
            self.logger.debug("cql status change event", metadata: ["cql.node": "\(node)", "cql.change": "\(change)"])
            if change == "UP" {
                self.workContinuation.yield(.upEvent(node))
            } else if change == "DOWN" {
                self.run(self.state.withLockedValue { $0.downEventReceived(node) })
            }
        case .topologyChange(let change, let address):
            self.logger.debug(
                "cql topology change event",
                metadata: ["cql.node": "\(address.hostString)", "cql.change": "\(change)"]
            )
            self.workContinuation.yield(.refreshTopology)
        case .schemaChange(let change):
            self.logger.debug("cql schema change event", metadata: ["cql.keyspace": "\(change.keyspace)"])
            self.state.withLockedValue { state in
                if let table = change.name {
                    state.partitionKeys[ClusterState.TableName(keyspace: change.keyspace, table: table)] = nil
                }
            }
            if change.target == "KEYSPACE" { self.workContinuation.yield(.refreshKeyspaces) }
        }
    }

    /// After a schema change, waits (polling every 200 ms, at most 10 s) until every up node reports
    /// the same `schema_version`, so the next statement does not reach a node without the change.
    /// A timeout is logged, never thrown.
    func waitForSchemaAgreement(logger: Logger) async {
        if await !self.awaitSchemaAgreement(within: .seconds(10), logger: logger) { logger.info("cql schema agreement timed out") }
    }

    /// Waits, polling every 200 ms, until every up node reports the same `schema_version`, at most
    /// `limit`; whether they do. A tool that changed the schema (a migration) calls it with a long
    /// limit before it reports done: on a loaded ring a change can take longer to reach every node
    /// than one statement's wait, and a statement naming a new column fails on a node without it.
    public func awaitSchemaAgreement(within limit: Duration, logger: Logger? = nil) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            guard let connection = self.state.withLockedValue({ $0.control?.connection }) else { return false }
            do {
                if try await self.schemaVersionsAgree(connection) { return true }
            } catch {
                (logger ?? self.logger).debug("cql schema agreement check failed", metadata: ["cql.error": "\(error)"])
            }
            do { try await self.clock.sleep(for: .milliseconds(200)) } catch { return false }
        }
        return false
    }

    private func schemaVersionsAgree(_ connection: any ClusterConnection) async throws -> Bool {
        let parameters = QueryParameters(consistency: .one)
        let local = try await connection.query(
            "SELECT schema_version FROM system.local WHERE key='local'",
            parameters: parameters,
            timeout: self.configuration.requestTimeout
        ).rows
        var versions = Set<CQLValue>()
        if let value = try local?.rows.first?.value(at: 0) { versions.insert(value) }
        let peers = try await connection.query(
            "SELECT peer, rpc_address, schema_version FROM system.peers",
            parameters: parameters,
            timeout: self.configuration.requestTimeout
        ).rows
        let up = Set(self.state.withLockedValue { $0.upNodes }.map(\.host))
        for row in peers?.rows ?? [] {
            var address: [UInt8] = []
            if case .inet(let peer) = try row.value(named: "peer") { address = peer }
            if case .inet(let rpc) = try row.value(named: "rpc_address"), !rpc.allSatisfy({ $0 == 0 }) { address = rpc }
            guard up.contains(CQLInetAddress(address: address, port: 0).hostString) else { continue }
            versions.insert(try row.value(named: "schema_version"))
        }
        return versions.count <= 1
    }

    // MARK: Discovery queries

    struct Topology: Sendable {
        var nodes: [ClusterState.DiscoveredNode]
        var localDataCenter: String
        var releaseVersion: String?
    }

    func readTopology(_ connection: any ClusterConnection, controlNode: CQLNode) async throws -> Topology {
        let parameters = QueryParameters(consistency: .one)
        let localRows = try await connection.query(
            "SELECT data_center, rack, tokens, release_version FROM system.local WHERE key='local'",
            parameters: parameters,
            timeout: self.configuration.requestTimeout
        ).rows
        guard let local = localRows?.rows.first else {
            throw CQLClusterError(.invalidRequest, "system.local returned no row")
        }
        let localDC = try local.decode(String?.self, named: "data_center") ?? "unknown"
        var nodes = [
            ClusterState.DiscoveredNode(
                node: controlNode,
                dataCenter: localDC,
                rack: try local.decode(String?.self, named: "rack") ?? "unknown",
                tokens: try Self.tokens(local.value(named: "tokens"))
            )
        ]
        let peerRows = try await connection.query(
            "SELECT peer, data_center, rack, tokens, rpc_address FROM system.peers",
            parameters: parameters,
            timeout: self.configuration.requestTimeout
        ).rows
        for row in peerRows?.rows ?? [] {
            guard case .inet(let peer) = try row.value(named: "peer") else { continue }
            var address = peer
            // rpc_address is where the node serves clients; 0.0.0.0 means "all interfaces": use peer.
            if case .inet(let rpc) = try row.value(named: "rpc_address"), !rpc.allSatisfy({ $0 == 0 }) {
                address = rpc
            }
            nodes.append(
                ClusterState.DiscoveredNode(
                    node: CQLNode(host: CQLInetAddress(address: address, port: 0).hostString, port: self.configuration.port),
                    dataCenter: try row.decode(String?.self, named: "data_center") ?? "unknown",
                    rack: try row.decode(String?.self, named: "rack") ?? "unknown",
                    tokens: try Self.tokens(row.value(named: "tokens"))
                )
            )
        }
        // Cassandra 1.2.0 leaves system.peers.tokens null on a ring started with initial_token (checked
        // on the test ring): ask such a node for its own system.local instead.
        for index in nodes.indices where nodes[index].tokens.isEmpty && nodes[index].node != controlNode {
            do {
                nodes[index].tokens = try await self.localTokens(of: nodes[index].node, version: connection.protocolVersion)
            } catch {
                self.logger.debug(
                    "cql could not read a peer's tokens",
                    metadata: ["cql.node": "\(nodes[index].node)", "cql.error": "\(error)"]
                )
            }
        }
        return Topology(
            nodes: nodes,
            localDataCenter: localDC,
            releaseVersion: try local.decode(String?.self, named: "release_version")
        )
    }

    /// A node's tokens from its own `system.local`, over a short-lived connection.
    private func localTokens(of node: CQLNode, version: ProtocolVersion) async throws -> [CQLToken] {
        let connection = try await self.factory.connect(node, version, self.logger)
        do {
            let rows = try await connection.query(
                "SELECT tokens FROM system.local WHERE key='local'",
                parameters: QueryParameters(consistency: .one),
                timeout: self.configuration.requestTimeout
            ).rows
            await connection.closeConnection()
            return Self.tokens(try rows?.rows.first?.value(named: "tokens") ?? .null)
        } catch {
            await connection.closeConnection()
            throw error
        }
    }

    static func tokens(_ value: CQLValue) -> [CQLToken] {
        switch value {
        case .set(let items), .list(let items):
            return items.compactMap { item in
                if case .text(let text) = item { return CQLToken(text) }
                if case .ascii(let text) = item { return CQLToken(text) }
                return nil
            }
        default:
            return []
        }
    }

    /// Replication of every keyspace: `system_schema.keyspaces` on 3.0+, `system.schema_keyspaces` before.
    func readKeyspaces(_ connection: any ClusterConnection) async throws -> [String: CQLReplicationStrategy] {
        let parameters = QueryParameters(consistency: .one)
        var result: [String: CQLReplicationStrategy] = [:]
        if self.state.withLockedValue({ $0.usesSystemSchema }) {
            let rows = try await connection.query(
                "SELECT keyspace_name, replication FROM system_schema.keyspaces",
                parameters: parameters,
                timeout: self.configuration.requestTimeout
            ).rows
            for row in rows?.rows ?? [] {
                let name = try row.decode(String.self, named: "keyspace_name")
                var replication: [String: String] = [:]
                if case .map(let entries) = try row.value(named: "replication") {
                    for entry in entries {
                        if case .text(let key) = entry.key, case .text(let value) = entry.value { replication[key] = value }
                    }
                }
                result[name] = CQLReplicationStrategy(replication: replication)
            }
        } else {
            let rows = try await connection.query(
                "SELECT keyspace_name, strategy_class, strategy_options FROM system.schema_keyspaces",
                parameters: parameters,
                timeout: self.configuration.requestTimeout
            ).rows
            for row in rows?.rows ?? [] {
                result[try row.decode(String.self, named: "keyspace_name")] = CQLReplicationStrategy(
                    strategyClass: try row.decode(String?.self, named: "strategy_class") ?? "",
                    strategyOptionsJSON: try row.decode(String?.self, named: "strategy_options") ?? "{}"
                )
            }
        }
        return result
    }

    /// Partition-key column names of a table, in partition-key order (cached per table).
    func partitionKeyColumns(keyspace: String, table: String) async throws -> [String] {
        let name = ClusterState.TableName(keyspace: keyspace, table: table)
        if let cached = self.state.withLockedValue({ $0.partitionKeys[name] }) { return cached }
        let columns: [String]
        if self.state.withLockedValue({ $0.usesSystemSchema }) {
            let rows = try await self.executeInternal(
                "SELECT column_name, kind, position FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?",
                [.text(keyspace), .text(table)]
            )
            var keyed: [(Int, String)] = []
            for row in rows?.rows ?? [] where try row.decode(String.self, named: "kind") == "partition_key" {
                keyed.append((try row.decode(Int.self, named: "position"), try row.decode(String.self, named: "column_name")))
            }
            columns = keyed.sorted { $0.0 < $1.0 }.map(\.1)
        } else {
            // Cassandra 1.2-2.2: the partition key columns are the JSON list in key_aliases.
            let rows = try await self.executeInternal(
                "SELECT key_aliases FROM system.schema_columnfamilies WHERE keyspace_name = ? AND columnfamily_name = ?",
                [.text(keyspace), .text(table)]
            )
            let json = try rows?.rows.first?.decode(String?.self, named: "key_aliases") ?? "[]"
            columns = (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]) ?? []
        }
        self.state.withLockedValue { $0.partitionKeys[name] = columns }
        return columns
    }
}

extension CQLInetAddress {
    /// The address as text: dotted quad for IPv4, eight hex groups for IPv6.
    var hostString: String {
        if self.address.count == 4 { return self.address.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        var index = 0
        while index + 1 < self.address.count {
            groups.append(String(UInt16(self.address[index]) << 8 | UInt16(self.address[index + 1]), radix: 16))
            index += 2
        }
        return groups.joined(separator: ":")
    }
}
