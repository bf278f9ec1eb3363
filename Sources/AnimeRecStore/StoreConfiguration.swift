import Configuration
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which store to open and how, read from `ANIMEREC_STORE` (or the `ANIMEREC_DB` shorthand) and the
/// store's tuning variables; the `--store`/`--db` flags of every subcommand override it.
public struct StoreConfiguration: Sendable, Equatable {
    /// The store (`ANIMEREC_STORE`; `ANIMEREC_DB=PATH` means `sqlite:PATH`; default `sqlite:./animerec.sqlite`).
    public var url: StoreURL = .defaultValue
    /// SQLite reader connections (`ANIMEREC_DB_READERS`, default 4): as many in the request path's read pool and for other reads.
    public var sqliteReaders: Int = 4
    /// SQLite: fsync every commit (`ANIMEREC_DB_SYNC_FULL=1`): survives power loss, not just a killed process.
    public var sqliteSynchronousFull: Bool = false

    public init() {}

    /// Defaults overridden by the `ANIMEREC_*` variables in `environment`.
    public init(environment: [String: String]) throws(ConfigurationError) {
        try self.init(config: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
    }

    /// Defaults overridden by `config`'s `animerec.*` keys (``ConfigReader/animerec(environment:flags:)``):
    /// `animerec.store`, `animerec.db`, `animerec.db.readers`, `animerec.db.sync_full`.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init()
        if let path = config.string(forKey: "animerec.db"), !path.isEmpty { url = .sqlite(path: path) }
        if let raw = config.string(forKey: "animerec.store"), !raw.isEmpty {
            do {
                url = try StoreURL(parsing: raw)
            } catch {
                throw .invalid(ConfigurationError.variable("animerec.store"), "\(raw) (\(error))")
            }
        }
        sqliteReaders = try config.integer("animerec.db.readers", in: 1...64) ?? sqliteReaders
        sqliteSynchronousFull = try config.flag("animerec.db.sync_full") ?? sqliteSynchronousFull
    }

    /// What the opener is about to do.
    public enum Purpose: Sendable {
        /// `serve`, `rebuild`, `eval`: the store must exist and hold a catalogue. A mistyped path
        /// is refused instead of creating an empty database that answers `[]`.
        case read
        /// `import`, `demo`: the store is created when missing and brought up to the shipped
        /// schema (SQLite file or Cassandra keyspace, with the URL's replication). `serve` never
        /// runs DDL, so replicas do not race on it.
        case write
        /// `migrate`: connect without touching the schema.
        case migrate
    }

    /// The SQLite settings, when the URL names a file.
    public var sqlite: SQLiteStore.Configuration? {
        guard case .sqlite(let path) = url else { return nil }
        var configuration = SQLiteStore.Configuration(path: path)
        configuration.readers = sqliteReaders
        configuration.synchronousFull = sqliteSynchronousFull
        return configuration
    }

    /// Opens the configured store.
    public func open(for purpose: Purpose, logger: Logger) async throws -> any RecStore {
        let store: any RecStore
        switch url {
        case .sqlite(let path):
            if purpose == .read && !FileManager.default.fileExists(atPath: path) {
                throw StoreError.schemaBehind(
                    "no database at \(path): run `animerec import --store sqlite:\(path) …` or `animerec demo` first (or check --store/--db)")
            }
            store = try await SQLiteStore.open(sqlite!, migrate: purpose != .migrate, logger: logger)  // .sqlite URL: never nil
        case .cassandra(let location):
            let cassandra = try await CassandraStore.open(.init(location: location), requireSchema: purpose == .read, logger: logger)
            if purpose == .write {
                do {
                    _ = try await cassandra.migrate()
                } catch {
                    try? await cassandra.close()
                    throw error
                }
            }
            store = cassandra
        }
        if purpose == .read {
            do {
                guard try await store.hasCatalogue() else {
                    throw StoreError.schemaBehind("\(url) holds no catalogue: run `animerec import --store \(url) --anime anime.csv …` or `animerec demo` first")
                }
            } catch {
                try? await store.close()
                throw error
            }
        }
        return store
    }

    /// Opens the store, runs `body`, and closes the store whether or not `body` throws.
    public func withStore<T>(for purpose: Purpose, logger: Logger, _ body: (any RecStore) async throws -> T) async throws -> T {
        let store = try await open(for: purpose, logger: logger)
        let value: T
        do {
            value = try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return value
    }
}

/// A configuration value that cannot be used.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The variable's name and the value given.
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let name, let value): "\(name)=\(value) is not a valid value"
        }
    }

    /// The environment variable of a key, as `EnvironmentVariablesProvider` names it:
    /// `animerec.db.sync_full` is `ANIMEREC_DB_SYNC_FULL`.
    public static func variable(_ key: String) -> String {
        String(key.uppercased().map { $0 == "." ? "_" : $0 })
    }
}

extension ConfigReader {
    /// The readers of the `animerec.*` keys: the command's `flags` (keys without the `animerec.`
    /// prefix) ahead of the `ANIMEREC_*` variables of `environment`.
    public static func animerec(environment: [String: String], flags: [String: ConfigContent] = [:]) -> ConfigReader {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, content) in flags { values[AbsoluteConfigKey(stringLiteral: "animerec." + key)] = ConfigValue(content, isSecret: false) }
        return ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values), EnvironmentVariablesProvider(environmentVariables: environment),
        ])
    }

    /// The integer at `key`, when given; a value that is not an integer in `range` is refused by name.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        let configKey = ConfigKey(stringLiteral: key)
        if let value = int(forKey: configKey) {
            guard range.contains(value) else { throw .invalid(ConfigurationError.variable(key), String(value)) }
            return value
        }
        if let raw = string(forKey: configKey) { throw .invalid(ConfigurationError.variable(key), raw) }
        return nil
    }

    /// The yes/no at `key` (`true`/`false`, `1`/`0`, `yes`/`no`), when given; anything else is refused by name.
    public func flag(_ key: String) throws(ConfigurationError) -> Bool? {
        let configKey = ConfigKey(stringLiteral: key)
        if let value = bool(forKey: configKey) { return value }
        if let raw = string(forKey: configKey) { throw .invalid(ConfigurationError.variable(key), raw) }
        return nil
    }
}
