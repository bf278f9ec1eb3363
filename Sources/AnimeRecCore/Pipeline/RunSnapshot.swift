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
    /// The catalogue's genres numbered, most titles first.
    public let genreNumbering: GenreNumbering

    /// Entries by id, for ids from 0 to the largest (anime ids are small and dense): a lookup is an
    /// index, not a hash.
    private let dense: [Anime?]
    /// Per id: 0 unknown, 1 shown to everyone, 2 adult.
    private let admission: [UInt8]
    /// Neighbour lists by id, as `dense`.
    private let denseNeighbors: [[ScoredAnime]]
    /// Every entry's ``TitleFeatures``, and per id (as `dense`) its position there, −1 for none.
    private let titles: [TitleFeatures]
    private let titleSlots: [Int32]

    /// Ids above this are looked up by hash instead of by index.
    static let largestDenseID: Int32 = 1 << 22

    public init(run: ModelRun, catalogue: CatalogueIndex, neighbors: [AnimeID: [ScoredAnime]], lists: [String: [ScoredAnime]]) {
        self.run = run
        self.catalogue = catalogue
        self.neighbors = neighbors
        self.lists = lists
        let numbering = GenreNumbering(catalogue.genres(includeAdult: true).map(\.name))
        genreNumbering = numbering
        let ids = catalogue.byID.keys.map(\.rawValue) + neighbors.keys.map(\.rawValue)
        let size = Int(min(Self.largestDenseID, max(-1, ids.filter { $0 >= 0 }.max() ?? -1)) + 1)
        var dense = [Anime?](repeating: nil, count: size)
        var admission = [UInt8](repeating: 0, count: size)
        var titles: [TitleFeatures] = []
        titles.reserveCapacity(catalogue.count)
        var titleSlots = [Int32](repeating: -1, count: size)
        for (id, anime) in catalogue.byID where id.rawValue >= 0 && Int(id.rawValue) < size {
            dense[Int(id.rawValue)] = anime
            admission[Int(id.rawValue)] = anime.isAdult ? 2 : 1
            titleSlots[Int(id.rawValue)] = Int32(titles.count)
            titles.append(TitleFeatures(anime, numbering: numbering))
        }
        self.titles = titles
        self.titleSlots = titleSlots
        var denseNeighbors = [[ScoredAnime]](repeating: [], count: size)
        for (id, list) in neighbors where id.rawValue >= 0 && Int(id.rawValue) < size { denseNeighbors[Int(id.rawValue)] = list }
        self.dense = dense
        self.admission = admission
        self.denseNeighbors = denseNeighbors
    }

    /// Longest neighbour or ranked list a snapshot keeps (every route asks for less).
    public static let storedListLength = 256

    /// The ranked lists a run writes for `catalogue`: the popular list and one per genre.
    public static func listKeys(for catalogue: CatalogueIndex) -> [String] {
        [ListKey.popular] + catalogue.genres(includeAdult: true).map { ListKey.genre($0.name) }
    }

    public func anime(_ id: AnimeID) -> Anime? {
        let index = Int(id.rawValue)
        return index >= 0 && index < dense.count ? dense[index] : catalogue.byID[id]
    }
    public func genres(of id: AnimeID) -> [String]? {
        let index = Int(id.rawValue)
        return index >= 0 && index < dense.count ? dense[index]?.genres : catalogue.byID[id]?.genres
    }
    public func titleFeatures(of id: AnimeID) -> TitleFeatures? {
        let index = Int(id.rawValue)
        guard index >= 0 && index < titleSlots.count else {
            return catalogue.byID[id].map { TitleFeatures($0, numbering: genreNumbering) }
        }
        let slot = titleSlots[index]
        return slot < 0 ? nil : titles[Int(slot)]
    }
    public func admits(_ id: AnimeID, includeAdult: Bool) -> Bool {
        let index = Int(id.rawValue)
        guard index >= 0 && index < admission.count else {
            guard let anime = catalogue.byID[id] else { return false }
            return includeAdult || !anime.isAdult
        }
        let flag = admission[index]
        return flag == 1 || (flag == 2 && includeAdult)
    }
    public func neighbors(of anime: AnimeID, limit: Int) -> ArraySlice<ScoredAnime> {
        let index = Int(anime.rawValue)
        if index >= 0 && index < denseNeighbors.count { return denseNeighbors[index].prefix(limit) }
        return (neighbors[anime] ?? []).prefix(limit)
    }
    public func genreList(_ genre: String, limit: Int) -> ArraySlice<ScoredAnime> {
        (lists[ListKey.genre(genre)] ?? []).prefix(limit)
    }
    public func popular(limit: Int) -> ArraySlice<ScoredAnime> { (lists[ListKey.popular] ?? []).prefix(limit) }
}
