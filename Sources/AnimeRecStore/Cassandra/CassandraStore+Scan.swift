import AnimeRecCore
import CQL

extension CassandraStore {
    /// Walks `user_anime` in token order within the shard's token range, `page` rows a request; a
    /// partition cut at a page's end is finished with clustering-order reads before the walk moves
    /// on, so every user comes whole and once. Each batch's event counters are read per user.
    ///
    /// The shard is walked as ``scanParallelism`` sub-shards at once (each a sequential walk of its
    /// token range), and their batches reach `body` in token order: the first sub-shard's as they
    /// come, each later one's once those before it are done.
    public func scanHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        let parts = shard.count * Self.scanParallelism <= 4096 ? Self.scanParallelism : 1
        let subShards = try (0..<parts).map { try ScanShard(index: shard.index * parts + $0, count: shard.count * parts) }
        let (first, rest) = (subShards[0], subShards.dropFirst())
        let later = rest.map { subShard in
            Task { [self] () async throws -> [[UserHistory]] in
                var batches: [[UserHistory]] = []
                try await walkHistories(shard: subShard, batchSize: max(1, batchSize), withEvents: true) { batches.append($0) }
                return batches
            }
        }
        defer { for task in later { task.cancel() } }
        try await walkHistories(shard: first, batchSize: max(1, batchSize), withEvents: true, body)
        for task in later {
            for batch in try await task.value { try await body(batch) }
        }
    }

    /// Sub-shards one offline walk reads at once.
    static let scanParallelism = 4

    public func interactionCount() async throws -> Int {
        var count = 0
        try await walkHistories(shard: .all, batchSize: 2000, withEvents: false) { batch in
            count += batch.reduce(0) { $0 + $1.interactions.count }
        }
        return count
    }

    /// The walk starts at a key whose token is just below the shard's range (found by
    /// ``ScanShard/probeKey(atOrBelow:)``) and stops at the first user past its end: Cassandra 1.2
    /// compares `token(k)` only with `token(?)`, never with a number, so the range is reached
    /// through keys. Users between the probe and the range's start are skipped here.
    func walkHistories(
        shard: ScanShard, batchSize: Int, withEvents: Bool, _ body: ([UserHistory]) async throws -> Void
    ) async throws {
        let page = 2000
        let upper = shard.tokenRange.upper
        var batch: [UserHistory] = []
        var rows = shard.index == 0
            ? try await select(statements.historiesFirst(page: page), [])
            : try await select(statements.historiesAfterUser(page: page), [.bigint(ScanShard.probeKey(atOrBelow: shard.tokenRange.lower))])
        while true {
            var histories = Self.group(rows)
            var full = rows.count == page
            if let end = histories.firstIndex(where: { ScanShard.token(ofUser: $0.user.rawValue) > upper }) {
                histories.removeSubrange(end...)
                full = false
            }
            if full, var last = histories.popLast() {
                // The page may have cut the last user's partition: read the rest of it.
                var rest = page
                while rest == page, let after = last.interactions.last?.anime {
                    let more = try await select(statements.historyRest(page: page), [.bigint(last.user.rawValue), .int(after.rawValue)])
                    last.interactions += Self.group(more).first?.interactions ?? []
                    rest = more.count
                }
                histories.append(last)
            }
            let next = histories.last?.user
            batch += histories.filter { shard.contains($0.user.rawValue) }
            if batch.count >= batchSize || !full {
                try await emit(&batch, withEvents: withEvents, body)
            }
            guard full, let next else { break }
            rows = try await select(statements.historiesAfterUser(page: page), [.bigint(next.rawValue)])
        }
        try await emit(&batch, withEvents: withEvents, body)
    }

    private func emit(_ batch: inout [UserHistory], withEvents: Bool, _ body: ([UserHistory]) async throws -> Void) async throws {
        guard !batch.isEmpty else { return }
        var out = batch
        batch = []
        if withEvents {
            let statement = statements.interactionEvents(limit: nil)
            let counters = try await bulk.map(out.map(\.user)) { [client, configuration] user in
                try await client.select(statement, [.bigint(user.rawValue)], options: .bulk(timeout: configuration.bulkTimeout))?.rows ?? []
            }
            for index in out.indices where !counters[index].isEmpty {
                var events: [AnimeID: Int32] = [:]
                for row in counters[index] {
                    if let anime = try? row.decode(Int32.self, at: 0), let count = try? row.decode(Int64.self, at: 1) {
                        events[AnimeID(anime)] = Int32(clamping: count)
                    }
                }
                for i in out[index].interactions.indices {
                    out[index].interactions[i].events = events[out[index].interactions[i].anime] ?? 0
                }
            }
        }
        try await body(out)
    }

    private func select(_ statement: String, _ values: [CQLValue]) async throws -> [CQLRow] {
        try await bulkSelect(statement, values)
    }

    /// Consecutive rows of `user_id, anime_id, rating, liked, last_at` grouped by user.
    static func group(_ rows: [CQLRow]) -> [UserHistory] {
        var histories: [UserHistory] = []
        for row in rows {
            guard let user = try? row.decode(Int64.self, at: 0), let interaction = decodeInteraction(row, offset: 1, events: [:]) else {
                continue
            }
            if histories.last?.user.rawValue != user { histories.append(UserHistory(user: UserID(user), interactions: [])) }
            histories[histories.count - 1].interactions.append(interaction)
        }
        return histories
    }
}
