import AnimeRecTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import CQL

@Suite("LZ4 compression on the wire", .timeLimit(.minutes(1)))
struct CompressionTests {
    @Test("v5 LZ4 segment headers match the reference layout and round-trip")
    func lz4Segments() throws {
        let compressible = ByteBuffer(string: String(repeating: "abc", count: 12))
        var out = ByteBuffer()
        SegmentCodec.encodeLZ4(payload: compressible, into: &out)
        // 13 compressed bytes, 36 uncompressed, self-contained; CRC24 over the first five bytes.
        #expect(out.getBytes(at: 0, length: 8) == bytes("0d 00 48 00 04 50 40 b3"))
        #expect(out.getBytes(at: 8, length: 13) == bytes("3f616263030009506263616263"))
        var input = out
        #expect(try SegmentCodec.decodeLZ4Segment(from: &input) == compressible)

        // Incompressible data is stored raw with uncompressed length 0.
        let raw = ByteBuffer(bytes: [1, 2, 3, 4, 5])
        var rawOut = ByteBuffer()
        SegmentCodec.encodeLZ4(payload: raw, into: &rawOut)
        #expect(rawOut.getBytes(at: 0, length: 8) == bytes("05 00 00 00 04 e4 ab 8e"))
        var rawInput = rawOut
        #expect(try SegmentCodec.decodeLZ4Segment(from: &rawInput) == raw)

        var corrupted = out
        corrupted.setInteger(UInt8(0x0E), at: 0)
        expectCQLError(.checksumMismatch) { try SegmentCodec.decodeLZ4Segment(from: &corrupted) }

        // Large payloads split into several segments and come back whole through the decoder.
        var envelopeBytes = ByteBuffer()
        let body = ByteBuffer(bytes: (0..<300_000).map { UInt8(($0 / 3) % 251) })
        try CQLEnvelope(version: .v5, isResponse: true, streamID: 9, opcode: .result, body: body).encode(
            into: &envelopeBytes
        )
        var framed = ByteBuffer()
        SegmentCodec.encodeLZ4(payload: envelopeBytes, into: &framed)
        var decoder = CQLFrameDecoder(maxBodySize: 1 << 20, framingActive: true, lz4Segments: true)
        let envelope = try #require(try decoder.decode(buffer: &framed))
        #expect(envelope.body == body)
    }

    func connect(
        version: ProtocolVersion
    ) async throws -> (CQLConnection, NIOAsyncTestingChannel, FakeCQLServer, CQLEnvelope) {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 9042))
        var configuration = CQLConnection.Configuration(host: "127.0.0.1")
        configuration.heartbeatInterval = nil
        configuration.compression = .lz4
        let server = FakeCQLServer(version: version, lz4: version >= .v2)
        async let connecting = CQLConnection.establish(
            on: channel,
            version: version,
            configuration: configuration,
            logger: Logger(label: "cql.test")
        )
        let startup = try await server.nextRequest(on: channel)
        try await server.respond(on: channel, streamID: startup.streamID, opcode: .ready)
        return (try await connecting, channel, server, startup)
    }

    @Test(
        "Requests and responses are compressed on v2-v5 once STARTUP asked for lz4",
        arguments: [ProtocolVersion.v2, .v4, .v5]
    )
    func compressedRoundTrip(version: ProtocolVersion) async throws {
        let (connection, channel, server, startup) = try await self.connect(version: version)
        #expect(startup.flags.contains(.compressed) == false)
        #expect(startup.body.hex == "0002" + str("COMPRESSION") + str("lz4") + str("CQL_VERSION") + str("3.0.0"))

        let text = String(repeating: "Fullmetal Alchemist ", count: 50)
        async let selected = connection.query("SELECT name FROM anime WHERE anime_id = 5114 -- " + text)
        let query = try await server.nextRequest(on: channel)
        #expect(query.flags.contains(.compressed) == (version < .v5))
        #expect(try query.leadingLongString() == "SELECT name FROM anime WHERE anime_id = 5114 -- " + text)
        try await server.respond(
            on: channel,
            streamID: query.streamID,
            opcode: .result,
            body: try ResponseBody.rows(columns: [("name", .varchar)], rows: [[.text(text)]], version: version)
        )
        let rows = try #require(try await selected.rows)
        #expect(try rows.rows[0].decode(String.self, at: 0) == text)
        try await connection.close()
    }

    @Test("v1 never asks for compression (Cassandra 1.2 only has snappy)")
    func noCompressionOnV1() async throws {
        let (connection, _, _, startup) = try await self.connect(version: .v1)
        #expect(startup.body.hex == "0001" + str("CQL_VERSION") + str("3.0.0"))
        try await connection.close()
    }
}
