import AnimeRecCore
import AnimeRecServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /dislikes` and `DELETE /dislikes/{user_id}/{anime_id}` on the fixture (title 1's
/// neighbours are 2, adult 5 and 3), on both stores. Each test's user is its own, so the shared
/// ring fixture is left as other tests expect it.
@Suite("Dislikes: a title the user ruled out stays out until taken back")
struct DislikeRouteTests {
    static func post(_ client: some TestClientProtocol, _ path: String, _ body: String) async throws -> TestResponse {
        try await client.send(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    /// The ids of each per-user route's answer.
    static func answers(_ client: some TestClientProtocol, user: Int64) async throws -> [[Int]] {
        var result: [[Int]] = []
        for uri in ["/recall/\(user)", "/rank/\(user)", "/recommends/\(user)?limit=20&diversity=0"] {
            let response = try await client.send(uri: uri, method: .get)
            #expect(response.status == .ok, "\(uri)")
            result.append(uri.hasPrefix("/recommends") ? try response.decode([RecommendationJSON].self).map(\.anime_id) : try response.ids())
        }
        return result
    }

    @Test(arguments: RouteSetup.all)
    func aDislikedTitleLeavesEveryListAtOnceAndComesBackWhenTakenBack(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let user = Int64.random(in: 1_000_000...9_000_000)
            #expect(try await Self.post(client, "/clicks", #"{"user_id": \#(user), "anime_id": 1}"#).status == .ok)
            for ids in try await Self.answers(client, user: user) { #expect(ids.contains(2), "title 1's nearest neighbour") }

            let id = UUID().uuidString
            let said = try await Self.post(client, "/dislikes", #"{"user_id": \#(user), "anime_id": 2, "event_id": "\#(id)"}"#)
            #expect(said.status == .ok)
            #expect(String(buffer: said.body).contains(#""duplicate":false"#))
            for ids in try await Self.answers(client, user: user) {
                #expect(!ids.contains(2), "the next answer of every route leaves it out")
                #expect(!ids.isEmpty)
            }
            // The same id again is a duplicate; the same id for a click is a conflict.
            let again = try await Self.post(client, "/dislikes", #"{"user_id": \#(user), "anime_id": 2, "event_id": "\#(id)"}"#)
            #expect(again.status == .ok && String(buffer: again.body).contains(#""duplicate":true"#))
            let asClick = try await Self.post(client, "/clicks", #"{"user_id": \#(user), "anime_id": 2, "event_id": "\#(id)"}"#)
            #expect(asClick.status == .conflict)

            let withdrawn = try await client.send(uri: "/dislikes/\(user)/2", method: .delete)
            #expect(withdrawn.status == .ok)
            #expect(String(buffer: withdrawn.body) == #"{"status":"withdrawn"}"#)
            for ids in try await Self.answers(client, user: user) { #expect(ids.contains(2), "back once taken back") }
            // A retried POST of the taken-back verdict stays a duplicate and does not bring it back.
            let retried = try await Self.post(client, "/dislikes", #"{"user_id": \#(user), "anime_id": 2, "event_id": "\#(id)"}"#)
            #expect(retried.status == .ok && String(buffer: retried.body).contains(#""duplicate":true"#))
            for ids in try await Self.answers(client, user: user) { #expect(ids.contains(2)) }
            // Taking back again is harmless.
            #expect(try await client.send(uri: "/dislikes/\(user)/2", method: .delete).status == .ok)
        }
    }

    @Test(arguments: RouteSetup.all)
    func badInputGetsAClearError(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            for (uri, status, code) in [
                ("/dislikes/abc/2", HTTPResponse.Status.badRequest, "invalid_id"),
                ("/dislikes/1/-2", .badRequest, "invalid_id"),
                ("/dislikes/1/99999999999", .badRequest, "invalid_id"),
                ("/dislikes/1/424242", .notFound, "anime_not_found"),
            ] {
                let response = try await client.send(uri: uri, method: .delete)
                #expect(response.status == status, "\(uri)")
                #expect(try response.errorCode() == code, "\(uri)")
            }
            let unknown = try await Self.post(client, "/dislikes", #"{"user_id": 1, "anime_id": 424242}"#)
            #expect(unknown.status == .notFound)
            let malformed = try await Self.post(client, "/dislikes", #"{"user_id": 1}"#)
            #expect(malformed.status == .badRequest)
            let wrongMethod = try await client.send(uri: "/dislikes", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow]?.contains("POST") == true)
            let onePath = try await client.send(uri: "/dislikes/1/2", method: .post)
            #expect(onePath.status == .methodNotAllowed)
            #expect(onePath.headers[.allow]?.contains("DELETE") == true)
        }
    }
}
