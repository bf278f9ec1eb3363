import AnimeRecCore
import CQL

extension CassandraStore {
    public func createRun(_ run: ModelRun) async throws {
        try await bulkExecute([(statements.insertRun, [.text(run.id), .bigint(run.createdAt), .text(try run.ranker?.storageText() ?? "")])])
    }

    // Each list is one row (a packed blob, DESIGN §3.2), written through the bulk load.

    public func writeNeighbors(run: String, _ lists: [(AnimeID, [ScoredAnime])]) async throws {
        let statement = statements.insertNeighborList
        try await bulkExecute(lists.map { anime, list in
            (statement, [.int(anime.rawValue), .text(run), .blob(PackedList.encode(list))])
        })
    }

    public func writeCandidates(run: String, _ lists: [(UserID, [Candidate])]) async throws {
        let statement = statements.insertCandidateList
        try await bulkExecute(lists.map { user, candidates in
            (statement, [.bigint(user.rawValue), .text(run), .blob(PackedList.encode(candidates))])
        })
    }

    public func writeList(run: String, key: String, _ items: [ScoredAnime]) async throws {
        try await bulkExecute([(statements.insertRankedList, [.text(run), .text(key), .blob(PackedList.encode(items))])])
    }

    public func writeCatalogue(run: String, _ anime: [Anime]) async throws {
        let statement = statements.insertCataloguePart
        let buckets = Dictionary(grouping: anime) { CassandraStatements.catalogueBucket(of: $0.id.rawValue) }
        var rows: [(String, [CQLValue])] = []
        for (bucket, entries) in buckets.sorted(by: { $0.key < $1.key }) {
            let packed = PackedList.encode(entries.sorted { $0.id.rawValue < $1.id.rawValue })
            rows.append((statement, [.text(run), .int(bucket), .blob(packed)]))
        }
        try await bulkExecute(rows)
    }

    /// A background read (the run snapshot, jobs), through the bulk load.
    public func catalogue(run: String) async throws -> [Anime] {
        let parts = try await bulkSelectAll(
            (0..<CassandraStatements.catalogueBuckets).map { (statements.cataloguePart, [.text(run), .int($0)]) })
        return try parts.compactMap(\.first).flatMap { row -> [Anime] in
            guard let bytes = try? row.decode([UInt8].self, at: 0), let entries = PackedList.catalogue(bytes) else {
                throw MalformedPackedList(table: "run_catalogue_parts")
            }
            return entries
        }
    }

    public func run(_ id: String) async throws -> ModelRun? {
        guard let row = try await bulkSelect(statements.selectRun, [.text(id)]).first else { return nil }
        let ranker = ((try? row.decode(String?.self, at: 2)) ?? nil).flatMap(RankerWeights.init(storageText:))
        return ModelRun(id: id, createdAt: ((try? row.decode(Int64?.self, at: 1)) ?? nil) ?? 0, ranker: ranker)
    }

    public func recordProgress(run: String, _ part: RunProgress.Part) async throws {
        try await bulkExecute([(
            statements.insertProgress,
            [.text(run), .text(part.stage.rawValue), .int(Int32(part.part)), .int(Int32(part.total)), .bigint(WallClock.nowMilliseconds)]
        )])
    }

    public func progress(run: String) async throws -> RunProgress {
        let rows = try await bulkSelect(statements.selectProgress, [.text(run)])
        return RunProgress(rows.compactMap { row -> RunProgress.Part? in
            guard let stage = (try? row.decode(String.self, at: 0)).flatMap(RunProgress.Stage.init(rawValue:)),
                let part = try? row.decode(Int32.self, at: 1), let total = try? row.decode(Int32.self, at: 2)
            else { return nil }
            return RunProgress.Part(stage: stage, part: Int(part), total: Int(total))
        })
    }

    /// Copies the run's row into the one-row `live_run` pointer: readers switch with that write.
    /// Older runs are left to expire with their TTL (no deletes, no tombstones). A run without its
    /// `complete` progress row is refused.
    /// A job's call: it rides out a busy ring or a node down like the job's other statements.
    public func activate(run: String) async throws {
        guard let row = try await bulkSelect(statements.selectRun, [.text(run)]).first else {
            throw StoreError.unknownRun(run)
        }
        guard try await !bulkSelect(statements.selectComplete, [.text(run)]).isEmpty else {
            throw StoreError.incompleteRun(run, missing: try await progress(run: run).missingStages.map(\.rawValue))
        }
        try await bulkExecute([(
            statements.setLiveRun,
            [.text("default"), .text(run), .bigint((try? row.decode(Int64.self, at: 1)) ?? 0),
             .text(((try? row.decode(String?.self, at: 2)) ?? nil) ?? "")]
        )])
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
        let statement = statements.neighborList
        let unique = Array(Set(anime))
        let lists = try await concurrentMap(unique, maxInFlight: 32) { [client] id in
            try await Self.packedScored(
                client.select(statement, [.int(id.rawValue), .text(run)], options: .idempotent()), limit: limit, table: "run_neighbor_lists")
        }
        var result: [AnimeID: [ScoredAnime]] = [:]
        for (id, list) in zip(unique, lists) where !list.isEmpty { result[id] = list }
        return result
    }

    public func candidates(for user: UserID, run: String, limit: Int) async throws -> [Candidate] {
        guard limit > 0 else { return [] }
        guard let bytes = try await client.select(statements.candidateList, [.bigint(user.rawValue), .text(run)], options: .idempotent())?
            .rows.first.flatMap({ try? $0.decode([UInt8].self, at: 0) })
        else { return [] }
        guard let candidates = PackedList.candidates(bytes, limit: limit) else { throw MalformedPackedList(table: "run_user_candidates") }
        return candidates
    }

    public func list(key: String, run: String, limit: Int) async throws -> [ScoredAnime] {
        guard limit > 0 else { return [] }
        return try await Self.packedScored(
            client.select(statements.rankedList, [.text(run), .text(key)], options: .idempotent()), limit: limit, table: "run_ranked_lists")
    }

    /// The run's rows through the bulk load, like a job's: the load adapts to a busy ring and rides
    /// out a node loss instead of failing and starting over.
    public func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot {
        let copy = try await catalogue(run: run.id)
        let catalogue = CatalogueIndex(copy.isEmpty ? try await allAnime() : copy)
        let ids = Array(catalogue.byID.keys)
        let lists = try await bulkSelectAll(ids.map { (statements.neighborList, [.int($0.rawValue), .text(run.id)]) })
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        neighbors.reserveCapacity(ids.count)
        for (id, rows) in zip(ids, lists) {
            let list = try Self.packedScored(rows.first, limit: listLength, table: "run_neighbor_lists")
            if !list.isEmpty { neighbors[id] = list }
        }
        let keys = RunSnapshot.listKeys(for: catalogue)
        let ranked = try await bulkSelectAll(keys.map { (statements.rankedList, [.text(run.id), .text($0)]) })
        var rankedLists: [String: [ScoredAnime]] = [:]
        for (key, rows) in zip(keys, ranked) {
            let list = try Self.packedScored(rows.first, limit: listLength, table: "run_ranked_lists")
            if !list.isEmpty { rankedLists[key] = list }
        }
        return RunSnapshot(run: run, catalogue: catalogue, neighbors: neighbors, lists: rankedLists)
    }

    /// The first row's packed scored list, at most `limit` entries; empty for no row.
    static func packedScored(_ result: CQLRows?, limit: Int, table: String) throws -> [ScoredAnime] {
        try packedScored(result?.rows.first, limit: limit, table: table)
    }

    static func packedScored(_ row: CQLRow?, limit: Int, table: String) throws -> [ScoredAnime] {
        guard let bytes = row.flatMap({ try? $0.decode([UInt8].self, at: 0) }) else { return [] }
        guard let list = PackedList.scored(bytes, limit: limit) else { throw MalformedPackedList(table: table) }
        return list
    }

    static func decodeScored(_ row: CQLRow) -> ScoredAnime? {
        guard let anime = try? row.decode(Int32.self, at: 0), let score = try? row.decode(Double.self, at: 1) else { return nil }
        return ScoredAnime(anime: AnimeID(anime), score: score)
    }
}

/// A packed list that does not decode: written by a newer format or damaged.
struct MalformedPackedList: Error, CustomStringConvertible {
    var table: String
    var description: String { "a row of \(table) holds no packed list this version reads (format version \(PackedList.version))" }
}
