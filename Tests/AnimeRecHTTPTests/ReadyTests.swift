import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@Suite("/ready says why a replica cannot serve yet")
struct ReadyTests {
    @Test func readyNeedsACatalogueAndALiveRun() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-ready-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await SQLiteStore.open(.init(path: dir.appendingPathComponent("db.sqlite").path), logger: Logger(label: "test"))
        let app = Application(router: buildRouter(store: store, storeName: "sqlite", metrics: Fixture.metrics))
        do {
            try await app.test(.router) { client in
                var response = try await client.send(uri: "/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try response.errorCode() == "not_ready")
                #expect(try response.decode(ErrorBody.self).error.message.contains("no catalogue"))
                #expect(response.headers[.retryAfter] != nil)
                try await store.upsertAnime(Fixture.catalogue)
                response = try await client.send(uri: "/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try response.decode(ErrorBody.self).error.message.contains("no model run"))
                try await store.createRun(ModelRun(id: "r9", createdAt: 1, ranker: nil))
                try await store.recordProgress(run: "r9", RunProgress.Part(stage: .complete, part: 0, total: 1))
                try await store.activate(run: "r9")
                response = try await client.send(uri: "/ready", method: .get)
                #expect(response.status == .ok)
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
