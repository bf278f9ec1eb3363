import AnimeRecCore

/// Whole-table walks, for jobs and background refreshes only, never a request.
public protocol OfflineWalks: Sendable {
    /// The whole catalogue, in no particular order.
    func allAnime() async throws -> [Anime]
    /// Walks the interactions of every user whose token falls in `shard`, each user once and whole,
    /// `batchSize` users at a time, in the store's natural order (token order on Cassandra; callers
    /// must not assume user order).
    func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws
    /// The number of stored (user, anime) interactions.
    func interactionCount() async throws -> Int
}

extension OfflineWalks {
    /// Walks every user's interactions.
    public func scanHistories(batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await scanHistories(shard: .all, batchSize: batchSize, body)
    }

    /// The number of catalogue entries.
    public func animeCount() async throws -> Int { try await allAnime().count }
}
