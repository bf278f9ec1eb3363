import AnimeRecCore
import CQL

extension CassandraStore {
    public func createRun(_ run: ModelRun) async throws {
        try await client.execute(
            statements.insertRun, [.text(run.id), .bigint(run.createdAt), .text(try run.ranker?.storageText() ?? "")],
            options: .idempotent())
    }

    public func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws {
        let statement = statements.insertNeighbor
        try await writeBatches(partitionBatches(lists) { anime, rank, neighbor in
            CQLBatchStatement(statement, [.int(anime.rawValue), .text(run), .int(Int32(rank)), .int(neighbor.anime.rawValue), .double(neighbor.score)])
        })
    }

    public func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        let statement = statements.insertCandidate
        try await writeBatches(partitionBatches(lists) { user, rank, candidate in
            CQLBatchStatement(statement, [
                .bigint(user.rawValue), .text(run), .int(Int32(rank)), .int(candidate.anime.rawValue), .double(candidate.score),
                .text(candidate.reason.storageText),
            ])
        })
    }

    public func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws {
        let statement = statements.insertListItem
        try await writeBatches(partitionBatches([(key, items)]) { key, rank, item in
            CQLBatchStatement(statement, [.text(key), .text(run), .int(Int32(rank)), .int(item.anime.rawValue), .double(item.score)])
        })
    }

    public func writeCatalogue(run: String, _ anime: [Anime]) async throws {
        let statement = statements.insertCatalogueEntry
        let buckets = Dictionary(grouping: anime) { $0.id.rawValue % CassandraStatements.catalogueBuckets }
            .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try await writeBatches(partitionBatches(buckets) { bucket, _, entry in
            CQLBatchStatement(statement, [.text(run), .int(bucket)] + Self.values(of: entry))
        })
    }

    public func catalogue(run: String) async throws -> [Anime] {
        let statement = statements.catalogueBucket
        let buckets = Array(0..<CassandraStatements.catalogueBuckets)
        return try await concurrentMap(buckets, maxInFlight: 16) { [client] bucket in
            try await client.select(statement, [.text(run), .int(bucket)], options: .idempotent())?.rows.compactMap(Self.decodeAnime) ?? []
        }.flatMap { $0 }
    }

    /// One list per partition, cut into batches of ``Configuration/rowsPerBatch`` rows.
    private func partitionBatches<Key, Item>(
        _ lists: [(Key, [Item])], _ row: (Key, Int, Item) -> CQLBatchStatement
    ) -> [[CQLBatchStatement]] {
        var batches: [[CQLBatchStatement]] = []
        for (key, items) in lists {
            let rows = items.enumerated().map { row(key, $0.offset, $0.element) }
            var start = 0
            while start < rows.count {
                let end = min(rows.count, start + configuration.rowsPerBatch)
                batches.append(Array(rows[start..<end]))
                start = end
            }
        }
        return batches
    }

    /// Copies the run's row into the one-row `live_run` pointer: readers switch with that write.
    /// Older runs are left to expire with their TTL (no deletes, no tombstones).
    public func activate(run: String) async throws {
        guard let row = try await client.select(statements.selectRun, [.text(run)], options: .idempotent())?.rows.first else {
            throw StoreError.unknownRun(run)
        }
        try await client.execute(
            statements.setLiveRun,
            [.text("default"), .text(run), .bigint((try? row.decode(Int64.self, at: 1)) ?? 0),
             .text(((try? row.decode(String?.self, at: 2)) ?? nil) ?? "")],
            options: .idempotent())
    }

    public func liveRun() async throws -> ModelRun? {
        guard let row = try await client.select(statements.selectLiveRun, [.text("default")], options: .idempotent())?.rows.first,
            let id = try row.decode(String?.self, at: 0)
        else { return nil }
        let ranker = ((try? row.decode(String?.self, at: 2)) ?? nil).flatMap(RankerWeights.init(storageText:))
        return ModelRun(id: id, createdAt: ((try? row.decode(Int64?.self, at: 1)) ?? nil) ?? 0, ranker: ranker)
    }

    public func liveRunID() async throws -> String? {
        guard let row = try await client.select(statements.selectLiveRunID, [.text("default")], options: .idempotent())?.rows.first
        else { return nil }
        return try row.decode(String?.self, at: 0)
    }

    public func neighbors(of anime: [AnimeID], run: String, limit: Int) async throws -> [AnimeID: [ScoredAnime]] {
        guard limit > 0 else { return [:] }
        let statement = statements.neighbors(limit: limit)
        let unique = Array(Set(anime))
        let lists = try await concurrentMap(unique, maxInFlight: 32) { [client] id in
            try await client.select(statement, [.int(id.rawValue), .text(run)], options: .idempotent())?.rows
                .prefix(limit).compactMap(Self.decodeScored) ?? []
        }
        var result: [AnimeID: [ScoredAnime]] = [:]
        for (id, list) in zip(unique, lists) where !list.isEmpty { result[id] = list }
        return result
    }

    public func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        guard limit > 0 else { return [] }
        return try await client.select(statements.candidates(limit: limit), [.bigint(user.rawValue), .text(run)], options: .idempotent())?
            .rows.prefix(limit).compactMap { row -> Candidate? in
                guard let anime = try? row.decode(Int32.self, at: 0), let score = try? row.decode(Double.self, at: 1),
                    let reason = (try? row.decode(String.self, at: 2)).flatMap(Reason.init(storageText:))
                else { return nil }
                return Candidate(anime: AnimeID(anime), score: score, reason: reason)
            } ?? []
    }

    public func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        guard limit > 0 else { return [] }
        return try await client.select(statements.list(limit: limit), [.text(key), .text(run)], options: .idempotent())?
            .rows.prefix(limit).compactMap(Self.decodeScored) ?? []
    }

    static func decodeScored(_ row: CQLRow) -> ScoredAnime? {
        guard let anime = try? row.decode(Int32.self, at: 0), let score = try? row.decode(Double.self, at: 1) else { return nil }
        return ScoredAnime(anime: AnimeID(anime), score: score)
    }
}
