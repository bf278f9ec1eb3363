import AnimeRecCore
import Foundation
import NIOCore
import Testing

@testable import AnimeRecServer

/// The hand-written response bodies read back, by a JSON parser, as the values they were written
/// from (escapes, nulls, extreme numbers included); their shapes are held to the OpenAPI schemas by
/// `OpenAPITests`.
@Suite("Hot responses are written straight to a buffer, as valid JSON of their values")
struct JSONBodyWriterTests {
    static let anime: [Anime] = [
        Anime(id: AnimeID(1), name: "Plain", genres: ["Action", "Sci-Fi"], type: "TV", episodes: 12, rating: 8.25, members: 1200),
        Anime(id: AnimeID(2), name: #"Quote " back\slash / slash"#, genres: [], type: nil, episodes: nil, rating: nil, members: 0),
        Anime(id: AnimeID(3), name: "Tab\tnew\nline\r bell\u{7} \u{8}\u{c} \u{1f}", genres: ["Slice of Life"], type: "Movie",
              episodes: 1, rating: 7, members: 5),
        Anime(id: AnimeID(4), name: "Ünïcödé 日本語 🎌 é", genres: ["Hentai"], type: "OVA", episodes: 0, rating: 0.000_01, members: 2_000_000_000),
        Anime(id: AnimeID(Int32.max), name: "", genres: ["A", "B", "C"], type: "", episodes: Int(Int32.max), rating: 10, members: Int.max),
        Anime(id: AnimeID(Int32.min), name: "negative", genres: [], type: nil, episodes: -3, rating: -0.5, members: Int.min),
        Anime(id: AnimeID(10), name: "whole", genres: [], type: nil, episodes: 10, rating: 100, members: 10),
    ]

    static let recommendations: [Recommendation] = [
        Recommendation(anime: anime[0], score: 0.123_456_789, reason: .similarTo(AnimeID(2)), reasonAnime: anime[1]),
        Recommendation(anime: anime[1], score: 1, reason: .similarTo(AnimeID(99)), reasonAnime: nil),
        Recommendation(anime: anime[2], score: 0, reason: .genre("Drama / \"x\""), reasonAnime: nil),
        Recommendation(anime: anime[3], score: 1e-9, reason: .forYou, reasonAnime: nil),
        Recommendation(anime: anime[4], score: 123_456.5, reason: .trending, reasonAnime: nil),
        Recommendation(anime: anime[0], score: 0.5, reason: .popular, reasonAnime: nil),
    ]

    static func parse(_ buffer: ByteBuffer) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
    }

    /// `object` holds exactly `anime`'s fields, `null` for what it lacks.
    static func expect(_ object: [String: Any], is anime: Anime, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect((object["anime_id"] as? NSNumber)?.int64Value == Int64(anime.id.rawValue), sourceLocation: sourceLocation)
        #expect(object["name"] as? String == anime.name, sourceLocation: sourceLocation)
        #expect(object["genres"] as? [String] == anime.genres, sourceLocation: sourceLocation)
        #expect((object["type"] as? String) == anime.type && (anime.type != nil || object["type"] is NSNull), sourceLocation: sourceLocation)
        #expect((object["episodes"] as? NSNumber)?.intValue == anime.episodes && (anime.episodes != nil || object["episodes"] is NSNull),
                sourceLocation: sourceLocation)
        #expect((object["rating"] as? NSNumber)?.doubleValue == anime.rating && (anime.rating != nil || object["rating"] is NSNull),
                sourceLocation: sourceLocation)
        #expect((object["members"] as? NSNumber)?.int64Value == Int64(anime.members), sourceLocation: sourceLocation)
    }

    @Test func recommendationListsReadBackAsWritten() throws {
        let items = try #require(try Self.parse(try JSONBodyWriter.recommendations(Self.recommendations)) as? [[String: Any]])
        #expect(items.count == Self.recommendations.count)
        for (item, recommendation) in zip(items, Self.recommendations) {
            Self.expect(item, is: recommendation.anime)
            #expect((item["score"] as? NSNumber)?.doubleValue == (recommendation.score * 1_000_000).rounded() / 1_000_000)
            let reason = try #require(item["reason"] as? [String: Any])
            switch recommendation.reason {
            case .similarTo(let id):
                #expect(reason["kind"] as? String == "similar_to" && (reason["anime_id"] as? NSNumber)?.int32Value == id.rawValue)
                #expect(reason["name"] as? String == recommendation.reasonAnime?.name)
            case .genre(let genre): #expect(reason["kind"] as? String == "genre" && reason["genre"] as? String == genre)
            case .forYou: #expect(reason["kind"] as? String == "for_you")
            case .trending: #expect(reason["kind"] as? String == "trending")
            case .popular: #expect(reason["kind"] as? String == "popular")
            }
        }
        #expect(String(buffer: try JSONBodyWriter.recommendations([])) == "[]")
    }

    @Test func animeListsAndPagesReadBackAsWritten() throws {
        let items = try #require(try Self.parse(try JSONBodyWriter.animeList(Self.anime)) as? [[String: Any]])
        for (item, anime) in zip(items, Self.anime) { Self.expect(item, is: anime) }
        let page = try #require(try Self.parse(try JSONBodyWriter.cataloguePage(Self.anime, total: 1234)) as? [String: Any])
        #expect((page["total"] as? NSNumber)?.intValue == 1234)
        for (item, anime) in zip(try #require(page["items"] as? [[String: Any]]), Self.anime) { Self.expect(item, is: anime) }
    }

    @Test func keysAreSortedAndNumbersShortest() throws {
        #expect(String(buffer: try JSONBodyWriter.anime(Self.anime[0]))
            == #"{"anime_id":1,"episodes":12,"genres":["Action","Sci-Fi"],"members":1200,"name":"Plain","rating":8.25,"type":"TV"}"#)
        #expect(String(buffer: try JSONBodyWriter.anime(Self.anime[1]))
            == #"{"anime_id":2,"episodes":null,"genres":[],"members":0,"name":"Quote \" back\\slash / slash","rating":null,"type":null}"#)
    }

    @Test(arguments: anime)
    func singleAnimeReadsBackAsWritten(_ anime: Anime) throws {
        Self.expect(try #require(try Self.parse(try JSONBodyWriter.anime(anime)) as? [String: Any]), is: anime)
    }

    @Test(arguments: [[], [0], [1, -1, 42, 5114], [Int32.max, Int32.min, 10, 100, 1_000_000, -7]] as [[Int32]])
    func idListsReadBackAsWritten(_ ids: [Int32]) throws {
        let parsed = try #require(try Self.parse(JSONBodyWriter.ids(ids.map { AnimeID(rawValue: $0) })) as? [NSNumber])
        #expect(parsed.map(\.int32Value) == ids)
    }

    @Test func acceptedEventsAndErrorsReadBackAsWritten() throws {
        for (id, duplicate) in [("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", false), (#"odd "id" \ /"#, true)] {
            let object = try #require(
                try Self.parse(JSONBodyWriter.eventAccepted(status: "recorded", eventID: id, duplicate: duplicate)) as? [String: Any])
            #expect(object["status"] as? String == "recorded" && object["event_id"] as? String == id)
            #expect((object["duplicate"] as? NSNumber)?.boolValue == duplicate && Set(object.keys) == ["status", "event_id", "duplicate"])
        }
        let error = try #require(try Self.parse(JSONBodyWriter.error(code: "invalid_id", message: #"a "quoted" \ message"#)) as? [String: Any])
        #expect(Set(error.keys) == ["error"])
        let body = try #require(error["error"] as? [String: Any])
        #expect(body["code"] as? String == "invalid_id" && body["message"] as? String == #"a "quoted" \ message"#)
    }

    /// Lists copied from a run's written catalogue are the same bytes as lists written field by
    /// field, and a catalogue's bytes serve only its own entries: a changed copy (a new entry with
    /// the same id, as another run's or one imported since would be) is written from its fields.
    @Test func listsCopiedFromTheWrittenCatalogueAreTheSameBytes() throws {
        var nonFinite = Anime(id: AnimeID(11), name: "nan", genres: [], type: nil, episodes: nil, rating: nil, members: 1)
        nonFinite.rating = .nan
        let encoded = EncodedCatalogue(CatalogueIndex(Self.anime + [nonFinite]))
        for anime in Self.anime { #expect(encoded.span(of: anime) != nil, "\(anime.id)") }
        #expect(encoded.span(of: nonFinite) == nil)
        #expect(try JSONBodyWriter.animeList(Self.anime, encoded: encoded) == JSONBodyWriter.animeList(Self.anime))
        #expect(
            try JSONBodyWriter.recommendations(Self.recommendations, encoded: encoded)
                == JSONBodyWriter.recommendations(Self.recommendations))

        var renamed = Self.anime[0]
        renamed.name = "Renamed"
        let twin = Anime(id: AnimeID(1), name: "Plain", genres: ["Action", "Sci-Fi"], type: "TV", episodes: 12, rating: 8.25, members: 1200)
        #expect(encoded.span(of: renamed) == nil)
        #expect(encoded.span(of: twin) == nil)
        let written = try JSONBodyWriter.animeList([renamed, Self.anime[1]], encoded: encoded)
        #expect(String(buffer: written).contains(#""name":"Renamed""#))
        #expect(written == (try JSONBodyWriter.animeList([renamed, Self.anime[1]])))
        #expect(throws: JSONBodyWriter.NonFiniteNumber.self) { try JSONBodyWriter.animeList([nonFinite], encoded: encoded) }
    }

    @Test func aNumberJSONCannotCarryFailsInsteadOfWritingJunk() {
        var broken = Self.recommendations[0]
        broken.score = .nan
        #expect(throws: JSONBodyWriter.NonFiniteNumber.self) { try JSONBodyWriter.recommendations([broken]) }
        var infinite = Self.anime[0]
        infinite.rating = .infinity
        #expect(throws: JSONBodyWriter.NonFiniteNumber.self) { try JSONBodyWriter.animeList([infinite]) }
        #expect(throws: JSONBodyWriter.NonFiniteNumber.self) { try JSONBodyWriter.anime(infinite) }
    }
}
