import AnimeRecCore
import AnimeRecServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every `/recommends` answer has an id (header, and each item's field with its source in the last
/// byte); clicks, views and impressions that carry one back are counted per source in `/metrics`.
/// Only this suite sends recommendation ids, so its counter deltas are exact although the metrics
/// registry is the process's.
@Suite("Attribution: which source's recommendations are shown and clicked", .serialized)
struct AttributionTests {
    static func counter(_ client: some TestClientProtocol, _ name: String, source: String) async throws -> Double {
        let text = String(buffer: try await client.send(uri: "/metrics", method: .get).body)
        let prefix = "\(name){source=\"\(source)\"} "
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Double(line.dropFirst(prefix.count)) ?? .nan
    }

    static func post(_ client: some TestClientProtocol, _ path: String, _ body: String) async throws -> TestResponse {
        try await client.send(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    struct Item: Decodable {
        var anime_id: Int
        var reason: RecommendationJSON.Reason
        var recommendation_id: String
    }

    @Test(arguments: RouteSetup.all)
    func answersCarryTheirIdAndClicksAndImpressionsAreCountedBySource(setup: RouteSetup) async throws {
        try await Fixture.withApp(setup) { client in
            let response = try await client.send(uri: "/recommends/10?limit=5", method: .get)
            let header = try #require(response.headers[HTTPField.Name("Recommendation-Id")!])
            let answer = try #require(EventID(uuidString: header).map(RecommendationID.init(uuid:)))
            #expect(answer.source == nil && answer.answer == answer)
            let items = try response.decode([Item].self)
            #expect(!items.isEmpty)
            for item in items {
                let id = try #require(EventID(uuidString: item.recommendation_id).map(RecommendationID.init(uuid:)))
                #expect(id.answer == answer, "every item belongs to the answer in the header")
                #expect(id.source?.name == item.reason.kind, "the last byte names the item's reason")
            }
            // A session's answer has one too; a new answer, a new id.
            let session = try await client.send(uri: "/recommends?items=1", method: .get)
            #expect(session.headers[HTTPField.Name("Recommendation-Id")!].map { $0 != header } == true)

            let clicked = items[0]
            let source = clicked.reason.kind
            let clicksBefore = try await Self.counter(client, "animerec_recommendation_clicks_total", source: source)
            let shownBefore = try await Self.counter(client, "animerec_recommendation_impressions_total", source: source)
            let user = Int64.random(in: 1_000_000...9_000_000)
            let ids = items.map(\.anime_id).map(String.init).joined(separator: ",")
            let recommendationIDs = items.map { "\"\($0.recommendation_id)\"" }.joined(separator: ",")
            let shown = try await Self.post(
                client, "/impressions", #"{"user_id": \#(user), "anime_ids": [\#(ids)], "recommendation_ids": [\#(recommendationIDs)]}"#)
            #expect(shown.status == .ok)
            let sameSource = Double(items.filter { $0.reason.kind == source }.count)
            #expect(try await Self.counter(client, "animerec_recommendation_impressions_total", source: source) == shownBefore + sameSource)

            let event = UUID().uuidString
            let body = #"{"user_id": \#(user), "anime_id": \#(clicked.anime_id), "event_id": "\#(event)", "recommendation_id": "\#(clicked.recommendation_id)"}"#
            #expect(try await Self.post(client, "/clicks", body).status == .ok)
            #expect(try await Self.counter(client, "animerec_recommendation_clicks_total", source: source) == clicksBefore + 1)
            // A retry counts nothing more; an id the service did not make counts nowhere.
            #expect(try await Self.post(client, "/clicks", body).status == .ok)
            let foreign = #"{"user_id": \#(user), "anime_id": 2, "recommendation_id": "\#(UUID().uuidString.dropLast(2))ff"}"#
            #expect(try await Self.post(client, "/views", foreign).status == .ok)
            #expect(try await Self.counter(client, "animerec_recommendation_clicks_total", source: source) == clicksBefore + 1)

            for bad in [
                #"{"user_id": 1, "anime_id": 2, "recommendation_id": "nope"}"#,
                #"{"user_id": 1, "anime_id": 2, "recommendation_id": 5}"#,
            ] {
                #expect(try await Self.post(client, "/clicks", bad).status == .badRequest, "\(bad)")
            }
            for bad in [
                #"{"user_id": 1, "anime_ids": [2, 3], "recommendation_ids": ["\#(clicked.recommendation_id)"]}"#,
                #"{"user_id": 1, "anime_ids": [2], "recommendation_ids": ["nope"]}"#,
                #"{"user_id": 1, "anime_ids": [2], "recommendation_ids": "\#(clicked.recommendation_id)"}"#,
            ] {
                #expect(try await Self.post(client, "/impressions", bad).status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func anItemsIdNamesItsAnswerAndSourceAndAnyUUIDReadsSafely() {
        var generator = SystemRandomNumberGenerator()
        let answer = RecommendationID.answer(using: &generator)
        #expect(answer.uuid.version == 4 && answer.source == nil)
        for reason in [Reason.similarTo(AnimeID(3)), .forYou, .genre("Mecha"), .trending, .popular] {
            let item = answer.item(reason)
            #expect(item.answer == answer)
            #expect(item.source == RecommendationID.Source(reason))
            #expect(RecommendationID(uuid: EventID(uuidString: item.description)!) == item)
        }
        #expect(RecommendationID(uuid: EventID(high: 1, low: 0xFF)).source == nil)
    }
}
