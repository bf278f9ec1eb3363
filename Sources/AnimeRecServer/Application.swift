import AnimeRecCore
import Foundation
import AnimeRecStore
import Hummingbird
import Logging
import Metrics
import Prometheus

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
