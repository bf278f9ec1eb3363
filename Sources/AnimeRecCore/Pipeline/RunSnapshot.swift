/// Everything of one model run that requests read, loaded once and never changed: the run (and its
/// ranker), its catalogue copy, every neighbour list and every ranked list. Immutable, so any number
/// of requests share one instance without a lock; a replica swaps in a new one when the live run
/// changes.
public final class RunSnapshot: RecallSource, Sendable {
    public let run: ModelRun
    public let catalogue: CatalogueIndex
    public let neighbors: [AnimeID: [ScoredAnime]]
    /// Ranked lists by ``ListKey``.
    public let lists: [String: [ScoredAnime]]

    public init(run: ModelRun, catalogue: CatalogueIndex, neighbors: [AnimeID: [ScoredAnime]], lists: [String: [ScoredAnime]]) {
        self.run = run
        self.catalogue = catalogue
        self.neighbors = neighbors
        self.lists = lists
    }

    /// Longest neighbour or ranked list a snapshot keeps (every route asks for less).
    public static let storedListLength = 256

    /// The ranked lists a run writes for `catalogue`: the popular list and one per genre.
    public static func listKeys(for catalogue: CatalogueIndex) -> [String] {
        [ListKey.popular] + catalogue.genres(includeAdult: true).map { ListKey.genre($0.name) }
    }

    public func anime(_ id: AnimeID) -> Anime? { catalogue.byID[id] }
    public func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> {
        (neighbors[anime] ?? []).prefix(limit)
    }
    public func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> {
        (lists[ListKey.genre(genre)] ?? []).prefix(limit)
    }
    public func popular(limit: Int) -> ArraySlice<ScoredAnime> { (lists[ListKey.popular] ?? []).prefix(limit) }
}
