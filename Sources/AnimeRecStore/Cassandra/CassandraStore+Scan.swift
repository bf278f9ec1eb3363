import AnimeRecCore
import CQL

extension CassandraStore {
    /// Walks `user_state` in token order within the shard's token range, `page` rows a request; a
    /// partition cut at a page's end is finished with clustering-order reads before the walk moves
    /// on, so every user comes whole and once, with each title's exact event count.
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
                try await walkHistories(shard: subShard, batchSize: max(1, batchSize)) { batches.append($0) }
                return batches
            }
        }
        defer { for task in later { task.cancel() } }
        try await walkHistories(shard: first, batchSize: max(1, batchSize), body)
        for task in later {
            for batch in try await task.value { try await body(batch) }
        }
    }

    /// Sub-shards one offline walk reads at once.
    static let scanParallelism = 4

    public func interactionCount() async throws -> Int {
        var count = 0
        try await walkHistories(shard: .all, batchSize: 2000) { batch in
            count += batch.reduce(0) { $0 + $1.interactions.count }
        }
        return count
    }

    /// Walks `user_state` over the shard, `batchSize` users at a time.
    func walkHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await walkUsers(shard: shard, table: "user_state", columns: Self.stateColumns, batchSize: batchSize) { users in
            try await body(users.map { user, rows in
                UserHistory(user: UserID(user), interactions: Self.userState(user: UserID(user), rows: rows, offset: 1).interactions)
            })
        }
    }

    static let stateColumns = "user_id, anime_id, rating, liked, last_at, events, disliked_at"

    /// Walks a table keyed `(user_id, anime_id)` over the shard's token range in token order, each
    /// user whole and once, `batchSize` users at a time. The first column read must be `user_id`,
    /// the second `anime_id`.
    ///
    /// The walk starts at a key whose token is just below the shard's range (found by
    /// ``ScanShard/probeKey(atOrBelow:)``) and stops at the first user past its end: Cassandra 1.2
    /// compares `token(k)` only with `token(?)`, never with a number, so the range is reached
    /// through keys. Users between the probe and the range's start are skipped here. A partition
    /// cut at a page's end is finished with clustering-order reads before the walk moves on.
    func walkUsers(
        shard: ScanShard, table: String, columns: String, batchSize: Int,
        _ body: ([(user: Int64, rows: [CQLRow])]) async throws -> Void
    ) async throws {
        let page = 2000
        let upper = shard.tokenRange.upper
        let (first, after, rest) = (
            statements.walkFirst(table: table, columns: columns, page: page),
            statements.walkAfterUser(table: table, columns: columns, page: page),
            statements.walkRest(table: table, columns: columns, page: page)
        )
        var batch: [(user: Int64, rows: [CQLRow])] = []
        var rows = shard.index == 0
            ? try await bulkSelect(first, [])
            : try await bulkSelect(after, [.bigint(ScanShard.probeKey(atOrBelow: shard.tokenRange.lower))])
        while true {
            var users = Self.groupByUser(rows)
            var full = rows.count == page
            if let end = users.firstIndex(where: { ScanShard.token(ofUser: $0.user) > upper }) {
                users.removeSubrange(end...)
                full = false
            }
            if full, var last = users.popLast() {
                // The page may have cut the last user's partition: read the rest of it.
                var count = page
                while count == page, let anime = last.rows.last.flatMap({ try? $0.decode(Int32.self, at: 1) }) {
                    let more = try await bulkSelect(rest, [.bigint(last.user), .int(anime)])
                    last.rows += more
                    count = more.count
                }
                users.append(last)
            }
            let next = users.last?.user
            batch += users.filter { shard.contains($0.user) }
            if batch.count >= batchSize || !full {
                if !batch.isEmpty { try await body(batch) }
                batch = []
            }
            guard full, let next else { break }
            rows = try await bulkSelect(after, [.bigint(next)])
        }
        if !batch.isEmpty { try await body(batch) }
    }

    /// Consecutive rows grouped by their first column, `user_id`.
    static func groupByUser(_ rows: [CQLRow]) -> [(user: Int64, rows: [CQLRow])] {
        var users: [(user: Int64, rows: [CQLRow])] = []
        for row in rows {
            guard let user = try? row.decode(Int64.self, at: 0) else { continue }
            if users.last?.user != user { users.append((user, [])) }
            users[users.count - 1].rows.append(row)
        }
        return users
    }
}
