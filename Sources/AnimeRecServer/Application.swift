import AnimeRecCore
import Foundation
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
    /// Browser origins allowed to call the API (`ANIMEREC_CORS_ORIGINS`, comma-separated, `*` for
    /// any; none by default).
    public var corsOrigins: [String] = []
    /// Seconds a connection may take to send a complete request head, and may sit idle between
    /// requests, before it is closed (`ANIMEREC_IDLE_TIMEOUT`, 1–3600, default 10).
    public var idleTimeoutSeconds: Int = 10
    /// Seconds a request body may take to arrive (`ANIMEREC_BODY_TIMEOUT`, 1–600, default 10): 408 after.
    public var bodyTimeoutSeconds: Int = 10
    /// Open connections at most (`ANIMEREC_MAX_CONNECTIONS`, 1–1,000,000, default 4096); past it a
    /// request gets 503 and the connection is closed.
    public var maxConnections: Int = 4096
    /// Requests in flight at most (`ANIMEREC_MAX_IN_FLIGHT`, 1–100,000, default 256); past it 503.
    public var maxInFlight: Int = 256

    /// Connections the kernel queues before the server accepts them (`ANIMEREC_LISTEN_BACKLOG`,
    /// 1–65,535, default 256; Linux caps it at `net.core.somaxconn`). Past it the kernel drops new
    /// connections and clients wait out SYN retries (1, 3, 7, 15 s…) that no cap of the server sees;
    /// a deeper queue makes every new connection, `/health` probes too, wait behind more accepts
    /// (docs/benchmarks/service.md has the measured trade-off).
    public var listenBacklog: Int = 256

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
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
            guard let raw = environment[name] else { return nil }
            guard let value = Int(raw), range.contains(value) else { throw .invalid(name, raw) }
            return value
        }
        idleTimeoutSeconds = try integer("ANIMEREC_IDLE_TIMEOUT", 1...3600) ?? idleTimeoutSeconds
        bodyTimeoutSeconds = try integer("ANIMEREC_BODY_TIMEOUT", 1...600) ?? bodyTimeoutSeconds
        maxConnections = try integer("ANIMEREC_MAX_CONNECTIONS", 1...1_000_000) ?? maxConnections
        maxInFlight = try integer("ANIMEREC_MAX_IN_FLIGHT", 1...100_000) ?? maxInFlight
        listenBacklog = try integer("ANIMEREC_LISTEN_BACKLOG", 1...65_535) ?? listenBacklog
        if let raw = environment["ANIMEREC_CORS_ORIGINS"] {
            corsOrigins = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in corsOrigins where origin != "*" {
                guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.hasSuffix("/") else {
                    throw .invalid("ANIMEREC_CORS_ORIGINS", raw)  // each origin is scheme://host[:port], no path
                }
            }
        }
        if let raw = environment["ANIMEREC_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else { throw .invalid("ANIMEREC_LOG_LEVEL", raw) }
            logLevel = level
        }
    }
}

/// Builds the router: every route of ``APIRoutes``, JSON errors, request metrics, and store
/// metrics per operation (``InstrumentedStore``).
///
/// - Parameter metrics: the Prometheus registry that `/metrics` renders; the caller bootstraps
///   swift-metrics with it (once per process).
public func buildRouter<Store: ServingStore>(
    store: Store, storeName: String, metrics: PrometheusCollectorRegistry, corsOrigins: [String] = [],
    maxInFlight: Int = 256, bodyTimeout: Duration = .seconds(10)
) -> APIRouter<AppRequestContext> {
    buildRouter(
        engine: RecommendationEngine(store: InstrumentedStore(store)), storeName: storeName, metrics: metrics, corsOrigins: corsOrigins,
        maxInFlight: maxInFlight, bodyTimeout: bodyTimeout)
}

func buildRouter<Store: ServingStore>(
    engine: RecommendationEngine<Store>, storeName: String, metrics: PrometheusCollectorRegistry, corsOrigins: [String],
    maxInFlight: Int, bodyTimeout: Duration
) -> APIRouter<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: LoadSheddingMiddleware(maxInFlight: maxInFlight))
    router.add(middleware: StaleAnswerMiddleware())
    // The web front end (`/`, `/app.js`, …) for any GET the routes do not answer; revalidated by ETag.
    router.add(middleware: FileMiddleware(
        WebFiles.root, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true,
        logger: Logger(label: "animerec.web")))
    RecommendationController(
        engine: engine, store: engine.store,
        metricsText: { metrics.emitToString() }, storeName: storeName, bodyTimeout: bodyTimeout
    ).register(on: router)
    return APIRouter(router: router, corsOrigins: Set(corsOrigins))
}

/// Builds the HTTP application on a store. Run it inside a `ServiceGroup` for graceful shutdown:
/// on SIGTERM it stops accepting, finishes in-flight requests (every acknowledged event is already
/// committed), then returns.
public func buildApplication<Store: ServingStore>(
    store: Store, storeName: String, configuration: ServiceConfiguration, metrics: PrometheusCollectorRegistry,
    logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let engine = RecommendationEngine(store: InstrumentedStore(store))
    let connections = ConnectionGauge(limit: configuration.maxConnections)
    return Application(
        router: buildRouter(
            engine: engine, storeName: storeName, metrics: metrics, corsOrigins: configuration.corsOrigins,
            maxInFlight: configuration.maxInFlight, bodyTimeout: .seconds(configuration.bodyTimeoutSeconds)),
        server: .http1(configuration: .init(
            additionalChannelHandlers: [ParseErrorHandler(), ConnectionLimitHandler(gauge: connections)],
            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "animerec",
            backlog: configuration.listenBacklog),
        onServerRunning: { channel in
            do {
                try await engine.warm()
            } catch {
                logger.warning("run snapshot not loaded yet; requests read the run's partitions until it is", metadata: ["error": "\(error)"])
            }
            await onServerRunning(channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
}

/// Where the web front end's files are: `Web/` among the server target's package resources.
enum WebFiles {
    static var root: String { Bundle.module.resourceURL!.appendingPathComponent("Web").path }
}
