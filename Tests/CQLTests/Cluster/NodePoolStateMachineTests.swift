import Testing

@testable import CQL

@Suite("Per-node multiplexed pool state machine")
struct NodePoolStateMachineTests {
    static func readyPool(connections: Int = 3, maxStreams: Int = 128) -> NodePoolStateMachine {
        var pool = NodePoolStateMachine(targetConnections: connections)
        guard case .openConnections(let ids) = pool.start() else { Issue.record("no connections opened"); return pool }
        for id in ids { _ = pool.connectionEstablished(id, maxStreams: maxStreams) }
        return pool
    }

    @Test("start opens the target number of connections; the first one marks the node up")
    func start() {
        var pool = NodePoolStateMachine(targetConnections: 2)
        #expect(pool.start() == .openConnections([0, 1]))
        #expect(pool.start() == nil)
        let (change, action) = pool.connectionEstablished(0, maxStreams: 128)
        #expect(change == .wentUp)
        #expect(action == nil)
        #expect(pool.connectionEstablished(1, maxStreams: 128).0 == nil)
        #expect(pool.ready.count == 2)
    }

    @Test("leases pick the least-loaded connection and respect the stream limit")
    func leastLoaded() {
        var pool = Self.readyPool(connections: 3, maxStreams: 2)
        let leases = (0..<6).compactMap { _ in pool.lease() }
        #expect(leases == [0, 1, 2, 0, 1, 2])
        #expect(pool.lease() == nil)
        pool.release(1)
        #expect(pool.lease() == 1)
        pool.release(2)
        pool.release(2)
        pool.release(0)
        #expect(pool.lease() == 2)
        #expect(pool.inFlight == 4)
    }

    @Test("losing every connection marks the node down and schedules backoff; attempts grow")
    func downAndBackoff() {
        var pool = Self.readyPool(connections: 2)
        #expect(pool.connectionClosed(0) == (nil, .scheduleReconnect(attempt: 0, generation: 1)))
        // Second close while a reconnect is pending: node down, no second timer.
        #expect(pool.connectionClosed(1) == (.wentDown, nil))
        #expect(!pool.isUp)
        #expect(pool.lease() == nil)
        // Timer fires: probe with one connection.
        #expect(pool.reconnectTimerFired(generation: 1) == .openConnections([2]))
        #expect(pool.connectionAttemptFailed(2) == (nil, .scheduleReconnect(attempt: 1, generation: 2)))
        #expect(pool.reconnectTimerFired(generation: 1) == nil)  // stale timer
        #expect(pool.reconnectTimerFired(generation: 2) == .openConnections([3]))
        #expect(pool.connectionAttemptFailed(3) == (nil, .scheduleReconnect(attempt: 2, generation: 3)))
        #expect(pool.reconnectTimerFired(generation: 3) == .openConnections([4]))
        // Success: up again, the rest of the pool is opened at once, backoff resets.
        #expect(pool.connectionEstablished(4, maxStreams: 128) == (.wentUp, .openConnections([5])))
        #expect(pool.failedAttempts == 0)
        #expect(pool.isUp)
    }

    @Test("an UP event reconnects immediately and cancels the pending backoff timer")
    func upEvent() {
        var pool = Self.readyPool(connections: 1)
        _ = pool.connectionClosed(0)
        #expect(!pool.isUp)
        #expect(pool.upEventReceived() == .openConnections([1]))
        #expect(pool.reconnectTimerFired(generation: 1) == nil)
        #expect(pool.upEventReceived() == nil)  // already connecting
    }

    @Test("a DOWN event is ignored while connections work, honoured when none do")
    func downEvent() {
        var pool = Self.readyPool(connections: 1)
        #expect(pool.downEventReceived() == nil)
        #expect(pool.isUp)
        var fresh = NodePoolStateMachine(targetConnections: 1)
        _ = fresh.start()
        #expect(fresh.downEventReceived() == .wentDown)
    }

    @Test("shutdown closes everything and refuses late connections")
    func shutdown() {
        var pool = Self.readyPool(connections: 2)
        _ = pool.connectionClosed(1)
        #expect(pool.shutdown() == .closeConnections([0]))
        #expect(pool.reconnectTimerFired(generation: 1) == nil)
        #expect(pool.connectionEstablished(9, maxStreams: 128) == (nil, .closeConnections([9])))
        #expect(pool.lease() == nil)
    }
}
