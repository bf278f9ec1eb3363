import AnimeRecServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("OpenAPI document matches the routes")
struct OpenAPITests {
    /// Reads `/openapi.json` from the application itself.
    static func document(_ client: any TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.send(uri: "/openapi.json", method: .get)
        #expect(response.status == .ok)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    /// The router serves every documented operation (never 404 or 405 for it), and a path the
    /// document does not name is 404: the document and the routes agree both ways.
    @Test func documentedPathsAreExactlyTheRoutes() async throws {
        try await Fixture.withApp { client in
            let document = try await Self.document(client)
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            #expect(Set(paths.keys) == Set(APIRoutes.all.map(\.path)))
            for (path, operations) in paths {
                let uri = path.replacingOccurrences(of: "{user_id}", with: "10").replacingOccurrences(of: "{anime_id}", with: "1")
                for method in operations.keys {
                    let response = try await client.send(
                        uri: uri, method: HTTPRequest.Method(method.uppercased())!, headers: [.contentType: "application/json"],
                        body: method == "post" ? ByteBuffer(string: #"{"user_id": 10, "anime_id": 1}"#) : nil)
                    #expect(response.status != .notFound && response.status != .methodNotAllowed, "\(method) \(uri)")
                }
            }
            for uri in ["/recommend/10", "/similar/1", "/click", "/api/anime", "/anime/1/extra"] {
                #expect(try await client.send(uri: uri, method: .get).status == .notFound, "\(uri) is not documented")
            }
        }
    }

    @Test func everyRouteAnswersWithADocumentedStatus() async throws {
        try await Fixture.withApp { client in
            let paths = try #require(try await Self.document(client)["paths"] as? [String: [String: [String: Any]]])
            for (method, path) in APIRoutes.all {
                let operation = try #require(paths[path]?[method.rawValue.lowercased()])
                let statuses = Set((operation["responses"] as? [String: Any] ?? [:]).keys)
                let uri = path.replacingOccurrences(of: "{user_id}", with: "10").replacingOccurrences(of: "{anime_id}", with: "1")
                for sample in [uri, uri.replacingOccurrences(of: "/10", with: "/x").replacingOccurrences(of: "/1", with: "/y")] {
                    let response = try await client.send(
                        uri: sample, method: method, headers: [.contentType: "application/json"],
                        body: method == .post ? ByteBuffer(string: #"{"user_id": 10, "anime_id": 1}"#) : nil)
                    #expect(statuses.contains(String(response.status.code)), "\(method) \(sample) answered \(response.status.code), documented: \(statuses.sorted())")
                }
            }
        }
    }

    @Test func animeSchemaRequiresEveryFieldTheAPIWrites() async throws {
        try await Fixture.withApp { client in
            let document = try await Self.document(client)
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let anime = try #require(schemas["Anime"] as? [String: Any])
            let required = Set(try #require(anime["required"] as? [String]))
            let response = try await client.send(uri: "/anime/7", method: .get)
            let written = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(required == Set(written.keys))
        }
    }

    /// `value` is of the schema's type (`nullable` allowing `null`).
    static func conforms(_ value: Any, to schema: [String: Any]) -> Bool {
        if value is NSNull { return schema["nullable"] as? Bool == true }
        switch schema["type"] as? String {
        case "string": return value is String
        case "integer": return (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": return value is NSNumber
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return true
        }
    }

    /// Every key of `object` is a documented property of its type, and every required one is there.
    static func expect(_ object: [String: Any], matches schema: [String: Any], extra: [String: Any] = [:], _ what: String) {
        let properties = (schema["properties"] as? [String: [String: Any]] ?? [:]).merging(
            extra["properties"] as? [String: [String: Any]] ?? [:]) { current, _ in current }
        let required = Set(schema["required"] as? [String] ?? []).union(extra["required"] as? [String] ?? [])
        #expect(required.isSubset(of: object.keys), "\(what): \(required.subtracting(object.keys)) missing")
        for (key, value) in object {
            guard let property = properties[key] else {
                Issue.record("\(what): \(key) is not documented")
                continue
            }
            #expect(conforms(value, to: property), "\(what): \(key) = \(value) is not \(property)")
        }
    }

    @Test func bodiesHaveTheDocumentedShapes() async throws {
        try await Fixture.withApp { client in
            let schemas = try #require((try await Self.document(client)["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
            let anime = try #require(schemas["Anime"]), reason = try #require(schemas["Reason"]), error = try #require(schemas["Error"])
            let recommendationExtra = try #require((schemas["Recommendation"]?["allOf"] as? [[String: Any]])?.last)
            func json(_ uri: String) async throws -> Any {
                let response = try await client.send(uri: uri, method: .get)
                return try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
            }
            for uri in ["/anime/7", "/anime/1"] { Self.expect(try #require(try await json(uri) as? [String: Any]), matches: anime, uri) }
            for item in try #require(try await json("/sim/1") as? [[String: Any]]) { Self.expect(item, matches: anime, "/sim/1") }
            let page = try #require(try await json("/anime?query=a") as? [String: Any])
            for item in try #require(page["items"] as? [[String: Any]]) { Self.expect(item, matches: anime, "/anime?query=a") }
            for uri in ["/recommends/10", "/trending"] {
                let items = try #require(try await json(uri) as? [[String: Any]])
                #expect(!items.isEmpty, "\(uri)")
                for item in items {
                    Self.expect(item, matches: anime, extra: recommendationExtra, uri)
                    Self.expect(try #require(item["reason"] as? [String: Any]), matches: reason, "\(uri) reason")
                    let kinds = ((reason["properties"] as? [String: [String: Any]])?["kind"]?["enum"] as? [String]) ?? []
                    #expect(kinds.contains((item["reason"] as? [String: Any])?["kind"] as? String ?? ""), "\(uri): reason kind")
                }
            }
            for uri in ["/anime/x", "/recommends/10?limit=0", "/nowhere"] {
                let body = try #require(try await json(uri) as? [String: Any])
                Self.expect(body, matches: error, uri)
                let inner = try #require((error["properties"] as? [String: [String: Any]])?["error"])
                Self.expect(try #require(body["error"] as? [String: Any]), matches: inner, "\(uri) error")
            }
        }
    }
}
