import AnimeRecCore
import Metrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``RecStore`` that records every call of the store it wraps in swift-metrics: latency per
/// operation (`animerec_store_duration_seconds{operation}`) and failures per operation and kind
/// (`animerec_store_errors_total{operation, kind="unavailable"|"other"}`, see ``StoreFailure``).
public struct InstrumentedStore<Base: RecStore>: RecStore {
    /// The wrapped store.
    public let base: Base
    private let metrics: [OperationMetrics]

    /// The store operations measured, one label value each.
    enum Operation: Int, CaseIterable {
        case migrate, ping, close, upsertAnime, anime, animeBatch, allAnime, hasCatalogue, record, recentEvents
        case interactions, userReads, importRatings, scanHistories, interactionCount, trending, createRun, writeNeighbors
        case writeCandidates, writeList, writeCatalogue, catalogue, activate, liveRun, liveRunID, neighbors, candidates, list
        case run, recordProgress, progress, loadSnapshot

        var label: String {
            switch self {
            case .animeBatch: "anime_batch"
            case .liveRunID: "live_run_id"
            default: String(describing: self).snakeCased
            }
        }
    }

    struct OperationMetrics: Sendable {
        let duration: Timer
        let unavailable: Counter
        let other: Counter
    }

    public init(_ base: Base) {
        self.base = base
        metrics = Operation.allCases.map { operation in
            OperationMetrics(
                duration: Timer(label: "animerec_store_duration_seconds", dimensions: [("operation", operation.label)]),
                unavailable: Counter(
                    label: "animerec_store_errors_total", dimensions: [("operation", operation.label), ("kind", "unavailable")]),
                other: Counter(label: "animerec_store_errors_total", dimensions: [("operation", operation.label), ("kind", "other")]))
        }
    }

    private func measure<T>(_ operation: Operation, _ body: () async throws -> T) async throws -> T {
        let metrics = self.metrics[operation.rawValue]
        let start = Self.nanoseconds()
        do {
            let value = try await body()
            metrics.duration.recordNanoseconds(Self.nanoseconds() &- start)
            return value
        } catch {
            metrics.duration.recordNanoseconds(Self.nanoseconds() &- start)
            (StoreFailure.isUnavailable(error) ? metrics.unavailable : metrics.other).increment()
            throw error
        }
    }

    private static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }

    public func migrate(dryRun: Bool) async throws -> MigrationReport { try await measure(.migrate) { try await base.migrate(dryRun: dryRun) } }
    public func ping() async throws { try await measure(.ping) { try await base.ping() } }
    public func close() async throws { try await measure(.close) { try await base.close() } }
    public func upsertAnime(_ anime: [Anime]) async throws { try await measure(.upsertAnime) { try await base.upsertAnime(anime) } }
    public func anime(_ id: AnimeID) async throws -> Anime? { try await measure(.anime) { try await base.anime(id) } }
    public func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { try await measure(.animeBatch) { try await base.anime(ids) } }
    public func allAnime() async throws -> [Anime] { try await measure(.allAnime) { try await base.allAnime() } }
    public func hasCatalogue() async throws -> Bool { try await measure(.hasCatalogue) { try await base.hasCatalogue() } }
    public func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { try await measure(.record) { try await base.record(events) } }
    public func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        try await measure(.recentEvents) { try await base.recentEvents(of: user, sinceDay: sinceDay, limit: limit) }
    }
    public func interactions(of user: UserID, limit: Int) async throws -> [Interaction] {
        try await measure(.interactions) { try await base.interactions(of: user, limit: limit) }
    }
    public func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads {
        try await measure(.userReads) {
            try await base.userReads(
                of: user, sinceDay: sinceDay, eventLimit: eventLimit, interactionLimit: interactionLimit,
                candidateLimit: candidateLimit, knownLiveRun: knownLiveRun)
        }
    }
    public func importRatings(_ ratings: [ImportedRating]) async throws {
        try await measure(.importRatings) { try await base.importRatings(ratings) }
    }
    public func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await measure(.scanHistories) { try await base.scanHistories(shard: shard, batchSize: batchSize, body) }
    }
    public func interactionCount() async throws -> Int { try await measure(.interactionCount) { try await base.interactionCount() } }
    public func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] {
        try await measure(.trending) { try await base.trending(buckets: buckets, limit: limit) }
    }
    public func createRun(_ run: ModelRun) async throws { try await measure(.createRun) { try await base.createRun(run) } }
    public func run(_ id: String) async throws -> ModelRun? { try await measure(.run) { try await base.run(id) } }
    public func recordProgress(run: String, _ part: RunProgress.Part) async throws {
        try await measure(.recordProgress) { try await base.recordProgress(run: run, part) }
    }
    public func progress(run: String) async throws -> RunProgress { try await measure(.progress) { try await base.progress(run: run) } }
    public func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws {
        try await measure(.writeNeighbors) { try await base.writeNeighbors(run: run, lists) }
    }
    public func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        try await measure(.writeCandidates) { try await base.writeCandidates(run: run, lists) }
    }
    public func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws {
        try await measure(.writeList) { try await base.writeList(run: run, key: key, items) }
    }
    public func writeCatalogue(run: String, _ anime: [Anime]) async throws {
        try await measure(.writeCatalogue) { try await base.writeCatalogue(run: run, anime) }
    }
    public func catalogue(run: String) async throws -> [Anime] { try await measure(.catalogue) { try await base.catalogue(run: run) } }
    public func activate(run: String) async throws { try await measure(.activate) { try await base.activate(run: run) } }
    public func liveRun() async throws -> ModelRun? { try await measure(.liveRun) { try await base.liveRun() } }
    public func liveRunID() async throws -> String? { try await measure(.liveRunID) { try await base.liveRunID() } }
    public func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        try await measure(.neighbors) { try await base.neighbors(of: anime, run: run, limit: limit) }
    }
    public func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        try await measure(.candidates) { try await base.candidates(for: user, run: run, limit: limit) }
    }
    public func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        try await measure(.list) { try await base.list(key: key, run: run, limit: limit) }
    }
    public func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot {
        try await measure(.loadSnapshot) { try await base.loadSnapshot(of: run, listLength: listLength) }
    }
}

extension String {
    /// `upsertAnime` → `upsert_anime`.
    fileprivate var snakeCased: String {
        var result = ""
        for character in self {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
