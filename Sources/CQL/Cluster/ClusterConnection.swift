import Logging

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
    /// Closes the connection.
    func close() async
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
