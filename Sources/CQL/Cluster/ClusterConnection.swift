import Logging
import NIOCore

/// What the cluster layer needs from one native-protocol connection.
///
/// ``CQLConnection`` is the real implementation; tests drive the cluster with scripted mocks.
protocol ClusterConnection: AnyObject, Sendable {
    /// The negotiated protocol version.
    var protocolVersion: ProtocolVersion { get }
    /// Whether the connection is closed (by either side).
    var isClosed: Bool { get }
    /// Runs an unprepared statement without bound values.
    func query(_ cql: String, parameters: QueryParameters, timeout: Duration?) async throws -> CQLResult
    /// Prepares a statement on this connection's node.
    func prepare(_ cql: String) async throws -> PreparedStatement
    /// Executes a prepared statement with bound values.
    func execute(
        _ statement: PreparedStatement,
        values: [CQLValue],
        parameters: QueryParameters,
        timeout: Duration?
    ) async throws -> CQLResult
    /// Sends a BATCH message (v2+).
    func batch(_ batch: CQLBatch, parameters: QueryParameters, timeout: Duration?) async throws -> CQLResult
    /// Closes the connection (errors while closing are irrelevant to the pool).
    func closeConnection() async
    /// Returns once the connection is closed (by either side).
    func waitUntilClosed() async
}

/// Opens connections for the cluster layer.
struct ClusterConnectionFactory: Sendable {
    /// Opens a pool connection to `node` (speaking `version`, or negotiating when `nil`).
    var connect: @Sendable (_ node: CQLNode, _ version: ProtocolVersion?, _ logger: Logger) async throws -> any ClusterConnection
    /// Opens the control connection: a connection registered for topology, status and schema events.
    var connectControl:
        @Sendable (_ node: CQLNode, _ version: ProtocolVersion?, _ logger: Logger) async throws -> (
            any ClusterConnection, AsyncStream<CQLEvent>
        )
}

extension CQLConnection: ClusterConnection {
    func query(_ cql: String, parameters: QueryParameters, timeout: Duration?) async throws -> CQLResult {
        try await self.query(cql, values: [], parameters: parameters, timeout: timeout)
    }

    func prepare(_ cql: String) async throws -> PreparedStatement {
        try await self.prepare(cql, timeout: nil)
    }

    func closeConnection() async {
        try? await self.close()
    }
}

extension ClusterConnectionFactory {
    /// Real ``CQLConnection``s configured from the client's configuration.
    static func cqlConnections(configuration: CQLClient.Configuration, eventLoopGroup: any EventLoopGroup) -> Self {
        @Sendable func connectionConfiguration(_ node: CQLNode, _ version: ProtocolVersion?) -> CQLConnection.Configuration {
            var config = CQLConnection.Configuration(host: node.host, port: node.port)
            config.maxProtocolVersion = configuration.maxProtocolVersion
            config.pinnedVersion = version
            config.credentials = configuration.credentials.map {
                CQLConnection.Credentials(username: $0.username, password: $0.password)
            }
            config.connectTimeout = configuration.connectTimeout
            config.requestTimeout = configuration.requestTimeout
            config.heartbeatInterval = configuration.heartbeatInterval
            config.compression = configuration.compression
            return config
        }
        return ClusterConnectionFactory(
            connect: { node, version, logger in
                var config = connectionConfiguration(node, version)
                config.keyspace = configuration.keyspace
                return try await CQLConnection.connect(configuration: config, eventLoopGroup: eventLoopGroup, logger: logger)
            },
            connectControl: { node, version, logger in
                let connection = try await CQLConnection.connect(
                    configuration: connectionConfiguration(node, version),
                    eventLoopGroup: eventLoopGroup,
                    logger: logger
                )
                do {
                    try await connection.register(for: [.topologyChange, .statusChange, .schemaChange])
                } catch {
                    await connection.closeConnection()
                    throw error
                }
                return (connection, connection.events)
            }
        )
    }
}
