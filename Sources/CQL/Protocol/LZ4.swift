/// The LZ4 *block* format (no frame header), as used by Cassandra for v2-v4 envelope bodies and
/// v5 compressed segments.
///
/// The compressor is a simple greedy single-pass matcher (fast, modest ratio); the decompressor
/// checks every length and offset, so malformed input throws instead of reading out of bounds.
public enum LZ4 {
    private static let minMatch = 4
    /// The last match must start at least this many bytes before the end of the input.
    private static let matchFindLimit = 12
    /// The last this-many bytes are always literals.
    private static let lastLiterals = 5
    private static let hashLog = 12

    /// Compresses `input` into one LZ4 block.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 16)
        let count = input.count
        var anchor = 0
        if count > Self.matchFindLimit {
            var table = [Int](repeating: -1, count: 1 << Self.hashLog)
            let matchStartLimit = count - Self.matchFindLimit
            let matchEndLimit = count - Self.lastLiterals
            var position = 0
            while position < matchStartLimit {
                let sequence = Self.read32(input, position)
                let hash = Int((sequence &* 2_654_435_761) >> UInt32(32 - Self.hashLog))
                let candidate = table[hash]
                table[hash] = position
                if candidate >= 0, position - candidate <= 65_535, Self.read32(input, candidate) == sequence {
                    var matchLength = Self.minMatch
                    while position + matchLength < matchEndLimit,
                        input[candidate + matchLength] == input[position + matchLength]
                    {
                        matchLength += 1
                    }
                    Self.writeSequence(
                        literals: input[anchor..<position],
                        offset: position - candidate,
                        matchLength: matchLength,
                        into: &output
                    )
                    position += matchLength
                    anchor = position
                } else {
                    position += 1
                }
            }
        }
        Self.writeSequence(literals: input[anchor..<count], offset: nil, matchLength: 0, into: &output)
        return output
    }

    /// Decompresses one LZ4 block that must expand to exactly `uncompressedLength` bytes.
    public static func decompress<Bytes: RandomAccessCollection>(
        _ input: Bytes,
        uncompressedLength: Int
    ) throws -> [UInt8]
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard uncompressedLength >= 0 else { throw CQLError.protocolViolation("negative LZ4 uncompressed length") }
        var output: [UInt8] = []
        output.reserveCapacity(uncompressedLength)
        var index = input.startIndex
        let end = input.endIndex

        func readLengthExtension(_ base: Int) throws -> Int {
            var length = base
            while true {
                guard index < end else { throw CQLError.protocolViolation("truncated LZ4 length") }
                let byte = input[index]
                index += 1
                length += Int(byte)
                guard length <= uncompressedLength + 15 else {
                    throw CQLError.protocolViolation("LZ4 length exceeds the uncompressed size")
                }
                if byte != 255 { return length }
            }
        }

        while index < end {
            let token = input[index]
            index += 1
            var literalLength = Int(token >> 4)
            if literalLength == 15 { literalLength = try readLengthExtension(15) }
            guard end - index >= literalLength, output.count + literalLength <= uncompressedLength else {
                throw CQLError.protocolViolation("LZ4 literals overrun")
            }
            output.append(contentsOf: input[index..<(index + literalLength)])
            index += literalLength
            if index == end { break }
            guard end - index >= 2 else { throw CQLError.protocolViolation("truncated LZ4 match offset") }
            let offset = Int(input[index]) | Int(input[index + 1]) << 8
            index += 2
            guard offset > 0, offset <= output.count else {
                throw CQLError.protocolViolation("invalid LZ4 match offset \(offset)")
            }
            var matchLength = Int(token & 0x0F)
            if matchLength == 15 { matchLength = try readLengthExtension(15) }
            matchLength += Self.minMatch
            guard output.count + matchLength <= uncompressedLength else {
                throw CQLError.protocolViolation("LZ4 match overruns the uncompressed size")
            }
            // Byte by byte: a match may overlap the bytes it produces (offset < length).
            var source = output.count - offset
            for _ in 0..<matchLength {
                output.append(output[source])
                source += 1
            }
        }
        guard output.count == uncompressedLength else {
            throw CQLError.protocolViolation(
                "LZ4 block expanded to \(output.count) bytes, expected \(uncompressedLength)"
            )
        }
        return output
    }

    private static func read32(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
            | UInt32(bytes[index + 3]) << 24
    }

    private static func writeSequence(
        literals: ArraySlice<UInt8>,
        offset: Int?,
        matchLength: Int,
        into output: inout [UInt8]
    ) {
        let literalLength = literals.count
        let matchCode = offset == nil ? 0 : matchLength - Self.minMatch
        output.append(UInt8(min(literalLength, 15) << 4 | min(matchCode, 15)))
        if literalLength >= 15 { Self.writeLengthExtension(literalLength - 15, into: &output) }
        output.append(contentsOf: literals)
        guard let offset else { return }
        output.append(UInt8(offset & 0xFF))
        output.append(UInt8(offset >> 8))
        if matchCode >= 15 { Self.writeLengthExtension(matchCode - 15, into: &output) }
    }

    private static func writeLengthExtension(_ value: Int, into output: inout [UInt8]) {
        var remaining = value
        while remaining >= 255 {
            output.append(255)
            remaining -= 255
        }
        output.append(UInt8(remaining))
    }
}
