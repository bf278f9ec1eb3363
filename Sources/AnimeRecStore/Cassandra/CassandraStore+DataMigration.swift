import AnimeRecCore
import CQL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CassandraStore {
    /// The migrations that move data after their DDL, with what they move. Each step is idempotent:
    /// a migration is recorded only after its step, so an interrupted one runs again whole.
    static let dataSteps: [String: String] = [
        "0004_run_rows": "copies the live run's neighbour, candidate and ranked lists and its catalogue into one row per list",
        "0005_user_state":
            "copies every user's interactions and events of the last 90 days into user_state, and the events of the last two days into event_hours",
    ]

    /// Runs the data step of migration `name`, if it has one.
    func moveData(after name: String) async throws {
        switch name {
        case "0004_run_rows": try await packLiveRun()
        case "0005_user_state": try await moveUsersIntoTheirPartitions()
        default: break
        }
    }

    /// Copies the live run from the row-per-entry tables of 0001 into the packed rows of 0004 and
    /// records it complete, so the service keeps serving it after the upgrade; its catalogue copy
    /// is taken from `anime`, so imports since the run show at once. Older runs are not
    /// copied: they are never read again and expire with their TTL.
    private func packLiveRun() async throws {
        guard let run = try await liveRunID() else { return }
        // The catalogue as the `anime` table holds it now: the old copy (`run_catalogue`, a list
        // column on each of ~770 rows per partition) reads too slowly on 1.2 to be copied.
        let catalogue = try await allAnime()
        try await writeCatalogue(run: run, catalogue)

        let ids = catalogue.map(\.id)
        let neighborRows = try await bulkSelectAll(ids.map { (statements.legacyNeighbors, [.int($0.rawValue), .text(run)]) })
        let neighbors = zip(ids, neighborRows).map { ($0, $1.compactMap(Self.decodeScored)) }
        try await writeNeighbors(run: run, neighbors.filter { !$0.1.isEmpty })

        let keys = [ListKey.popular] + Set(catalogue.flatMap(\.genres)).sorted().map(ListKey.genre)
        for key in keys {
            let list = try await legacyScored(statements.legacyList, [.text(key), .text(run)])
            if !list.isEmpty { try await writeList(run: run, key: key, list) }
        }

        try await walkLegacyHistories(shard: .all, batchSize: 2000) { [self] histories in
            let users = histories.map(\.user)
            let rows = try await bulkSelectAll(users.map { (statements.legacyCandidates, [.bigint($0.rawValue), .text(run)]) })
            let lists = zip(users, rows).map { user, rows in
                (user, rows.compactMap { row -> Candidate? in
                    guard let anime = try? row.decode(Int32.self, at: 0), let score = try? row.decode(Double.self, at: 1),
                        let reason = (try? row.decode(String.self, at: 2)).flatMap(Reason.init(storageText:))
                    else { return nil }
                    return Candidate(anime: AnimeID(anime), score: score, reason: reason)
                })
            }
            try await writeCandidates(run: run, lists.filter { !$0.1.isEmpty })
        }
        for stage in RunProgress.Stage.allCases {
            try await recordProgress(run: run, RunProgress.Part(stage: stage, part: 0, total: 1))
        }
    }

    /// Copies `user_anime` (imported values and `last_at`) and each user's events of the last 90
    /// days (`user_event_days`, `user_events`) into `user_state`, each event a map entry that
    /// expires when its event row would have; the events of the last two days also become
    /// `event_hours` rows, so trending stays whole; every copied event gets its `event_ids` row
    /// (events stored before 0002 had none). Counts older than 90 days are not kept: the partition
    /// counts the events it holds. All writes are idempotent, so an interrupted step runs again.
    private func moveUsersIntoTheirPartitions() async throws {
        let now = WallClock.nowMilliseconds
        let sinceDay = DayBucket.day(ofMilliseconds: now - Int64(configuration.eventTTLSeconds) * 1000)
        let recentHour = TrendingBuckets.bucket(ofMilliseconds: now) - 48
        try await walkLegacyHistories(shard: .all, batchSize: 500) { [self] histories in
            var rows: [[CQLBatchStatement]] = []
            var single: [(String, [CQLValue])] = []
            for history in histories {
                let user = CQLValue.bigint(history.user.rawValue)
                var batch: [CQLBatchStatement] = []
                for interaction in history.interactions {
                    let anime = CQLValue.int(interaction.anime.rawValue)
                    batch.append(CQLBatchStatement(statements.importUserRating, [
                        user, anime, .int(Int32(interaction.rating ?? 0)), .int(interaction.liked.map { $0 ? 1 : 0 } ?? -1),
                    ]))
                    if let lastAt = interaction.lastAt {
                        batch.append(CQLBatchStatement(statements.touchUserState, [.bigint(lastAt), user, anime]))
                    }
                    if batch.count >= configuration.rowsPerBatch {
                        rows.append(batch)
                        batch = []
                    }
                }
                if !batch.isEmpty { rows.append(batch) }
            }
            try await writeBatches(rows)

            let events = try await legacyEvents(of: histories.map(\.user), sinceDay: sinceDay)
            for event in events {
                let id = CQLValue.uuid(event.id.uuid)
                let user = CQLValue.bigint(event.user.rawValue)
                let anime = CQLValue.int(event.anime.rawValue)
                let secondsLeft = Int((event.at - now) / 1000) + configuration.eventTTLSeconds
                guard secondsLeft > 0 else { continue }
                single.append((statements.addUserEvent(ttlSeconds: secondsLeft), [Self.eventEntry(event), user, anime]))
                single.append((statements.insertEventID, [id, user, anime, .text(event.kind.rawValue)]))
                let hour = TrendingBuckets.bucket(ofMilliseconds: event.at)
                if hour >= recentHour {
                    single.append((statements.insertEventHour, [
                        .int(hour), .int(TrendingBuckets.shard(of: event.anime)), id, anime,
                        .int(TrendingBuckets.weight(of: event.kind)),
                    ]))
                }
            }
            try await bulkExecute(single)
        }
    }

    /// Walks the `user_anime` table of 0001 (imported values and `last_at`; its counters are not read:
    /// the 0005 step counts the events it moves), `batchSize` users at a time.
    func walkLegacyHistories(shard: ScanShard, batchSize: Int, _ body: ([UserHistory]) async throws -> Void) async throws {
        try await walkUsers(shard: shard, table: "user_anime", columns: "user_id, anime_id, rating, liked, last_at", batchSize: batchSize) { users in
            try await body(users.map { user, rows in
                UserHistory(user: UserID(user), interactions: rows.compactMap { row in
                    guard let anime = try? row.decode(Int32.self, at: 1) else { return nil }
                    let (rating, liked) = Self.importedValues(row, at: 2)
                    return Interaction(anime: AnimeID(anime), rating: rating, liked: liked, lastAt: (try? row.decode(Int64?.self, at: 4)) ?? nil)
                })
            })
        }
    }

    /// The events of `users` from `sinceDay` on, as the tables of 0001 hold them.
    private func legacyEvents(of users: [UserID], sinceDay: Int32) async throws -> [UserEvent] {
        let dayRows = try await bulkSelectAll(users.map { (statements.eventDays(limit: 128), [.bigint($0.rawValue), .int(sinceDay)]) })
        var reads: [(user: UserID, day: Int32)] = []
        for (user, rows) in zip(users, dayRows) {
            for row in rows { if let day = try? row.decode(Int32.self, at: 0) { reads.append((user, day)) } }
        }
        let statement = statements.eventsOfDay(limit: 65536)
        let eventRows = try await bulkSelectAll(reads.map { (statement, [.bigint($0.user.rawValue), .int($0.day)]) })
        return zip(reads, eventRows).flatMap { read, rows in
            rows.compactMap { row -> UserEvent? in
                guard let id = try? row.decode(UUID.self, at: 0), let anime = try? row.decode(Int32.self, at: 1),
                    let kind = (try? row.decode(String.self, at: 2)).flatMap(EventKind.init(rawValue:)),
                    let at = try? row.decode(Int64.self, at: 3)
                else { return nil }
                return UserEvent(id: EventID(id), user: read.user, anime: AnimeID(anime), kind: kind, at: at)
            }
        }
    }

    private func legacyScored(_ statement: String, _ values: [CQLValue]) async throws -> [ScoredAnime] {
        try await bulkSelect(statement, values).compactMap(Self.decodeScored)
    }
}
