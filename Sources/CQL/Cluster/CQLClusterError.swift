/// An error raised by the cluster layer itself (as opposed to one node's ``CQLError``).
public struct CQLClusterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// Every node of the query plan was tried and none could serve the request.
        public static let noNodeAvailable = Code("noNodeAvailable")
        /// The client knows too few replicas of the request to be up for its consistency level
        /// (``ReplicaQuorum``): nothing was sent. Transient, like a coordinator's `Unavailable`.
        public static let replicasDown = Code("replicasDown")
        /// The client is not running (``CQLClient/run()`` has not been called or has finished).
        public static let clientShutDown = Code("clientShutDown")
        /// None of the contact points could be reached.
        public static let contactPointsUnreachable = Code("contactPointsUnreachable")
        /// A statement or helper was used in a way the cluster or protocol version cannot serve.
        public static let invalidRequest = Code("invalidRequest")

        /// The code's name.
        public var description: String { self.name }
    }

    /// What went wrong.
    public var code: Code
    /// A constant-ish explanation (never contains bound values).
    public var message: String
    /// The last error seen per node tried, when several nodes were attempted.
    public var nodeErrors: [CQLNode: any Error]

    /// Creates an error.
    public init(_ code: Code, _ message: String, nodeErrors: [CQLNode: any Error] = [:]) {
        self.code = code
        self.message = message
        self.nodeErrors = nodeErrors
    }

    /// The code, the message and the per-node errors.
    public var description: String {
        var text = "CQLClusterError(\(self.code)): \(self.message)"
        for (node, error) in self.nodeErrors.sorted(by: { $0.key.description < $1.key.description }) {
            text += "; \(node): \(error)"
        }
        return text
    }
}
