/// The pieces of a run one request read from the store (while this replica has no
/// ``RunSnapshot`` of the live run yet), or that a test sets up: a ``RecallSource`` over plain
/// dictionaries; whatever it lacks is absent.
public struct PartialRun: RecallSource, Sendable {
    public var neighbors: [AnimeID: [ScoredAnime]]
    /// Ranked lists by ``ListKey``.
    public var lists: [String: [ScoredAnime]]
    public var catalogue: [AnimeID: Anime]

    public init(neighbors: [AnimeID: [ScoredAnime]] = [:], lists: [String: [ScoredAnime]] = [:], catalogue: [AnimeID: Anime] = [:]) {
        self.neighbors = neighbors
        self.lists = lists
        self.catalogue = catalogue
    }

    public func anime(_ id: AnimeID) -> Anime? { catalogue[id] }
    public func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> {
        (neighbors[anime] ?? []).prefix(limit)
    }
    public func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> {
        (lists[ListKey.genre(genre)] ?? []).prefix(limit)
    }
    public func popular(limit: Int) -> ArraySlice<ScoredAnime> { (lists[ListKey.popular] ?? []).prefix(limit) }
}
