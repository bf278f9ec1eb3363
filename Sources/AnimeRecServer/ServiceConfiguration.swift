import AnimeRecStore
import Configuration
import Logging

import Foundation

/// Everything the service needs to start, read through swift-configuration from the command's flags
/// and the `ANIMEREC_*` environment variables (flags win). The store's own settings are
/// ``StoreConfiguration``.
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
        try self.init(config: .animerec(environment: environment))
    }

    /// Defaults overridden by `config`'s `animerec.*` keys (the command's flags, then the
    /// `ANIMEREC_*` variables: ``ConfigReader/animerec(environment:flags:)``); a value that cannot
    /// be used is refused with its variable's name.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init()
        if let host = config.string(forKey: "animerec.host"), !host.isEmpty { self.host = host }
        port = try config.integer("animerec.port", in: 1...65535) ?? port
        store = try StoreConfiguration(config: config)
        idleTimeoutSeconds = try config.integer("animerec.idle_timeout", in: 1...3600) ?? idleTimeoutSeconds
        bodyTimeoutSeconds = try config.integer("animerec.body_timeout", in: 1...600) ?? bodyTimeoutSeconds
        maxConnections = try config.integer("animerec.max_connections", in: 1...1_000_000) ?? maxConnections
        maxInFlight = try config.integer("animerec.max_in_flight", in: 1...100_000) ?? maxInFlight
        listenBacklog = try config.integer("animerec.listen_backlog", in: 1...65_535) ?? listenBacklog
        if let raw = config.string(forKey: "animerec.cors_origins") {
            corsOrigins = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in corsOrigins where origin != "*" {
                guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.hasSuffix("/") else {
                    throw .invalid("ANIMEREC_CORS_ORIGINS", raw)  // each origin is scheme://host[:port], no path
                }
            }
        }
        if let raw = config.string(forKey: "animerec.log_level") {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else { throw .invalid("ANIMEREC_LOG_LEVEL", raw) }
            logLevel = level
        }
    }
}
