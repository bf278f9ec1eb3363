import AnimeRecTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import CQL

@Suite("Decoder verification, cancellation and logging", .timeLimit(.minutes(1)))
struct ObservabilityTests {
    @Test("CQLFrameDecoder passes NIO's ByteToMessageDecoderVerifier for v1 and v4 envelopes")
    func decoderVerifier() throws {
        func wire(_ envelope: CQLEnvelope) throws -> ByteBuffer {
            var out = ByteBuffer()
            try envelope.encode(into: &out)
            return out
        }
        let v1 = CQLEnvelope(version: .v1, isResponse: true, streamID: 3, opcode: .result, body: buffer("00000001"))
        let v4 = CQLEnvelope(version: .v4, isResponse: true, streamID: 300, opcode: .supported, body: buffer("0000"))
        let event = CQLEnvelope(version: .v4, isResponse: true, streamID: -1, opcode: .event, body: buffer("0001 41"))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (try wire(v1), [v1]),
                (try wire(v4), [v4]),
                (try wire(event), [event]),
            ],
            decoderFactory: { CQLFrameDecoder(maxBodySize: 1024) }
        )
    }

    @Test("Cancelling the awaiting task fails the request and keeps its stream id until the late reply")
    func cancellation() async throws {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9042))
        var configuration = CQLConnection.Configuration(host: "127.0.0.1")
        configuration.heartbeatInterval = nil
        let server = FakeCQLServer(version: .v4)
        async let connecting = CQLConnection.establish(
            on: channel,
            version: .v4,
            configuration: configuration,
            logger: Logger(label: "cql.test")
        )
        try await server.acceptStartup(on: channel)
        let connection = try await connecting

        let task = Task { try await connection.query("SELECT * FROM t") }
        let request = try await server.nextRequest(on: channel)
        task.cancel()
        await expectCQLError(.requestCancelled) { try await task.value }
        #expect(connection.inFlightRequests == 1)
        try await server.respond(
            on: channel,
            streamID: request.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        // The late reply frees the id; a following request round-trips normally.
        async let next = connection.query("SELECT * FROM t")
        let second = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: second.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        _ = try await next
        #expect(connection.inFlightRequests == 0)
        try await connection.close()
    }

    @Test("Logs use cql.-prefixed metadata and never contain bound values or credentials")
    func loggingHygiene() async throws {
        let recorder = LogRecorder()
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9042))
        var configuration = CQLConnection.Configuration(host: "127.0.0.1")
        configuration.heartbeatInterval = nil
        configuration.credentials = .init(username: "reco", password: "hunter2-password")
        let server = FakeCQLServer(version: .v4)
        async let connecting = CQLConnection.establish(
            on: channel,
            version: .v4,
            configuration: configuration,
            logger: recorder.makeLogger()
        )
        let startup = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: startup.streamID,
            opcode: .authenticate,
            body: ResponseBody.authenticate("org.apache.cassandra.auth.PasswordAuthenticator")
        )
        let auth = try await server.nextRequest(on: channel)
        #expect(auth.opcode == .authResponse)
        try await server.respond(on: channel, streamID: auth.streamID, opcode: .authSuccess, body: buffer("ffffffff"))
        let connection = try await connecting

        async let inserted = connection.query(
            "INSERT INTO t (k, v) VALUES (?, ?)",
            values: [.int(1), .text("secret-bound-value")]
        )
        let insert = try await server.nextRequest(on: channel)
        try await server.respond(
            on: channel,
            streamID: insert.streamID,
            opcode: .result,
            body: ResponseBody.resultVoid()
        )
        _ = try await inserted
        try await connection.close()

        let records = recorder.records
        #expect(!records.isEmpty)
        for record in records {
            let text = record.message + record.metadata.map { "\($0.key)=\($0.value)" }.joined()
            #expect(!text.contains("secret-bound-value"))
            #expect(!text.contains("hunter2"))
            for key in record.metadata.keys {
                #expect(key.hasPrefix("cql."), "metadata key \(key)")
            }
            #expect(record.level <= .info || record.level == .error)
        }
    }
}
