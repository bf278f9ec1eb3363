import CQL
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing

/// Where the test ring is: `CASSANDRA_HOSTS=127.0.0.1,127.0.0.2,127.0.0.3` (start it with
/// `scripts/cassandra.sh start 3`). Without it the suites are skipped, except on CI (`CI=true`),
/// where ``RingRequirementTests`` fails loudly.
enum Ring {
    static let environment = ProcessInfo.processInfo.environment
    static let hosts: [String]? = environment["CASSANDRA_HOSTS"].map {
        $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    static let isAvailable = !(hosts ?? []).isEmpty
    static let isCI = environment["CI"] == "true"
    static let port = environment["CASSANDRA_PORT"].flatMap(Int.init) ?? 9042
    static let skipMessage: Comment = "CASSANDRA_HOSTS is not set; run scripts/cassandra.sh start 3 and export CASSANDRA_HOSTS=$(scripts/cassandra.sh hosts)"

    /// The repository root (for scripts/cassandra.sh).
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static func configuration() -> CQLClient.Configuration {
        var configuration = CQLClient.Configuration(contactPoints: hosts ?? [], port: port)
        configuration.maxProtocolVersion = .v5
        configuration.connectTimeout = .seconds(2)
        configuration.reconnectionPolicy = CQLReconnectionPolicy(base: .milliseconds(500), max: .seconds(4))
        return configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "cql.integration")
        logger.logLevel = environment["CQL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// Runs `scripts/cassandra.sh` with `arguments` and waits for it.
    ///
    /// Spawned with `posix_spawn` and reaped by polling `waitpid`: Foundation's `Process` on Linux
    /// sometimes never noticed the script's exit here (the child stayed a zombie and
    /// `waitUntilExit`/`terminationHandler` never returned).
    static func script(_ arguments: String...) async throws {
        let path = repositoryRoot.appendingPathComponent("scripts/cassandra.sh").path
        let argv = ["/bin/bash", path] + arguments
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw CQLClusterError(.invalidRequest, "could not start scripts/cassandra.sh (errno \(spawned))")
        }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR {
                throw CQLClusterError(.invalidRequest, "waitpid failed for scripts/cassandra.sh")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw CQLClusterError(.invalidRequest, "scripts/cassandra.sh \(arguments.joined(separator: " ")) failed")
        }
    }

    /// Creates `keyspace` (dropping an old one) with SimpleStrategy and `replicationFactor`.
    static func recreateKeyspace(_ client: CQLClient, _ keyspace: String, replicationFactor: Int) async throws {
        do {
            try await client.query("DROP KEYSPACE \(keyspace)")
        } catch let error as CQLError where error.code == .invalid || error.code == .configError {
            // It did not exist.
        }
        try await client.query(
            "CREATE KEYSPACE \(keyspace) WITH replication = {'class': 'SimpleStrategy', 'replication_factor': \(replicationFactor)}"
        )
    }
}

@Suite("Integration ring requirement")
struct RingRequirementTests {
    @Test("on CI the integration ring must be configured", .enabled(if: Ring.isCI && !Ring.isAvailable))
    func ringIsConfiguredOnCI() {
        Issue.record(
            "CI=true but CASSANDRA_HOSTS is not set: start the ring with scripts/cassandra.sh start 3 and export CASSANDRA_HOSTS=$(scripts/cassandra.sh hosts)"
        )
    }
}
