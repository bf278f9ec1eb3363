import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import AnimeRecTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The fixture store, except that a full catalogue read (the snapshot's load, the whole table or
/// a run's copy) never finishes and is counted, and reads of the live-run pointer are counted.
final class StuckCatalogue: Sendable {
    let fullReads = NIOLockedValueBox(0)
    /// Reads of the live-run pointer alone (`liveRunID()`).
    let pointerReads = NIOLockedValueBox(0)

    func store(_ inner: SQLiteStore) -> FaultyStore<SQLiteStore> {
        FaultyStore(inner) { [self] operation in
            switch operation {
            case .loadSnapshot, .allAnime, .catalogue:
                fullReads.withLockedValue { $0 += 1 }
                while true { try await Task.sleep(for: .seconds(3600)) }
            case .liveRunID:
                pointerReads.withLockedValue { $0 += 1 }
            default:
                break
            }
        }
    }
}

@Suite("The catalogue snapshot is never read on the request path")
struct CatalogueSnapshotTests {
    @Test(.timeLimit(.minutes(1)))
    func requestsNeverWaitForAFullCatalogueRead() async throws {
        let (inner, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stuck = StuckCatalogue()
        let store = stuck.store(inner)
        let app = Application(router: buildRouter(store: store, storeName: "stuck", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            // The first request starts the one background load (which never finishes here) and is
            // answered from per-id reads, exactly as with a snapshot.
            for _ in 0..<3 {
                let list = try await client.send(uri: "/recommends/10", method: .get).decode([RecommendationJSON].self)
                #expect(list.map(\.anime_id).prefix(2) == [3, 2])
                #expect(list[1].reason == .init(kind: "similar_to", anime_id: 1, name: "Alpha", genre: nil))
                #expect(try await client.send(uri: "/sim/1", method: .get).decode([AnimeJSON].self).map(\.anime_id) == [2, 3])
                #expect(try await client.send(uri: "/anime/7", method: .get).status == .ok)
                let posted = try await client.send(
                    uri: "/clicks", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"user_id": 77, "anime_id": 4}"#))
                #expect(posted.status == .ok)
            }
        }
        #expect(stuck.fullReads.withLockedValue { $0 } == 1, "one background load, never one per request")
        try await inner.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func similarSharesOnePointerReadPerSecond() async throws {
        let (inner, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stuck = StuckCatalogue()
        let store = stuck.store(inner)
        let app = Application(router: buildRouter(store: store, storeName: "stuck", metrics: Fixture.metrics))
        let started = ContinuousClock.now
        try await app.test(.router) { client in
            for _ in 0..<20 {
                let similar = try await client.send(uri: "/sim/1", method: .get).decode([AnimeJSON].self)
                #expect(similar.map(\.anime_id) == [2, 3])
            }
        }
        // One read per one-second window the requests spanned (a window of ⌊t⌋ + 2 at most), not 20.
        let windows = Int(started.duration(to: .now) / .seconds(1)) + 2
        let reads = stuck.pointerReads.withLockedValue { $0 }
        #expect(reads >= 1 && reads <= windows, "\(reads) pointer reads for 20 requests in at most \(windows) windows")
        try await inner.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func aRunSwitchReachesSimilar() async throws {
        let (store, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = Application(router: buildRouter(store: store, storeName: "sqlite", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            #expect(try await client.send(uri: "/sim/1", method: .get).decode([AnimeJSON].self).map(\.anime_id) == [2, 3])
            try await store.createRun(ModelRun(id: "r2", createdAt: 2, ranker: nil))
            try await store.writeCatalogue(run: "r2", Fixture.catalogue)
            try await store.writeNeighbors(run: "r2", [(AnimeID(1), [ScoredAnime(anime: AnimeID(4), score: 0.9)])])
            try await store.recordProgress(run: "r2", RunProgress.Part(stage: .complete, part: 0, total: 1))
            try await store.activate(run: "r2")
            // Seen once the pointer's one-second window turns (the bound is loose for slow machines).
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            var seen: [Int] = []
            while ContinuousClock.now < deadline {
                seen = try await client.send(uri: "/sim/1", method: .get).decode([AnimeJSON].self).map(\.anime_id)
                if seen == [4] { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(seen == [4])
        }
        try await store.close()
    }
}
