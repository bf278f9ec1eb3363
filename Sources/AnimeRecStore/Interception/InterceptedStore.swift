import AnimeRecCore

/// A store that runs every call of the store it wraps through an ``StoreInterceptor``: metrics in
/// the service (``InstrumentedStore``), injected faults in tests. It plays each role
/// (``RequestReads``, ``EventWrites``, …) that the wrapped store plays, and no other.
public struct InterceptedStore<Base: Sendable, Interceptor: StoreInterceptor>: Sendable {
    /// The wrapped store.
    public let base: Base
    public let interceptor: Interceptor

    public init(_ base: Base, interceptor: Interceptor) {
        self.base = base
        self.interceptor = interceptor
    }
}

extension InterceptedStore: StoreLifecycle where Base: StoreLifecycle {
    public func migrate(dryRun: Bool) async throws -> MigrationReport { try await interceptor.intercept(.migrate) { try await base.migrate(dryRun: dryRun) } }
    public func close() async throws { try await interceptor.intercept(.close) { try await base.close() } }
}

extension InterceptedStore: RequestReads where Base: RequestReads {
    public func ping() async throws { try await interceptor.intercept(.ping) { try await base.ping() } }
    public func anime(_ id: AnimeID) async throws -> Anime? { try await interceptor.intercept(.anime) { try await base.anime(id) } }
    public func anime(_ ids: [AnimeID]) async throws -> [AnimeID: Anime] { try await interceptor.intercept(.animeBatch) { try await base.anime(ids) } }
    public func hasCatalogue() async throws -> Bool { try await interceptor.intercept(.hasCatalogue) { try await base.hasCatalogue() } }
    public func recentEvents(of user: UserID, sinceDay: Int32, limit: Int) async throws -> [UserEvent] {
        try await interceptor.intercept(.recentEvents) { try await base.recentEvents(of: user, sinceDay: sinceDay, limit: limit) }
    }
    public func interactions(of user: UserID, limit: Int) async throws -> [Interaction] {
        try await interceptor.intercept(.interactions) { try await base.interactions(of: user, limit: limit) }
    }
    public func userReads(
        of user: UserID, sinceDay: Int32, eventLimit: Int, interactionLimit: Int, candidateLimit: Int, knownLiveRun: String?
    ) async throws -> UserReads {
        try await interceptor.intercept(.userReads) {
            try await base.userReads(
                of: user, sinceDay: sinceDay, eventLimit: eventLimit, interactionLimit: interactionLimit,
                candidateLimit: candidateLimit, knownLiveRun: knownLiveRun)
        }
    }
    public func trending(buckets: [Int32], limit: Int) async throws -> [ScoredAnime] {
        try await interceptor.intercept(.trending) { try await base.trending(buckets: buckets, limit: limit) }
    }
    public func run(_ id: String) async throws -> ModelRun? { try await interceptor.intercept(.run) { try await base.run(id) } }
    public func catalogue(run: String) async throws -> [Anime] { try await interceptor.intercept(.catalogue) { try await base.catalogue(run: run) } }
    public func liveRun() async throws -> ModelRun? { try await interceptor.intercept(.liveRun) { try await base.liveRun() } }
    public func liveRunID() async throws -> String? { try await interceptor.intercept(.liveRunID) { try await base.liveRunID() } }
    public func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        try await interceptor.intercept(.neighbors) { try await base.neighbors(of: anime, run: run, limit: limit) }
    }
    public func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        try await interceptor.intercept(.candidates) { try await base.candidates(for: user, run: run, limit: limit) }
    }
    public func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        try await interceptor.intercept(.list) { try await base.list(key: key, run: run, limit: limit) }
    }
    public func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot {
        try await interceptor.intercept(.loadSnapshot) { try await base.loadSnapshot(of: run, listLength: listLength) }
    }
}

extension InterceptedStore: EventWrites where Base: EventWrites {
    public func record(_ events: [UserEvent]) async throws -> [RecordOutcome] { try await interceptor.intercept(.record) { try await base.record(events) } }
    public func withdrawDislike(user: UserID, anime: AnimeID) async throws {
        try await interceptor.intercept(.withdrawDislike) { try await base.withdrawDislike(user: user, anime: anime) }
    }
    public func recordImpressions(user: UserID, anime: [AnimeID], at: Int64) async throws {
        try await interceptor.intercept(.recordImpressions) { try await base.recordImpressions(user: user, anime: anime, at: at) }
    }
}

extension InterceptedStore: RunWrites where Base: RunWrites {
    public func upsertAnime(_ anime: [Anime]) async throws { try await interceptor.intercept(.upsertAnime) { try await base.upsertAnime(anime) } }
    public func importRatings(_ ratings: [ImportedRating]) async throws {
        try await interceptor.intercept(.importRatings) { try await base.importRatings(ratings) }
    }
    public func createRun(_ run: ModelRun) async throws { try await interceptor.intercept(.createRun) { try await base.createRun(run) } }
    public func recordProgress(run: String, _ part: RunProgress.Part) async throws {
        try await interceptor.intercept(.recordProgress) { try await base.recordProgress(run: run, part) }
    }
    public func progress(run: String) async throws -> RunProgress { try await interceptor.intercept(.progress) { try await base.progress(run: run) } }
    public func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws {
        try await interceptor.intercept(.writeNeighbors) { try await base.writeNeighbors(run: run, lists) }
    }
    public func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        try await interceptor.intercept(.writeCandidates) { try await base.writeCandidates(run: run, lists) }
    }
    public func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws {
        try await interceptor.intercept(.writeList) { try await base.writeList(run: run, key: key, items) }
    }
    public func writeCatalogue(run: String, _ anime: [Anime]) async throws {
        try await interceptor.intercept(.writeCatalogue) { try await base.writeCatalogue(run: run, anime) }
    }
    public func activate(run: String) async throws { try await interceptor.intercept(.activate) { try await base.activate(run: run) } }
}

extension InterceptedStore: OfflineWalks where Base: OfflineWalks {
    public func allAnime() async throws -> [Anime] { try await interceptor.intercept(.allAnime) { try await base.allAnime() } }
    public func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await interceptor.intercept(.scanHistories) { try await base.scanHistories(shard: shard, batchSize: batchSize, body) }
    }
    public func interactionCount() async throws -> Int { try await interceptor.intercept(.interactionCount) { try await base.interactionCount() } }
}

extension InterceptedStore: RecStore where Base: RecStore {}
