import AnimeRecServer
import AnimeRecStore
import ArgumentParser
import Configuration
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The `animerec` executable: the service and its offline jobs.
@main
struct AnimeRec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "animerec",
        abstract: "Anime recommendations: a REST service on an embedded SQLite store or an Apache Cassandra cluster, and its offline jobs.",
        subcommands: [Demo.self, Serve.self, Import.self, Generate.self, Rebuild.self, Eval.self, Migrate.self]
    )
}

/// Writes a command's result line to standard output at once (not through stdio's buffer, which
/// holds lines back when the output is a file or a pipe), so results land between the progress
/// lines on standard error in the order they were written.
func say(_ text: some CustomStringConvertible) {
    FileHandle.standardOutput.write(Data((text.description + "\n").utf8))
}

/// Options every subcommand shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The store: sqlite:PATH or cassandra://HOST[:PORT][,HOST…]/KEYSPACE?consistency=quorum&dc=NAME&replication=N (env ANIMEREC_STORE; default sqlite:./animerec.sqlite).",
        valueName: "url"))
    var store: String?
    @Option(name: .long, help: "Shorthand for --store sqlite:PATH (env ANIMEREC_DB).")
    var db: String?

    func validate() throws {
        if store != nil && db != nil { throw ValidationError("give --store or --db, not both") }
        if let store {
            do { _ = try StoreURL(parsing: store) } catch { throw ValidationError("--store: \(error)") }
        }
        if let db, db.isEmpty { throw ValidationError("--db needs a file path") }
    }

    /// The service configuration: these flags (and a command's `host` and `port`) ahead of the
    /// `ANIMEREC_*` environment variables, read through swift-configuration.
    func configuration(host: String? = nil, port: Int? = nil) throws -> ServiceConfiguration {
        var flags: [String: ConfigContent] = [:]
        if let store { flags["store"] = .string(store) }
        if let host { flags["host"] = .string(host) }
        if let port { flags["port"] = .int(port) }
        var configuration = try ServiceConfiguration(config: .animerec(environment: ProcessInfo.processInfo.environment, flags: flags))
        // `--db PATH` wins over `ANIMEREC_STORE` as every flag does; the path is taken as given.
        if let db { configuration.store.url = .sqlite(path: db) }
        return configuration
    }
}

/// `--port` must name a real TCP port (a value past 65535 would wrap around).
func validatePort(_ port: Int?) throws {
    if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535 (got \(port))") }
}

/// `--host` must be a host name or address to bind: not empty, no spaces, slashes or scheme.
func validateHost(_ host: String?) throws {
    guard let host else { return }
    let allowed = host.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }
    guard !host.isEmpty, host.utf8.count <= 253, allowed else {
        throw ValidationError("--host must be a host name or IP address to bind, like 127.0.0.1 or 0.0.0.0 (got '\(host)')")
    }
}

/// Sets up swift-log on standard error at the configured level, once per process.
func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "animerec")
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the REST API and the web page.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to bind (env ANIMEREC_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind, 1–65535 (env ANIMEREC_PORT; default 8080).") var port: Int?

    func validate() throws {
        try validatePort(port)
        try validateHost(host)
    }

    func run() async throws {
        let configuration = try store.configuration(host: host, port: port)
        let logger = bootstrapLogging(configuration.logLevel)
        try await serve(configuration, logger: logger, banner: false)
    }
}

/// Opens the store and serves until SIGTERM/SIGINT, then drains in-flight requests and closes the store.
func serve(_ configuration: ServiceConfiguration, logger: Logger, banner: Bool) async throws {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let store = try await configuration.store.open(for: .read, logger: logger)
    if try await store.liveRun() == nil {
        logger.warning("no model run is live yet: run `animerec rebuild` for personalised lists and /sim")
    }
    let app = buildApplication(
        store: store, storeName: configuration.store.url.kind, configuration: configuration, metrics: registry, logger: logger,
        onServerRunning: { port in
            guard banner else { return }
            let base = "http://\(configuration.host):\(port)"
            let text = """

                animerec is serving \(configuration.store.url) on \(base)
                  web page          \(base)/  (a user: \(base)/?user=42, a title: \(base)/?anime=5114)
                  recommendations   \(base)/recommends/42
                  ranked ids        \(base)/rank/42
                  candidates        \(base)/recall/42
                  similar anime     \(base)/sim/5114
                  one anime         \(base)/anime/5114
                  search            \(base)/anime?query=gintama&genre=Comedy
                  record a click    curl -X POST \(base)/clicks -H 'content-type: application/json' -d '{"user_id":42,"anime_id":9253}'
                  metrics           \(base)/metrics
                Stop with Ctrl-C.

                """
            // Unbuffered, so the banner shows at once even when stdout is a file or a pipe.
            FileHandle.standardOutput.write(Data(text.utf8))
        })
    let group = ServiceGroup(
        configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (Schema/) and record them in schema_migrations.",
        discussion: """
            On Cassandra the keyspace is created when missing, with the URL's replication (replication=N for \
            SimpleStrategy, replication=DC:N[,DC:N…] for NetworkTopologyStrategy) unless --no-create-keyspace. \
            Refuses when an applied file has changed since it was applied.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print what would be applied (and the schema_migrations rows for files applied by hand); change nothing.")
    var dryRun = false
    @Flag(help: "Cassandra: never create the keyspace (DBAs who create it themselves).")
    var noCreateKeyspace = false
    @Option(help: "Cassandra: replication for a new keyspace, N or DC:N[,DC:N…] (overrides the URL's).")
    var replication: String?

    func validate() throws {
        if let replication {
            do { _ = try CassandraLocation.Replication(parsing: replication) } catch { throw ValidationError("--replication: \(error)") }
        }
    }

    func run() async throws {
        var configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        if case .cassandra(var location) = configuration.store.url {
            if let replication { location.replication = try CassandraLocation.Replication(parsing: replication) }
            configuration.store.url = .cassandra(location)
            var cassandra = CassandraStore.Configuration(location: location)
            cassandra.createKeyspace = !noCreateKeyspace
            let store = try await CassandraStore.open(cassandra, requireSchema: false, logger: logger)
            do {
                say(try await store.migrate(dryRun: dryRun))
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
            return
        }
        let report = try await configuration.store.withStore(for: .migrate, logger: logger) { try await $0.migrate(dryRun: dryRun) }
        say(report)
    }
}
