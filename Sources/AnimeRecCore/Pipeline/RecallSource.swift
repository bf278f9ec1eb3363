/// Catalogue entries by id, without I/O.
public protocol CatalogueLookup {
    /// The entry for `id`, or `nil` when this catalogue lacks it.
    func anime(_ id: AnimeID) -> Anime?
}

extension Dictionary: CatalogueLookup where Key == AnimeID, Value == Anime {
    public func anime(_ id: AnimeID) -> Anime? { self[id] }
}

/// The run-scoped data recall reads, immutable within a model run: a ``RunSnapshot`` (or a
/// ``PartialRun`` read for one request) online, the freshly computed model offline, so serving and
/// the ranker's training replay take one recall path.
public protocol RecallSource: CatalogueLookup {
    /// Up to `limit` neighbours of `anime`, most similar first.
    func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime>
    /// Up to `limit` items of the run's popular list of `genre`, best first.
    func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime>
    /// Up to `limit` items of the run's overall popular list, best first.
    func popular(limit: Int) -> ArraySlice<ScoredAnime>
}

/// A recall source with a few catalogue entries added (anime imported after the run was built).
public struct CatalogueOverlay<Base: RecallSource>: RecallSource {
    public let base: Base
    public let extra: [AnimeID: Anime]

    public init(base: Base, extra: [AnimeID: Anime]) {
        self.base = base
        self.extra = extra
    }

    public func anime(_ id: AnimeID) -> Anime? { base.anime(id) ?? extra[id] }
    public func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> { base.neighbors(of: anime, limit: limit) }
    public func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> { base.genreList(genre, limit: limit) }
    public func popular(limit: Int) -> ArraySlice<ScoredAnime> { base.popular(limit: limit) }
}
