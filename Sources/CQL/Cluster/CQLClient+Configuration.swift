/// A node of the cluster, identified by the address its native protocol listens on.
public struct CQLNode: Hashable, Sendable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// Native protocol port.
    public var port: Int

    /// Creates a node address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String { "\(self.host):\(self.port)" }
}

extension CQLClient {
    /// A user name and password for PasswordAuthenticator (CREDENTIALS on v1, SASL PLAIN on v2+).
    public struct Credentials: Sendable, Hashable {
        /// The user name.
        public var username: String
        /// The password (never logged).
        public var password: String

        /// Creates credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// Everything a ``CQLClient`` needs to know about the cluster and how to talk to it.
    public struct Configuration: Sendable {
        /// Addresses tried, in order, to open the control connection and discover the cluster.
        public var contactPoints: [String]
        /// Native protocol port of every node.
        public var port: Int = 9042
        /// The data center whose nodes serve requests; `nil` uses the contact point's data center.
        public var localDataCenter: String?
        /// Highest protocol version to try; negotiation steps down from here (Cassandra 1.2 speaks v1).
        public var maxProtocolVersion: ProtocolVersion = .v5
        /// Connections per node on protocol v1/v2, where each connection has only 128 streams.
        public var connectionsPerNodeV1V2: Int = 4
        /// Connections per node on protocol v3+, where each connection has 32 768 streams.
        public var connectionsPerNodeV3Plus: Int = 1
        /// Timeout of the TCP connect plus protocol handshake.
        public var connectTimeout: Duration = .seconds(5)
        /// Client-side timeout of one attempt (speculative executions and retries start new attempts).
        public var requestTimeout: Duration = .seconds(12)
        /// Idle interval after which a connection sends an OPTIONS heartbeat; `nil` disables heartbeats.
        public var heartbeatInterval: Duration? = .seconds(30)
        /// Body compression asked for in STARTUP (LZ4 on v2+; Cassandra 1.2 supports none of ours).
        public var compression: CQLCompression = .none
        /// Keyspace every connection switches to with `USE` after connecting.
        public var keyspace: String?
        /// User name and password, if the cluster requires authentication.
        public var credentials: Credentials?
        /// Consistency of statements that do not set their own.
        public var defaultConsistency: Consistency = .one
        /// Which nodes a request goes to.
        public var loadBalancingPolicy: CQLLoadBalancingPolicy = .dataCenterAware()
        /// When failed idempotent requests are retried.
        public var retryPolicy: CQLRetryPolicy = .default
        /// Extra executions for slow idempotent requests.
        public var speculativeExecutionPolicy: CQLSpeculativeExecutionPolicy = .disabled
        /// Backoff between reconnection attempts to a node that went down.
        public var reconnectionPolicy: CQLReconnectionPolicy = CQLReconnectionPolicy()
        /// Prepare new statements on every node up front (otherwise lazily per node).
        public var prepareOnAllNodes: Bool = true
        /// Delay before acting on a node UP event (the node may not accept connections yet).
        public var upEventDelay: Duration = .seconds(1)

        /// Creates a configuration with the given contact points and defaults for everything else.
        public init(contactPoints: [String], port: Int = 9042) {
            self.contactPoints = contactPoints
            self.port = port
        }

        func connectionsPerNode(for version: ProtocolVersion) -> Int {
            version >= .v3 ? self.connectionsPerNodeV3Plus : self.connectionsPerNodeV1V2
        }
    }
}

/// Per-statement options.
public struct CQLStatementOptions: Sendable {
    /// Consistency; `nil` uses the client's default.
    public var consistency: Consistency?
    /// Serial consistency for lightweight transactions (v2+).
    public var serialConsistency: Consistency?
    /// Whether the statement can safely run more than once. Only idempotent statements are retried
    /// after failures that might have executed, or executed speculatively. Counter updates and list
    /// appends are never idempotent.
    public var isIdempotent: Bool
    /// Client-side timeout of one attempt; `nil` uses the client's default.
    public var timeout: Duration?
    /// Rows per page on protocol v2+ (ignored on v1, which has no paging).
    public var pageSize: Int32?
    /// Overrides the routing key computed from the partition-key values.
    public var routingKey: [UInt8]?
    /// The keyspace used for routing an unprepared statement with ``routingKey``.
    public var routingKeyspace: String?
    /// Whether the client's speculative execution policy may send a second copy of a slow
    /// idempotent statement. Bulk jobs turn it off: on a saturated cluster a copy is only more load.
    public var allowsSpeculativeExecution: Bool = true

    /// Creates options.
    public init(
        consistency: Consistency? = nil,
        serialConsistency: Consistency? = nil,
        isIdempotent: Bool = false,
        timeout: Duration? = nil,
        pageSize: Int32? = nil,
        routingKey: [UInt8]? = nil,
        routingKeyspace: String? = nil
    ) {
        self.consistency = consistency
        self.serialConsistency = serialConsistency
        self.isIdempotent = isIdempotent
        self.timeout = timeout
        self.pageSize = pageSize
        self.routingKey = routingKey
        self.routingKeyspace = routingKeyspace
    }

    /// Options for an idempotent statement at `consistency`.
    public static func idempotent(_ consistency: Consistency? = nil) -> Self {
        Self(consistency: consistency, isIdempotent: true)
    }

    /// Options for an idempotent statement of a bulk job: no speculative copies, and an attempt
    /// timeout of `timeout` (longer than the coordinators' own, so a node that is merely slow answers
    /// before the client gives up on it).
    public static func bulk(timeout: Duration? = nil) -> Self {
        var options = Self(isIdempotent: true, timeout: timeout)
        options.allowsSpeculativeExecution = false
        return options
    }
}
