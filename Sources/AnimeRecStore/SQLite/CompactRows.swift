import AnimeRecCore

/// The compact text a request's read (``SQLiteStore/userReadsSQL``) gets a user's interactions and
/// candidates in: one `group_concat` value per partition instead of a result row per entry, so a
/// read of a few hundred entries costs SQLite one row each and Swift no row objects. Parsed straight
/// from the text's UTF-8 bytes.
///
/// - Interactions: records separated by `;`, fields by `,`:
///   `anime_id,rating,liked,events,last_at`, an absent value as an empty field.
/// - Candidates: records separated by the control character 30, fields by `,`:
///   `rank,anime_id,score,reason`, the score as `printf('%!.17g')` (exact for every double), the
///   reason last and whole (``Reason/storageText``).
enum CompactRows {
    /// The record separator of candidates (ASCII RS).
    static let candidateSeparator: UInt8 = 30

    /// A malformed compact value: a bug in the statement, never user input.
    struct Malformed: Error, CustomStringConvertible {
        var part: String
        var description: String { "malformed compact \(part) value from SQLite" }
    }

    /// Parses interactions in the order they come.
    static func interactions(_ text: String) throws -> [Interaction] {
        var text = text
        return try text.withUTF8 { bytes in
            var result: [Interaction] = []
            result.reserveCapacity(bytes.count / 8)
            for record in bytes.split(separator: UInt8(ascii: ";")) {
                var fields = FieldReader(record)
                guard let anime = try fields.integer(), anime >= Int64(Int32.min), anime <= Int64(Int32.max) else {
                    throw Malformed(part: "interactions")
                }
                let rating = try fields.integer()
                let liked = try fields.integer()
                let events = try fields.integer() ?? 0
                let lastAt = try fields.integer()
                guard fields.isAtEnd else { throw Malformed(part: "interactions") }
                result.append(Interaction(
                    anime: AnimeID(Int32(anime)), rating: rating.map { Int8(clamping: $0) }, liked: liked.map { $0 != 0 },
                    events: Int32(clamping: events), lastAt: lastAt))
            }
            return result
        }
    }

    /// Parses candidates with their stored rank, in the order they come.
    static func candidates(_ text: String) throws -> [(rank: Int, candidate: Candidate)] {
        var text = text
        return try text.withUTF8 { bytes in
            var result: [(rank: Int, candidate: Candidate)] = []
            for record in bytes.split(separator: candidateSeparator) {
                var fields = FieldReader(record)
                guard let rank = try fields.integer(), let anime = try fields.integer(),
                    anime >= Int64(Int32.min), anime <= Int64(Int32.max),
                    let score = try fields.double(), let reason = Reason(storageText: fields.rest())
                else { throw Malformed(part: "candidates") }
                result.append((Int(rank), Candidate(anime: AnimeID(Int32(anime)), score: score, reason: reason)))
            }
            return result
        }
    }

    /// Comma-separated fields of one record, read left to right.
    struct FieldReader {
        private let bytes: Slice<UnsafeBufferPointer<UInt8>>
        private var position: Int

        init(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var isAtEnd: Bool { position >= bytes.endIndex }

        /// The next field's bytes (up to the next comma), moving past the comma.
        private mutating func field() -> Slice<UnsafeBufferPointer<UInt8>> {
            let start = position
            while position < bytes.endIndex, bytes[position] != UInt8(ascii: ",") { position += 1 }
            let field = bytes[start..<position]
            if position < bytes.endIndex { position += 1 }
            return field
        }

        /// The next field as a decimal integer; `nil` when empty, an error when anything else.
        mutating func integer() throws(Malformed) -> Int64? {
            let digits = field()
            guard !digits.isEmpty else { return nil }
            var index = digits.startIndex
            let negative = digits[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            guard index < digits.endIndex else { throw Malformed(part: "integer") }
            var value: Int64 = 0
            while index < digits.endIndex {
                let digit = digits[index] &- UInt8(ascii: "0")
                guard digit < 10 else { throw Malformed(part: "integer") }
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow, !overflow2 else { throw Malformed(part: "integer") }
                value = sum
                index += 1
            }
            return negative ? -value : value
        }

        /// The next field as a double; `nil` when empty, an error when not a number.
        mutating func double() throws(Malformed) -> Double? {
            let text = field()
            guard !text.isEmpty else { return nil }
            guard let value = Double(String(decoding: text, as: UTF8.self)) else { throw Malformed(part: "double") }
            return value
        }

        /// Everything left, commas included.
        mutating func rest() -> String {
            defer { position = bytes.endIndex }
            return String(decoding: bytes[position..<bytes.endIndex], as: UTF8.self)
        }
    }
}
