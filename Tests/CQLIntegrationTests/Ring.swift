import AnimeRecTestSupport
import CQL
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing

/// The test ring for the CQL client's own suites: where it is comes from ``TestRing``
/// (`CASSANDRA_HOSTS`; without it the suites are reported as skipped, and fail under `CI=true`).
enum Ring {
    static let environment = ProcessInfo.processInfo.environment
    static var hosts: [String] { TestRing.hosts }
    static var port: Int { TestRing.port }

    /// The repository root (for scripts/cassandra.sh).
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static func configuration() throws -> CQLClient.Configuration {
        var configuration = CQLClient.Configuration(contactPoints: try TestRing.requireHosts(), port: port)
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
