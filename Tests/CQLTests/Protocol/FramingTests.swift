import AnimeRecTestSupport
import NIOCore
import Testing

@testable import CQL

@Suite("v5 segments and CRCs")
struct SegmentTests {
    @Test("CRC24 and seeded CRC32 match the reference vectors")
    func crcVectors() {
        #expect(CRC.crc32Seeded([UInt8]()) == 0x4477_7ED3)
        #expect(CRC.crc32Seeded([UInt8](repeating: 0, count: 50)) == 0xADB6_6CD1)
        #expect(CRC.crc32Seeded(Array("hello".utf8)) == 0xB60E_8074)
        // Plain IEEE CRC-32 check value.
        #expect(CRC.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC.crc24([0x32, 0x00, 0x02]) == 0xEEFFA5)
    }

    @Test("A 50-byte self-contained segment has the reference header and trailer")
    func segmentHeaderVector() throws {
        var out = ByteBuffer()
        SegmentCodec.encode(payload: ByteBuffer(repeating: 0, count: 50), into: &out)
        #expect(out.readableBytes == 6 + 50 + 4)
        #expect(out.getBytes(at: 0, length: 6) == bytes("32 00 02 A5 FF EE"))
        #expect(out.getBytes(at: 56, length: 4) == bytes("D1 6C B6 AD"))
        var input = out
        let payload = try #require(try SegmentCodec.decodeSegment(from: &input))
        #expect(payload == ByteBuffer(repeating: 0, count: 50))
        #expect(input.readableBytes == 0)
    }

    @Test("Incomplete segments wait for more bytes")
    func partialSegment() throws {
        var out = ByteBuffer()
        SegmentCodec.encode(payload: ByteBuffer(string: "abc"), into: &out)
        var partial = out.getSlice(at: 0, length: out.readableBytes - 1) ?? ByteBuffer()
        #expect(try SegmentCodec.decodeSegment(from: &partial) == nil)
        #expect(partial.readableBytes == out.readableBytes - 1)
        var tiny = out.getSlice(at: 0, length: 5) ?? ByteBuffer()
        #expect(try SegmentCodec.decodeSegment(from: &tiny) == nil)
    }

    @Test("A corrupted header or payload is a typed checksum error")
    func corruptedSegments() throws {
        var out = ByteBuffer()
        SegmentCodec.encode(payload: ByteBuffer(string: "payload"), into: &out)
        var badHeader = out
        badHeader.setInteger(UInt8(0x33), at: 0)
        expectCQLError(.checksumMismatch) { try SegmentCodec.decodeSegment(from: &badHeader) }
        var badPayload = out
        badPayload.setInteger(UInt8(ascii: "P"), at: 6)
        expectCQLError(.checksumMismatch) { try SegmentCodec.decodeSegment(from: &badPayload) }
    }

    @Test("A payload over 128 KiB is split into non-self-contained segments and reassembled")
    func largePayload() throws {
        var envelopeBytes = ByteBuffer()
        let body = ByteBuffer(repeating: 7, count: 200_000)
        try CQLEnvelope(version: .v5, isResponse: true, streamID: 3, opcode: .result, body: body).encode(
            into: &envelopeBytes
        )
        var framed = ByteBuffer()
        SegmentCodec.encode(payload: envelopeBytes, into: &framed)
        // First segment: full length, self-contained bit clear.
        let word =
            UInt32(framed.getInteger(at: 0, as: UInt8.self) ?? 0)
            | UInt32(framed.getInteger(at: 1, as: UInt8.self) ?? 0) << 8
            | UInt32(framed.getInteger(at: 2, as: UInt8.self) ?? 0) << 16
        #expect(word & 0x1FFFF == 131_071)
        #expect(word & (1 << 17) == 0)

        var decoder = CQLFrameDecoder(maxBodySize: 1 << 20, framingActive: true)
        // Feed in two pieces to exercise reassembly across reads.
        var first = framed.readSlice(length: 100_000) ?? ByteBuffer()
        #expect(try decoder.decode(buffer: &first) == nil)
        var rest = first
        rest.writeBuffer(&framed)
        let envelope = try #require(try decoder.decode(buffer: &rest))
        #expect(envelope.streamID == 3)
        #expect(envelope.body == body)
    }
}

@Suite("Envelopes")
struct EnvelopeTests {
    @Test("v1 and v2 use an 8-byte header with a 1-byte stream id")
    func v1Header() throws {
        var out = ByteBuffer()
        try CQLEnvelope(version: .v1, isResponse: false, streamID: 5, opcode: .options, body: ByteBuffer()).encode(
            into: &out
        )
        #expect(out.hex == "0100050500000000")
        out.clear()
        try CQLEnvelope(
            version: .v2,
            isResponse: true,
            flags: .tracing,
            streamID: -1,
            opcode: .event,
            body: buffer("AB")
        )
        .encode(into: &out)
        #expect(out.hex == "8202ff0c00000001ab")
    }

    @Test("v3+ use a 9-byte header with a 2-byte stream id")
    func v4Header() throws {
        var out = ByteBuffer()
        try CQLEnvelope(version: .v4, isResponse: false, streamID: 300, opcode: .query, body: buffer("0102")).encode(
            into: &out
        )
        #expect(out.hex == "0400012c07000000020102")
        #expect(throws: CQLError.self) {
            var tooWide = ByteBuffer()
            try CQLEnvelope(version: .v1, isResponse: false, streamID: 300, opcode: .query, body: ByteBuffer())
                .encode(into: &tooWide)
        }
    }

    @Test("The decoder reads the 8-byte v1 ERROR a 1.2 server sends in answer to a v5 STARTUP")
    func v1ErrorAfterV5Startup() throws {
        var errorBody = ByteBuffer()
        errorBody.writeInteger(Int32(0x000A))
        try errorBody.writeCQLString("Invalid or unsupported protocol version: 5")
        var wire = buffer("81 00 00 00")
        wire.writeInteger(Int32(errorBody.readableBytes))
        wire.writeImmutableBuffer(errorBody)
        var decoder = CQLFrameDecoder(maxBodySize: 1024)
        let envelope = try #require(try decoder.decode(buffer: &wire))
        #expect(envelope.version == .v1)
        #expect(envelope.isResponse)
        #expect(envelope.streamID == 0)
        #expect(envelope.opcode == .error)
        let decoded = try CQLResponse.decode(envelope)
        guard case .error(let error) = decoded.response else {
            Issue.record("expected an error")
            return
        }
        #expect(error.code == .protocolError)
        #expect(error.isUnsupportedProtocolVersion)
    }

    @Test("Truncated input waits, oversized and unknown-version input fails with a typed error")
    func malformedEnvelopes() throws {
        var decoder = CQLFrameDecoder(maxBodySize: 16)
        var partial = buffer("84 00 00 01 08 00 00 00 04 00 00")
        #expect(try decoder.decode(buffer: &partial) == nil)
        #expect(partial.readableBytes == 11)

        var oversized = buffer("84 00 00 01 08 00 00 00 11")
        expectCQLError(.frameTooLarge) { try decoder.decode(buffer: &oversized) }

        var negative = buffer("84 00 00 01 08 ff ff ff ff")
        expectCQLError(.protocolViolation) { try decoder.decode(buffer: &negative) }

        var unknownVersion = buffer("87 00 00 01 08 00 00 00 00")
        expectCQLError(.protocolViolation) { try decoder.decode(buffer: &unknownVersion) }
    }

    @Test("After a v5 READY the decoder switches to segments by itself")
    func framingSwitch() throws {
        var decoder = CQLFrameDecoder(maxBodySize: 1024)
        var wire = buffer("85 00 00 00 02 00 00 00 00")
        // A framed RESULT Void right behind the READY, in the same read.
        var inner = ByteBuffer()
        try CQLEnvelope(version: .v5, isResponse: true, streamID: 1, opcode: .result, body: buffer("00000001"))
            .encode(into: &inner)
        SegmentCodec.encode(payload: inner, into: &wire)
        let ready = try #require(try decoder.decode(buffer: &wire))
        #expect(ready.opcode == .ready)
        #expect(decoder.isFramingActive)
        let result = try #require(try decoder.decode(buffer: &wire))
        #expect(result.opcode == .result)
        #expect(result.streamID == 1)
        #expect(try decoder.decode(buffer: &wire) == nil)
    }
}
