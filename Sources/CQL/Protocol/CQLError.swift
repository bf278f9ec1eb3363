/// An error from the Cassandra client: either a server ERROR response or a client-side failure.
///
/// ``Code`` is an extensible struct rather than an enum so new codes can be added without breaking
/// users. Server errors carry the code-specific fields of the ERROR body (consistency, replica
/// counts, write type, unprepared id, ...). Bound values are never part of an error.
public struct CQLError: Error, Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case server(Int32)
            case client(String)
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// A code as received in a server ERROR body (unknown codes are kept as is).
        public static func server(_ code: Int32) -> Code { Code(.server(code)) }

        /// The server's numeric error code, or `nil` for client-side errors.
        public var serverCode: Int32? {
            if case .server(let code) = self.base { return code }
            return nil
        }

        // MARK: Server codes (brief §1.9)

        /// 0x0000 Server error.
        public static let serverError = Code.server(0x0000)
        /// 0x000A Protocol error.
        public static let protocolError = Code.server(0x000A)
        /// 0x0100 Bad credentials (v1) / Authentication error (v2+).
        public static let authenticationError = Code.server(0x0100)
        /// 0x1000 Unavailable: not enough live replicas.
        public static let unavailable = Code.server(0x1000)
        /// 0x1001 Overloaded.
        public static let overloaded = Code.server(0x1001)
        /// 0x1002 Is_bootstrapping.
        public static let isBootstrapping = Code.server(0x1002)
        /// 0x1003 Truncate_error.
        public static let truncateError = Code.server(0x1003)
        /// 0x1100 Write_timeout.
        public static let writeTimeout = Code.server(0x1100)
        /// 0x1200 Read_timeout.
        public static let readTimeout = Code.server(0x1200)
        /// 0x1300 Read_failure (v4+).
        public static let readFailure = Code.server(0x1300)
        /// 0x1400 Function_failure (v4+).
        public static let functionFailure = Code.server(0x1400)
        /// 0x1500 Write_failure (v4+).
        public static let writeFailure = Code.server(0x1500)
        /// 0x1600 CDC_WRITE_FAILURE (v5).
        public static let cdcWriteFailure = Code.server(0x1600)
        /// 0x1700 CAS_WRITE_UNKNOWN (v5).
        public static let casWriteUnknown = Code.server(0x1700)
        /// 0x2000 Syntax_error.
        public static let syntaxError = Code.server(0x2000)
        /// 0x2100 Unauthorized.
        public static let unauthorized = Code.server(0x2100)
        /// 0x2200 Invalid.
        public static let invalid = Code.server(0x2200)
        /// 0x2300 Config_error.
        public static let configError = Code.server(0x2300)
        /// 0x2400 Already_exists.
        public static let alreadyExists = Code.server(0x2400)
        /// 0x2500 Unprepared: re-prepare and retry on the same node.
        public static let unprepared = Code.server(0x2500)

        // MARK: Client codes

        /// The connection was closed (by us or the peer) before the request completed.
        public static let connectionClosed = Code(.client("connectionClosed"))
        /// The server closed the socket without answering STARTUP (negotiation treats it as a version hint).
        public static let connectionClosedDuringStartup = Code(.client("connectionClosedDuringStartup"))
        /// The client-side request timeout elapsed.
        public static let requestTimedOut = Code(.client("requestTimedOut"))
        /// The TCP connection could not be opened (refused, unreachable, DNS failure, ...).
        public static let connectionFailed = Code(.client("connectionFailed"))
        /// The awaiting task was cancelled; the stream id stays reserved until the server's reply.
        public static let requestCancelled = Code(.client("requestCancelled"))
        /// Opening the TCP connection or the startup handshake took too long.
        public static let connectTimedOut = Code(.client("connectTimedOut"))
        /// The peer sent bytes that do not follow the protocol (malformed, truncated, unknown ids).
        public static let protocolViolation = Code(.client("protocolViolation"))
        /// An envelope body exceeded the configured maximum size.
        public static let frameTooLarge = Code(.client("frameTooLarge"))
        /// A v5 segment failed its CRC24 or CRC32 check.
        public static let checksumMismatch = Code(.client("checksumMismatch"))
        /// The server refused the protocol version (negotiation steps down on this).
        public static let unsupportedProtocolVersion = Code(.client("unsupportedProtocolVersion"))
        /// Every stream id is in use and the wait queue is full.
        public static let tooManyRequests = Code(.client("tooManyRequests"))
        /// The request uses a feature the negotiated protocol version lacks (e.g. bind values on v1).
        public static let unsupportedFeature = Code(.client("unsupportedFeature"))
        /// A value could not be encoded (e.g. a null inside a collection, a value too long).
        public static let invalidValue = Code(.client("invalidValue"))
        /// A row value could not be decoded as the requested type.
        public static let decodingFailed = Code(.client("decodingFailed"))
        /// The server asked for authentication but no credentials were configured.
        public static let authenticationRequired = Code(.client("authenticationRequired"))
        /// An OPTIONS heartbeat got no answer within one heartbeat interval.
        public static let heartbeatTimedOut = Code(.client("heartbeatTimedOut"))
        /// The server answered with a message that makes no sense at this point.
        public static let unexpectedResponse = Code(.client("unexpectedResponse"))

        /// A readable name, e.g. "writeTimeout" or "server(0x1234)".
        public var description: String {
            switch self.base {
            case .client(let name): return name
            case .server(let code):
                switch code {
                case 0x0000: return "serverError"
                case 0x000A: return "protocolError"
                case 0x0100: return "authenticationError"
                case 0x1000: return "unavailable"
                case 0x1001: return "overloaded"
                case 0x1002: return "isBootstrapping"
                case 0x1003: return "truncateError"
                case 0x1100: return "writeTimeout"
                case 0x1200: return "readTimeout"
                case 0x1300: return "readFailure"
                case 0x1400: return "functionFailure"
                case 0x1500: return "writeFailure"
                case 0x1600: return "cdcWriteFailure"
                case 0x1700: return "casWriteUnknown"
                case 0x2000: return "syntaxError"
                case 0x2100: return "unauthorized"
                case 0x2200: return "invalid"
                case 0x2300: return "configError"
                case 0x2400: return "alreadyExists"
                case 0x2500: return "unprepared"
                default: return "server(0x\(String(code, radix: 16)))"
                }
            }
        }
    }

    /// One replica's failure reason in a v5 Read_failure / Write_failure.
    public struct FailureReason: Hashable, Sendable {
        /// The replica's address bytes (4 or 16).
        public var address: [UInt8]
        /// The failure code reported for that replica.
        public var reasonCode: UInt16
        /// Creates a failure reason.
        public init(address: [UInt8], reasonCode: UInt16) {
            self.address = address
            self.reasonCode = reasonCode
        }
    }

    /// What kind of error this is.
    public var code: Code
    /// The server's message, or a description of the client-side failure. Never contains bound values.
    public var message: String
    /// Consistency level of the failed operation (Unavailable, timeouts, failures, CAS unknown).
    public var consistency: Consistency?
    /// Replicas that acknowledged / answered (timeouts, failures, CAS unknown).
    public var received: Int32?
    /// Replicas required (timeouts, failures, CAS unknown); for Unavailable: `required`.
    public var blockFor: Int32?
    /// Live replicas known to the coordinator (Unavailable).
    public var alive: Int32?
    /// Kind of write (Write_timeout, Write_failure): SIMPLE, BATCH, UNLOGGED_BATCH, COUNTER, BATCH_LOG, CAS, VIEW, CDC.
    public var writeType: String?
    /// Whether the data replica answered (Read_timeout, Read_failure).
    public var dataPresent: Bool?
    /// Number of failed replicas (v4 Read_failure / Write_failure; v5: count of `failureReasons`).
    public var numFailures: Int32?
    /// Per-replica reasons (v5 Read_failure / Write_failure).
    public var failureReasons: [FailureReason]
    /// Contentions (v5 Write_timeout with write type CAS).
    public var contentions: UInt16?
    /// Keyspace (Already_exists, Function_failure).
    public var keyspace: String?
    /// Table (Already_exists; empty when a keyspace already exists).
    public var table: String?
    /// Function name (Function_failure).
    public var functionName: String?
    /// Argument types (Function_failure).
    public var argumentTypes: [String]
    /// The statement id the server no longer knows (Unprepared).
    public var unpreparedID: [UInt8]?

    /// Creates an error with a code and message; the server detail fields start empty.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        self.failureReasons = []
        self.argumentTypes = []
    }

    /// Whether this error means "the server does not speak the requested protocol version".
    ///
    /// True for ``Code-swift.struct/unsupportedProtocolVersion`` and for server Protocol/Server errors
    /// whose message says "Invalid or unsupported protocol version" or "Beta version of the protocol used".
    public var isUnsupportedProtocolVersion: Bool {
        if self.code == .unsupportedProtocolVersion { return true }
        guard self.code == .protocolError || self.code == .serverError else { return false }
        return self.message.contains("Invalid or unsupported protocol version")
            || self.message.contains("Beta version of the protocol used")
    }

    /// "code: message".
    public var description: String { "CQLError(\(self.code)): \(self.message)" }

    static func protocolViolation(_ message: String) -> CQLError { CQLError(.protocolViolation, message) }
}
