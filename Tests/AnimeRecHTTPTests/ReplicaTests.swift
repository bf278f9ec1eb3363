import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("Two serve processes on one Cassandra keyspace share nothing but the store", TestRing.enabled)
struct ReplicaTests {
    @Test func aClickPostedToOneReplicaChangesTheOthersRecommendationsAtOnce() async throws {
        try await RingFixture.withFreshStore { first in
            // A second, independent store (its own CQL client and connections) on the same keyspace.
            let second = try await CassandraStore.open(.init(location: first.configuration.location), logger: Logger(label: "test.replica"))
            do {
                let one = Application(router: buildRouter(store: first, storeName: "cassandra", metrics: Fixture.metrics))
                let two = Application(router: buildRouter(store: second, storeName: "cassandra", metrics: Fixture.metrics))
                try await one.test(.live) { clientOne in
                    try await two.test(.live) { clientTwo in
                        // Both replicas answer the same for the cold user 99 (popular), memos warmed.
                        let before = try await clientTwo.send(uri: "/recommends/99", method: .get).decode([RecommendationJSON].self)
                        #expect(try await clientOne.send(uri: "/recommends/99", method: .get).decode([RecommendationJSON].self).map(\.anime_id)
                            == before.map(\.anime_id))
                        #expect(before.allSatisfy { $0.reason.kind == "popular" })
                        let posted = try await clientOne.send(
                            uri: "/clicks", method: .post, headers: [.contentType: "application/json"],
                            body: ByteBuffer(string: #"{"user_id": 99, "anime_id": 3}"#))
                        #expect(posted.status == .ok)
                        // The other replica sees it on its very next request.
                        let after = try await clientTwo.send(uri: "/recommends/99", method: .get).decode([RecommendationJSON].self)
                        #expect(!after.map(\.anime_id).contains(3), "just clicked, so seen")
                        #expect(after.first?.anime_id == 1)
                        #expect(after.first?.reason == .init(kind: "similar_to", anime_id: 3, name: "Gamma", genre: nil))
                    }
                }
            } catch {
                try? await second.close()
                throw error
            }
            try await second.close()
        }
    }
}
