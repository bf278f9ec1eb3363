import NIOCore

/// One protocol envelope ("frame" before v5): header fields plus the raw body.
///
/// The header is 8 bytes on v1/v2 (1-byte stream id) and 9 bytes on v3+ (2-byte stream id).
public struct CQLEnvelope: Sendable, Hashable {
    /// Header flag bits (brief §1.2).
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The raw flag byte.
        public let rawValue: UInt8
        /// Creates flags from the raw byte.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// 0x01: body compressed (v1-v4). Not supported by this client.
        public static let compressed = Flags(rawValue: 0x01)
        /// 0x02: tracing requested / tracing id present in the response.
        public static let tracing = Flags(rawValue: 0x02)
        /// 0x04: custom payload present (v4+).
        public static let customPayload = Flags(rawValue: 0x04)
        /// 0x08: warnings present in the response (v4+).
        public static let warning = Flags(rawValue: 0x08)
        /// 0x10: the client opts into a beta protocol version (v5).
        public static let useBeta = Flags(rawValue: 0x10)
    }

    /// The protocol version from the low seven bits of byte 0.
    public var version: ProtocolVersion
    /// Whether the direction bit (0x80) is set, i.e. the envelope goes server to client.
    public var isResponse: Bool
    /// Header flags.
    public var flags: Flags
    /// Stream id; -1 for server events.
    public var streamID: Int16
    /// The message type.
    public var opcode: CQLOpcode
    /// The body bytes (exactly the header's length).
    public var body: ByteBuffer

    /// Creates an envelope.
    public init(
        version: ProtocolVersion,
        isResponse: Bool,
        flags: Flags = [],
        streamID: Int16,
        opcode: CQLOpcode,
        body: ByteBuffer
    ) {
        self.version = version
        self.isResponse = isResponse
        self.flags = flags
        self.streamID = streamID
        self.opcode = opcode
        self.body = body
    }

    /// Writes header and body. Throws if the stream id does not fit the version's width.
    public func encode(into buffer: inout ByteBuffer) throws {
        buffer.writeInteger(self.version.rawValue | (self.isResponse ? 0x80 : 0x00))
        buffer.writeInteger(self.flags.rawValue)
        if self.version.envelopeHeaderLength == 8 {
            guard let narrow = Int8(exactly: self.streamID) else {
                throw CQLError(.invalidValue, "stream id \(self.streamID) does not fit protocol \(self.version)")
            }
            buffer.writeInteger(narrow)
        } else {
            buffer.writeInteger(self.streamID)
        }
        buffer.writeInteger(self.opcode.rawValue)
        buffer.writeInteger(Int32(self.body.readableBytes))
        var body = self.body
        buffer.writeBuffer(&body)
    }

    /// Decodes one envelope from the front of `buffer` if it is complete; returns `nil` (consuming
    /// nothing) when more bytes are needed.
    ///
    /// The header layout is chosen from *this* envelope's version byte, so an 8-byte v1 ERROR that
    /// answers a v5 STARTUP is read correctly (brief §7 gotcha 1).
    public static func decode(from buffer: inout ByteBuffer, maxBodySize: Int) throws -> CQLEnvelope? {
        guard let versionByte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let version = ProtocolVersion(rawValue: versionByte & 0x7F) else {
            throw CQLError.protocolViolation("unknown protocol version byte 0x\(String(versionByte, radix: 16))")
        }
        let headerLength = version.envelopeHeaderLength
        guard buffer.readableBytes >= headerLength else { return nil }
        guard let bodyLength = buffer.getInteger(at: buffer.readerIndex + headerLength - 4, as: Int32.self) else {
            return nil
        }
        guard bodyLength >= 0 else { throw CQLError.protocolViolation("negative envelope body length \(bodyLength)") }
        guard Int(bodyLength) <= maxBodySize else {
            throw CQLError(.frameTooLarge, "envelope body of \(bodyLength) bytes exceeds the limit of \(maxBodySize)")
        }
        guard buffer.readableBytes >= headerLength + Int(bodyLength) else { return nil }

        buffer.moveReaderIndex(forwardBy: 1)
        let flags = try buffer.readCQLByte()
        let streamID: Int16
        if headerLength == 8 {
            guard let narrow = buffer.readInteger(as: Int8.self) else {
                throw CQLError.protocolViolation("truncated header")
            }
            streamID = Int16(narrow)
        } else {
            guard let wide = buffer.readInteger(as: Int16.self) else {
                throw CQLError.protocolViolation("truncated header")
            }
            streamID = wide
        }
        let opcode = CQLOpcode(rawValue: try buffer.readCQLByte())
        buffer.moveReaderIndex(forwardBy: 4)
        guard let body = buffer.readSlice(length: Int(bodyLength)) else {
            throw CQLError.protocolViolation("truncated envelope body")
        }
        return CQLEnvelope(
            version: version,
            isResponse: versionByte & 0x80 != 0,
            flags: Flags(rawValue: flags),
            streamID: streamID,
            opcode: opcode,
            body: body
        )
    }
}

/// Decodes incoming bytes into envelopes, unwrapping v5 segments once framing is active.
///
/// Framing starts by itself right after a v5 READY or AUTHENTICATE envelope (brief §1.4): everything
/// before it (and an ERROR answering STARTUP) is unframed. Switching inside the decoder means bytes
/// already buffered behind that reply are read with the right layout.
struct CQLFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = CQLEnvelope

    private enum Mode {
        case envelopes
        case segments
    }

    private let maxBodySize: Int
    private let switchesToFramingAfterV5StartupReply: Bool
    private let lz4Segments: Bool
    private var mode: Mode
    /// Segment payload bytes that do not yet form a complete envelope.
    private var framedBytes: ByteBuffer

    /// - Parameters:
    ///   - maxBodySize: envelopes with a longer body fail with ``CQLError/Code-swift.struct/frameTooLarge``.
    ///   - framingActive: start in segment mode (used by tests and by a fake server's decoder).
    ///   - switchesToFramingAfterV5StartupReply: the client-side behaviour; a server-side decoder passes `false`.
    ///   - lz4Segments: v5 segments use the LZ4 format (STARTUP asked for `COMPRESSION=lz4`).
    init(
        maxBodySize: Int,
        framingActive: Bool = false,
        switchesToFramingAfterV5StartupReply: Bool = true,
        lz4Segments: Bool = false
    ) {
        self.maxBodySize = maxBodySize
        self.lz4Segments = lz4Segments
        self.mode = framingActive ? .segments : .envelopes
        self.switchesToFramingAfterV5StartupReply = switchesToFramingAfterV5StartupReply
        self.framedBytes = ByteBuffer()
    }

    /// Whether the decoder currently expects v5 segments.
    var isFramingActive: Bool { self.mode == .segments }

    /// Switches to segment mode (a fake server does this after sending READY).
    mutating func activateFraming() { self.mode = .segments }

    mutating func decode(buffer: inout ByteBuffer) throws -> CQLEnvelope? {
        switch self.mode {
        case .envelopes:
            guard let envelope = try CQLEnvelope.decode(from: &buffer, maxBodySize: self.maxBodySize) else {
                return nil
            }
            if self.switchesToFramingAfterV5StartupReply, envelope.version == .v5, envelope.isResponse,
                envelope.opcode == .ready || envelope.opcode == .authenticate
            {
                self.mode = .segments
            }
            return envelope
        case .segments:
            while true {
                if let envelope = try CQLEnvelope.decode(from: &self.framedBytes, maxBodySize: self.maxBodySize) {
                    self.framedBytes.discardReadBytes()
                    return envelope
                }
                let segment =
                    self.lz4Segments
                    ? try SegmentCodec.decodeLZ4Segment(from: &buffer) : try SegmentCodec.decodeSegment(from: &buffer)
                guard var payload = segment else { return nil }
                self.framedBytes.writeBuffer(&payload)
            }
        }
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> CQLEnvelope? {
        try self.decode(buffer: &buffer)
    }
}
