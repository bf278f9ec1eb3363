import AnimeRecCore
import AnimeRecServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/recall`, `/rank` and `/recommends` for a visitor without an account (`?items=`), on the
/// fixture: title 1's neighbours are 2 (0.9), adult 5 (0.8) and 3 (0.5); the popular list is
/// 6, 2, 3, 1, 4, 7, 5.
@Suite("Session routes: a visitor's titles stand in for a user's history, and nothing is stored")
struct SessionRouteTests {
    @Test(arguments: RouteSetup.all)
    func theGivenTitlesSeedTheListAndAreNeverInIt(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            do {
                let response = try await client.send(uri: "/recommends?items=1", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.warning] == nil, "every title is known")
                let list = try response.decode([RecommendationJSON].self)
                let ids = list.map(\.anime_id)
                #expect(!ids.contains(1), "looked at, so not offered again")
                #expect(!ids.contains(5), "adult")
                #expect(ids.first == 2, "the strongest neighbour of the title looked at leads")
                #expect(list.first?.reason == .init(kind: "similar_to", anime_id: 1, name: "Alpha", genre: nil))
                #expect(Set(ids) == [2, 3, 4, 6, 7])
            }
            do {
                let response = try await client.send(uri: "/recall?items=1,3&include_adult=true", method: .get)
                let ids = try response.ids()
                #expect(!ids.contains(1) && !ids.contains(3))
                #expect(ids.contains(5), "adult titles only when asked for")
            }
            do {
                let response = try await client.send(uri: "/rank?items=1&limit=2", method: .get)
                #expect(try response.ids() == [2, 3])
            }
            do {
                // The options of the user routes apply as they do there.
                let response = try await client.send(uri: "/recommends?items=1&genre=Mecha&limit=3", method: .get)
                #expect(try response.decode([RecommendationJSON].self).map(\.anime_id) == [3])
            }
        }
    }

    @Test(arguments: RouteSetup.all)
    func unknownTitlesAreIgnoredAndNamedInAWarning(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let known = try await client.send(uri: "/recommends?items=1", method: .get)
            let mixed = try await client.send(uri: "/recommends?items=424242,1&items=777", method: .get)
            #expect(mixed.status == .ok)
            #expect(mixed.headers[.warning] == #"199 animerec "unknown anime ids ignored: 424242,777""#)
            #expect(mixed.listBody == known.listBody, "as if only the known title were given")

            // None known: the cold-start list, as for a user without history.
            let none = try await client.send(uri: "/recommends?items=424242", method: .get)
            #expect(none.status == .ok)
            #expect(none.headers[.warning]?.contains("424242") == true)
            let list = try none.decode([RecommendationJSON].self)
            #expect(list.map(\.anime_id) == [6, 2, 3, 1, 4, 7])
            #expect(list.allSatisfy { $0.reason.kind == "popular" })
        }
    }

    static let malformed: [String] = [
        "/recommends", "/recall", "/rank?limit=5", "/recommends?items=", "/recommends?items=1,x", "/rank?items=-1",
        "/recall?items=1,,2", "/recommends?items=" + (1...51).map(String.init).joined(separator: ","),
        "/recommends?items=1&items=" + (2...51).map(String.init).joined(separator: ","), "/recall?items=1&limit=0",
        "/recommends?items=1&limt=5", "/recommends?items=2147483648", "/recommends/1?items=2",
    ]

    @Test(arguments: RouteSetup.all, malformed)
    func aMissingOrMalformedListIs400NamingIt(setup: RouteSetup, uri: String) async throws {
        try await Fixture.withApp(setup) { client in
            let response = try await client.send(uri: uri, method: .get)
            #expect(response.status == .badRequest, "\(uri)")
            #expect(try response.errorCode() == "invalid_parameter", "\(uri)")
        }
    }

    @Test(arguments: RouteSetup.all)
    func aSessionWritesNothing(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup, fresh: true) { client in
            let before = try await client.send(uri: "/recommends/0", method: .get)
            let first = try await client.send(uri: "/recommends?items=3,1", method: .get)
            for _ in 0..<3 { _ = try await client.send(uri: "/recommends?items=3,1", method: .get) }
            let again = try await client.send(uri: "/recommends?items=3,1", method: .get)
            #expect(again.listBody == first.listBody, "no session request changed the next one")
            let after = try await client.send(uri: "/recommends/0", method: .get)
            #expect(after.listBody == before.listBody, "no user's partition was written")
            #expect(try after.decode([RecommendationJSON].self).map(\.anime_id) == [6, 2, 3, 1, 4, 7])
        }
    }
}

extension HTTPField.Name {
    static let warning = Self("Warning")!
}
