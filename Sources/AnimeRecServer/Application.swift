import AnimeRecCore
import AnimeRecStore
import Hummingbird
import Logging
import Metrics
import Prometheus

/// Everything the service needs to start, read from flags and `ANIMEREC_*` environment variables
/// (flags win). One struct, so every knob is documented in one place.
public struct ServiceConfiguration: Sendable, Equatable {
    /// Address to bind (`ANIMEREC_HOST`, default 127.0.0.1).
    public var host: String = "127.0.0.1"
    /// Port to bind (`ANIMEREC_PORT`, default 8080; 0 picks a free port).
    public var port: Int = 8080
    /// The SQLite database file (`ANIMEREC_DB`, default ./animerec.sqlite).
    public var databasePath: String = "./animerec.sqlite"
    /// SQLite reader connections (`ANIMEREC_DB_READERS`, default 4).
    public var databaseReaders: Int = 4
    /// fsync every commit (`ANIMEREC_DB_SYNC_FULL=1`): survives power loss, not just a killed process.
    public var databaseSynchronousFull: Bool = false
    /// Log level (`ANIMEREC_LOG_LEVEL`: trace, debug, info, notice, warning, error, critical).
    public var logLevel: Logger.Level = .info

    public init() {}

    /// Defaults overridden by the `ANIMEREC_*` variables in `environment`.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        if let host = environment["ANIMEREC_HOST"], !host.isEmpty { self.host = host }
        if let raw = environment["ANIMEREC_PORT"] {
            guard let port = Int(raw), (0...65535).contains(port) else { throw .invalid("ANIMEREC_PORT", raw) }
            self.port = port
        }
        if let path = environment["ANIMEREC_DB"], !path.isEmpty { databasePath = path }
        if let raw = environment["ANIMEREC_DB_READERS"] {
            guard let readers = Int(raw), (1...64).contains(readers) else { throw .invalid("ANIMEREC_DB_READERS", raw) }
            databaseReaders = readers
        }
        if let raw = environment["ANIMEREC_DB_SYNC_FULL"] {
            guard let flag = ["1": true, "true": true, "0": false, "false": false][raw.lowercased()] else {
                throw .invalid("ANIMEREC_DB_SYNC_FULL", raw)
            }
            databaseSynchronousFull = flag
        }
        if let raw = environment["ANIMEREC_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else { throw .invalid("ANIMEREC_LOG_LEVEL", raw) }
            logLevel = level
        }
    }

    /// The store settings this configuration implies.
    public var storeConfiguration: SQLiteStore.Configuration {
        var configuration = SQLiteStore.Configuration(path: databasePath)
        configuration.readers = databaseReaders
        configuration.synchronousFull = databaseSynchronousFull
        return configuration
    }
}

/// A configuration value that cannot be used.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let name, let value): "\(name)=\(value) is not a valid value"
        }
    }
}

/// Builds the router: every route of ``APIRoutes``, JSON errors, request metrics.
///
/// - Parameter metrics: the Prometheus registry that `/metrics` renders; the caller bootstraps
///   swift-metrics with it (once per process).
public func buildRouter<Store: RecStore>(
    store: Store, storeName: String, metrics: PrometheusCollectorRegistry
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    RecommendationController(
        engine: RecommendationEngine(store: store), store: store,
        metricsText: { metrics.emitToString() }, storeName: storeName
    ).register(on: router)
    return router
}

/// Builds the HTTP application on a store. Run it inside a `ServiceGroup` for graceful shutdown:
/// on SIGTERM it stops accepting, finishes in-flight requests (every acknowledged event is already
/// committed), then returns.
public func buildApplication<Store: RecStore>(
    store: Store, storeName: String, configuration: ServiceConfiguration, metrics: PrometheusCollectorRegistry,
    logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(store: store, storeName: storeName, metrics: metrics),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "animerec"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
