import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("HEAD, OPTIONS and CORS")
struct HTTPSemanticsTests {
    @Test(arguments: HTTPMode.allCases)
    func headAnswersLikeGetWithoutABody(mode: HTTPMode) async throws {
        try await Fixture.withApp(mode.setup) { client in
            for path in ["/health", "/ready", "/", "/anime/1", "/recommends/10", "/sim/1", "/recall/10", "/rank/10", "/openapi.json", "/metrics",
                         "/anime?query=alpha", "/facets", "/trending", "/app.js"] {
                let get = try await client.send(uri: path, method: .get)
                let head = try await client.send(uri: path, method: .head)
                #expect(head.status == get.status, "\(path)")
                #expect(head.body.readableBytes == 0, "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                if path != "/metrics" {  // the metrics text changes between the two requests
                    #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
                }
            }
            let missing = try await client.send(uri: "/anime/999", method: .head)
            #expect(missing.status == .notFound)
            #expect(missing.body.readableBytes == 0)
            let postOnly = try await client.send(uri: "/clicks", method: .head)
            #expect(postOnly.status == .methodNotAllowed)
            #expect(postOnly.headers[.allow] == "OPTIONS, POST")
            #expect(postOnly.body.readableBytes == 0)
        }
    }

    @Test func optionsListsTheMethods() async throws {
        try await Fixture.withApp(.router) { client in
            let recommends = try await client.send(uri: "/recommends/5", method: .options)
            #expect(recommends.status == .noContent)
            #expect(recommends.headers[.allow] == "GET, HEAD, OPTIONS")
            #expect(recommends.headers[.accessControlAllowOrigin] == nil, "no origins configured")
            #expect(try await client.send(uri: "/clicks", method: .options).headers[.allow] == "OPTIONS, POST")
            let unknown = try await client.send(uri: "/nowhere", method: .options)
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorCode() == "not_found")
            // The 405 answer lists HEAD and OPTIONS too.
            let wrong = try await client.send(uri: "/clicks", method: .get)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "OPTIONS, POST")
        }
    }

    @Test(arguments: HTTPMode.allCases)
    func corsForConfiguredOriginsOnly(mode: HTTPMode) async throws {
        try await Fixture.withApp(mode.setup, corsOrigins: ["https://anime.example"]) { client in
            let preflight = try await client.send(uri: "/clicks", method: .options, headers: [
                .origin: "https://anime.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://anime.example")
            #expect(preflight.headers[.accessControlAllowMethods] == "OPTIONS, POST")
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("content-type") == true)
            #expect(preflight.headers[.vary] == "Origin")
            let get = try await client.send(uri: "/recommends/10", method: .get, headers: [.origin: "https://anime.example"])
            #expect(get.status == .ok)
            #expect(get.headers[.accessControlAllowOrigin] == "https://anime.example")
            let error = try await client.send(uri: "/anime/999", method: .get, headers: [.origin: "https://anime.example"])
            #expect(error.status == .notFound)
            #expect(error.headers[.accessControlAllowOrigin] == "https://anime.example", "errors are readable by the page too")
            let stranger = try await client.send(uri: "/recommends/10", method: .get, headers: [.origin: "https://evil.example"])
            #expect(stranger.status == .ok)
            #expect(stranger.headers[.accessControlAllowOrigin] == nil)
            let strangerPreflight = try await client.send(uri: "/clicks", method: .options, headers: [
                .origin: "https://evil.example", .accessControlRequestMethod: "POST",
            ])
            #expect(strangerPreflight.headers[.accessControlAllowOrigin] == nil)
            #expect(strangerPreflight.headers[.accessControlAllowMethods] == nil)
        }
    }

    @Test func aHugeURLGetsAJSONError() async throws {
        let (store, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let configuration = ServiceConfiguration()
        var config = configuration
        config.port = 18_377
        let app = buildApplication(store: store, storeName: "sqlite", configuration: config, metrics: Fixture.metrics, logger: .init(label: "test"))
        do {
            try await app.test(.live) { client in
                let response = try await client.send(uri: "/recall/1?" + String(repeating: "a", count: 90_000), method: .get)
                #expect(response.status == .requestHeaderFieldsTooLarge)
                #expect(try response.errorCode() == "request_too_large")
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
