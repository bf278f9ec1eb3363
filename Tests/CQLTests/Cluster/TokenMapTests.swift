import NIOConcurrencyHelpers
import Testing

@testable import CQL

@Suite("Token map and replica placement")
struct TokenMapTests {
    static func placement(_ dc: String, _ rack: String, _ tokens: Int64...) -> CQLNodePlacement {
        CQLNodePlacement(dataCenter: dc, rack: rack, tokens: tokens.map(CQLToken.init(rawValue:)))
    }

    /// Three nodes with the evenly spaced tokens scripts/cassandra.sh gives a 3-node ring.
    static let threeNodes: [String: CQLNodePlacement] = [
        "n1": placement("datacenter1", "rack1", Int64.min),
        "n2": placement("datacenter1", "rack1", -3_074_457_345_618_258_603),
        "n3": placement("datacenter1", "rack1", 3_074_457_345_618_258_602),
    ]

    @Test("a key goes to the first token >= its token, wrapping around")
    func primaryOwner() {
        let map = CQLTokenMap(Self.threeNodes)
        #expect(map.primaryOwner(of: CQLToken(rawValue: .min)) == "n1")
        #expect(map.primaryOwner(of: CQLToken(rawValue: .min + 1)) == "n2")
        #expect(map.primaryOwner(of: CQLToken(rawValue: -3_074_457_345_618_258_603)) == "n2")
        #expect(map.primaryOwner(of: CQLToken(rawValue: 0)) == "n3")
        #expect(map.primaryOwner(of: CQLToken(rawValue: 3_074_457_345_618_258_603)) == "n1")
        #expect(map.primaryOwner(of: CQLToken(rawValue: .max)) == "n1")
        // int 42's token is -7160136740246525330: between n1 and n2.
        #expect(map.primaryOwner(of: CQLToken.murmur3([0, 0, 0, 42])) == "n2")
    }

    @Test("SimpleStrategy walks clockwise collecting distinct nodes")
    func simpleStrategy() {
        let map = CQLTokenMap(Self.threeNodes)
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: .simple(replicationFactor: 1)) == ["n3"])
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: .simple(replicationFactor: 2)) == ["n3", "n1"])
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: .simple(replicationFactor: 3)) == ["n3", "n1", "n2"])
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: .simple(replicationFactor: 5)) == ["n3", "n1", "n2"])
    }

    @Test("vnodes: distinct nodes are skipped over repeated owners")
    func vnodes() {
        let map = CQLTokenMap([
            "a": Self.placement("dc", "r", 0, 10, 20),
            "b": Self.placement("dc", "r", 5),
            "c": Self.placement("dc", "r", 30),
        ])
        #expect(map.replicas(for: CQLToken(rawValue: 1), strategy: .simple(replicationFactor: 2)) == ["b", "a"])
        #expect(map.replicas(for: CQLToken(rawValue: 6), strategy: .simple(replicationFactor: 2)) == ["a", "c"])
        #expect(map.replicas(for: CQLToken(rawValue: 31), strategy: .simple(replicationFactor: 3)) == ["a", "b", "c"])
        let precomputed = map.replicaMap(for: .simple(replicationFactor: 2))
        for raw in [-100, 0, 1, 5, 6, 11, 25, 30, 31] as [Int64] {
            let token = CQLToken(rawValue: raw)
            #expect(precomputed.replicas(for: token) == map.replicas(for: token, strategy: .simple(replicationFactor: 2)))
        }
    }

    @Test("NetworkTopologyStrategy takes RF per data center and prefers unused racks")
    func networkTopology() {
        let map = CQLTokenMap([
            "a1": Self.placement("dc1", "r1", 0),
            "a2": Self.placement("dc1", "r1", 10),
            "b1": Self.placement("dc2", "r1", 20),
            "a3": Self.placement("dc1", "r2", 30),
            "b2": Self.placement("dc2", "r2", 40),
            "a4": Self.placement("dc1", "r2", 50),
        ])
        let strategy = CQLReplicationStrategy.networkTopology(["dc1": 2, "dc2": 1])
        // From 0: a1 (dc1,r1), a2 skipped (r1 seen), b1 (dc2), a3 (dc1,r2).
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: strategy) == ["a1", "b1", "a3"])
        // dc1 RF 3 with 2 racks: a1, a3 (new rack), then the skipped a2 once both racks are used.
        let rf3 = CQLReplicationStrategy.networkTopology(["dc1": 3])
        #expect(map.replicas(for: CQLToken(rawValue: 0), strategy: rf3) == ["a1", "a3", "a2"])
        // A data center absent from the options gets nothing; RF above the node count is capped.
        #expect(map.replicas(for: CQLToken(rawValue: 15), strategy: .networkTopology(["dc2": 5])) == ["b1", "b2"])
        // Unknown data center: no replicas at all.
        #expect(map.replicas(for: CQLToken(rawValue: 15), strategy: .networkTopology(["dc9": 1])).isEmpty)
    }

    @Test("replication parsed from 1.2 schema_keyspaces and 3.0+ system_schema.keyspaces")
    func replicationParsing() {
        #expect(
            CQLReplicationStrategy(
                strategyClass: "org.apache.cassandra.locator.SimpleStrategy",
                strategyOptionsJSON: #"{"replication_factor":"3"}"#
            ) == .simple(replicationFactor: 3)
        )
        #expect(
            CQLReplicationStrategy(
                strategyClass: "org.apache.cassandra.locator.NetworkTopologyStrategy",
                strategyOptionsJSON: #"{"dc1":"3","dc2":"2"}"#
            ) == .networkTopology(["dc1": 3, "dc2": 2])
        )
        #expect(
            CQLReplicationStrategy(strategyClass: "org.apache.cassandra.locator.LocalStrategy", strategyOptionsJSON: "{}")
                == .local
        )
        #expect(
            CQLReplicationStrategy(replication: [
                "class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3/1",
            ]) == .networkTopology(["dc1": 3])
        )
        #expect(
            CQLReplicationStrategy(replication: ["class": "SimpleStrategy", "replication_factor": "2"])
                == .simple(replicationFactor: 2)
        )
    }
}

@Suite("Row decoding into Swift types")
struct RowDecodingTests {
    @Test("rows decode positionally into tuples, nulls into optionals")
    func tuples() throws {
        guard case .rows(let rows) = try MockCluster.rows(
            [("id", .int), ("title", .varchar), ("score", .double)],
            [[.int(5114), .text("Fullmetal Alchemist"), .double(9.1)], [.int(1), .text("x"), .null]]
        ) else {
            Issue.record("no rows")
            return
        }
        let decoded = try rows.decode(Int32.self, String.self, Double?.self)
        #expect(decoded.count == 2)
        #expect(decoded[0].0 == 5114 && decoded[0].1 == "Fullmetal Alchemist" && decoded[0].2 == 9.1)
        #expect(decoded[1].2 == nil)
        #expect(throws: CQLError.self) { try rows.rows[1].decode(Int32.self, String.self, Double.self) }
    }
}

@Suite("Demand-driven row sequence")
struct RowSequenceTests {
    @Test("a page is fetched only when the previous one is consumed, with the previous page's state")
    func pagesOnDemand() async throws {
        let page = try #require(
            try MockCluster.rows([("n", .int)], [[.int(1)], [.int(2)]]).rows
        )
        let fetched = NIOLockedValueBox<[CQLRowSequence.Cursor?]>([])
        let sequence = CQLRowSequence { cursor in
            let count = fetched.withLockedValue { calls in
                calls.append(cursor)
                return calls.count
            }
            return (page.rows, count < 3 ? .pagingState([UInt8(count)]) : nil)
        }
        var iterator = sequence.makeAsyncIterator()
        #expect(fetched.withLockedValue { $0.count } == 0)
        _ = try await iterator.next()
        _ = try await iterator.next()
        #expect(fetched.withLockedValue { $0.count } == 1)
        _ = try await iterator.next()
        #expect(fetched.withLockedValue { $0.count } == 2)
        var rest = 0
        while try await iterator.next() != nil { rest += 1 }
        #expect(rest == 3)
        let cursors = fetched.withLockedValue { $0 }
        #expect(cursors.count == 3)
        guard case .none = cursors[0], case .pagingState([1]) = cursors[1], case .pagingState([2]) = cursors[2] else {
            Issue.record("unexpected cursors \(cursors)")
            return
        }
    }
}
