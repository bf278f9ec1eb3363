import AnimeRecTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import CQL

/// The handler on an `EmbeddedChannel`: synchronous, byte-level, no server.
@Suite("CQLChannelHandler on EmbeddedChannel")
struct CQLChannelHandlerTests {
    struct Fixture {
        let channel = EmbeddedChannel()
        let startup: EventLoopFuture<Void>
        let events: AsyncStream<CQLEvent>
        let sharedState = ConnectionSharedState()

        init(version: ProtocolVersion, maxBodySize: Int = 1024, maxQueued: Int = 4) throws {
            let promise = self.channel.embeddedEventLoop.makePromise(of: Void.self)
            self.startup = promise.futureResult
            let (events, continuation) = AsyncStream<CQLEvent>.makeStream()
            self.events = events
            let handler = CQLChannelHandler(
                configuration: .init(
                    version: version,
                    credentials: nil,
                    startupTimeout: .seconds(5),
                    heartbeatInterval: nil,
                    maxQueuedRequests: maxQueued
                ),
                logger: Logger(label: "cql.test"),
                startupPromise: promise,
                eventContinuation: continuation,
                sharedState: self.sharedState
            )
            try self.channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(CQLFrameDecoder(maxBodySize: maxBodySize))
            )
            try self.channel.pipeline.syncOperations.addHandler(handler)
            try self.channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9042)).wait()
        }

        func send(_ request: CQLRequest, version: ProtocolVersion) throws -> EventLoopFuture<CQLResponse> {
            var body = ByteBuffer()
            try request.encodeBody(into: &body, version: version)
            let promise = self.channel.embeddedEventLoop.makePromise(of: CQLResponse.self)
            self.channel.writeAndFlush(
                CQLTask(opcode: request.opcode(version: version), body: body, timeout: nil, promise: promise),
                promise: nil
            )
            return promise.futureResult
        }

        func readOutboundHex() throws -> String? {
            try self.channel.readOutbound(as: ByteBuffer.self)?.hex
        }
    }

    /// The outcome of an already completed future (EmbeddedChannel runs everything inline).
    static func result(_ future: EventLoopFuture<CQLResponse>) -> Result<CQLResponse, any Error> {
        Result { try future.wait() }
    }

    @Test("v1 bytes on the wire: STARTUP, READY, QUERY and its RESULT")
    func v1Bytes() throws {
        let fixture = try Fixture(version: .v1)
        let startupBody = "0001" + str("CQL_VERSION") + str("3.0.0")
        #expect(try fixture.readOutboundHex() == "01000001" + "00000016" + startupBody)
        try fixture.channel.writeInbound(buffer("81 00 00 02 00000000"))
        try fixture.startup.wait()

        let response = try fixture.send(.query("SELECT 1", values: [], parameters: .init()), version: .v1)
        #expect(try fixture.readOutboundHex() == "01000007" + "0000000e" + lstr("SELECT 1") + "0001")
        #expect(fixture.sharedState.inFlightRequests == 1)
        try fixture.channel.writeInbound(buffer("81 00 00 08 00000004 00000001"))
        guard case .success(.result(.void)) = Self.result(response) else {
            Issue.record("expected RESULT Void")
            return
        }
        #expect(fixture.sharedState.inFlightRequests == 0)
        _ = try fixture.channel.finish()
    }

    @Test("An unknown opcode fails only its request; an oversized frame fails everything and closes")
    func malformedInput() throws {
        let fixture = try Fixture(version: .v4, maxBodySize: 32)
        _ = try fixture.readOutboundHex()
        try fixture.channel.writeInbound(buffer("84 00 0000 02 00000000"))
        try fixture.startup.wait()

        let first = try fixture.send(.options, version: .v4)
        let second = try fixture.send(.options, version: .v4)
        #expect(try fixture.readOutboundHex() == "04000000" + "05" + "00000000")
        #expect(try fixture.readOutboundHex() == "04000001" + "05" + "00000000")
        // Opcode 0x42 does not exist.
        try fixture.channel.writeInbound(buffer("84 00 0000 42 00000000"))
        guard case .failure(let error as CQLError) = Self.result(first) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .protocolViolation)
        #expect(fixture.channel.isActive)
        #expect(fixture.sharedState.inFlightRequests == 1)

        // A body longer than the limit: typed error for the other request, channel closed, no stream left.
        try fixture.channel.writeInbound(buffer("84 00 0001 06 00000100"))
        guard case .failure(let oversized as CQLError) = Self.result(second) else {
            Issue.record("expected a failure")
            return
        }
        #expect(oversized.code == .frameTooLarge)
        #expect(!fixture.channel.isActive)
        #expect(fixture.sharedState.inFlightRequests == 0)
    }

    @Test("A request envelope from the server (direction bit clear) is a protocol violation")
    func wrongDirection() throws {
        let fixture = try Fixture(version: .v2)
        _ = try fixture.readOutboundHex()
        try fixture.channel.writeInbound(buffer("82 00 00 02 00000000"))
        try fixture.startup.wait()
        let pending = try fixture.send(.options, version: .v2)
        try fixture.channel.writeInbound(buffer("02 00 00 06 00000002 0000"))
        guard case .failure(let error as CQLError) = Self.result(pending) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .protocolViolation)
        #expect(!fixture.channel.isActive)
    }
}

/// Real TCP sockets on localhost, no Cassandra: refused connections, silent servers, early closes.
@Suite("CQLConnection over real sockets", .timeLimit(.minutes(1)))
struct CQLConnectionSocketTests {
    let group = MultiThreadedEventLoopGroup.singleton

    /// Closes every accepted connection as soon as the client sends anything.
    final class CloseOnFirstByte: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.close(promise: nil)
        }
    }

    @Test("A refused TCP connection is a typed connectionFailed")
    func refused() async throws {
        let server = try await ServerBootstrap(group: self.group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        try await server.close()
        let configuration = CQLConnection.Configuration(host: "127.0.0.1", port: port)
        await expectCQLError(.connectionFailed) {
            try await CQLConnection.connect(
                configuration: configuration,
                eventLoopGroup: self.group,
                logger: Logger(label: "t")
            )
        }
    }

    @Test("A server that never answers STARTUP hits the connect timeout")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: self.group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        var configuration = CQLConnection.Configuration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .milliseconds(200)
        await expectCQLError(.connectTimedOut) {
            try await CQLConnection.connect(
                configuration: configuration,
                eventLoopGroup: self.group,
                logger: Logger(label: "t")
            )
        }
        try await server.close()
    }

    @Test("A server that closes on every STARTUP makes negotiation try v5 to v1, then fail typed")
    func closesEveryVersion() async throws {
        let server = try await ServerBootstrap(group: self.group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CloseOnFirstByte())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let configuration = CQLConnection.Configuration(host: "127.0.0.1", port: port)
        await expectCQLError(.unsupportedProtocolVersion) {
            try await CQLConnection.connect(
                configuration: configuration,
                eventLoopGroup: self.group,
                logger: Logger(label: "t")
            )
        }
        try await server.close()
    }
}
