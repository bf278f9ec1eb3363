import AnimeRecCore
import CQL
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The store on an Apache Cassandra cluster (1.2 to 5.x), through the project's CQL client.
///
/// Every statement is prepared and takes its values as bound values; reads and idempotent writes
/// are marked idempotent (retried, routed to a replica of their partition), counter updates never
/// are. Every request-path method is a bounded number of single-partition statements, issued
/// concurrently where there are several. Tables: `Schema/cassandra/`.
public final class CassandraStore: RecStore, LoadReporting {
    /// How the store connects and writes.
    public struct Configuration: Sendable {
        /// Hosts, keyspace, consistency, data centre, replication for `migrate`.
        public var location: CassandraLocation
        /// How long behaviour events are kept (TTL of `user_events`), default 90 days.
        public var eventTTLSeconds: Int = 90 * 86_400
        /// How long a rebuild run's lists are kept (TTL of the run tables), default 60 days: rebuild
        /// more often than that.
        public var runTTLSeconds: Int = 60 * 86_400
        /// How bulk calls (import, rebuild's scans and writes, snapshot loads) adapt their
        /// statements in flight to the ring, and when they give up (DESIGN §8, "Jobs on the ring").
        public var bulkLoad = CQLBulkLoad.Configuration()
        /// Client-side timeout of one attempt of a bulk statement: longer than Cassandra's own
        /// coordinator timeouts (10 s by default), so a slow node answers before it is given up on.
        public var bulkTimeout: Duration = .seconds(12)
        /// Rows per single-partition batch of bulk writes.
        public var rowsPerBatch: Int = 32
        /// Whether `migrate` creates the keyspace when it is missing (DBAs may create it themselves).
        public var createKeyspace: Bool = true
        /// Client-side timeout of one attempt of a statement.
        public var requestTimeout: Duration = .seconds(5)
        /// Retries of idempotent request-path statements: a 15 s budget, shorter than the client's
        /// default, because an HTTP caller waits for it (bulk calls retry under ``bulkLoad``).
        public var retryPolicy = CQLRetryPolicy(budget: .seconds(15))
        /// Extra executions of slow idempotent statements (never of counters or other writes).
        public var speculativeExecution: CQLSpeculativeExecutionPolicy = .constant(delay: .milliseconds(300), maxExecutions: 2)
        /// How long opening waits for the first connection.
        public var connectTimeout: Duration = .seconds(20)

        public init(location: CassandraLocation) { self.location = location }
    }

    let client: CQLClient
    let statements: CassandraStatements
    /// The adaptive limit and retries every bulk statement of this store goes through.
    let bulk: CQLBulkLoad
    public let configuration: Configuration
    let logger: Logger
    private let running: Task<Void, any Error>

    private init(client: CQLClient, running: Task<Void, any Error>, configuration: Configuration, logger: Logger) {
        self.client = client
        self.running = running
        self.configuration = configuration
        self.bulk = CQLBulkLoad(target: "the Cassandra cluster at \(configuration.location.hosts.map(\.host).joined(separator: ","))", configuration: configuration.bulkLoad)
        self.statements = CassandraStatements(
            keyspace: configuration.location.keyspace, eventTTLSeconds: configuration.eventTTLSeconds,
            runTTLSeconds: configuration.runTTLSeconds)
        self.logger = logger
    }

    /// Connects to the cluster. With `requireSchema` (every command but `migrate`), fails with a
    /// message naming `animerec migrate` when the keyspace is missing or its schema is behind.
    public static func open(_ configuration: Configuration, requireSchema: Bool = true, logger: Logger) async throws -> CassandraStore {
        let location = configuration.location
        guard let port = location.hosts.first?.port, location.hosts.allSatisfy({ $0.port == port }) else {
            throw StoreURLError.invalid("every host of a cassandra:// URL must use the same port")
        }
        var cql = CQLClient.Configuration(contactPoints: location.hosts.map(\.host), port: port)
        cql.defaultConsistency = location.consistency
        cql.localDataCenter = location.dataCenter
        cql.loadBalancingPolicy = .dataCenterAware(localDataCenter: location.dataCenter)
        cql.requestTimeout = configuration.requestTimeout
        cql.retryPolicy = configuration.retryPolicy
        // A replica that just died is still chosen by coordinators until gossip convicts it: a
        // slow idempotent statement gets a second execution on the next node after a short wait.
        cql.speculativeExecutionPolicy = configuration.speculativeExecution
        cql.connectTimeout = .seconds(5)
        let client = CQLClient(configuration: cql, backgroundLogger: logger)
        let running = Task { try await client.run() }
        let store = CassandraStore(client: client, running: running, configuration: configuration, logger: logger)
        do {
            // Past the connect timeout the client is shut down, which fails the wait (a deadline
            // racing the wait in a task group could not end it: the wait ignores cancellation).
            let limit = configuration.connectTimeout
            let watchdog = Task { () -> Bool in
                do { try await Task.sleep(for: limit) } catch { return false }
                running.cancel()
                return true
            }
            do {
                try await client.waitUntilReady()
                watchdog.cancel()
            } catch {
                watchdog.cancel()
                if await watchdog.value { throw StoreError.unreachable("no Cassandra node of \(location) answered") }
                throw error
            }
            if requireSchema {
                guard try await store.keyspaceExists() else {
                    throw StoreError.schemaBehind(
                        "keyspace \(location.keyspace) does not exist: run `animerec import --store \(location) …` or `animerec demo --store \(location)` first (they create it), or `animerec migrate`")
                }
                let report = try await store.migrate(dryRun: true)
                guard report.applied.isEmpty else {
                    throw StoreError.schemaBehind(
                        "keyspace \(location.keyspace) lacks migrations \(report.applied.joined(separator: ", ")): run `animerec migrate --store \(location)` first")
                }
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }

    /// The bulk load's limit, back-offs and retries, for progress lines.
    public var loadStatus: String? { bulk.status.description }

    public func ping() async throws {
        _ = try await client.select(statements.selectLiveRun, [.text("default")], options: .idempotent())
    }

    public func close() async throws {
        running.cancel()
        _ = await running.result
    }

    // MARK: Catalogue

    public func upsertAnime(_ anime: [Anime]) async throws {
        let statement = statements.upsertAnime
        try await bulkExecute(anime.map { (statement, Self.values(of: $0)) })
    }

    public func anime(_ id: AnimeID) async throws -> Anime? {
        try await client.select(statements.selectAnime, [.int(id.rawValue)], options: .idempotent())?
            .rows.first.flatMap(Self.decodeAnime)
    }

    public func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] {
        let unique = Array(Set(ids))
        let found = try await concurrentMap(unique, maxInFlight: 32) { [self] id in try await anime(id) }
        return Dictionary(found.compactMap { $0.map { ($0.id, $0) } }) { first, _ in first }
    }

    /// A walk of the whole table in token order; a transient failure starts it again (the jobs and
    /// the service's background loads call it, never a request).
    public func allAnime() async throws -> [Anime] {
        try await bulk.run(limited: false) { [client, configuration] in
            var result: [Anime] = []
            let rows = try client.scanPartitions(
                keyspace: configuration.location.keyspace, table: "anime", partitionKey: ["anime_id"],
                columns: ["name", "genres", "media_type", "episodes", "rating", "members"], pageSize: 2000,
                options: .bulk(timeout: configuration.bulkTimeout))
            for try await row in rows {
                if let anime = Self.decodeAnime(row) { result.append(anime) }
            }
            return result
        }
    }

    public func hasCatalogue() async throws -> Bool {
        try await !(client.select(statements.anyAnime, [], options: .idempotent())?.rows.isEmpty ?? true)
    }

    /// Catalogue columns. Cassandra 1.2 takes no null bind values, so unknowns are stored as
    /// `media_type ''`, `episodes -1`, `rating NaN`.
    static func values(of anime: Anime) -> [CQLValue] {
        [
            .int(anime.id.rawValue), .text(anime.name), .list(anime.genres.map(CQLValue.text)),
            .text(anime.type ?? ""), .int(Int32(clamping: anime.episodes ?? -1)), .double(anime.rating ?? .nan),
            .bigint(Int64(anime.members)),
        ]
    }

    static func decodeAnime(_ row: CQLRow) -> Anime? {
        guard let id = try? row.decode(Int32.self, at: 0), let name = try? row.decode(String?.self, at: 1) ?? nil else { return nil }
        let type = (try? row.decode(String?.self, at: 3)) ?? nil
        let episodes = (try? row.decode(Int32?.self, at: 4)) ?? nil
        let rating = (try? row.decode(Double?.self, at: 5)) ?? nil
        return Anime(
            id: AnimeID(id), name: name, genres: ((try? row.decode([String]?.self, at: 2)) ?? nil) ?? [],
            type: type?.isEmpty == false ? type : nil, episodes: episodes.flatMap { $0 >= 0 ? Int($0) : nil },
            rating: rating.flatMap { $0.isNaN ? nil : $0 }, members: Int(((try? row.decode(Int64?.self, at: 6)) ?? nil) ?? 0))
    }
}

extension EventID {
    /// As a Foundation UUID (the CQL `uuid` value).
    var uuid: UUID {
        let b = bytes
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    init(_ uuid: UUID) {
        let u = uuid.uuid
        self.init(bytes: [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15])
    }
}
