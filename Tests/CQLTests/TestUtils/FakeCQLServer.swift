import NIOCore
import NIOEmbedded

@testable import CQL

/// The server half of the protocol, for tests: decodes what the client wrote and encodes replies.
///
/// It mirrors the real server's framing rule: after it sends a v5 READY or AUTHENTICATE, both
/// directions use v5 segments.
final class FakeCQLServer {
    let version: ProtocolVersion
    /// Speak LZ4 after the STARTUP reply: compressed bodies on v2-v4, LZ4 segments on v5.
    let lz4: Bool
    private var decoder: CQLFrameDecoder
    private var inbound = ByteBuffer()
    private var pending: [CQLEnvelope] = []
    private(set) var framingActive = false
    private var startupAnswered = false

    init(version: ProtocolVersion, lz4: Bool = false) {
        self.version = version
        self.lz4 = lz4
        self.decoder = CQLFrameDecoder(
            maxBodySize: 1 << 30,
            switchesToFramingAfterV5StartupReply: false,
            lz4Segments: lz4 && version >= .v5
        )
    }

    /// Feeds bytes the client wrote; returns the complete request envelopes so far.
    func receive(_ bytes: ByteBuffer) throws -> [CQLEnvelope] {
        var bytes = bytes
        self.inbound.writeBuffer(&bytes)
        var result: [CQLEnvelope] = []
        while var envelope = try self.decoder.decode(buffer: &self.inbound) {
            if envelope.version < .v5, envelope.flags.contains(.compressed) {
                // Keep the flag so tests can see the request was compressed; hand them the plain body.
                var body = envelope.body
                let length = Int(try body.readCQLInt())
                envelope.body = ByteBuffer(
                    bytes: try LZ4.decompress(Array(body.readableBytesView), uncompressedLength: length)
                )
            }
            result.append(envelope)
        }
        self.inbound.discardReadBytes()
        return result
    }

    /// Waits for the next request the client writes on `channel`.
    func nextRequest(on channel: NIOAsyncTestingChannel) async throws -> CQLEnvelope {
        while self.pending.isEmpty {
            let written = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            self.pending.append(contentsOf: try self.receive(written))
        }
        return self.pending.removeFirst()
    }

    /// The wire bytes of a response (framed if framing is active), switching framing on after a v5 READY/AUTHENTICATE.
    func responseBytes(
        streamID: Int16,
        opcode: CQLOpcode,
        body: ByteBuffer,
        flags: CQLEnvelope.Flags = [],
        version: ProtocolVersion? = nil
    ) throws -> ByteBuffer {
        var envelope = CQLEnvelope(
            version: version ?? self.version,
            isResponse: true,
            flags: flags,
            streamID: streamID,
            opcode: opcode,
            body: body
        )
        if self.lz4, self.startupAnswered, self.version < .v5, body.readableBytes > 0 {
            var compressed = ByteBuffer()
            compressed.writeInteger(Int32(body.readableBytes))
            compressed.writeBytes(LZ4.compress(Array(body.readableBytesView)))
            envelope.body = compressed
            envelope.flags.insert(.compressed)
        }
        var bytes = ByteBuffer()
        try envelope.encode(into: &bytes)
        if self.framingActive {
            var framed = ByteBuffer()
            if self.lz4 {
                SegmentCodec.encodeLZ4(payload: bytes, into: &framed)
            } else {
                SegmentCodec.encode(payload: bytes, into: &framed)
            }
            bytes = framed
        }
        if opcode == .ready || opcode == .authenticate { self.startupAnswered = true }
        if self.version == .v5, opcode == .ready || opcode == .authenticate, !self.framingActive {
            self.framingActive = true
            self.decoder.activateFraming()
        }
        return bytes
    }

    /// Writes a response into the client's inbound side.
    func respond(
        on channel: NIOAsyncTestingChannel,
        streamID: Int16,
        opcode: CQLOpcode,
        body: ByteBuffer = ByteBuffer()
    ) async throws {
        try await channel.writeInbound(try self.responseBytes(streamID: streamID, opcode: opcode, body: body))
    }

    /// Answers the STARTUP that the client sends first with READY.
    func acceptStartup(on channel: NIOAsyncTestingChannel) async throws {
        let startup = try await self.nextRequest(on: channel)
        guard startup.opcode == .startup else {
            throw CQLError.protocolViolation("expected STARTUP, got \(startup.opcode)")
        }
        try await self.respond(on: channel, streamID: startup.streamID, opcode: .ready)
    }
}

/// Response bodies, written the way a server would.
enum ResponseBody {
    static func error(code: Int32, message: String, extra: (inout ByteBuffer) -> Void = { _ in }) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(code)
        try? body.writeCQLString(message)
        extra(&body)
        return body
    }

    static func resultVoid() -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int32(1))
        return body
    }

    static func setKeyspace(_ keyspace: String) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int32(3))
        try? body.writeCQLString(keyspace)
        return body
    }

    static func supported(_ options: [String: [String]]) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(UInt16(options.count))
        for key in options.keys.sorted() {
            try? body.writeCQLString(key)
            try? body.writeCQLStringList(options[key] ?? [])
        }
        return body
    }

    static func authenticate(_ authenticator: String) -> ByteBuffer {
        var body = ByteBuffer()
        try? body.writeCQLString(authenticator)
        return body
    }

    /// RESULT Rows with a global table spec in keyspace `ks`, table `t`.
    static func rows(
        columns: [(String, CQLDataType)],
        rows: [[CQLValue]],
        version: ProtocolVersion,
        pagingState: [UInt8]? = nil
    ) throws -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int32(2))
        body.writeInteger(Int32(0x0001 | (pagingState == nil ? 0 : 0x0002)))
        body.writeInteger(Int32(columns.count))
        if let pagingState { try body.writeCQLBytes(pagingState) }
        try body.writeCQLString("ks")
        try body.writeCQLString("t")
        for (name, type) in columns {
            try body.writeCQLString(name)
            try type.encode(into: &body)
        }
        body.writeInteger(Int32(rows.count))
        for row in rows {
            for value in row {
                if case .null = value {
                    body.writeInteger(Int32(-1))
                } else {
                    try value.writeBoundValue(into: &body, version: version)
                }
            }
        }
        return body
    }

    /// RESULT Prepared for one int bind marker `k` (pk index 0 on v4+) and one text result column `v`.
    static func prepared(id: [UInt8], version: ProtocolVersion, resultMetadataID: [UInt8] = [0xAA]) throws -> ByteBuffer
    {
        var body = ByteBuffer()
        body.writeInteger(Int32(4))
        try body.writeCQLShortBytes(id)
        if version >= .v5 { try body.writeCQLShortBytes(resultMetadataID) }
        body.writeInteger(Int32(1))  // flags: global table spec
        body.writeInteger(Int32(1))  // one bind marker
        if version >= .v4 {
            body.writeInteger(Int32(1))
            body.writeInteger(UInt16(0))
        }
        try body.writeCQLString("ks")
        try body.writeCQLString("t")
        try body.writeCQLString("k")
        body.writeInteger(UInt16(0x0009))
        if version >= .v2 {
            body.writeInteger(Int32(1))
            body.writeInteger(Int32(1))
            try body.writeCQLString("ks")
            try body.writeCQLString("t")
            try body.writeCQLString("v")
            body.writeInteger(UInt16(version >= .v3 ? 0x000D : 0x000A))
        }
        return body
    }

    static func event(topologyChange change: String, address: [UInt8], port: Int32) throws -> ByteBuffer {
        var body = ByteBuffer()
        try body.writeCQLString("TOPOLOGY_CHANGE")
        try body.writeCQLString(change)
        body.writeInteger(UInt8(address.count))
        body.writeBytes(address)
        body.writeInteger(port)
        return body
    }
}

extension CQLEnvelope {
    /// The `[long string]` at the start of a QUERY or PREPARE body.
    func leadingLongString() throws -> String {
        var body = self.body
        return try body.readCQLLongString()
    }
}

extension ByteBuffer {
    /// Bytes as a compact hex string, for readable expectations.
    var hex: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}

/// Bytes from a hex string with optional spaces, e.g. `"00 01 ff"`.
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    var result: [UInt8] = []
    var index = 0
    while index + 1 < digits.count {
        result.append(UInt8(String(digits[index...index + 1]), radix: 16) ?? 0)
        index += 2
    }
    return result
}

func buffer(_ hex: String) -> ByteBuffer {
    ByteBuffer(bytes: bytes(hex))
}

/// Hex of a `[string]`: 2-byte length then UTF-8.
func str(_ value: String) -> String {
    let utf8 = Array(value.utf8)
    return String(format2: UInt16(utf8.count)) + utf8.map { String(format1: $0) }.joined()
}

/// Hex of a `[long string]`: 4-byte length then UTF-8.
func lstr(_ value: String) -> String {
    let utf8 = Array(value.utf8)
    return String(format4: UInt32(utf8.count)) + utf8.map { String(format1: $0) }.joined()
}

extension String {
    init(format1 value: UInt8) {
        let digits = String(value, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }

    init(format2 value: UInt16) {
        self = String(format1: UInt8(value >> 8)) + String(format1: UInt8(value & 0xFF))
    }

    init(format4 value: UInt32) {
        self = String(format2: UInt16(value >> 16)) + String(format2: UInt16(value & 0xFFFF))
    }
}
