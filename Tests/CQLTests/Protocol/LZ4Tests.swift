import AnimeRecTestSupport
import Testing

@testable import CQL

@Suite("LZ4 block codec")
struct LZ4Tests {
    /// Blocks produced by the reference `lz4` 1.9.4 command-line tool (frame header stripped).
    static let referenceVectors: [(input: [UInt8], block: String)] = [
        (Array(String(repeating: "abc", count: 12).utf8), "3f616263030009506263616263"),
        (
            Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 4).utf8),
            "ff1e54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e20"
                + "2d006f50646f672e20"
        ),
        (
            (0..<512).map { UInt8($0 % 256) },
            "fff1" + (0..<256).map { String(format1: UInt8($0)) }.joined() + "0001e850fbfcfdfeff"
        ),
    ]

    @Test("Decompresses blocks made by the reference implementation")
    func referenceBlocks() throws {
        for vector in Self.referenceVectors {
            let block = bytes(vector.block)
            #expect(try LZ4.decompress(block, uncompressedLength: vector.input.count) == vector.input)
        }
        // For this simple input the greedy compressor emits exactly the reference block.
        #expect(LZ4.compress(Self.referenceVectors[0].input) == bytes(Self.referenceVectors[0].block))
    }

    @Test("Round-trips empty, tiny, repetitive and incompressible inputs", arguments: [0, 1, 12, 13, 100, 70_000])
    func roundTrip(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let repetitive = (0..<size).map { UInt8(($0 / 7) % 5) }
        for input in [random, repetitive] {
            let compressed = LZ4.compress(input)
            #expect(try LZ4.decompress(compressed, uncompressedLength: input.count) == input)
        }
        if size >= 1000 {
            #expect(LZ4.compress(repetitive).count < size / 4)
        }
    }

    @Test("Malformed blocks throw instead of reading out of bounds")
    func malformed() {
        // Match offset 0.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("10 61 00 00"), uncompressedLength: 5) }
        // Offset reaching before the start of the output.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("10 61 05 00"), uncompressedLength: 5) }
        // Literals longer than the input.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("50 61 62"), uncompressedLength: 5) }
        // Output longer than announced.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("20 61 62"), uncompressedLength: 1) }
        // Shorter than announced.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("10 61"), uncompressedLength: 3) }
        // Truncated length extension.
        expectCQLError(.protocolViolation) { try LZ4.decompress(bytes("f0 ff"), uncompressedLength: 300) }
    }
}
