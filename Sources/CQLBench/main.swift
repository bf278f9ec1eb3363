// Benchmark of the CQL client against a running node: prepared INSERT and SELECT with 1 and 64
// requests in flight. Run through bench/cql.sh (which starts a node and builds in release).
//
// Usage: CQLBench [--hosts 127.0.0.1] [--count 20000] [--warmup 1000] [--replication 1] [--consistency one]
//        [--concurrency 1,64]
import CQL
import Foundation
import Logging

struct Options {
    var hosts = ["127.0.0.1"]
    var count = 20_000
    var warmup = 1_000
    /// The bench keyspace's replication factor (SimpleStrategy).
    var replication = 1
    /// Consistency of every statement.
    var consistency = Consistency.one
    /// Requests in flight, one case each.
    var concurrency = [1, 64]

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--hosts": self.hosts = (iterator.next() ?? "").split(separator: ",").map(String.init)
            case "--count": self.count = Int(iterator.next() ?? "") ?? self.count
            case "--warmup": self.warmup = Int(iterator.next() ?? "") ?? self.warmup
            case "--replication":
                guard let factor = Int(iterator.next() ?? ""), (1...9).contains(factor) else {
                    throw CQLClusterError(.invalidRequest, "--replication takes a factor from 1 to 9")
                }
                self.replication = factor
            case "--consistency":
                let name = iterator.next() ?? ""
                guard let level = Self.consistencies[name.lowercased()] else {
                    throw CQLClusterError(.invalidRequest, "--consistency takes one of \(Self.consistencies.keys.sorted().joined(separator: ", ")), not '\(name)'")
                }
                self.consistency = level
            case "--concurrency":
                let levels = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }.filter { (1...1024).contains($0) }
                guard !levels.isEmpty else { throw CQLClusterError(.invalidRequest, "--concurrency takes in-flight counts like 1,64") }
                self.concurrency = levels
            default: throw CQLClusterError(.invalidRequest, "unknown argument \(argument)")
            }
        }
    }

    static let consistencies: [String: Consistency] = ["one": .one, "two": .two, "quorum": .quorum, "all": .all, "local_quorum": .localQuorum]
}

/// Latencies of one case, in nanoseconds, filled by the workers.
actor Recorder {
    var latencies: [Int64] = []
    var failures = 0
    func record(_ batch: [Int64], failures: Int) {
        self.latencies += batch
        self.failures += failures
    }
}

func nanoseconds(_ duration: Duration) -> Int64 {
    let parts = duration.components
    return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
}

/// Runs `count` operations with `concurrency` in flight; returns (ops/s, p50 µs, p99 µs, failures).
func measure(
    count: Int,
    concurrency: Int,
    _ operation: @escaping @Sendable (Int) async throws -> Void
) async throws -> (opsPerSecond: Double, p50: Double, p99: Double, failures: Int) {
    let recorder = Recorder()
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var local: [Int64] = []
                var failures = 0
                var i = worker
                while i < count {
                    let begin = clock.now
                    do { try await operation(i) } catch { failures += 1 }
                    local.append(nanoseconds(clock.now - begin))
                    i += concurrency
                }
                await recorder.record(local, failures: failures)
            }
        }
        try await group.waitForAll()
    }
    let elapsed = Double(nanoseconds(clock.now - start)) / 1e9
    let sorted = await recorder.latencies.sorted()
    func percentile(_ p: Double) -> Double {
        Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
    }
    return (Double(count) / elapsed, percentile(0.50), percentile(0.99), await recorder.failures)
}

let options = try Options(arguments: CommandLine.arguments)
var logger = Logger(label: "cql.bench")
logger.logLevel = .warning
var configuration = CQLClient.Configuration(contactPoints: options.hosts)
configuration.defaultConsistency = options.consistency

try await withCQLClient(configuration: configuration, logger: logger) { client in
    do {
        try await client.query("DROP KEYSPACE cqlbench")
    } catch let error as CQLError where error.code == .configError || error.code == .invalid {
        // Not there yet.
    }
    try await client.query("CREATE KEYSPACE cqlbench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': \(options.replication)}")
    try await client.query("CREATE TABLE cqlbench.kv (k int PRIMARY KEY, v text, n bigint)")
    let insert = "INSERT INTO cqlbench.kv (k, v, n) VALUES (?, ?, ?)"
    let select = "SELECT v, n FROM cqlbench.kv WHERE k = ?"
    let payload = String(repeating: "x", count: 100)
    let keys = options.count

    print("CQL benchmark: \(options.hosts.joined(separator: ",")) protocol \(client.protocolVersion.map { "\($0)" } ?? "?"), \(options.count) requests per case, 100-byte text value, replication \(options.replication), consistency \(options.consistency)")
    print("case                            ops/s     p50 µs     p99 µs  failures")
    for concurrency in options.concurrency {
        _ = try await measure(count: options.warmup, concurrency: concurrency) { i in
            try await client.execute(insert, [.int(Int32(i % keys)), .text(payload), .bigint(Int64(i))], options: .idempotent())
        }
        let writes = try await measure(count: options.count, concurrency: concurrency) { i in
            try await client.execute(insert, [.int(Int32(i)), .text(payload), .bigint(Int64(i))], options: .idempotent())
        }
        let reads = try await measure(count: options.count, concurrency: concurrency) { i in
            let rows = try await client.select(select, [.int(Int32((i &* 7919) % keys))], options: .idempotent())
            guard rows?.count == 1 else { throw CQLClusterError(.invalidRequest, "missing row") }
        }
        for (name, result) in [("prepared INSERT, \(concurrency) in flight", writes), ("prepared SELECT, \(concurrency) in flight", reads)] {
            print(
                name.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: "%7.0f  %9.0f  %9.0f  %8d", result.opsPerSecond, result.p50, result.p99, result.failures)
            )
        }
    }
}
