import Testing

@testable import CQL

@Suite("ReplicaQuorum: what a consistency level needs of the replicas the client knows to be up")
struct ReplicaQuorumTests {
    typealias Replica = ReplicaQuorum.Replica

    static func replicas(_ states: [(String, Bool)]) -> [Replica] {
        states.map { Replica(dataCenter: $0.0, isKnownDown: $0.1) }
    }

    @Test("SimpleStrategy RF 3: QUORUM and ALL fall short as replicas go down, ONE only when none is left")
    func simpleStrategy() {
        let strategy = CQLReplicationStrategy.simple(replicationFactor: 3)
        func shortfall(_ consistency: Consistency, down: Int) -> ReplicaQuorum.Shortfall? {
            let replicas = (0..<3).map { Replica(dataCenter: "dc1", isKnownDown: $0 < down) }
            return ReplicaQuorum.shortfall(consistency: consistency, strategy: strategy, replicas: replicas, localDataCenter: nil)
        }
        #expect(shortfall(.quorum, down: 0) == nil)
        #expect(shortfall(.quorum, down: 1) == nil)
        #expect(shortfall(.quorum, down: 2) == ReplicaQuorum.Shortfall(consistency: .quorum, required: 2, alive: 1))
        #expect(shortfall(.all, down: 1)?.required == 3)
        #expect(shortfall(.one, down: 2) == nil)
        #expect(shortfall(.one, down: 3)?.alive == 0)
        #expect(shortfall(.two, down: 2)?.required == 2)
        #expect(shortfall(.three, down: 1) != nil)
        #expect(shortfall(.serial, down: 2)?.required == 2)
        // ANY is met by a hint on any coordinator.
        #expect(shortfall(.any, down: 3) == nil)
    }

    @Test("a factor above the nodes the client knows falls short like Cassandra's own Unavailable")
    func factorAboveTheRing() {
        let one = Self.replicas([("dc1", false)])
        #expect(ReplicaQuorum.shortfall(consistency: .quorum, strategy: .simple(replicationFactor: 3), replicas: one, localDataCenter: nil)?.required == 2)
        #expect(ReplicaQuorum.shortfall(consistency: .one, strategy: .simple(replicationFactor: 3), replicas: one, localDataCenter: nil) == nil)
    }

    @Test("NetworkTopologyStrategy: LOCAL_QUORUM counts the local data center only; EACH_QUORUM every one; other data centers never count")
    func networkTopology() {
        let strategy = CQLReplicationStrategy.networkTopology(["dc1": 3, "dc2": 3])
        let replicas = Self.replicas([
            ("dc1", true), ("dc1", true), ("dc1", false), ("dc2", false), ("dc2", false), ("dc2", false), ("dc3", false),
        ])
        let local = ReplicaQuorum.shortfall(consistency: .localQuorum, strategy: strategy, replicas: replicas, localDataCenter: "dc1")
        #expect(local == ReplicaQuorum.Shortfall(consistency: .localQuorum, required: 2, alive: 1, dataCenter: "dc1"))
        #expect(ReplicaQuorum.shortfall(consistency: .localQuorum, strategy: strategy, replicas: replicas, localDataCenter: "dc2") == nil)
        #expect(ReplicaQuorum.shortfall(consistency: .localOne, strategy: strategy, replicas: replicas, localDataCenter: "dc1") == nil)
        #expect(ReplicaQuorum.shortfall(consistency: .eachQuorum, strategy: strategy, replicas: replicas, localDataCenter: "dc2")?.dataCenter == "dc1")
        // QUORUM of 6 needs 4: dc1's one and dc2's three are up (dc3 holds no replica).
        #expect(ReplicaQuorum.shortfall(consistency: .quorum, strategy: strategy, replicas: replicas, localDataCenter: "dc1") == nil)
        let worse = Self.replicas([("dc1", true), ("dc1", true), ("dc1", true), ("dc2", false), ("dc2", false), ("dc2", false), ("dc3", false)])
        #expect(ReplicaQuorum.shortfall(consistency: .quorum, strategy: strategy, replicas: worse, localDataCenter: "dc1")?.alive == 3)
        // Without a known local data center, LOCAL_* levels are left to the server.
        #expect(ReplicaQuorum.shortfall(consistency: .localQuorum, strategy: strategy, replicas: worse, localDataCenter: nil) == nil)
    }

    @Test("strategies the client does not model are left to the server")
    func unknownStrategies() {
        let down = Self.replicas([("dc1", true)])
        #expect(ReplicaQuorum.shortfall(consistency: .quorum, strategy: .local, replicas: down, localDataCenter: nil) == nil)
        #expect(ReplicaQuorum.shortfall(consistency: .quorum, strategy: .unknown("Custom"), replicas: down, localDataCenter: nil) == nil)
    }
}
