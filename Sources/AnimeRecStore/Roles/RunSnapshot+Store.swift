import Algorithms
import AnimeRecCore

extension RequestReads where Self: OfflineWalks {
    /// Reads everything of `run` that requests use into one immutable ``RunSnapshot``: the run's
    /// catalogue copy (the `anime` table for runs written before runs carried one), every anime's
    /// neighbour list and every ranked list. A full read of the run's partitions, for background
    /// loading only, never a request.
    public func loadSnapshot(of run: ModelRun, listLength: Int) async throws -> RunSnapshot {
        let copy = try await catalogue(run: run.id)
        let catalogue = CatalogueIndex(copy.isEmpty ? try await allAnime() : copy)
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        neighbors.reserveCapacity(catalogue.count)
        for chunk in Array(catalogue.byID.keys).chunks(ofCount: 1024) {
            neighbors.merge(try await self.neighbors(of: Array(chunk), run: run.id, limit: listLength)) { current, _ in current }
        }
        var lists: [String: [ScoredAnime]] = [:]
        for key in RunSnapshot.listKeys(for: catalogue) {
            let list = try await list(key: key, run: run.id, limit: listLength)
            if !list.isEmpty { lists[key] = list }
        }
        return RunSnapshot(run: run, catalogue: catalogue, neighbors: neighbors, lists: lists)
    }
}
