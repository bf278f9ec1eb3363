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
    /// Port to bind (`ANIMEREC_PORT`, 1–65535, default 8080).
    public var port: Int = 8080
    /// The store (`ANIMEREC_STORE`, `ANIMEREC_DB`, `ANIMEREC_DB_*`).
    public var store = StoreConfiguration()
    /// Log level (`ANIMEREC_LOG_LEVEL`: trace, debug, info, notice, warning, error, critical).
    public var logLevel: Logger.Level = .info

    public init() {}

    /// Defaults overridden by the `ANIMEREC_*` variables in `environment`.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        if let host = environment["ANIMEREC_HOST"], !host.isEmpty { self.host = host }
        if let raw = environment["ANIMEREC_PORT"] {
            guard let port = Int(raw), (1...65535).contains(port) else { throw .invalid("ANIMEREC_PORT", raw) }
            self.port = port
        }
        store = try StoreConfiguration(environment: environment)
        if let raw = environment["ANIMEREC_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else { throw .invalid("ANIMEREC_LOG_LEVEL", raw) }
            logLevel = level
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
    buildRouter(engine: RecommendationEngine(store: store), storeName: storeName, metrics: metrics)
}

func buildRouter<Store: RecStore>(
    engine: RecommendationEngine<Store>, storeName: String, metrics: PrometheusCollectorRegistry
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    RecommendationController(
        engine: engine, store: engine.store,
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
    let engine = RecommendationEngine(store: store)
    return Application(
        router: buildRouter(engine: engine, storeName: storeName, metrics: metrics),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "animerec"),
        onServerRunning: { channel in
            do {
                try await engine.warm()
            } catch {
                logger.warning("catalogue snapshot not loaded yet; the first request will load it", metadata: ["error": "\(error)"])
            }
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
}
