import Logging
import NIOCore
import NIOPosix

/// Compression of envelope bodies (v2-v4) or segments (v5).
public struct CQLCompression: Hashable, Sendable, CustomStringConvertible {
    /// The STARTUP `COMPRESSION` value, `nil` for none.
    public let algorithm: String?
    /// No compression.
    public static let none = CQLCompression(algorithm: nil)
    /// LZ4 (pure Swift).
    public static let lz4 = CQLCompression(algorithm: "lz4")
    /// "none" or the algorithm name.
    public var description: String { self.algorithm ?? "none" }
}

/// One connection to one Cassandra node, multiplexing many concurrent requests over stream ids.
///
/// ## Layering
///
/// - `Protocol/`: pure codecs over `ByteBuffer`: notation types, envelopes (8-byte v1/v2 and
///   9-byte v3+ headers), v5 segments with CRC24/CRC32, request and response messages, value codecs.
/// - `Connection/`: ``ConnectionStateMachine`` (a struct: events in, actions out, no I/O) for
///   the handshake, stream ids, queueing, timeouts, heartbeats and close; `CQLChannelHandler`
///   runs its actions on the event loop; `CQLConnection` (this type) is the `Sendable` async
///   façade and does version negotiation by reconnecting one version lower each time the server
///   refuses the version.
/// - `Cluster/` (built on this type): pools, routing, discovery, retries.
///
/// Pipeline: `ByteToMessageHandler(CQLFrameDecoder)` → `CQLChannelHandler`.
public final class CQLConnection: Sendable {
    /// Username and password for Cassandra's PasswordAuthenticator.
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

    /// How to reach the node and how the connection behaves.
    public struct Configuration: Sendable {
        /// Host name or IP address.
        public var host: String
        /// Native-protocol port.
        public var port: Int = 9042
        /// The version negotiation starts at (and steps down from). Default v5.
        public var maxProtocolVersion: ProtocolVersion = .v5
        /// If set, only this version is tried (no negotiation).
        public var pinnedVersion: ProtocolVersion?
        /// Credentials for PasswordAuthenticator; `nil` if the server allows everyone.
        public var credentials: Credentials?
        /// Limit for TCP connect plus the STARTUP handshake, per attempt.
        public var connectTimeout: Duration = .seconds(5)
        /// Default client-side timeout per request.
        public var requestTimeout: Duration = .seconds(12)
        /// Send OPTIONS after this much inbound silence; a heartbeat still unanswered at the next tick
        /// closes the connection. `nil` disables heartbeats.
        public var heartbeatInterval: Duration? = .seconds(30)
        /// Largest accepted envelope body; larger ones close the connection with
        /// ``CQLError/Code-swift.struct/frameTooLarge``.
        public var maxFrameBodySize: Int = 256 * 1024 * 1024
        /// Requests allowed to wait for a free stream id before ``CQLError/Code-swift.struct/tooManyRequests``.
        public var maxQueuedRequests: Int = 1024
        /// Body compression to ask for in STARTUP. LZ4 works on v2-v5 (v5 compresses whole segments);
        /// on v1 it is not requested, since Cassandra 1.2 only offers snappy (not implemented here).
        public var compression: CQLCompression = .none
        /// Keyspace to `USE` right after the handshake.
        public var keyspace: String?

        /// Creates a configuration for `host:port` with defaults for everything else.
        public init(host: String, port: Int = 9042) {
            self.host = host
            self.port = port
        }
    }

    private let channel: any Channel
    private let sharedState: ConnectionSharedState
    private let logger: Logger
    private let defaultRequestTimeout: Duration

    /// The protocol version this connection negotiated.
    public let protocolVersion: ProtocolVersion

    /// Server events (after ``register(for:)``); finishes when the connection closes.
    public let events: AsyncStream<CQLEvent>

    private init(
        channel: any Channel,
        protocolVersion: ProtocolVersion,
        events: AsyncStream<CQLEvent>,
        sharedState: ConnectionSharedState,
        requestTimeout: Duration,
        logger: Logger
    ) {
        self.channel = channel
        self.protocolVersion = protocolVersion
        self.events = events
        self.sharedState = sharedState
        self.defaultRequestTimeout = requestTimeout
        self.logger = logger
    }

    // MARK: Connecting

    /// Opens a connection, negotiating the protocol version.
    ///
    /// Errors are ``CQLError``s: `connectionFailed` / `connectTimedOut` for TCP, `connectTimedOut` for a
    /// slow handshake, `unsupportedProtocolVersion` when no version is accepted, `authenticationRequired`
    /// or the server's `authenticationError`, or the server's error for the `USE keyspace`.
    ///
    /// Starts at ``Configuration-swift.struct/maxProtocolVersion`` (or only tries the pinned one) and
    /// opens a new connection one version lower each time the server answers "unsupported version"
    /// or closes the socket without answering STARTUP. Against Cassandra 1.2 this ends at v1.
    public static func connect(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) async throws -> CQLConnection {
        try await self.connect(configuration: configuration, logger: logger) { _ in
            do {
                return try await ClientBootstrap(group: eventLoopGroup)
                    .connectTimeout(TimeAmount(configuration.connectTimeout))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: configuration.host, port: configuration.port)
                    .get()
            } catch ChannelError.connectTimeout {
                throw CQLError(.connectTimedOut, "TCP connect to \(configuration.host):\(configuration.port) timed out")
            } catch {
                throw CQLError(
                    .connectionFailed,
                    "TCP connect to \(configuration.host):\(configuration.port) failed: \(error)"
                )
            }
        }
    }

    /// Negotiation over channels from `makeChannel` (tests inject in-memory channels here).
    static func connect(
        configuration: Configuration,
        logger: Logger,
        makeChannel: (ProtocolVersion) async throws -> any Channel
    ) async throws -> CQLConnection {
        var version = configuration.pinnedVersion ?? configuration.maxProtocolVersion
        var logger = logger
        logger[metadataKey: "cql.host"] = "\(configuration.host):\(configuration.port)"
        while true {
            let channel = try await makeChannel(version)
            do {
                return try await self.establish(
                    on: channel,
                    version: version,
                    configuration: configuration,
                    logger: logger
                )
            } catch let error as CQLError
                where configuration.pinnedVersion == nil
                && (error.isUnsupportedProtocolVersion || error.code == .connectionClosedDuringStartup)
            {
                guard let lower = version.lower else {
                    throw CQLError(
                        .unsupportedProtocolVersion,
                        "the server refused every protocol version: \(error.message)"
                    )
                }
                logger.debug(
                    "Server refused the protocol version, retrying one lower",
                    metadata: [
                        "cql.protocol_version": "\(version.rawValue)", "cql.next_protocol_version": "\(lower.rawValue)",
                    ]
                )
                version = lower
            }
        }
    }

    /// Runs the handshake on an already connected channel at a fixed `version`.
    static func establish(
        on channel: any Channel,
        version: ProtocolVersion,
        configuration: Configuration,
        logger: Logger
    ) async throws -> CQLConnection {
        let (events, continuation) = AsyncStream<CQLEvent>.makeStream()
        let sharedState = ConnectionSharedState()
        let handlerConfiguration = CQLChannelHandler.Configuration(
            version: version,
            credentials: configuration.credentials.map { .init(username: $0.username, password: $0.password) },
            startupTimeout: TimeAmount(configuration.connectTimeout),
            heartbeatInterval: configuration.heartbeatInterval.map { TimeAmount($0) },
            maxQueuedRequests: configuration.maxQueuedRequests,
            lz4Compression: configuration.compression == .lz4,
            maxBodySize: configuration.maxFrameBodySize
        )
        let lz4Segments = configuration.compression == .lz4 && version >= .v5
        let maxBodySize = configuration.maxFrameBodySize
        let startup: EventLoopFuture<Void>
        do {
            startup = try await channel.eventLoop.submit {
                let promise = channel.eventLoop.makePromise(of: Void.self)
                let handler = CQLChannelHandler(
                    configuration: handlerConfiguration,
                    logger: logger,
                    startupPromise: promise,
                    eventContinuation: continuation,
                    sharedState: sharedState
                )
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(CQLFrameDecoder(maxBodySize: maxBodySize, lz4Segments: lz4Segments))
                )
                try channel.pipeline.syncOperations.addHandler(handler)
                return promise.futureResult
            }.get()
        } catch {
            continuation.finish()
            try? await channel.close()
            throw CQLError(.connectionClosed, "could not set up the channel: \(error)")
        }
        do {
            try await startup.get()
        } catch {
            try? await channel.close()
            throw error
        }
        let connection = CQLConnection(
            channel: channel,
            protocolVersion: version,
            events: events,
            sharedState: sharedState,
            requestTimeout: configuration.requestTimeout,
            logger: logger
        )
        if let keyspace = configuration.keyspace {
            do {
                _ = try await connection.query("USE \(CQLConnection.quoteIdentifier(keyspace))")
            } catch {
                try? await connection.close()
                throw error
            }
        }
        logger.debug("Connected", metadata: ["cql.protocol_version": "\(version.rawValue)"])
        return connection
    }

    /// Double-quotes a CQL identifier, doubling embedded quotes.
    static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
    }

    // MARK: State

    /// Whether the connection is closed (or closing).
    public var isClosed: Bool { !self.channel.isActive }

    /// Completes when the channel is closed.
    public var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }

    /// Waits until the connection is closed.
    public func waitUntilClosed() async {
        try? await self.channel.closeFuture.get()
    }

    /// Stream ids in use right now (requests, timed-out requests awaiting their late reply, heartbeats).
    public var inFlightRequests: Int { self.sharedState.inFlightRequests }

    /// Requests that timed out or were cancelled but whose stream ids stay reserved until the server
    /// answers. A pool may replace a connection whose orphans pile up (the Java driver does above 256).
    public var orphanedRequests: Int { self.sharedState.orphanedRequests }

    /// The event loop this connection runs on.
    public var eventLoop: any EventLoop { self.channel.eventLoop }

    // MARK: Requests

    /// Runs a CQL statement.
    ///
    /// On v1, `values` must be empty (a typed ``CQLError/Code-swift.struct/unsupportedFeature`` otherwise; prepare
    /// the statement instead), and paging parameters are ignored because v1 has no paging.
    public func query(
        _ cql: String,
        values: [CQLValue] = [],
        parameters: QueryParameters = .init(),
        timeout: Duration? = nil
    ) async throws -> CQLResult {
        let response = try await self.send(.query(cql, values: values, parameters: parameters), timeout: timeout)
        return try Self.result(from: response)
    }

    /// Prepares a statement on this node.
    public func prepare(_ cql: String, timeout: Duration? = nil) async throws -> PreparedStatement {
        let response = try await self.send(.prepare(cql, keyspace: nil), timeout: timeout)
        guard case .prepared(var statement) = try Self.result(from: response) else {
            throw CQLError(.unexpectedResponse, "PREPARE did not return a Prepared result")
        }
        statement.query = cql
        return statement
    }

    /// Executes a prepared statement. If the server skipped the result metadata, the statement's
    /// ``PreparedStatement/resultColumns`` are used to decode the rows.
    public func execute(
        _ statement: PreparedStatement,
        values: [CQLValue] = [],
        parameters: QueryParameters = .init(),
        timeout: Duration? = nil
    ) async throws -> CQLResult {
        let response = try await self.send(
            .execute(statement, values: values, parameters: parameters),
            timeout: timeout
        )
        let result = try Self.result(from: response)
        if case .rows(let rows) = result, !rows.hasMetadata {
            return .rows(rows.withColumns(statement.resultColumns))
        }
        return result
    }

    /// Runs a batch: a BATCH message on v2+; on v1 a `BEGIN … APPLY BATCH` QUERY, which accepts only
    /// text statements without bind values (a typed ``CQLError/Code-swift.struct/unsupportedFeature`` otherwise).
    public func batch(
        _ batch: CQLBatch,
        parameters: QueryParameters = .init(),
        timeout: Duration? = nil
    ) async throws -> CQLResult {
        let response = try await self.send(.batch(batch, parameters: parameters), timeout: timeout)
        return try Self.result(from: response)
    }

    /// Sends OPTIONS and returns the SUPPORTED map (e.g. `CQL_VERSION`, `COMPRESSION`).
    public func options(timeout: Duration? = nil) async throws -> [String: [String]] {
        let response = try await self.send(.options, timeout: timeout)
        guard case .supported(let supported) = response else {
            throw CQLError(.unexpectedResponse, "OPTIONS was answered with \(response.name)")
        }
        return supported
    }

    /// Registers this connection for server events, delivered on ``events``.
    public func register(for events: [CQLEventType], timeout: Duration? = nil) async throws {
        let response = try await self.send(.register(events), timeout: timeout)
        guard case .ready = response else {
            throw CQLError(.unexpectedResponse, "REGISTER was answered with \(response.name)")
        }
    }

    /// Closes the connection; requests still in flight fail with ``CQLError/Code-swift.struct/connectionClosed``.
    public func close() async throws {
        do {
            try await self.channel.close()
        } catch ChannelError.alreadyClosed {
            return
        }
    }

    private func send(_ request: CQLRequest, timeout: Duration?) async throws -> CQLResponse {
        var body = self.channel.allocator.buffer(capacity: 128)
        try request.encodeBody(into: &body, version: self.protocolVersion)
        guard self.channel.isActive else { throw CQLError(.connectionClosed, "the connection is closed") }
        let promise = self.channel.eventLoop.makePromise(of: CQLResponse.self)
        let task = CQLTask(
            opcode: request.opcode(version: self.protocolVersion),
            body: body,
            timeout: TimeAmount(timeout ?? self.defaultRequestTimeout),
            promise: promise
        )
        self.channel.writeAndFlush(task).whenFailure { _ in
            // The channel closed before the handler saw the request; nothing holds a stream id for it.
            promise.fail(CQLError(.connectionClosed, "the connection is closed"))
        }
        let future = promise.futureResult
        let channel = self.channel
        return try await withTaskCancellationHandler {
            try await future.get()
        } onCancel: {
            // The handler fails the request with `requestCancelled`; its stream id stays reserved.
            channel.pipeline.triggerUserOutboundEvent(
                CancelRequestEvent(futureID: ObjectIdentifier(future)),
                promise: nil
            )
        }
    }

    private static func result(from response: CQLResponse) throws -> CQLResult {
        guard case .result(let result) = response else {
            throw CQLError(.unexpectedResponse, "expected RESULT, got \(response.name)")
        }
        return result
    }
}
