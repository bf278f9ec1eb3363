import AnimeRecCore
import AnimeRecServer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Routes, through the router and over real HTTP, on a real SQLite file and on the Cassandra ring")
struct RouteTests {
    @Test(arguments: RouteSetup.all)
    func animeDetailsUseNullForUnknownFields(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/anime/7", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("\"episodes\":null"))
                #expect(text.contains("\"rating\":null"))
                #expect(text.contains("\"type\":null"))
                #expect(try response.decode(AnimeJSON.self) == AnimeJSON(anime_id: 7, name: "Zeta \"Z\" & co", genres: ["Drama"], type: nil, episodes: nil, rating: nil, members: 10))
            }
            do {
                let response = try await client.send(uri: "/anime/1", method: .get)
                #expect(try response.decode(AnimeJSON.self) == AnimeJSON(anime_id: 1, name: "Alpha", genres: ["Action", "Mecha"], type: "TV", episodes: 24, rating: 8.0, members: 1000))
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func recommendsExplainsAndFiltersSeenAndAdult(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/recommends/10", method: .get)
                #expect(response.status == .ok)
                let list = try response.decode([RecommendationJSON].self)
                let ids = list.map(\.anime_id)
                #expect(!ids.contains(1), "already seen")
                #expect(!ids.contains(5), "adult")
                // 3 is both a precomputed candidate and a neighbour of the liked 1, so it leads;
                // 2 is the strongest neighbour of 1 and says so.
                #expect(ids.prefix(2) == [3, 2])
                #expect(list.first?.reason == .init(kind: "for_you", anime_id: nil, name: nil, genre: nil))
                #expect(list[1].reason == .init(kind: "similar_to", anime_id: 1, name: "Alpha", genre: nil))
                #expect(Set(ids) == [2, 3, 4, 6, 7])
                #expect(list.allSatisfy { $0.score > 0 })
            }
            do {
                let response = try await client.send(uri: "/recommends/10?limit=2", method: .get)
                #expect(try response.decode([RecommendationJSON].self).count == 2)
            }
            do {
                let response = try await client.send(uri: "/recall/10?include_adult=true", method: .get)
                #expect(try Set(response.ids()) == [2, 3, 4, 5, 6, 7])
            }
            do {
                let response = try await client.send(uri: "/recall/10", method: .get)
                #expect(try Set(response.ids()) == [2, 3, 4, 6, 7])
            }
            do {
                let response = try await client.send(uri: "/rank/10", method: .get)
                let ranked = try response.ids()
                #expect(Set(ranked) == [2, 3, 4, 6, 7])
                #expect(ranked.prefix(2) == [3, 2])
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func coldStartUserGetsPopularList(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            for user in ["99", "0", "9223372036854775807"] {
                do {
                    let response = try await client.send(uri: "/recommends/\(user)", method: .get)
                    #expect(response.status == .ok)
                    let list = try response.decode([RecommendationJSON].self)
                    #expect(list.map(\.anime_id) == [6, 2, 3, 1, 4, 7])
                    #expect(list.allSatisfy { $0.reason.kind == "popular" })
                }
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func similarNeverContainsItselfOrAdultTitles(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/sim/1", method: .get)
                #expect(try response.decode([AnimeJSON].self).map(\.anime_id) == [2, 3])
            }
            do {
                let response = try await client.send(uri: "/sim/1?limit=1", method: .get)
                #expect(try response.decode([AnimeJSON].self).map(\.anime_id) == [2])
            }
            do {
                let response = try await client.send(uri: "/sim/1?include_adult=true", method: .get)
                #expect(try response.decode([AnimeJSON].self).map(\.anime_id) == [2, 5, 3])
            }
            // Anime 2 has no neighbour list: its genre's popular list stands in, without itself.
            do {
                let response = try await client.send(uri: "/sim/2", method: .get)
                #expect(try response.decode([AnimeJSON].self).map(\.anime_id) == [1])
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func aViewChangesTheNextRecommendationsAtOnce(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup, fresh: true) { client in
            do {
                let response = try await client.send(
                uri: "/views", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"user_id": "99", "anime_id": 3}"#)
            )
                #expect(response.status == .ok)
            }
            do {
                let response = try await client.send(uri: "/recommends/99", method: .get)
                let list = try response.decode([RecommendationJSON].self)
                #expect(!list.map(\.anime_id).contains(3), "just viewed, so seen")
                #expect(list.first?.anime_id == 1)
                #expect(list.first?.reason == .init(kind: "similar_to", anime_id: 3, name: "Gamma", genre: nil))
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func retriedEventIsStoredOnce(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup, fresh: true) { client in
            let body = #"{"user_id": 5, "anime_id": "2", "event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF", "at": "2026-11-28T10:00:00Z"}"#
            var ids: [String] = []
            for expectedDuplicate in [false, true] {
                do {
                    let response = try await client.send(uri: "/clicks", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                    #expect(response.status == .ok)
                    struct Accepted: Decodable { var status: String; var event_id: String; var duplicate: Bool }
                    let accepted = try response.decode(Accepted.self)
                    #expect(accepted.status == "recorded")
                    #expect(accepted.duplicate == expectedDuplicate)
                    ids.append(accepted.event_id)
                }
            }
            #expect(ids == ["6f9619ff-8b86-d011-b42d-00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964ff"])
            // The same id for another user, another anime or as a view names a different event: 409.
            for (uri, reused) in [
                ("/clicks", #"{"user_id": 6, "anime_id": 2, "event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}"#),
                ("/clicks", #"{"user_id": 5, "anime_id": 3, "event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}"#),
                ("/views", #"{"user_id": 5, "anime_id": 2, "event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}"#),
            ] {
                let response = try await client.send(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: reused))
                #expect(response.status == .conflict, "\(uri) \(reused)")
                #expect(try response.errorCode() == "event_id_conflict")
            }
            let unchanged = try await client.send(uri: "/recommends/6", method: .get).decode([RecommendationJSON].self)
            #expect(unchanged.allSatisfy { $0.reason.kind == "popular" }, "user 6 stays cold: nothing was stored for the reused id")
        }
    }

    @Test(arguments: RouteSetup.all)
    func listOptionsFilterAndStillFillTheList(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            func ids(_ uri: String) async throws -> [Int] {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                if uri.hasPrefix("/rank") { return try response.ids() }
                return try response.decode([RecommendationJSON].self).map(\.anime_id)
            }
            // User 10's list is {2, 3, 4, 6, 7} (1 seen, 5 adult).
            let inOrder: [(uri: String, expected: [Int])] = [
                ("/recommends/10?genre=action", [2]),  // genres compare case-insensitively
                ("/recommends/10?genre=Comedy", [6]),  // filled from the popular list
                ("/recommends/10?genre=Action&type=Movie", []),
                ("/rank/10?genre=Mecha", [3]),
                ("/recommends/10?diversity=0&limit=2", [3, 2]),
            ]
            for (uri, expected) in inOrder {
                let list = try await ids(uri)
                #expect(list == expected, "\(uri)")
            }
            let asSets: [(uri: String, expected: Set<Int>)] = [
                ("/recommends/10?genre=Mecha&genre=Romance", [3, 4]),  // any of the genres
                ("/recommends/10?exclude_genre=Mecha", [2, 4, 6, 7]),
                ("/recommends/10?type=tv", [2, 6]),
                ("/recommends/10?min_rating=8", [3, 6]),  // 7 has no rating: left out
                ("/recommends/10?exclude=3,2", [4, 6, 7]),
                ("/recommends/10?exclude=3&exclude=2", [4, 6, 7]),
                ("/rank/10?exclude=3", [2, 4, 6, 7]),
            ]
            for (uri, expected) in asSets {
                let list = try await ids(uri)
                #expect(Set(list) == expected, "\(uri)")
            }
            let diversified = try await ids("/rank/10?diversity=1&limit=5")
            #expect(Set(diversified) == [2, 3, 4, 6, 7])
        }
    }

    @Test(arguments: RouteSetup.all, [
        ("/recall/abc", "invalid_id"), ("/recall/-1", "invalid_id"), ("/recall/1.5", "invalid_id"),
        ("/recall/99999999999999999999", "invalid_id"), ("/recall/%20", "invalid_id"), ("/recall", "invalid_parameter"),
        ("/rank/x", "invalid_id"), ("/recommends/+1", "invalid_id"), ("/recommends", "invalid_parameter"),
        ("/sim/abc", "invalid_id"), ("/sim/2147483648", "invalid_id"), ("/anime/-3", "invalid_id"),
        ("/recall/1?limit=0", "invalid_parameter"), ("/recall/1?limit=1001", "invalid_parameter"),
        ("/rank/1?limit=abc", "invalid_parameter"), ("/recommends/1?limit=101", "invalid_parameter"),
        ("/recommends/1?limit=-5", "invalid_parameter"), ("/sim/1?limit=101", "invalid_parameter"),
        ("/recommends/1?include_adult=maybe", "invalid_parameter"), ("/recommends/1?limt=5", "invalid_parameter"),
        ("/recommends/1?limit=5&limit=6", "invalid_parameter"), ("/anime/1?limit=3", "invalid_parameter"),
        ("/recommends/1?genre=", "invalid_parameter"), ("/rank/1?exclude_genre=", "invalid_parameter"),
        ("/recommends/1?min_rating=11", "invalid_parameter"), ("/recommends/1?min_rating=abc", "invalid_parameter"),
        ("/rank/1?min_rating=nan", "invalid_parameter"), ("/recommends/1?min_rating=0x1p3", "invalid_parameter"),
        ("/recommends/1?diversity=2", "invalid_parameter"), ("/rank/1?diversity=-0.1", "invalid_parameter"),
        ("/recommends/1?exclude=1,x", "invalid_parameter"), ("/recommends/1?exclude=1,,2", "invalid_parameter"),
        ("/recommends/1?exclude=" + (1...101).map(String.init).joined(separator: ","), "invalid_parameter"),
        ("/recommends/1?type=", "invalid_parameter"), ("/recommends/1?type=TV&type=Movie", "invalid_parameter"),
        ("/recommends/1?" + (1...21).map { "genre=g\($0)" }.joined(separator: "&"), "invalid_parameter"),
        ("/recall/1?genre=Action", "invalid_parameter"),
    ])
    func malformedInputIs400(setup: RouteSetup, input: (uri: String, code: String)) async throws {
        let (uri, code) = input
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.errorCode() == code, "\(uri)")
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func unknownAnimeIs404(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            for uri in ["/anime/999", "/sim/999"] {
                do {
                    let response = try await client.send(uri: uri, method: .get)
                    #expect(response.status == .notFound)
                    #expect(try response.errorCode() == "anime_not_found")
                }
            }
            do {
                let response = try await client.send(uri: "/no/such/route", method: .get)
                #expect(response.status == .notFound)
                #expect(try response.errorCode() == "not_found")
            }
        }
    }

    @Test(arguments: RouteSetup.all, [
        (#"{"user_id": 1}"#, "invalid_body"),
        (#"{"anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": -1, "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": "1a", "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": "", "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": 1.5, "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": 1e30, "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": "99999999999999999999", "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 2147483648}"#, "invalid_body"),
        (#"{"user_id": true, "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": null, "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": [1], "anime_id": 1}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "at": "yesterday"}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "at": -5}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "at": 99999999999999}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "at": 1764324000}"#, "invalid_body"),  // epoch seconds, not ms
        (#"{"user_id": 1, "anime_id": 2,}"#, "invalid_body"),  // trailing comma
        (#"{"user_id": 1, "anime_id": 2, "user_id": 3}"#, "invalid_body"),  // duplicate key
        (#"{"user_id": 1, "anime_id": [2,]}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "event_id": "not-a-uuid"}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "event_id": 7}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "event_id": null}"#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1, "at": null}"#, "invalid_body"),
        (#"[1, 2]"#, "invalid_body"),
        (#""hello""#, "invalid_body"),
        (#"{"user_id": 1, "anime_id": 1"#, "invalid_body"),
        ("", "invalid_body"),
    ])
    func malformedEventBodyIs400(setup: RouteSetup, input: (body: String, code: String)) async throws {
        let (body, code) = input
        try await Fixture.withApp(setup) { client in
            for route in ["/clicks", "/views"] {
                do {
                    let response = try await client.send(uri: route, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                    #expect(response.status == .badRequest, "\(route) \(body)")
                    #expect(try response.errorCode() == code)
                }
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func eventErrorsBeyond400(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/clicks", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"user_id": 1, "anime_id": 999}"#))
                #expect(response.status == .notFound)
                #expect(try response.errorCode() == "anime_not_found")
            }
            do {
                let response = try await client.send(uri: "/views", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "user=1"))
                #expect(response.status == .unsupportedMediaType)
                #expect(try response.errorCode() == "unsupported_media_type")
            }
            // The media type is read case-blind, without its parameters and the spaces around it.
            for (contentType, accepted) in [
                ("Application/JSON ; charset=utf-8", true), ("\tapplication/vnd.api+json ", true), ("application/json;", true),
                ("application/jsonx", false), ("text/json", false), (" ; application/json", false),
            ] {
                let response = try await client.send(
                    uri: "/clicks", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#))
                #expect(response.status == (accepted ? .ok : .unsupportedMediaType), "\(contentType)")
            }
            let large = #"{"user_id": 1, "anime_id": 1, "pad": ""# + String(repeating: "x", count: 64 * 1024) + #""}"#
            do {
                let response = try await client.send(uri: "/views", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: large))
                #expect(response.status == .contentTooLarge)
                #expect(try response.errorCode() == "payload_too_large")
            }
            do {
                let response = try await client.send(uri: "/clicks", method: .get)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "OPTIONS, POST")
                #expect(try response.errorCode() == "method_not_allowed")
            }
            do {
                let response = try await client.send(uri: "/anime/12", method: .delete)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, OPTIONS")
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func healthReadyAndPage(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/health", method: .get)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            do {
                let response = try await client.send(uri: "/ready", method: .get)
                struct Ready: Decodable { var status: String; var store: String; var live_run: String? }
                let ready = try response.decode(Ready.self)
                #expect(ready.status == "ready")
                #expect(ready.live_run == "r1")
            }
            do {
                let response = try await client.send(uri: "/", method: .get)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains(#"<script type="module" src="/app.js">"#))
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func metricsCountRequestsPerRoute(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            _ = try await client.send(uri: "/anime/1", method: .get)
            do {
                let response = try await client.send(uri: "/metrics", method: .get)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"http_server_request_duration_count{http_route="/anime/{anime_id}",http_request_method="GET",http_response_status_code="200"}"#))
            }
        }
    }
}
