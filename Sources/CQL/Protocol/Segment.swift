import NIOCore

/// v5 outer framing ("segments", brief §1.4), uncompressed and LZ4.
///
/// Uncompressed layout: a 3-byte little-endian header word (17-bit payload length, bit 17 =
/// self-contained), its CRC24 (3 bytes LE), the payload, and the payload's CRC32 (4 bytes LE)
/// seeded with FA 2D 55 CA.
///
/// LZ4 layout: a 5-byte little-endian header word (17-bit compressed length, 17-bit uncompressed
/// length, bit 34 = self-contained), its CRC24 (3 bytes LE), the LZ4 block (or the raw bytes when the
/// uncompressed length is 0), and the CRC32 of the payload as sent.
public enum SegmentCodec {
    /// Largest payload of one segment: 128 KiB - 1.
    public static let maxPayloadLength = 131_071

    private static let selfContainedBit: UInt32 = 1 << 17

    /// Wraps `payload` (one or more complete envelopes) into one or more segments.
    ///
    /// A payload that fits one segment is marked self-contained; a larger one is cut into
    /// consecutive segments with the flag cleared.
    public static func encode(payload: ByteBuffer, into buffer: inout ByteBuffer) {
        var remaining = payload
        let selfContained = payload.readableBytes <= Self.maxPayloadLength
        repeat {
            let chunkLength = min(remaining.readableBytes, Self.maxPayloadLength)
            // A slice of a length we just bounded by readableBytes always exists.
            let chunk = remaining.readSlice(length: chunkLength) ?? ByteBuffer()
            let word = UInt32(chunkLength) | (selfContained ? Self.selfContainedBit : 0)
            let headerBytes: [UInt8] = [UInt8(word & 0xFF), UInt8((word >> 8) & 0xFF), UInt8((word >> 16) & 0xFF)]
            let headerCRC = CRC.crc24(headerBytes)
            buffer.writeBytes(headerBytes)
            buffer.writeBytes([
                UInt8(headerCRC & 0xFF), UInt8((headerCRC >> 8) & 0xFF), UInt8((headerCRC >> 16) & 0xFF),
            ])
            buffer.writeImmutableBuffer(chunk)
            buffer.writeInteger(CRC.crc32Seeded(chunk.readableBytesView), endianness: .little)
        } while remaining.readableBytes > 0
    }

    /// Wraps `payload` into LZ4 segments; a chunk that does not shrink is stored raw (uncompressed length 0).
    public static func encodeLZ4(payload: ByteBuffer, into buffer: inout ByteBuffer) {
        var remaining = payload
        let selfContained = payload.readableBytes <= Self.maxPayloadLength
        repeat {
            let chunkLength = min(remaining.readableBytes, Self.maxPayloadLength)
            let chunk = remaining.readBytes(length: chunkLength) ?? []
            let compressed = LZ4.compress(chunk)
            let useCompressed = compressed.count < chunk.count
            let body = useCompressed ? compressed : chunk
            let word =
                UInt64(body.count) | UInt64(useCompressed ? chunk.count : 0) << 17
                | (selfContained ? UInt64(1) << 34 : 0)
            let headerBytes = (0..<5).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) }
            let headerCRC = CRC.crc24(headerBytes)
            buffer.writeBytes(headerBytes)
            buffer.writeBytes([
                UInt8(headerCRC & 0xFF), UInt8((headerCRC >> 8) & 0xFF), UInt8((headerCRC >> 16) & 0xFF),
            ])
            buffer.writeBytes(body)
            buffer.writeInteger(CRC.crc32Seeded(body), endianness: .little)
        } while remaining.readableBytes > 0
    }

    /// Reads one complete LZ4 segment and returns its decompressed payload, or `nil` if more bytes are needed.
    public static func decodeLZ4Segment(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 8) else { return nil }
        var word: UInt64 = 0
        for index in 0..<5 { word |= UInt64(header[index]) << (8 * UInt64(index)) }
        let storedHeaderCRC = UInt32(header[5]) | UInt32(header[6]) << 8 | UInt32(header[7]) << 16
        guard CRC.crc24(header[0..<5]) == storedHeaderCRC else {
            throw CQLError(.checksumMismatch, "v5 LZ4 segment header CRC24 mismatch")
        }
        let compressedLength = Int(word & 0x1FFFF)
        let uncompressedLength = Int((word >> 17) & 0x1FFFF)
        guard buffer.readableBytes >= 8 + compressedLength + 4 else { return nil }
        buffer.moveReaderIndex(forwardBy: 8)
        guard let body = buffer.readBytes(length: compressedLength),
            let storedPayloadCRC = buffer.readInteger(endianness: .little, as: UInt32.self)
        else {
            throw CQLError.protocolViolation("truncated v5 LZ4 segment")
        }
        guard CRC.crc32Seeded(body) == storedPayloadCRC else {
            throw CQLError(.checksumMismatch, "v5 LZ4 segment payload CRC32 mismatch")
        }
        if uncompressedLength == 0 { return ByteBuffer(bytes: body) }
        return ByteBuffer(bytes: try LZ4.decompress(body, uncompressedLength: uncompressedLength))
    }

    /// Reads one complete segment and returns its payload, or `nil` (consuming nothing) if more bytes are needed.
    ///
    /// A header CRC24 mismatch or a payload CRC32 mismatch throws ``CQLError/Code-swift.struct/checksumMismatch``
    /// (this client treats both as fatal for the connection).
    public static func decodeSegment(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 6) else { return nil }
        let word = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16
        let storedHeaderCRC = UInt32(header[3]) | UInt32(header[4]) << 8 | UInt32(header[5]) << 16
        guard CRC.crc24(header[0..<3]) == storedHeaderCRC else {
            throw CQLError(.checksumMismatch, "v5 segment header CRC24 mismatch")
        }
        let payloadLength = Int(word & 0x1FFFF)
        guard buffer.readableBytes >= 6 + payloadLength + 4 else { return nil }
        buffer.moveReaderIndex(forwardBy: 6)
        guard let payload = buffer.readSlice(length: payloadLength),
            let storedPayloadCRC = buffer.readInteger(endianness: .little, as: UInt32.self)
        else {
            throw CQLError.protocolViolation("truncated v5 segment")
        }
        guard CRC.crc32Seeded(payload.readableBytesView) == storedPayloadCRC else {
            throw CQLError(.checksumMismatch, "v5 segment payload CRC32 mismatch")
        }
        return payload
    }
}

/// The two checksums of v5 framing.
public enum CRC {
    /// CRC24 with init 0x875060 and polynomial 0x1974F0B, not reflected (Cassandra's variant).
    public static func crc24<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0x875060
        for byte in bytes {
            crc ^= UInt32(byte) << 16
            for _ in 0..<8 {
                crc <<= 1
                if crc & 0x100_0000 != 0 { crc ^= 0x1974F0B }
            }
        }
        return crc & 0xFF_FFFF
    }

    private static let crc32Table: [UInt32] = (0..<256).map { index -> UInt32 in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    /// Plain IEEE/zlib CRC-32, continuing from `previous` (0 for a fresh checksum).
    public static func crc32<Bytes: Sequence>(_ bytes: Bytes, continuing previous: UInt32 = 0) -> UInt32
    where Bytes.Element == UInt8 {
        var crc = ~previous
        for byte in bytes {
            crc = Self.crc32Table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }

    /// CRC-32 of `bytes` after first feeding FA 2D 55 CA, as Cassandra computes v5 payload checksums.
    public static func crc32Seeded<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        Self.crc32(bytes, continuing: Self.crc32([0xFA, 0x2D, 0x55, 0xCA]))
    }
}
