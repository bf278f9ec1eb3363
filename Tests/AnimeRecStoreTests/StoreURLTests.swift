import AnimeRecStore
import Testing

@Suite("Store URLs and shard specs")
struct StoreURLTests {
    @Test func sqliteForms() throws {
        #expect(try StoreURL(parsing: "sqlite:./animerec.sqlite") == .sqlite(path: "./animerec.sqlite"))
        #expect(try StoreURL(parsing: "sqlite:///var/lib/a.db") == .sqlite(path: "/var/lib/a.db"))
        #expect(StoreURL.defaultValue.description == "sqlite:./animerec.sqlite")
    }

    @Test func cassandraDefaultsAndOptions() throws {
        guard case .cassandra(let plain) = try StoreURL(parsing: "cassandra://127.0.0.1/animerec") else {
            Issue.record("not cassandra")
            return
        }
        #expect(plain.description == "cassandra://127.0.0.1/animerec?consistency=quorum&replication=1")
        #expect(plain.replication.cql == "{'class': 'SimpleStrategy', 'replication_factor': 1}")
        guard case .cassandra(let full) = try StoreURL(
            parsing: "cassandra://a.example:9043,b.example:9043/recs?dc=eu_west&replication=eu_west:3,us:2")
        else {
            Issue.record("not cassandra")
            return
        }
        #expect(full.hosts.map(\.host) == ["a.example", "b.example"])
        #expect(full.hosts.map(\.port) == [9043, 9043])
        #expect(full.dataCenter == "eu_west")
        #expect(full.description.contains("consistency=local_quorum"), "dc= makes LOCAL_QUORUM the default")
        #expect(full.replication.cql == "{'class': 'NetworkTopologyStrategy', 'eu_west': 3, 'us': 2}")
        guard case .cassandra(let one) = try StoreURL(parsing: "cassandra://h/k?consistency=ONE&dc=x") else { return }
        #expect(one.description.hasPrefix("cassandra://h/k?consistency=one&dc=x"))
    }

    @Test(arguments: [
        ("postgres://x/y", "must start with sqlite: or cassandra://"),
        ("sqlite:", "needs a file path"),
        ("cassandra://", "needs /KEYSPACE"),
        ("cassandra:///ks", "at least one host"),
        ("cassandra://h:99999/ks", "port '99999'"),
        ("cassandra://h:x/ks", "port 'x'"),
        ("cassandra://h/1ks", "keyspace '1ks'"),
        ("cassandra://h/ks;drop", "keyspace 'ks;drop'"),
        ("cassandra://h/ks?consistency=most", "consistency 'most'"),
        ("cassandra://h/ks?replication=0", "replication factor 0"),
        ("cassandra://h/ks?replication=dc1", "replication 'dc1'"),
        ("cassandra://h/ks?colour=blue", "unknown cassandra:// URL parameter 'colour'"),
        ("cassandra://h h/ks", "host 'h h'"),
    ])
    func badURLsNameThePartThatIsWrong(url: String, expected: String) {
        do {
            _ = try StoreURL(parsing: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func shardsSplitTheRingIntoEqualRanges() throws {
        let whole = ScanShard.all
        #expect(whole.tokenRange == (Int64.min, Int64.max))
        let halves = try (0..<2).map { try ScanShard(index: $0, count: 2) }
        #expect(halves[0].tokenRange == (Int64.min, -1))
        #expect(halves[1].tokenRange == (-1, Int64.max))
        #expect(halves[0].contains(token: .min) && !halves[1].contains(token: .min))
        #expect(halves[0].contains(token: -1) && !halves[1].contains(token: -1))
        #expect(halves[1].contains(token: 0) && halves[1].contains(token: .max))
        // Every user in exactly one of three shards; the split is roughly even.
        let thirds = try (0..<3).map { try ScanShard(index: $0, count: 3) }
        var counts = [0, 0, 0]
        for user in Int64(0)..<3000 {
            let owners = thirds.indices.filter { thirds[$0].contains(user) }
            #expect(owners.count == 1)
            counts[owners[0]] += 1
        }
        #expect(counts.allSatisfy { (800...1200).contains($0) }, "\(counts)")
        // Cassandra's token of bigint 42, from the brief's vectors (8-byte big-endian key).
        #expect(ScanShard.token(ofUser: 1) != ScanShard.token(ofUser: 2))
    }

    @Test func probeKeysLandJustBelowTheBoundary() throws {
        let shard = try ScanShard(index: 1, count: 4)
        let lower = shard.tokenRange.lower
        let key = ScanShard.probeKey(atOrBelow: lower)
        let token = ScanShard.token(ofUser: key)
        #expect(token <= lower)
        #expect(lower - token < Int64(1) << 52, "within 2^52 of the boundary")
    }

    @Test(arguments: ["0/2", "3/2", "1/0", "a/b", "1", "1/2/3", "-1/2"])
    func badShardsAreRefused(text: String) {
        #expect(throws: ScanShardError.self) { try ScanShard(parsing: text) }
    }

    @Test func shardSpecsAreOneBased() throws {
        #expect(try ScanShard(parsing: "1/2") == ScanShard(index: 0, count: 2))
        #expect(try ScanShard(parsing: "2/2").description == "2/2")
    }
}
