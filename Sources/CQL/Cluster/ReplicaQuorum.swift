/// How many replicas a consistency level needs, and whether the replicas the client knows to be up
/// can still meet it.
///
/// A request whose replicas the client *knows* to be down (every connection to them closed and the
/// last reconnection refused) cannot be served by any coordinator: the coordinators either answer
/// `Unavailable` or, until gossip convicts the nodes, wait for them until their own timeouts. The
/// client fails such a request before sending it, so a caller hears "unavailable" in microseconds,
/// not after the retry budget. Replicas the client has not connected to yet count as up: only
/// what it has seen fail counts against a request.
struct ReplicaQuorum: Sendable, Hashable {
    /// A replica of the request's partition (or, for a request without a routing key, a node of the
    /// keyspace's data centers) as the client sees it.
    struct Replica: Sendable, Hashable {
        var dataCenter: String
        var isKnownDown: Bool
    }

    /// What a request needs that the client knows it cannot have.
    struct Shortfall: Sendable, Hashable, CustomStringConvertible {
        var consistency: Consistency
        /// Replicas the consistency level needs (in ``dataCenter`` when it is set).
        var required: Int
        /// Replicas that are not known to be down.
        var alive: Int
        /// The data center that lacks replicas, for per-data-center levels.
        var dataCenter: String?

        var description: String {
            let scope = self.dataCenter.map { " in data center \($0)" } ?? ""
            return "\(self.consistency) needs \(self.required) replica(s)\(scope) and \(self.alive) are up as far as this client can tell"
        }
    }

    /// The shortfall of a request at `consistency` against `replicas` of a keyspace placed by
    /// `strategy`; `nil` when the request may succeed or the client cannot tell.
    ///
    /// - Parameters:
    ///   - replicas: the partition's replicas for a routed request; every node of the cluster
    ///     otherwise (an upper bound of the replicas up for any partition).
    ///   - localDataCenter: the client's data center, for the `LOCAL_*` levels.
    static func shortfall(
        consistency: Consistency, strategy: CQLReplicationStrategy, replicas: [Replica], localDataCenter: String?
    ) -> Shortfall? {
        let factors: [String: Int]?
        let total: Int
        switch strategy {
        case .simple(let factor):
            factors = nil
            total = factor
        case .networkTopology(let perDataCenter):
            factors = perDataCenter
            total = perDataCenter.values.reduce(0, +)
        case .local, .unknown:
            return nil
        }
        let placed = factors.map { factors in replicas.filter { factors[$0.dataCenter] != nil } } ?? replicas
        func check(_ required: Int, among candidates: [Replica], dataCenter: String? = nil) -> Shortfall? {
            let alive = candidates.filter { !$0.isKnownDown }.count
            guard alive < required else { return nil }
            return Shortfall(consistency: consistency, required: required, alive: alive, dataCenter: dataCenter)
        }
        func inDataCenter(_ name: String) -> [Replica] { placed.filter { $0.dataCenter == name } }

        switch consistency {
        case .one: return check(1, among: placed)
        case .two: return check(2, among: placed)
        case .three: return check(3, among: placed)
        case .quorum, .serial: return check(Self.quorum(of: total), among: placed)
        case .all: return check(total, among: placed)
        case .localQuorum, .localSerial, .localOne:
            guard let factors, let local = localDataCenter, let factor = factors[local] else { return nil }
            let required = consistency == .localOne ? 1 : Self.quorum(of: factor)
            return check(required, among: inDataCenter(local), dataCenter: local)
        case .eachQuorum:
            guard let factors else { return nil }
            for (dataCenter, factor) in factors.sorted(by: { $0.key < $1.key }) {
                if let shortfall = check(Self.quorum(of: factor), among: inDataCenter(dataCenter), dataCenter: dataCenter) {
                    return shortfall
                }
            }
            return nil
        default:
            // ANY is met by a hint on the coordinator; unknown levels are left to the server.
            return nil
        }
    }

    /// A majority of `factor` replicas.
    static func quorum(of factor: Int) -> Int { factor / 2 + 1 }
}
