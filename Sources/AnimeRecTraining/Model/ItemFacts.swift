import AnimeRecCore
/// What the offline model knows about each item of an ``InteractionMatrix`` (same indexes): genres,
/// popularity and rating as ``FeatureScaling`` scales them, the adult flag, and the catalogue entries
/// themselves for replaying online recall. Items seen in ratings but missing from the catalogue have no
/// genres, popularity 0 and rating 0.5.
public struct ItemFacts: Sendable {
    /// Genre names by genre index.
    public private(set) var genreNames: [String]
    /// Genre indexes of each item.
    public private(set) var genres: [[Int]]
    /// ``FeatureScaling/popularity(members:)`` of each item.
    public private(set) var popularity: [Double]
    /// ``FeatureScaling/rating(_:)`` of each item.
    public private(set) var rating: [Double]
    /// Whether each item is adult (genre `Hentai`).
    public private(set) var isAdult: [Bool]
    /// Whether each item is in the catalogue.
    public private(set) var inCatalogue: [Bool]
    /// The catalogue by id.
    public private(set) var catalogue: [AnimeID: Anime]
    /// Item index by anime id.
    public private(set) var itemIndex: [AnimeID: Int32]

    /// Facts for `items` (a matrix's item ids) from the catalogue `anime`.
    public init(items: [AnimeID], anime: [Anime]) {
        catalogue = Dictionary(anime.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        itemIndex = Dictionary(items.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        var genreIndex: [String: Int] = [:]
        genreNames = []
        genres = []
        popularity = []
        rating = []
        isAdult = []
        inCatalogue = []
        for id in items {
            guard let entry = catalogue[id] else {
                genres.append([])
                popularity.append(0)
                rating.append(FeatureScaling.rating(nil))
                isAdult.append(false)
                inCatalogue.append(false)
                continue
            }
            genres.append(
                entry.genres.map { name in
                    if let index = genreIndex[name] { return index }
                    genreIndex[name] = genreNames.count
                    genreNames.append(name)
                    return genreNames.count - 1
                })
            popularity.append(FeatureScaling.popularity(members: entry.members))
            rating.append(FeatureScaling.rating(entry.rating))
            isAdult.append(entry.isAdult)
            inCatalogue.append(true)
        }
    }

    /// The traits the similarity fallback needs.
    public var similarityTraits: ItemSimilarity.ItemTraits {
        ItemSimilarity.ItemTraits(genres: genres, popularity: popularity, inCatalogue: inCatalogue)
    }
}

/// The popular lists a run publishes: ``ListKey/popular`` and one ``ListKey/genre(_:)`` list per genre.
///
/// Anime rank by how many users liked them (positive interactions), score = that count over the top
/// count; catalogue anime nobody liked follow by community size with scores below every liked one.
/// Adult anime stay in (readers filter them unless asked not to).
public struct PopularLists: Sendable {
    /// Item indexes of the whole catalogue in popularity order.
    public private(set) var order: [Int32]
    /// Score of each item index (0 for items not in the catalogue).
    public private(set) var scores: [Double]

    /// The lists for `matrix` with catalogue facts `facts`.
    public init(_ matrix: InteractionMatrix, facts: ItemFacts) {
        let counts = matrix.itemPositiveCounts()
        let largest = Double(max(1, counts.max() ?? 1))
        scores = counts.indices.map { item in
            guard facts.inCatalogue[item] else { return 0 }
            return counts[item] > 0 ? Double(counts[item]) / largest : 0.5 * facts.popularity[item] / largest
        }
        let scores = scores
        order = counts.indices.filter { facts.inCatalogue[$0] }
            .sorted { a, b in
                if scores[a] != scores[b] { return scores[a] > scores[b] }
                if facts.popularity[a] != facts.popularity[b] { return facts.popularity[a] > facts.popularity[b] }
                return a < b
            }
            .map { Int32($0) }
    }

    /// The first `length` of the overall list.
    public func popular(length: Int, items: [AnimeID]) -> [ScoredAnime] {
        order.prefix(max(0, length)).map { ScoredAnime(anime: items[Int($0)], score: scores[Int($0)]) }
    }

    /// The first `length` of each genre's list, by genre name.
    public func byGenre(length: Int, items: [AnimeID], facts: ItemFacts) -> [String: [ScoredAnime]] {
        var lists = Array(repeating: [ScoredAnime](), count: facts.genreNames.count)
        for item in order {
            for genre in facts.genres[Int(item)] where lists[genre].count < length {
                lists[genre].append(ScoredAnime(anime: items[Int(item)], score: scores[Int(item)]))
            }
        }
        var result: [String: [ScoredAnime]] = [:]
        for (genre, list) in lists.enumerated() where !list.isEmpty { result[facts.genreNames[genre]] = list }
        return result
    }
}
