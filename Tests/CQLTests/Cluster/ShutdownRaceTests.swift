import Logging
import NIOConcurrencyHelpers
import Testing

@testable import CQL

/// A gate that holds callers until it opens.
final class Gate: Sendable {
    private let state = NIOLockedValueBox((open: false, waiters: [CheckedContinuation<Void, Never>]()))

    var waiting: Int { state.withLockedValue { $0.waiters.count } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let open = state.withLockedValue { state -> Bool in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite("CQLClient shutdown never waits for a connection that opened after it", .timeLimit(.minutes(1)))
struct ShutdownRaceTests {
    @Test func aConnectionThatOpensDuringShutdownIsClosedAndRunReturns() async throws {
        let clock = ManualClock()
        let cluster = MockCluster(clock: clock)
        let gate = Gate()
        let base = cluster.factory
        // Pool connections to the second node are held until after the shutdown began.
        let factory = ClusterConnectionFactory(
            connect: { node, version, logger in
                if node.host == MockCluster.hosts[1] { await gate.wait() }
                return try await base.connect(node, version, logger)
            },
            connectControl: base.connectControl)
        var configuration = CQLClient.Configuration(contactPoints: [MockCluster.hosts[0]])
        configuration.connectionsPerNodeV1V2 = 2
        let client = CQLClient(
            configuration: configuration, factory: factory, clock: clock, random: { 0.5 }, logger: Logger(label: "cql.test"))
        let running = Task { try await client.run() }
        try await client.waitUntilReady()
        #expect(await eventually { gate.waiting == 2 }, "both pool connections to the second node are being opened")
        running.cancel()
        // The shutdown closed everything it knew of; now the held connections finish opening.
        gate.open()
        _ = await running.result  // before the fix: never returned (their watchers waited forever)
        let connections = cluster.state.withLockedValue { $0.connections.values.flatMap { $0 } }
        #expect(connections.count >= 5)
        #expect(connections.allSatisfy { $0.isClosed }, "every connection the cluster handed out is closed")
    }
}
