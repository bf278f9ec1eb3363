import AnimeRecTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import CQL

/// Connection tests against a scripted in-memory server: the client runs its real pipeline on a
/// `NIOAsyncTestingChannel`, the test plays the server with ``FakeCQLServer``.
@Suite("CQLConnection over an in-memory channel", .timeLimit(.minutes(1)))
struct CQLConnectionTests {
    let logger = Logger(label: "cql.test")

    func makeConfiguration() -> CQLConnection.Configuration {
        var configuration = CQLConnection.Configuration(host: "127.0.0.1")
        configuration.heartbeatInterval = nil
        return configuration
    }

    func makeChannel() async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(PeerCloseHandler())
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9042))
        return channel
    }

    /// Opens a connection at `version` with the server accepting STARTUP.
    func connect(
        _ version: ProtocolVersion,
        configuration: CQLConnection.Configuration? = nil
    ) async throws -> (CQLConnection, NIOAsyncTestingChannel, FakeCQLServer) {
        let channel = try await self.makeChannel()
        let server = FakeCQLServer(version: version)
        let configuration = configuration ?? self.makeConfiguration()
        let logger = self.logger
        async let connecting = CQLConnection.establish(
            on: channel,
            version: version,
            configuration: configuration,
            logger: logger
        )
        try await server.acceptStartup(on: channel)
        return (try await connecting, channel, server)
    }

    @Test("v1 end to end: STARTUP, QUERY rows, PREPARE/EXECUTE, text BATCH, OPTIONS, close")
    func v1EndToEnd() async throws {
        let (connection, channel, server) = try await self.connect(.v1)
        #expect(connection.protocolVersion == .v1)
        #expect(!connection.isClosed)

        async let selected = connection.query("SELECT id, name FROM t LIMIT 2", parameters: .init(consistency: .quorum))
        let query = try await server.nextRequest(on: channel)
        #expect(query.version == .v1)
        #expect(query.opcode == .query)
        #expect(query.body.hex == lstr("SELECT id, name FROM t LIMIT 2") + "0004")
        #expect(connection.inFlightRequests == 1)
        try await server.respond(
            on: channel,
            streamID: query.streamID,
            opcode: .result,
            body: try ResponseBody.rows(
                columns: [("id", .int), ("name", .text)],
                rows: [[.int(1), .text("Cowboy Bebop")], [.int(2), .null]],
                version: .v1
            )
        )
        let rows = try #require(try await selected.rows)
        #expect(rows.count == 2)
        #expect(try rows.rows[0].decode(String.self, named: "name") == "Cowboy Bebop")
        #expect(try rows.rows[1].decode(String?.self, named: "name") == nil)
        #expect(connection.inFlightRequests == 0)

        async let preparing = connection.prepare("SELECT v FROM t WHERE k = ?")
        let prepare = try await server.nextRequest(on: channel)
        #expect(prepare.opcode == .prepare)
        try await server.respond(
            on: channel,
            streamID: prepare.streamID,
            opcode: .result,
            body: try ResponseBody.prepared(id: [1, 2], version: .v1)
        )
        let statement = try await preparing
        #expect(statement.id == [1, 2])
        #expect(statement.query == "SELECT v FROM t WHERE k = ?")
        #expect(statement.bindMarkers.map(\.type) == [.int])

        async let executed = connection.execute(statement, values: [.int(5)])
        let execute = try await server.nextRequest(on: channel)
        #expect(execute.opcode == .execute)
        #expect(execute.body.hex == "0002" + "0102" + "0001" + "00000004" + "00000005" + "0001")
        try await server.respond(
            on: channel,
            streamID: execute.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        guard case .void = try await executed else {
            Issue.record("expected void")
            return
        }

        var batch = CQLBatch(kind: .unlogged)
        batch.add("INSERT INTO t (k, v) VALUES (1, 'a')")
        async let batched = connection.batch(batch)
        let batchRequest = try await server.nextRequest(on: channel)
        #expect(batchRequest.opcode == .query)
        #expect(
            try batchRequest.leadingLongString()
                == "BEGIN UNLOGGED BATCH\nINSERT INTO t (k, v) VALUES (1, 'a');\nAPPLY BATCH"
        )
        try await server.respond(
            on: channel,
            streamID: batchRequest.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        _ = try await batched

        async let supported = connection.options()
        let options = try await server.nextRequest(on: channel)
        #expect(options.opcode == .options)
        try await server.respond(
            on: channel,
            streamID: options.streamID,
            opcode: .supported,
            body: ResponseBody.supported(["CQL_VERSION": ["3.0.0"], "COMPRESSION": ["snappy"]])
        )
        #expect(try await supported == ["CQL_VERSION": ["3.0.0"], "COMPRESSION": ["snappy"]])

        // v1 cannot carry values in QUERY: a typed error before anything is written.
        await expectCQLError(.unsupportedFeature) {
            try await connection.query("SELECT * FROM t WHERE k = ?", values: [.int(1)])
        }
        var valueBatch = CQLBatch()
        valueBatch.add("INSERT INTO t (k) VALUES (?)", values: [.int(1)])
        await expectCQLError(.unsupportedFeature) { try await connection.batch(valueBatch) }

        try await connection.close()
        #expect(connection.isClosed)
        await expectCQLError(.connectionClosed) { try await connection.query("SELECT 1 FROM t") }
    }

    @Test("Server ERRORs surface as typed errors and leave the connection usable")
    func serverErrors() async throws {
        let (connection, channel, server) = try await self.connect(.v1)
        let failing = Task { try await connection.query("CREATE KEYSPACE ks WITH replication = {}") }
        let request = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: request.streamID,
            opcode: .error,
            body: ResponseBody.error(code: 0x2400, message: "exists") {
                try? $0.writeCQLString("ks")
                try? $0.writeCQLString("")
            }
        )
        let error = await expectCQLError(.alreadyExists) { try await failing.value }
        #expect(error?.keyspace == "ks")

        // A truncated RESULT fails only its request.
        let malformed = Task { try await connection.query("SELECT 1 FROM t") }
        let second = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: second.streamID,
            opcode: .result,
            body: buffer("00000002 00000000")
        )
        await expectCQLError(.protocolViolation) { try await malformed.value }
        #expect(!connection.isClosed)
        #expect(connection.inFlightRequests == 0)
        try await connection.close()
    }

    @Test("v5 end to end: segments after READY in both directions, EXECUTE with result metadata id")
    func v5EndToEnd() async throws {
        let (connection, channel, server) = try await self.connect(.v5)
        #expect(server.framingActive)

        async let preparing = connection.prepare("SELECT v FROM t WHERE k = ?")
        // The fake server's decoder expects segments now: an unframed envelope would fail its CRC check.
        let prepare = try await server.nextRequest(on: channel)
        #expect(prepare.version == .v5)
        #expect(prepare.body.hex == lstr("SELECT v FROM t WHERE k = ?") + "00000000")
        try await server.respond(
            on: channel,
            streamID: prepare.streamID,
            opcode: .result,
            body: try ResponseBody.prepared(id: [9], version: .v5, resultMetadataID: [0xAB])
        )
        let statement = try await preparing
        #expect(statement.resultMetadataId == [0xAB])
        #expect(statement.partitionKeyIndexes == [0])

        async let executed = connection.execute(
            statement,
            values: [.int(3)],
            parameters: .init(consistency: .localOne, skipMetadata: true)
        )
        let execute = try await server.nextRequest(on: channel)
        #expect(
            execute.body.hex == "0001" + "09" + "0001" + "ab" + "000a" + "00000003" + "0001" + "00000004" + "00000003"
        )
        // Rows without metadata: the client decodes them with the prepared result columns.
        try await server.respond(
            on: channel,
            streamID: execute.streamID,
            opcode: .result,
            body: buffer("00000002" + "00000004" + "00000001" + "00000001" + "00000002" + "6869")
        )
        let rows = try #require(try await executed.rows)
        #expect(try rows.rows[0].decode(String.self, named: "v") == "hi")
        try await connection.close()
    }

    @Test("Version negotiation steps down 5 → 1 against a 1.2 server's 8-byte v1 ERROR and close")
    func negotiationDownToV1() async throws {
        var attempts: [ProtocolVersion] = []
        let connection = try await CQLConnection.connect(configuration: self.makeConfiguration(), logger: self.logger) {
            version in
            attempts.append(version)
            let channel = try await self.makeChannel()
            Task {
                let server = FakeCQLServer(version: version)
                let startup = try await server.nextRequest(on: channel)
                if version == .v1 {
                    try await server.respond(on: channel, streamID: startup.streamID, opcode: .ready)
                    return
                }
                let body = ResponseBody.error(
                    code: 0x000A,
                    message: "Invalid or unsupported protocol version: \(version.rawValue)"
                )
                var wire = buffer("81 00 00 00")
                wire.writeInteger(Int32(body.readableBytes))
                wire.writeImmutableBuffer(body)
                try await channel.writeInbound(wire)
                try? await channel.close()
            }
            return channel
        }
        #expect(attempts == [.v5, .v4, .v3, .v2, .v1])
        #expect(connection.protocolVersion == .v1)
        try await connection.close()
    }

    @Test("A socket closed before any reply to STARTUP also steps down; a pinned version does not")
    func negotiationOnSilentClose() async throws {
        var attempts: [ProtocolVersion] = []
        let connection = try await CQLConnection.connect(configuration: self.makeConfiguration(), logger: self.logger) {
            version in
            attempts.append(version)
            let channel = try await self.makeChannel()
            Task {
                let server = FakeCQLServer(version: version)
                let startup = try await server.nextRequest(on: channel)
                if version == .v3 {
                    try await server.respond(on: channel, streamID: startup.streamID, opcode: .ready)
                } else {
                    try await channel.closeFromServer()
                }
            }
            return channel
        }
        #expect(attempts == [.v5, .v4, .v3])
        #expect(connection.protocolVersion == .v3)
        try await connection.close()

        var pinned = self.makeConfiguration()
        pinned.pinnedVersion = .v4
        var pinnedAttempts: [ProtocolVersion] = []
        await expectCQLError(.unsupportedProtocolVersion) {
            try await CQLConnection.connect(configuration: pinned, logger: self.logger) { version in
                pinnedAttempts.append(version)
                let channel = try await self.makeChannel()
                Task {
                    let server = FakeCQLServer(version: version)
                    let startup = try await server.nextRequest(on: channel)
                    try await server.respond(
                        on: channel,
                        streamID: startup.streamID,
                        opcode: .error,
                        body: ResponseBody.error(code: 0x000A, message: "Invalid or unsupported protocol version (4)")
                    )
                }
                return channel
            }
        }
        #expect(pinnedAttempts == [.v4])
    }

    @Test("The configured keyspace is selected with USE after the handshake")
    func keyspaceOnConnect() async throws {
        var configuration = self.makeConfiguration()
        configuration.keyspace = "anime\"reco"
        let channel = try await self.makeChannel()
        let server = FakeCQLServer(version: .v4)
        let logger = self.logger
        async let connecting = CQLConnection.establish(
            on: channel,
            version: .v4,
            configuration: configuration,
            logger: logger
        )
        try await server.acceptStartup(on: channel)
        let use = try await server.nextRequest(on: channel)
        #expect(try use.leadingLongString() == "USE \"anime\"\"reco\"")
        try await server.respond(
            on: channel,
            streamID: use.streamID,
            opcode: .result,
            body: ResponseBody.setKeyspace("anime\"reco")
        )
        let connection = try await connecting
        try await connection.close()
    }

    @Test("The server closing mid-request fails it with connectionClosed and frees its stream")
    func serverClosesMidRequest() async throws {
        let (connection, channel, server) = try await self.connect(.v4)
        let pending = Task { try await connection.query("SELECT * FROM t") }
        _ = try await server.nextRequest(on: channel)
        #expect(connection.inFlightRequests == 1)
        // Half an envelope, then the close.
        try await channel.writeInbound(buffer("84 00 00 01 08 00 00 00 20 00 00"))
        try await channel.closeFromServer()
        await expectCQLError(.connectionClosed) { try await pending.value }
        #expect(connection.inFlightRequests == 0)
        #expect(connection.isClosed)
        await connection.waitUntilClosed()
    }

    @Test("An oversized frame closes the connection with frameTooLarge")
    func oversizedFrame() async throws {
        var configuration = self.makeConfiguration()
        configuration.maxFrameBodySize = 64
        let (connection, channel, server) = try await self.connect(.v4, configuration: configuration)
        let pending = Task { try await connection.query("SELECT * FROM t") }
        let request = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: request.streamID,
            opcode: .result,
            body: ByteBuffer(repeating: 0, count: 100)
        )
        await expectCQLError(.frameTooLarge) { try await pending.value }
        await connection.waitUntilClosed()
        #expect(connection.isClosed)
        #expect(connection.inFlightRequests == 0)
    }

    @Test("A timed-out request keeps its stream id reserved until the late reply")
    func requestTimeout() async throws {
        let (connection, channel, server) = try await self.connect(.v4)
        let slow = Task { try await connection.query("SELECT * FROM slow", timeout: .milliseconds(100)) }
        let first = try await server.nextRequest(on: channel)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(150))
        await expectCQLError(.requestTimedOut) { try await slow.value }
        #expect(connection.inFlightRequests == 1)
        #expect(connection.orphanedRequests == 1)

        async let next = connection.query("SELECT * FROM fast")
        let second = try await server.nextRequest(on: channel)
        #expect(second.streamID != first.streamID)
        // The late answer to the first request is swallowed and frees its id.
        try await server.respond(
            on: channel,
            streamID: first.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        try await server.respond(
            on: channel,
            streamID: second.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        _ = try await next
        #expect(connection.inFlightRequests == 0)
        #expect(connection.orphanedRequests == 0)
        try await connection.close()
    }

    @Test("Heartbeats: OPTIONS on an idle connection; a missed one closes it")
    func heartbeats() async throws {
        var configuration = self.makeConfiguration()
        configuration.heartbeatInterval = .seconds(1)
        let (connection, channel, server) = try await self.connect(.v4, configuration: configuration)
        // First tick: READY counted as traffic. Second tick: idle, so OPTIONS.
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        let heartbeat = try await server.nextRequest(on: channel)
        #expect(heartbeat.opcode == .options)
        try await server.respond(
            on: channel,
            streamID: heartbeat.streamID,
            opcode: .supported,
            body: ResponseBody.supported([:])
        )
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        let unanswered = try await server.nextRequest(on: channel)
        #expect(unanswered.opcode == .options)
        #expect(!connection.isClosed)
        await channel.testingEventLoop.advanceTime(by: .seconds(1))
        await connection.waitUntilClosed()
        #expect(connection.isClosed)
    }

    @Test("REGISTER and server events on stream -1")
    func events() async throws {
        let (connection, channel, server) = try await self.connect(.v4)
        async let registering: Void = connection.register(for: [.topologyChange, .statusChange])
        let register = try await server.nextRequest(on: channel)
        #expect(register.opcode == .register)
        #expect(register.body.hex == "0002" + str("TOPOLOGY_CHANGE") + str("STATUS_CHANGE"))
        try await server.respond(on: channel, streamID: register.streamID, opcode: .ready)
        try await registering
        try await server.respond(
            on: channel,
            streamID: -1,
            opcode: .event,
            body: try ResponseBody.event(topologyChange: "NEW_NODE", address: [127, 0, 0, 2], port: 9042)
        )
        var iterator = connection.events.makeAsyncIterator()
        let event = await iterator.next()
        #expect(
            event == .topologyChange(change: "NEW_NODE", address: CQLInetAddress(address: [127, 0, 0, 2], port: 9042))
        )
        try await connection.close()
        let afterClose = await iterator.next()
        #expect(afterClose == nil)
    }
}
