import AnimeRecServer
import AnimeRecStore
import ArgumentParser
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
        abstract: "Anime recommendations: a REST service on an embedded SQLite store, and its offline jobs.",
        subcommands: [Demo.self, Serve.self, Import.self, Generate.self, Rebuild.self, Eval.self, Migrate.self]
    )
}

/// Options every subcommand shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (env ANIMEREC_DB; default ./animerec.sqlite).")
    var db: String?

    /// The service configuration from the environment with these flags applied on top.
    func configuration() throws -> ServiceConfiguration {
        var configuration = try ServiceConfiguration(environment: ProcessInfo.processInfo.environment)
        if let db { configuration.databasePath = db }
        return configuration
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
    @Option(help: "Port to bind (env ANIMEREC_PORT; default 8080).") var port: Int?

    func run() async throws {
        var configuration = try store.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let logger = bootstrapLogging(configuration.logLevel)
        try await serve(configuration, logger: logger, banner: false)
    }
}

/// Opens the store and serves until SIGTERM/SIGINT, then drains in-flight requests and closes the store.
func serve(_ configuration: ServiceConfiguration, logger: Logger, banner: Bool) async throws {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let store = try await SQLiteStore.open(configuration.storeConfiguration, logger: logger)
    if try await store.liveRun() == nil {
        logger.warning("no model run is live yet: run `animerec rebuild` for personalised lists and /sim")
    }
    let app = buildApplication(
        store: store, storeName: "sqlite", configuration: configuration, metrics: registry, logger: logger,
        onServerRunning: { port in
            guard banner else { return }
            let base = "http://\(configuration.host):\(port)"
            let text = """

                animerec is serving \(configuration.databasePath) on \(base)
                  web page          \(base)/
                  recommendations   \(base)/recommends/1
                  ranked ids        \(base)/rank/1
                  candidates        \(base)/recall/1
                  similar anime     \(base)/sim/1
                  one anime         \(base)/anime/1
                  record a click    curl -X POST \(base)/clicks -H 'content-type: application/json' -d '{"user_id":1,"anime_id":2}'
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
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and list them.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        let pending = try await withSQLiteStore(configuration, migrate: false, logger: logger) { try await $0.migrate() }
        print(pending.isEmpty ? "schema is up to date" : "applied: \(pending.joined(separator: ", "))")
    }
}
