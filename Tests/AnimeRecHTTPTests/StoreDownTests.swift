import AnimeRecCore
import AnimeRecServer
import AnimeRecStore
import AnimeRecTestSupport
import CQL
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The fixture store, with every call failing with `failure`: unreachable, as a store that went
/// down would, or broken, as a bug would.
enum FailingStore {
    struct Bug: Error {}

    static func unreachable(_ inner: SQLiteStore) -> FaultyStore<SQLiteStore> {
        FaultyStore(inner) { _ in throw StoreError.unreachable("no node answered") }
    }

    static func broken(_ inner: SQLiteStore) -> FaultyStore<SQLiteStore> {
        FaultyStore(inner) { _ in throw Bug() }
    }
}

@Suite("A store that is down gives 503 with Retry-After; any other failure is a 500")
struct StoreDownTests {
    @Test func everyStoreBackedRouteAnswers503() async throws {
        let (inner, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = Application(router: buildRouter(store: FailingStore.unreachable(inner), storeName: "down", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            let requests: [(String, HTTPRequest.Method, ByteBuffer?)] = [
                ("/recall/1", .get, nil), ("/rank/1", .get, nil), ("/recommends/1", .get, nil), ("/sim/1", .get, nil),
                ("/anime/1", .get, nil), ("/ready", .get, nil),
                ("/clicks", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
                ("/views", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
            ]
            for (uri, method, body) in requests {
                let response = try await client.send(uri: uri, method: method, headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .serviceUnavailable, "\(method) \(uri)")
                #expect(response.headers[.retryAfter] == "1", "\(method) \(uri)")
                #expect(try response.errorCode() == "store_unavailable", "\(method) \(uri)")
            }
            // Liveness and bad input do not depend on the store.
            #expect(try await client.send(uri: "/health", method: .get).status == .ok)
            #expect(try await client.send(uri: "/recall/x", method: .get).status == .badRequest)
        }
        try await inner.close()
    }

    @Test func aStoreBugIsA500NotARetryLater() async throws {
        let (inner, dir) = try await Fixture.makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = Application(router: buildRouter(store: FailingStore.broken(inner), storeName: "broken", metrics: Fixture.metrics))
        try await app.test(.router) { client in
            let requests: [(String, HTTPRequest.Method, ByteBuffer?)] = [
                ("/recall/1", .get, nil), ("/rank/1", .get, nil), ("/recommends/1", .get, nil), ("/sim/1", .get, nil),
                ("/anime/1", .get, nil), ("/trending", .get, nil),
                ("/clicks", .post, ByteBuffer(string: #"{"user_id": 1, "anime_id": 1}"#)),
            ]
            for (uri, method, body) in requests {
                let response = try await client.send(uri: uri, method: method, headers: [.contentType: "application/json"], body: body)
                #expect(response.status == .internalServerError, "\(method) \(uri)")
                #expect(response.headers[.retryAfter] == nil, "\(method) \(uri)")
                #expect(try response.errorCode() == "internal", "\(method) \(uri)")
            }
            // Readiness still says "do not send traffic here".
            #expect(try await client.send(uri: "/ready", method: .get).status == .serviceUnavailable)
        }
        try await inner.close()
    }

    @Test(arguments: [
        (StoreError.unreachable("x") as any Error, true), (CQLError(.readTimeout, "t") as any Error, true),
        (CQLClusterError(.noNodeAvailable, "none") as any Error, true), (CQLError(.invalid, "bad") as any Error, false),
        (StoreError.unknownRun("r") as any Error, false), (FailingStore.Bug() as any Error, false),
        // The request path's SQLite reads: busy (also its extended code for a WAL in recovery) and
        // I/O errors are "not now"; a generic error or a misuse is a bug.
        (SQLiteStatementError(code: 5, message: "busy") as any Error, true), (SQLiteStatementError(code: 261, message: "busy recovery") as any Error, true),
        (SQLiteStatementError(code: 10, message: "I/O") as any Error, true), (SQLiteStatementError(code: 1, message: "error") as any Error, false),
        (SQLiteStatementError(code: 21, message: "misuse") as any Error, false),
    ])
    func storeFailuresAreSortedIntoUnavailableAndBugs(error: any Error, unavailable: Bool) {
        #expect(StoreFailure.isUnavailable(error) == unavailable, "\(error)")
    }
}
