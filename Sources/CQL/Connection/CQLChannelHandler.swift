import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// A request written into the channel by ``CQLConnection``; its body is already encoded.
struct CQLTask: Sendable {
    let opcode: CQLOpcode
    let body: ByteBuffer
    let timeout: TimeAmount?
    let promise: EventLoopPromise<CQLResponse>
}

/// Asks the handler to give up on the request whose response future is `futureID` (task cancelled).
struct CancelRequestEvent: Sendable {
    let futureID: ObjectIdentifier
}

/// State the handler publishes for other threads (pools read the in-flight count to pick a connection).
final class ConnectionSharedState: Sendable {
    private let counts = NIOLockedValueBox((inFlight: 0, orphaned: 0))

    var inFlightRequests: Int { self.counts.withLockedValue { $0.inFlight } }
    var orphanedRequests: Int { self.counts.withLockedValue { $0.orphaned } }

    func setCounts(inFlight: Int, orphaned: Int) {
        self.counts.withLockedValue { $0 = (inFlight, orphaned) }
    }
}

/// Runs the ``ConnectionStateMachine`` on the channel's event loop and performs its actions:
/// writes envelopes (wrapped in v5 segments once framing is on), completes promises, runs the
/// request-timeout, startup-timeout and heartbeat timers, records metrics and logs.
final class CQLChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = CQLEnvelope
    typealias OutboundIn = CQLTask
    typealias OutboundOut = ByteBuffer

    struct Configuration {
        var version: ProtocolVersion
        var credentials: ConnectionStateMachine.Credentials?
        var startupTimeout: TimeAmount
        var heartbeatInterval: TimeAmount?
        var maxQueuedRequests: Int
        /// Ask for LZ4 (v2-v4 envelope bodies, v5 segments); ignored on v1.
        var lz4Compression: Bool = false
        /// Largest body accepted, also after decompression.
        var maxBodySize: Int = 256 * 1024 * 1024
    }

    private var stateMachine: ConnectionStateMachine
    private let configuration: Configuration
    private var logger: Logger
    private let startupPromise: EventLoopPromise<Void>
    private let eventContinuation: AsyncStream<CQLEvent>.Continuation?
    private let sharedState: ConnectionSharedState
    private var context: ChannelHandlerContext?
    private var outboundFramingActive = false
    private var outboundCompressionActive = false
    private var nextRequestID: UInt64 = 0
    private var requestTimeouts: [UInt64: Scheduled<Void>] = [:]
    /// Requests the caller may still cancel, keyed by their response future.
    private var requestIDByFuture: [ObjectIdentifier: UInt64] = [:]
    private var startupTimeout: Scheduled<Void>?
    private var heartbeatTimer: Scheduled<Void>?
    private var reportedInFlight = 0

    private let inFlightMeter = Meter(label: "cql_in_flight")

    init(
        configuration: Configuration,
        logger: Logger,
        startupPromise: EventLoopPromise<Void>,
        eventContinuation: AsyncStream<CQLEvent>.Continuation?,
        sharedState: ConnectionSharedState
    ) {
        self.configuration = configuration
        self.stateMachine = ConnectionStateMachine(
            version: configuration.version,
            credentials: configuration.credentials,
            maxQueuedRequests: configuration.maxQueuedRequests,
            lz4Compression: configuration.lz4Compression
        )
        self.logger = logger
        self.logger[metadataKey: "cql.protocol_version"] = "\(configuration.version.rawValue)"
        self.startupPromise = startupPromise
        self.eventContinuation = eventContinuation
        self.sharedState = sharedState
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.start(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.run(self.stateMachine.channelInactive(), context: context)
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard self.stateMachine.state == .initialized else { return }
        if let remote = context.channel.remoteAddress {
            self.logger[metadataKey: "cql.host"] = "\(remote)"
        }
        self.startupTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: self.configuration.startupTimeout) {
            self.run(self.stateMachine.startupTimedOut(), context: context)
        }
        self.run(self.stateMachine.channelActive(), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.run(self.stateMachine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = self.unwrapInboundIn(data)
        guard envelope.isResponse else {
            self.run(
                self.stateMachine.errorCaught(
                    CQLError.protocolViolation("received a request envelope from the server")
                ),
                context: context
            )
            return
        }
        if envelope.version != self.configuration.version, self.stateMachine.state == .ready {
            self.run(
                self.stateMachine.errorCaught(
                    CQLError.protocolViolation(
                        "response version \(envelope.version) on a \(self.configuration.version) connection"
                    )
                ),
                context: context
            )
            return
        }
        let response: Result<CQLResponse, CQLError>
        do {
            let decoded = try CQLResponse.decode(try self.decompressedIfNeeded(envelope))
            if !decoded.warnings.isEmpty {
                self.logger.debug(
                    "Server returned warnings",
                    metadata: [
                        "cql.stream_id": "\(envelope.streamID)", "cql.warning_count": "\(decoded.warnings.count)",
                    ]
                )
            }
            response = .success(decoded.response)
        } catch let error as CQLError {
            response = .failure(error)
        } catch {
            response = .failure(CQLError.protocolViolation("undecodable response: \(error)"))
        }
        self.run(self.stateMachine.responseReceived(streamID: envelope.streamID, response), context: context)
    }

    /// v2-v4: a body flagged compressed is a 4-byte big-endian uncompressed length plus an LZ4 block.
    private func decompressedIfNeeded(_ envelope: CQLEnvelope) throws -> CQLEnvelope {
        guard envelope.version < .v5, envelope.flags.contains(.compressed), self.stateMachine.usesLZ4 else {
            return envelope
        }
        var body = envelope.body
        let uncompressedLength = Int(try body.readCQLInt())
        guard uncompressedLength <= self.configuration.maxBodySize else {
            throw CQLError(.frameTooLarge, "decompressed body of \(uncompressedLength) bytes exceeds the limit")
        }
        let block = body.readableBytesView
        var decompressed = envelope
        decompressed.body = ByteBuffer(bytes: try LZ4.decompress(Array(block), uncompressedLength: uncompressedLength))
        decompressed.flags.remove(.compressed)
        return decompressed
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let cqlError: CQLError
        if let typed = error as? CQLError {
            cqlError = typed
        } else if error is ByteToMessageDecoderError {
            // The decoder's leftover-bytes complaint at EOF: the peer closed in the middle of an envelope.
            cqlError = CQLError(.connectionClosed, "the connection closed in the middle of an envelope")
        } else {
            cqlError = CQLError(.connectionClosed, "I/O error: \(error)")
        }
        self.logger.debug("Connection error", metadata: ["cql.error": "\(cqlError)"])
        self.run(self.stateMachine.errorCaught(cqlError), context: context)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let task = self.unwrapOutboundIn(data)
        let requestID = self.nextRequestID
        self.nextRequestID += 1
        let request = RequestContext(
            id: requestID,
            opcode: task.opcode,
            body: task.body,
            promise: task.promise,
            startedAt: .now()
        )
        if let timeout = task.timeout {
            self.requestTimeouts[requestID] = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.requestTimeouts.removeValue(forKey: requestID)
                self.run(self.stateMachine.timeoutFired(requestID: requestID), context: context)
            }
        }
        self.requestIDByFuture[ObjectIdentifier(task.promise.futureResult)] = requestID
        promise?.succeed()
        self.run(self.stateMachine.requestEnqueued(request), context: context)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let cancel = event as? CancelRequestEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        if let requestID = self.requestIDByFuture[cancel.futureID] {
            self.run(self.stateMachine.requestCancelled(requestID: requestID), context: context)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            self.run(self.stateMachine.closeRequested(), context: context)
        }
        context.close(mode: mode, promise: promise)
    }

    // MARK: Actions

    private func run(_ actions: [ConnectionStateMachine.Action], context: ChannelHandlerContext) {
        // Publish before completing promises, so a caller resuming on another thread sees its stream freed.
        self.publishInFlight()
        var needsFlush = false
        for action in actions {
            switch action {
            case .sendRequest(let streamID, let request):
                self.write(streamID: streamID, opcode: request.opcode, body: request.body, context: context)
                needsFlush = true
            case .sendControlMessage(let streamID, let message):
                do {
                    var body = context.channel.allocator.buffer(capacity: 32)
                    try message.encodeBody(into: &body, version: self.configuration.version)
                    self.write(
                        streamID: streamID,
                        opcode: message.opcode(version: self.configuration.version),
                        body: body,
                        context: context
                    )
                    needsFlush = true
                } catch let error as CQLError {
                    self.run(self.stateMachine.errorCaught(error), context: context)
                } catch {
                    self.run(self.stateMachine.errorCaught(CQLError(.invalidValue, "\(error)")), context: context)
                }
            case .succeedRequest(let request, let response):
                self.finish(request, outcome: "success")
                request.promise.succeed(response)
            case .failRequest(let request, let error):
                let outcome: String
                switch error.code {
                case .requestTimedOut: outcome = "timeout"
                case .requestCancelled: outcome = "cancelled"
                default: outcome = "error"
                }
                self.finish(request, outcome: outcome)
                request.promise.fail(error)
            case .enableOutboundFraming:
                self.outboundFramingActive = true
            case .enableOutboundCompression:
                self.outboundCompressionActive = true
            case .startupSucceeded:
                self.startupTimeout?.cancel()
                self.startupTimeout = nil
                self.logger.debug("Connection ready")
                self.scheduleHeartbeat(context: context)
                self.startupPromise.succeed()
            case .startupFailed(let error):
                self.startupTimeout?.cancel()
                self.startupTimeout = nil
                self.startupPromise.fail(error)
            case .forwardEvent(let event):
                self.eventContinuation?.yield(event)
            case .closeChannel:
                context.close(mode: .all, promise: nil)
            case .connectionClosed:
                self.startupTimeout?.cancel()
                self.startupTimeout = nil
                self.heartbeatTimer?.cancel()
                self.heartbeatTimer = nil
                for timeout in self.requestTimeouts.values { timeout.cancel() }
                self.requestTimeouts.removeAll()
                self.requestIDByFuture.removeAll()
                self.eventContinuation?.finish()
            case .ignoreResponse(let streamID, let reason):
                self.logger.debug(
                    "Ignored a response",
                    metadata: ["cql.stream_id": "\(streamID)", "cql.reason": "\(reason)"]
                )
            }
        }
        if needsFlush { context.flush() }
    }

    private func write(streamID: Int16, opcode: CQLOpcode, body: ByteBuffer, context: ChannelHandlerContext) {
        var envelope = CQLEnvelope(
            version: self.configuration.version,
            isResponse: false,
            streamID: streamID,
            opcode: opcode,
            body: body
        )
        if self.outboundCompressionActive, body.readableBytes > 0 {
            let block = LZ4.compress(Array(body.readableBytesView))
            var compressed = context.channel.allocator.buffer(capacity: block.count + 4)
            compressed.writeInteger(Int32(body.readableBytes))
            compressed.writeBytes(block)
            envelope.body = compressed
            envelope.flags.insert(.compressed)
        }
        var bytes = context.channel.allocator.buffer(capacity: body.readableBytes + 9)
        do {
            // Stream ids come from an allocator sized for the version, so this cannot fail in practice.
            try envelope.encode(into: &bytes)
        } catch {
            self.logger.error("Failed to encode an envelope", metadata: ["cql.stream_id": "\(streamID)"])
            return
        }
        if self.outboundFramingActive {
            var framed = context.channel.allocator.buffer(capacity: bytes.readableBytes + 10)
            if self.stateMachine.usesLZ4 {
                SegmentCodec.encodeLZ4(payload: bytes, into: &framed)
            } else {
                SegmentCodec.encode(payload: bytes, into: &framed)
            }
            bytes = framed
        }
        self.logger.trace("Sending request", metadata: ["cql.stream_id": "\(streamID)", "cql.opcode": "\(opcode)"])
        context.write(self.wrapOutboundOut(bytes), promise: nil)
    }

    private func finish(_ request: RequestContext, outcome: String) {
        self.requestIDByFuture.removeValue(forKey: ObjectIdentifier(request.promise.futureResult))
        if let timeout = self.requestTimeouts.removeValue(forKey: request.id) {
            timeout.cancel()
        }
        let opcode = request.opcode.description
        Counter(label: "cql_requests_total", dimensions: [("opcode", opcode), ("outcome", outcome)]).increment()
        let elapsed = NIODeadline.now() - request.startedAt
        Metrics.Timer(
            label: "cql_request_duration_seconds",
            dimensions: [("opcode", opcode)],
            preferredDisplayUnit: .seconds
        ).recordNanoseconds(elapsed.nanoseconds)
    }

    private func publishInFlight() {
        let current = self.stateMachine.inFlightCount
        let delta = current - self.reportedInFlight
        if delta > 0 {
            self.inFlightMeter.increment(by: Double(delta))
        } else if delta < 0 {
            self.inFlightMeter.decrement(by: Double(-delta))
        }
        self.reportedInFlight = current
        self.sharedState.setCounts(inFlight: current, orphaned: self.stateMachine.orphanCount)
    }

    private func scheduleHeartbeat(context: ChannelHandlerContext) {
        guard let interval = self.configuration.heartbeatInterval else { return }
        self.heartbeatTimer = context.eventLoop.assumeIsolated().scheduleTask(in: interval) {
            self.heartbeatTimer = nil
            self.run(self.stateMachine.heartbeatTimerFired(), context: context)
            if self.stateMachine.state == .ready {
                self.scheduleHeartbeat(context: context)
            }
        }
    }
}
