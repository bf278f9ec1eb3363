/// The connection pool of one node, as a pure state machine (no I/O, no clock).
///
/// A node keeps ``targetConnections`` multiplexed connections. Requests lease the least-loaded ready
/// connection that still has a free stream. When connections fail the machine asks for a reconnection
/// after an exponentially growing delay (the attempt number is in the action; the runtime turns it
/// into a duration with ``CQLReconnectionPolicy`` and its injected clock). A node is *down* when it
/// has no ready connection and its last connection attempt failed; it is *up* again as soon as one
/// connection is established.
struct NodePoolStateMachine: Sendable {
    typealias ConnectionID = Int

    struct Slot: Hashable, Sendable {
        var id: ConnectionID
        var inFlight: Int
        var maxStreams: Int
    }

    enum Health: Hashable, Sendable {
        /// Never connected yet.
        case unknown
        case up
        case down
    }

    /// Side effects for the runtime to perform.
    enum Action: Hashable, Sendable {
        /// Open these new connections.
        case openConnections([ConnectionID])
        /// Call ``reconnectTimerFired(generation:)`` after the backoff delay for `attempt`.
        case scheduleReconnect(attempt: Int, generation: Int)
        /// Close these connections (shutdown).
        case closeConnections([ConnectionID])
    }

    /// A change in the node's health the runtime reports (logs, metrics, re-preparing statements).
    enum HealthChange: Hashable, Sendable {
        case wentUp
        case wentDown
    }

    let targetConnections: Int
    private(set) var ready: [Slot] = []
    private(set) var connecting: Set<ConnectionID> = []
    private(set) var health: Health = .unknown
    private(set) var failedAttempts = 0
    private var reconnectGeneration = 0
    private var reconnectPending = false
    private var nextID: ConnectionID = 0
    private(set) var isShutDown = false

    init(targetConnections: Int) {
        self.targetConnections = max(1, targetConnections)
    }

    var isUp: Bool { self.health != .down }
    var inFlight: Int { self.ready.reduce(0) { $0 + $1.inFlight } }

    private mutating func newIDs(_ count: Int) -> [ConnectionID] {
        (0..<count).map { _ in
            defer { self.nextID += 1 }
            self.connecting.insert(self.nextID)
            return self.nextID
        }
    }

    private var missing: Int { max(0, self.targetConnections - self.ready.count - self.connecting.count) }

    /// Start: open the configured number of connections.
    mutating func start() -> Action? {
        guard !self.isShutDown, self.missing > 0 else { return nil }
        return .openConnections(self.newIDs(self.missing))
    }

    /// A connection finished its handshake.
    mutating func connectionEstablished(_ id: ConnectionID, maxStreams: Int) -> (HealthChange?, Action?) {
        guard self.connecting.remove(id) != nil, !self.isShutDown else {
            return (nil, .closeConnections([id]))
        }
        self.ready.append(Slot(id: id, inFlight: 0, maxStreams: maxStreams))
        self.failedAttempts = 0
        let change: HealthChange? = self.health == .up ? nil : .wentUp
        self.health = .up
        // The first success after an outage: fill the pool at once instead of waiting for backoff.
        if self.missing > 0 {
            self.reconnectPending = false
            self.reconnectGeneration += 1
            return (change, .openConnections(self.newIDs(self.missing)))
        }
        return (change, nil)
    }

    /// A connection attempt failed.
    mutating func connectionAttemptFailed(_ id: ConnectionID) -> (HealthChange?, Action?) {
        guard self.connecting.remove(id) != nil else { return (nil, nil) }
        return self.lostCapacity(failedAttempt: true)
    }

    /// An established connection closed or broke.
    mutating func connectionClosed(_ id: ConnectionID) -> (HealthChange?, Action?) {
        guard let index = self.ready.firstIndex(where: { $0.id == id }) else {
            return self.connectionAttemptFailed(id)
        }
        self.ready.remove(at: index)
        return self.lostCapacity(failedAttempt: false)
    }

    private mutating func lostCapacity(failedAttempt: Bool) -> (HealthChange?, Action?) {
        guard !self.isShutDown else { return (nil, nil) }
        if failedAttempt { self.failedAttempts += 1 }
        var change: HealthChange?
        if self.ready.isEmpty && self.connecting.isEmpty && self.health != .down {
            self.health = .down
            change = .wentDown
        }
        guard self.missing > 0, !self.reconnectPending else { return (change, nil) }
        if self.connecting.isEmpty {
            self.reconnectPending = true
            self.reconnectGeneration += 1
            return (change, .scheduleReconnect(attempt: self.failedAttempts, generation: self.reconnectGeneration))
        }
        return (change, nil)
    }

    /// The backoff timer for `generation` fired.
    mutating func reconnectTimerFired(generation: Int) -> Action? {
        guard generation == self.reconnectGeneration, self.reconnectPending, !self.isShutDown else { return nil }
        self.reconnectPending = false
        guard self.missing > 0 else { return nil }
        // While down, probe with a single connection; fill the rest once it succeeds.
        let count = self.ready.isEmpty ? 1 : self.missing
        return .openConnections(self.newIDs(count))
    }

    /// The cluster reported the node UP (STATUS_CHANGE / TOPOLOGY_CHANGE NEW_NODE): reconnect now.
    mutating func upEventReceived() -> Action? {
        guard !self.isShutDown, self.ready.isEmpty, self.connecting.isEmpty else { return nil }
        self.failedAttempts = 0
        self.reconnectPending = false
        self.reconnectGeneration += 1
        return .openConnections(self.newIDs(1))
    }

    /// The cluster reported the node DOWN. Live connections are trusted over gossip; without any the
    /// node is marked down at once.
    mutating func downEventReceived() -> HealthChange? {
        guard self.ready.isEmpty, self.health != .down else { return nil }
        self.health = .down
        return .wentDown
    }

    /// Leases the least-loaded ready connection that has a free stream.
    mutating func lease() -> ConnectionID? {
        let candidates = self.ready.indices.filter { self.ready[$0].inFlight < self.ready[$0].maxStreams }
        guard let best = candidates.min(by: { self.ready[$0].inFlight < self.ready[$1].inFlight }) else { return nil }
        self.ready[best].inFlight += 1
        return self.ready[best].id
    }

    /// Returns a stream leased with ``lease()``.
    mutating func release(_ id: ConnectionID) {
        guard let index = self.ready.firstIndex(where: { $0.id == id }) else { return }
        self.ready[index].inFlight = max(0, self.ready[index].inFlight - 1)
    }

    /// Shut the pool down: every connection is closed, no more reconnections.
    mutating func shutdown() -> Action? {
        guard !self.isShutDown else { return nil }
        self.isShutDown = true
        let ids = self.ready.map(\.id) + self.connecting.sorted()
        self.ready = []
        self.connecting = []
        return ids.isEmpty ? nil : .closeConnections(ids)
    }
}
