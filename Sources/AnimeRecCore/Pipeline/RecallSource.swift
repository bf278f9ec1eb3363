/// Catalogue entries by id, without I/O.
public protocol CatalogueLookup {
    /// The entry for `id`, or `nil` when this catalogue lacks it.
    func anime(_ id: AnimeID) -> Anime?
    /// Whether `id` may be shown: known, and not adult unless `includeAdult` (recall asks this of
    /// every candidate, so a lookup can answer it without copying the entry).
    func admits(_ id: AnimeID, includeAdult: Bool) -> Bool
    /// The genres of `id`, or `nil` when this catalogue lacks it (read for the genres
    /// ``titleFeatures(of:)`` has no number for, so a lookup can answer it without copying the entry).
    func genres(of id: AnimeID) -> [String]?
    /// How this catalogue numbers genres; the numbers of ``titleFeatures(of:)`` are its.
    var genreNumbering: GenreNumbering { get }
    /// What ranking reads of `id`, or `nil` when this catalogue lacks it (ranking asks this of every
    /// candidate, so a catalogue can keep them ready).
    func titleFeatures(of id: AnimeID) -> TitleFeatures?
}

extension CatalogueLookup {
    public func admits(_ id: AnimeID, includeAdult: Bool) -> Bool {
        guard let anime = anime(id) else { return false }
        return includeAdult || !anime.isAdult
    }
    public func genres(of id: AnimeID) -> [String]? { anime(id)?.genres }
    /// No numbers: every genre goes by name.
    public var genreNumbering: GenreNumbering { .empty }
    public func titleFeatures(of id: AnimeID) -> TitleFeatures? {
        anime(id).map { TitleFeatures($0, numbering: genreNumbering) }
    }
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
    public func admits(_ id: AnimeID, includeAdult: Bool) -> Bool {
        if base.admits(id, includeAdult: true) { return base.admits(id, includeAdult: includeAdult) }
        guard let anime = extra[id] else { return false }
        return includeAdult || !anime.isAdult
    }
    public func genres(of id: AnimeID) -> [String]? { base.genres(of: id) ?? extra[id]?.genres }
    public var genreNumbering: GenreNumbering { base.genreNumbering }
    public func titleFeatures(of id: AnimeID) -> TitleFeatures? {
        base.titleFeatures(of: id) ?? extra[id].map { TitleFeatures($0, numbering: base.genreNumbering) }
    }
    public func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> { base.neighbors(of: anime, limit: limit) }
    public func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> { base.genreList(genre, limit: limit) }
    public func popular(limit: Int) -> ArraySlice<ScoredAnime> { base.popular(limit: limit) }
}
