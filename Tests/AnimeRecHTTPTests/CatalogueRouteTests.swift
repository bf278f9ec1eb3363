import AnimeRecServer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Catalogue search, facets and trending, through the router and over real HTTP, on both stores")
struct CatalogueRouteTests {
    struct Page: Decodable {
        var items: [AnimeJSON]
        var total: Int
    }

    struct Facets: Decodable, Equatable {
        struct Facet: Decodable, Equatable {
            var name: String
            var count: Int
        }
        var genres: [Facet]
        var types: [Facet]
    }

    @Test(arguments: RouteSetup.all)
    func searchFiltersOrdersAndPages(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            func page(_ uri: String) async throws -> ([Int], Int) {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let page = try response.decode(Page.self)
                return (page.items.map(\.anime_id), page.total)
            }
            #expect(try await page("/anime") == ([6, 2, 3, 1, 4, 7], 6))
            #expect(try await page("/anime?sort=rating") == ([3, 6, 1, 2, 4, 7], 6))
            #expect(try await page("/anime?sort=name") == ([1, 2, 4, 6, 3, 7], 6))
            #expect(try await page("/anime?query=ALP") == ([1], 1))
            #expect(try await page("/anime?query=zeta%20%22Z%22%20%26") == ([7], 1))
            #expect(try await page("/anime?query=alpha%20beta") == ([], 0))
            #expect(try await page("/anime?genre=Mecha&genre=romance") == ([3, 1, 4], 3))
            #expect(try await page("/anime?type=tv") == ([6, 2, 1], 3))
            #expect(try await page("/anime?type=OVA&include_adult=true") == ([4, 5], 2))
            #expect(try await page("/anime?query=adult") == ([], 0))
            #expect(try await page("/anime?limit=2&offset=2") == ([3, 1], 6))
            #expect(try await page("/anime?offset=100000") == ([], 6))
            let first = try await client.send(uri: "/anime?limit=1", method: .get).decode(Page.self)
            #expect(first.items == [AnimeJSON(anime_id: 6, name: "Epsilon", genres: ["Comedy"], type: "TV", episodes: 50, rating: 8.1, members: 100_000)])
        }
    }

    @Test(arguments: RouteSetup.all)
    func facetsCountTitles(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let facets = try await client.send(uri: "/facets", method: .get).decode(Facets.self)
            #expect(facets.genres.map(\.name) == ["Action", "Mecha", "Comedy", "Drama", "Romance", "Sci-Fi"])
            #expect(facets.genres.first == .init(name: "Action", count: 2))
            #expect(facets.types == [.init(name: "TV", count: 3), .init(name: "Movie", count: 1), .init(name: "OVA", count: 1)])
            let adult = try await client.send(uri: "/facets?include_adult=true", method: .get).decode(Facets.self)
            #expect(adult.genres.contains(.init(name: "Hentai", count: 1)))
            #expect(adult.types.first(where: { $0.name == "OVA" })?.count == 2)
        }
    }

    @Test(arguments: RouteSetup.all)
    func trendingFallsBackToPopularAndSaysSo(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let list = try await client.send(uri: "/trending?limit=4", method: .get).decode([RecommendationJSON].self)
            #expect(list.map(\.anime_id) == [6, 2, 3, 1])
            #expect(list.allSatisfy { $0.reason.kind == "popular" })
            let all = try await client.send(uri: "/trending?limit=100&include_adult=true", method: .get).decode([RecommendationJSON].self)
            #expect(all.map(\.anime_id) == [6, 2, 3, 1, 4, 7, 5])
        }
    }

    @Test(arguments: RouteSetup.all, [
        "/anime?limit=0", "/anime?limit=101", "/anime?offset=-1", "/anime?offset=100001", "/anime?sort=popularity",
        "/anime?type=", "/anime?genre=", "/anime?query=" + String(repeating: "a", count: 201), "/anime?q=naruto",
        "/anime?sort=name&sort=rating", "/anime?include_adult=yes", "/facets?limit=3", "/trending?limit=101",
        "/trending?query=x",
    ])
    func badCatalogueParametersAre400(setup: RouteSetup, uri: String) async throws {
        try await Fixture.withApp(setup) { client in
            let response = try await client.send(uri: uri, method: .get)
            #expect(response.status == .badRequest, "\(uri)")
            #expect(try response.errorCode() == "invalid_parameter", "\(uri)")
        }
    }
}

@Suite("The web front end's files: content types, ETag revalidation, HEAD, no HTML in Swift")
struct WebFilesTests {
    @Test(arguments: HTTPMode.allCases)
    func filesAreServedWithTypesAndValidators(mode: HTTPMode) async throws {
        try await Fixture.withApp(mode.setup) { client in
            for (uri, type, marker) in [
                ("/", "text/html", "<main id=\"main\""), ("/?user=42&anime=5114", "text/html", "<main id=\"main\""),
                ("/app.js", "text/javascript", "function render("), ("/style.css", "text/css", ".cards"),
            ] {
                let response = try await client.send(uri: uri, method: .get)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(uri): \(response.headers[.contentType] ?? "none")")
                #expect(response.headers[.cacheControl] == "no-cache", "\(uri)")
                #expect(String(buffer: response.body).contains(marker), "\(uri)")
                let etag = try #require(response.headers[.eTag], "\(uri) has no ETag")
                let again = try await client.send(uri: uri, method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified, "\(uri)")
                #expect(again.body.readableBytes == 0)
                let head = try await client.send(uri: uri, method: .head)
                #expect(head.status == .ok)
                #expect(head.body.readableBytes == 0)
                #expect(head.headers[.contentLength] == response.headers[.contentLength])
            }
            let missing = try await client.send(uri: "/nothing-here.js", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.errorCode() == "not_found")
            let escape = try await client.send(uri: "/../Package.swift", method: .get)
            #expect([.badRequest, .notFound].contains(escape.status))
            #expect(escape.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }
}
