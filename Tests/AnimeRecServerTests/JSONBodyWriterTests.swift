import AnimeRecCore
import Foundation
import NIOCore
import Testing

@testable import AnimeRecServer

/// The hand-written response bodies are byte for byte what the Codable payloads encode to.
@Suite("Hot responses are written straight to a buffer, exactly as JSONEncoder would")
struct JSONBodyWriterTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

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

    @Test func recommendationListsMatchTheEncoder() throws {
        let written = try JSONBodyWriter.recommendations(Self.recommendations)
        let encoded = try Self.encoder.encode(Self.recommendations.map(RecommendationPayload.init))
        #expect(String(buffer: written) == String(decoding: encoded, as: UTF8.self))
        #expect(String(buffer: try JSONBodyWriter.recommendations([])) == "[]")
    }

    @Test func animeListsMatchTheEncoder() throws {
        let written = try JSONBodyWriter.animeList(Self.anime)
        let encoded = try Self.encoder.encode(Self.anime.map(AnimePayload.init))
        #expect(String(buffer: written) == String(decoding: encoded, as: UTF8.self))
    }

    @Test(arguments: anime)
    func singleAnimeMatchesTheEncoder(_ anime: Anime) throws {
        let encoded = try Self.encoder.encode(AnimePayload(anime))
        #expect(String(buffer: try JSONBodyWriter.anime(anime)) == String(decoding: encoded, as: UTF8.self))
    }

    @Test(arguments: [[], [0], [1, -1, 42, 5114], [Int32.max, Int32.min, 10, 100, 1_000_000, -7]] as [[Int32]])
    func idListsMatchTheEncoder(_ ids: [Int32]) throws {
        let encoded = try Self.encoder.encode(ids)
        #expect(String(buffer: JSONBodyWriter.ids(ids.map { AnimeID(rawValue: $0) })) == String(decoding: encoded, as: UTF8.self))
    }

    @Test func acceptedEventsMatchTheEncoder() throws {
        for payload in [
            EventAcceptedPayload(status: "recorded", eventID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", duplicate: false),
            EventAcceptedPayload(status: "recorded", eventID: #"odd "id" \ /"#, duplicate: true),
        ] {
            let encoded = try Self.encoder.encode(payload)
            #expect(String(buffer: JSONBodyWriter.eventAccepted(status: payload.status, eventID: payload.eventID, duplicate: payload.duplicate)) == String(decoding: encoded, as: UTF8.self))
        }
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
