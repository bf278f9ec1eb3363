import AnimeRecStore
import Foundation
import Logging
import Testing

/// The Cassandra test ring named by `CASSANDRA_HOSTS` (scripts/test.sh starts one and exports it).
///
/// Every ring test carries ``enabled``: without a ring it is reported as skipped, with the way to
/// start one; under `CI=true` it runs anyway and fails at ``requireHosts()``, since CI must test on
/// the ring.
public enum TestRing {
    static let environment = ProcessInfo.processInfo.environment
    /// The ring's contact points (`CASSANDRA_HOSTS`, comma-separated), or none.
    public static let hosts: [String] = (environment["CASSANDRA_HOSTS"] ?? "").split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    /// The native protocol port (`CASSANDRA_PORT`, default 9042).
    public static let port = environment["CASSANDRA_PORT"].flatMap(Int.init) ?? 9042
    public static let isAvailable = !hosts.isEmpty
    /// Whether a missing ring is a failure rather than a skip (`CI=true`).
    public static let isCI = environment["CI"] == "true"
    public static let skipMessage: Comment =
        "CASSANDRA_HOSTS is not set: run scripts/cassandra.sh start 3 and export CASSANDRA_HOSTS=$(scripts/cassandra.sh hosts)"

    /// The trait of every ring test: skipped without a ring, run (and failing) under `CI=true`.
    public static var enabled: ConditionTrait { .enabled(if: isAvailable || isCI, skipMessage) }

    /// The hosts, or a failure saying that CI has no ring.
    public static func requireHosts() throws -> [String] {
        guard isAvailable else { throw RingMissing() }
        return hosts
    }

    struct RingMissing: Error, CustomStringConvertible {
        var description: String { "CI=true but CASSANDRA_HOSTS is not set: the ring tests cannot run" }
    }

    /// A store on a new migrated keyspace (replication up to 3, QUORUM) for `body`, dropped afterwards.
    public static func withFreshStore(prefix: String = "t_", _ body: (CassandraStore) async throws -> Void) async throws {
        let store = try await openFreshStore(prefix: prefix)
        do {
            try await body(store)
        } catch {
            try? await store.dropKeyspace()
            try? await store.close()
            throw error
        }
        try? await store.dropKeyspace()
        try await store.close()
    }

    /// A store on a new migrated keyspace; the caller drops and closes it.
    public static func openFreshStore(prefix: String = "t_") async throws -> CassandraStore {
        let hosts = try requireHosts()
        let keyspace = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        guard case .cassandra(let location) = try StoreURL(
            parsing: "cassandra://\(hosts.joined(separator: ","))/\(keyspace)?replication=\(min(3, hosts.count))")
        else { throw StoreURLError.invalid("not a cassandra URL") }
        let store = try await CassandraStore.open(.init(location: location), requireSchema: false, logger: quietLogger("test.ring"))
        do {
            _ = try await store.migrate()
        } catch {
            try? await store.dropKeyspace()
            try? await store.close()
            throw error
        }
        return store
    }

    /// A logger that shows warnings and worse.
    public static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }
}
