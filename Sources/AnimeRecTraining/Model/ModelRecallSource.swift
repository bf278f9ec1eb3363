import AnimeRecCore
/// A run's recall data as `rebuild` computes it, before anything is stored: the neighbour table
/// (catalogue anime only, as stored), the popular lists, the catalogue. The training replay reads
/// recall through it, so the ranker is fitted on the path serving takes.
struct ModelRecallSource: RecallSource {
    let table: NeighborTable
    let items: [AnimeID]
    let facts: ItemFacts
    let popularList: [ScoredAnime]
    let genreLists: [String: [ScoredAnime]]

    func anime(_ id: AnimeID) -> Anime? { facts.catalogue[id] }

    func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> {
        guard let index = facts.itemIndex[anime], limit > 0 else { return [] }
        let (ids, scores) = table.list(Int(index))
        var list: [ScoredAnime] = []
        list.reserveCapacity(min(limit, ids.count))
        for (neighbor, score) in zip(ids, scores) where facts.inCatalogue[Int(neighbor)] {
            list.append(ScoredAnime(anime: items[Int(neighbor)], score: Double(score)))
            if list.count == limit { break }
        }
        return list[...]
    }

    func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> { (genreLists[genre] ?? []).prefix(limit) }

    func popular(limit: Int) -> ArraySlice<ScoredAnime> { popularList.prefix(limit) }
}
