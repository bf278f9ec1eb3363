import AnimeRecCore
import AnimeRecServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /impressions` on the fixture (title 1's nearest neighbour is 2, then 3), on both stores.
/// Each test's user is its own, so the shared ring fixture is left as other tests expect it.
@Suite("Impressions: a title shown again and again without a click sinks, so the row refreshes")
struct ImpressionRouteTests {
    static func post(_ client: some TestClientProtocol, _ body: String, contentType: String = "application/json") async throws -> TestResponse {
        try await client.send(uri: "/impressions", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body))
    }

    @Test(arguments: RouteSetup.all)
    func aTitleShownInManyHoursWithoutAClickSinks(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let user = Int64.random(in: 1_000_000...9_000_000)
            let click = try await client.send(
                uri: "/clicks", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"user_id": \#(user), "anime_id": 1}"#))
            #expect(click.status == .ok)
            let before = try await client.send(uri: "/rank/\(user)", method: .get).ids()
            #expect(before.first == 2, "title 1's nearest neighbour leads")

            // The row showed 2 and 3 now; 2 was also shown in each of the last twelve hours.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let shown = try await Self.post(client, #"{"user_id": \#(user), "anime_ids": [2, "3", 2], "event_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff"}"#)
            #expect(shown.status == .ok)
            #expect(String(buffer: shown.body) == #"{"count":2,"event_id":"6f9619ff-8b86-d011-b42d-00c04fc964ff","status":"recorded"}"#)
            #expect(shown.headers[.warning] == nil)
            for hours in 1...12 {
                let at = now - Int64(hours) * 3_600_000
                #expect(try await Self.post(client, #"{"user_id": \#(user), "anime_ids": [2], "at": \#(at)}"#).status == .ok)
            }
            let after = try await client.send(uri: "/rank/\(user)", method: .get).ids()
            #expect(Set(after) == Set(before), "demoted, not removed")
            #expect(after.firstIndex(of: 2)! > after.firstIndex(of: 3)!, "2 now follows 3: \(after)")
            // The same batch again (a reload in the same hour) changes nothing.
            #expect(try await Self.post(client, #"{"user_id": \#(user), "anime_ids": [2, 3]}"#).status == .ok)
            #expect(try await client.send(uri: "/rank/\(user)", method: .get).ids() == after)
        }
    }

    @Test(arguments: RouteSetup.all)
    func unknownTitlesAreNamedAndBadBatchesGetAClearError(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let mixed = try await Self.post(client, #"{"user_id": 5, "anime_ids": [424242, 2, 777]}"#)
            #expect(mixed.status == .ok)
            #expect(mixed.headers[.warning] == #"199 animerec "unknown anime ids ignored: 424242,777""#)
            #expect(String(buffer: mixed.body).contains(#""count":1"#))
            let tooMany = "[" + (0...100).map(String.init).joined(separator: ",") + "]"
            for body in [
                #"{"user_id": 5}"#, #"{"user_id": 5, "anime_ids": []}"#, #"{"user_id": 5, "anime_ids": 2}"#,
                #"{"user_id": 5, "anime_ids": \#(tooMany)}"#, #"{"user_id": 5, "anime_ids": ["x"]}"#,
                #"{"user_id": 5, "anime_ids": [-2]}"#, #"{"anime_ids": [2]}"#, #"{"user_id": 5, "anime_ids": [2], "at": 5}"#,
                #"{"user_id": 5, "anime_ids": [2], "event_id": "nope"}"#, #"{"user_id": 5, "anime_ids": [2],}"#, "[]",
            ] {
                let response = try await Self.post(client, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.errorCode() == "invalid_body", "\(body)")
            }
            let text = try await Self.post(client, #"{"user_id": 5, "anime_ids": [2]}"#, contentType: "text/plain")
            #expect(text.status == .unsupportedMediaType)
        }
    }
}
