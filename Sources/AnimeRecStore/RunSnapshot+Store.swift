import AnimeRecCore

extension RecStore {
    /// Reads everything of `run` that requests use into one immutable ``RunSnapshot``: the run's
    /// catalogue copy (the `anime` table for runs written before runs carried one), every anime's
    /// neighbour list and every ranked list. A full read of the run's partitions, for background
    /// loading only, never a request.
    public func loadSnapshot(of run: ModelRun, listLength: Int = RunSnapshot.storedListLength) async throws -> RunSnapshot {
        let copy = try await catalogue(run: run.id)
        let catalogue = CatalogueIndex(copy.isEmpty ? try await allAnime() : copy)
        let ids = Array(catalogue.byID.keys)
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        neighbors.reserveCapacity(ids.count)
        for start in stride(from: 0, to: ids.count, by: 1024) {
            let chunk = Array(ids[start..<min(ids.count, start + 1024)])
            neighbors.merge(try await self.neighbors(of: chunk, run: run.id, limit: listLength)) { current, _ in current }
        }
        var lists: [String: [ScoredAnime]] = [:]
        for key in RunSnapshot.listKeys(for: catalogue) {
            let list = try await list(key: key, run: run.id, limit: listLength)
            if !list.isEmpty { lists[key] = list }
        }
        return RunSnapshot(run: run, catalogue: catalogue, neighbors: neighbors, lists: lists)
    }
}
