import Foundation
import Testing

@testable import AnimeRecJobs

@Suite("Streaming input: records, line numbers, gzip by magic bytes")
struct InputTests {
    private func records(
        of path: String, bufferSize: Int = 1 << 20
    ) throws -> (records: [String], lines: [Int], compressed: Bool) {
        let input = try InputFile(path: path)
        var reader = RecordReader(input: input, bufferSize: bufferSize)
        var records: [String] = []
        var lines: [Int] = []
        while try reader.next(
            limit: 2,
            { bytes, line in
                records.append(String(decoding: bytes, as: UTF8.self))
                lines.append(line)
            })
        {}
        return (records, lines, input.isCompressed)
    }

    static let tricky =
        "\u{FEFF}anime_id,name\r\n1,\"Two\r\nLines\"\r\n\r\n2,\"Quote \"\"x\"\"\"\n3,last without newline"

    @Test(arguments: [16, 1 << 20])
    func bomCRLFQuotedNewlinesBlankLinesAndLineNumbers(bufferSize: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/plain.gz"  // the name lies: detection goes by content
            try writeFile(path, Array(Self.tricky.utf8))
            let result = try records(of: path, bufferSize: bufferSize)
            #expect(!result.compressed)
            #expect(
                result.records == [
                    "anime_id,name", "1,\"Two\r\nLines\"", "2,\"Quote \"\"x\"\"\"", "3,last without newline",
                ])
            #expect(result.lines == [1, 2, 5, 6])
        }
    }

    @Test func gzipIsDetectedFromMagicBytesWhateverTheName() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/compressed.csv"
            try writeFile(path, gzip(Self.tricky))
            let result = try records(of: path, bufferSize: 16)
            #expect(result.compressed)
            #expect(result.records.count == 4)
            #expect(result.records.last == "3,last without newline")
            #expect(result.lines == [1, 2, 5, 6])
        }
    }

    @Test func concatenatedGzipMembersAreAllRead() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/two-members"
            try writeFile(path, gzip("a\nb\n") + gzip("c\nd\n"))
            #expect(try records(of: path).records == ["a", "b", "c", "d"])
        }
    }

    @Test func largeGzipStreamsThroughSmallBuffers() async throws {
        try await withTemporaryDirectory { directory in
            let text = (1...50_000).map { "\($0),\($0 % 97),\($0 % 2)" }.joined(separator: "\n") + "\n"
            let path = directory + "/big"
            try writeFile(path, gzip(text))
            let result = try records(of: path, bufferSize: 4096)
            #expect(result.records.count == 50_000)
            #expect(result.records[49_999] == "50000,45,0")
            #expect(result.lines[49_999] == 50_000)
        }
    }

    @Test func corruptAndTruncatedGzipAreErrors() async throws {
        try await withTemporaryDirectory { directory in
            let corrupt = directory + "/corrupt"
            try writeFile(corrupt, [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
            #expect(throws: InputError.self) { try records(of: corrupt) }
            let whole = gzip(String(repeating: "1,2,3\n", count: 1000))
            let truncated = directory + "/truncated"
            try writeFile(truncated, Array(whole[0..<(whole.count / 2)]))
            #expect(throws: InputError.self) { try records(of: truncated) }
            #expect(throws: InputError.self) { try InputFile(path: directory + "/missing") }
        }
    }
}
