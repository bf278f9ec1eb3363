import AnimeRecCore
import NIOCore

/// Writes the API's bodies of anime, recommendations, id lists, accepted events and errors, keys
/// sorted: the one encoder of these shapes (the OpenAPI document holds their schemas, and a test
/// that the two agree), without an encoder's intermediate tree and `Data` copy.
///
/// The text grows in a byte array and goes into a `ByteBuffer` in one copy at the end: a
/// `ByteBuffer` write checks its storage's uniqueness and exclusive access each time, and a list of
/// anime is hundreds of small writes (written straight to the buffer, they are 17 % of the server's
/// samples under `/sim`).
struct JSONBodyWriter {
    /// A score or rating that JSON cannot carry (NaN, ±∞).
    struct NonFiniteNumber: Error {}

    private var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// What was written, in a buffer of its own.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// What was written.
    var written: [UInt8] { bytes }

    /// Bytes written so far.
    var count: Int { bytes.count }

    /// Drops what was written after the first `count` bytes.
    mutating func truncate(to count: Int) { bytes.removeSubrange(count...) }

    /// `[{…anime fields, "reason": {…}, "score": …}, …]`; entries of `encoded` are copied from it.
    static func recommendations(
        _ list: [Recommendation], encoded: EncodedCatalogue? = nil, recommendation: RecommendationID? = nil
    ) throws -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 64 + list.count * (recommendation == nil ? 256 : 312))
        writer.raw("[")
        for (index, item) in list.enumerated() {
            if index > 0 { writer.raw(",") }
            try writer.anime(item.anime, from: encoded) { writer in
                // Sorted keys: reason, recommendation_id and score fall between rating and type.
                writer.raw(#""reason":"#)
                writer.reason(item.reason, reasonAnime: item.reasonAnime)
                if let recommendation {
                    writer.raw(#","recommendation_id":"#)
                    writer.string(recommendation.item(item.reason).description)
                }
                writer.raw(#","score":"#)
                try writer.number((item.score * 1_000_000).rounded() / 1_000_000)
                writer.raw(",")
            }
        }
        writer.raw("]")
        return writer.buffer
    }

    /// `[{…anime fields}, …]`; entries of `encoded` are copied from it.
    static func animeList(_ list: [Anime], encoded: EncodedCatalogue? = nil) throws -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 64 + list.count * 200)
        writer.raw("[")
        for (index, anime) in list.enumerated() {
            if index > 0 { writer.raw(",") }
            try writer.anime(anime, from: encoded) { _ in }
        }
        writer.raw("]")
        return writer.buffer
    }

    /// `{"items":[{…anime fields}, …],"total":N}`, one page of `GET /anime`.
    static func cataloguePage(_ items: [Anime], total: Int, encoded: EncodedCatalogue? = nil) throws -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 64 + items.count * 200)
        writer.raw(#"{"items":["#)
        for (index, anime) in items.enumerated() {
            if index > 0 { writer.raw(",") }
            try writer.anime(anime, from: encoded) { _ in }
        }
        writer.raw(#"],"total":"#)
        writer.integer(Int64(total))
        writer.raw("}")
        return writer.buffer
    }

    /// `{"error":{"code":…,"message":…}}`, the shape of every error answer.
    static func error(code: String, message: String) -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 48 + code.utf8.count + message.utf8.count)
        writer.raw(#"{"error":{"code":"#)
        writer.string(code)
        writer.raw(#","message":"#)
        writer.string(message)
        writer.raw("}}")
        return writer.buffer
    }

    /// `[id, …]`, the answer to `/recall` and `/rank`.
    static func ids(_ list: some Collection<AnimeID>) -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 2 + list.count * 7)
        writer.raw("[")
        for (index, id) in list.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.integer(Int64(id.rawValue))
        }
        writer.raw("]")
        return writer.buffer
    }

    /// `{…anime fields}`, the answer to `GET /anime/{id}`.
    static func anime(_ anime: Anime) throws -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 200)
        try writer.anime(anime) { _ in }
        return writer.buffer
    }

    /// `{"duplicate":…,"event_id":…,"status":…}`, the answer to `POST /clicks` and `/views`.
    static func eventAccepted(status: String, eventID: String, duplicate: Bool) -> ByteBuffer {
        var writer = JSONBodyWriter(capacity: 96)
        writer.raw(duplicate ? #"{"duplicate":true,"event_id":"# : #"{"duplicate":false,"event_id":"#)
        writer.string(eventID)
        writer.raw(#","status":"#)
        writer.string(status)
        writer.raw("}")
        return writer.buffer
    }

    /// One anime object as ``anime(_:beforeType:)`` writes it, its bytes copied from `encoded` when
    /// that holds this very entry.
    private mutating func anime(
        _ anime: Anime, from encoded: EncodedCatalogue?, beforeType: (inout JSONBodyWriter) throws -> Void
    ) throws {
        guard let encoded, let span = encoded.span(of: anime) else { return try self.anime(anime, beforeType: beforeType) }
        encoded.withBytes(span.start..<span.split) { bytes.append(contentsOf: $0) }
        try beforeType(&self)
        encoded.withBytes(span.split..<span.end) { bytes.append(contentsOf: $0) }
    }

    /// One anime object; `beforeType` writes keys that sort between `rating` and `type`, each
    /// followed by a comma. Each key goes out with its quotes, colon and separator in one write.
    mutating func anime(_ anime: Anime, beforeType: (inout JSONBodyWriter) throws -> Void) throws {
        raw(#"{"anime_id":"#)
        integer(Int64(anime.id.rawValue))
        raw(#","episodes":"#)
        if let episodes = anime.episodes { integer(Int64(episodes)) } else { null() }
        raw(#","genres":["#)
        for (index, genre) in anime.genres.enumerated() {
            if index > 0 { raw(",") }
            string(genre)
        }
        raw(#"],"members":"#)
        integer(Int64(anime.members))
        raw(#","name":"#)
        string(anime.name)
        raw(#","rating":"#)
        if let rating = anime.rating { try number(rating) } else { null() }
        raw(",")
        try beforeType(&self)
        raw(#""type":"#)
        if let type = anime.type { string(type) } else { null() }
        raw("}")
    }

    /// `{"anime_id"?, "genre"?, "kind", "name"?}`: absent fields are left out, as the payload's
    /// synthesised encoding does.
    private mutating func reason(_ reason: Reason, reasonAnime: Anime?) {
        switch reason {
        case .similarTo(let id):
            raw(#"{"anime_id":"#)
            integer(Int64(id.rawValue))
            raw(#","kind":"similar_to""#)
            if let name = reasonAnime?.name {
                raw(#","name":"#)
                string(name)
            }
        case .genre(let genre):
            raw(#"{"genre":"#)
            string(genre)
            raw(#","kind":"genre""#)
        case .forYou:
            raw(#"{"kind":"for_you""#)
        case .trending:
            raw(#"{"kind":"trending""#)
        case .popular:
            raw(#"{"kind":"popular""#)
        }
        raw("}")
    }

    /// Bytes known at compile time (keys with their punctuation), in one append.
    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func byte(_ value: UInt8) { bytes.append(value) }

    private mutating func null() { raw("null") }

    /// Decimal digits, as `String(value)` would write them, without making the string.
    private mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// As JSONEncoder: the shortest text that reads back as the same double, without a `.0` for
    /// whole numbers.
    private mutating func number(_ value: Double) throws {
        guard value.isFinite else { throw NonFiniteNumber() }
        let text = value.description
        bytes.append(contentsOf: text.utf8)
        if text.utf8.count > 2, bytes[bytes.count - 2] == UInt8(ascii: "."), bytes[bytes.count - 1] == UInt8(ascii: "0") {
            bytes.removeLast(2)
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00XX`,
    /// everything else (slashes, non-ASCII) as UTF-8.
    private mutating func string(_ value: String) {
        raw("\"")
        var utf8 = value.utf8
        let plain = utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if plain == true {
            bytes.append(contentsOf: value.utf8)
        } else {
            if plain == nil { utf8 = String(value).utf8 }
            for unit in utf8 {
                switch unit {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    raw("\\u00")
                    byte(hex[Int(unit >> 4)])
                    byte(hex[Int(unit & 0x0F)])
                default: byte(unit)
                }
            }
        }
        raw("\"")
    }
}
