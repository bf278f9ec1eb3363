import AnimeRecCore
import CQL

extension CassandraStore {
    /// The migrations that move data after their DDL, with what they move. Each step is idempotent:
    /// a migration is recorded only after its step, so an interrupted one runs again whole.
    static let dataSteps: [String: String] = [
        "0004_run_rows": "copies the live run's neighbour, candidate and ranked lists and its catalogue into one row per list"
    ]

    /// Runs the data step of migration `name`, if it has one.
    func moveData(after name: String) async throws {
        switch name {
        case "0004_run_rows": try await packLiveRun()
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

        try await walkHistories(shard: .all, batchSize: 2000, withEvents: false) { [self] histories in
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

    private func legacyScored(_ statement: String, _ values: [CQLValue]) async throws -> [ScoredAnime] {
        try await bulkSelect(statement, values).compactMap(Self.decodeScored)
    }
}
