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

    @Test func documentedPathsAreExactlyTheRoutes() async throws {
        try await Fixture.withApp { client in
            let document = try await Self.document(client)
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let routed = Set(APIRoutes.all.map { "\($0.method.rawValue) \($0.path)" })
            #expect(documented == routed)
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
}
