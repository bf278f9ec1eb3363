/// What the offline model knows about each item of an ``InteractionMatrix`` (same indexes): genres,
/// the item-level ranking features, adult flag. Items seen in ratings but missing from the catalogue
/// have no genres, popularity 0 and rating 0.5.
public struct ItemFacts: Sendable {
    /// Genre names by genre index.
    public private(set) var genreNames: [String]
    /// Genre indexes of each item.
    public private(set) var genres: [[Int]]
    /// ``RankingFeatures/popularity`` of each item.
    public private(set) var popularity: [Double]
    /// ``RankingFeatures/rating`` of each item.
    public private(set) var rating: [Double]
    /// Whether each item is adult (genre `Hentai`).
    public private(set) var isAdult: [Bool]
    /// Whether each item is in the catalogue.
    public private(set) var inCatalogue: [Bool]

    /// Facts for `items` (a matrix's item ids) from the catalogue `anime`.
    public init(items: [AnimeID], anime: [Anime]) {
        let byID = Dictionary(anime.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let maximumMembers = anime.map(\.members).max() ?? 0
        var genreIndex: [String: Int] = [:]
        genreNames = []
        genres = []
        popularity = []
        rating = []
        isAdult = []
        inCatalogue = []
        for id in items {
            guard let entry = byID[id] else {
                genres.append([])
                popularity.append(0)
                rating.append(RankingFeatureFormulas.rating(nil))
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
            popularity.append(RankingFeatureFormulas.popularity(members: entry.members, maximumMembers: maximumMembers))
            rating.append(RankingFeatureFormulas.rating(entry.rating))
            isAdult.append(entry.isAdult)
            inCatalogue.append(true)
        }
    }

    /// The traits the similarity fallback needs.
    public var similarityTraits: ItemSimilarity.ItemTraits {
        ItemSimilarity.ItemTraits(genres: genres, popularity: popularity, inCatalogue: inCatalogue)
    }

    /// The ``GenreProfile`` weights of a user over genre indexes, from their positive items.
    public func genreWeights(positiveItems: some Sequence<Int32>) -> [Double] {
        var counts = Array(repeating: 0.0, count: genreNames.count)
        for item in positiveItems {
            for genre in genres[Int(item)] { counts[genre] += 1 }
        }
        let largest = counts.max() ?? 0
        return largest > 0 ? counts.map { $0 / largest } : counts
    }

    /// ``RankingFeatureFormulas/genreAffinity(candidateGenres:profile:)`` over genre indexes.
    public func genreAffinity(item: Int32, weights: [Double]) -> Double {
        let itemGenres = genres[Int(item)]
        guard !itemGenres.isEmpty else { return 0 }
        var total = 0.0
        for genre in itemGenres { total += weights[genre] }
        return total / Double(itemGenres.count)
    }
}

/// Popularity over the interaction log: items ranked by how many users liked them (positive
/// interactions), ties broken by catalogue popularity then index.
public enum InteractionPopularity {
    /// Item indexes best first with their score (positive count divided by the highest count); items that
    /// nobody liked are left out.
    public static func ranking(_ matrix: InteractionMatrix, facts: ItemFacts) -> [(item: Int32, score: Double)] {
        let counts = matrix.itemPositiveCounts()
        let largest = Double(counts.max() ?? 0)
        guard largest > 0 else { return [] }
        return counts.indices.filter { counts[$0] > 0 }
            .sorted { a, b in
                if counts[a] != counts[b] { return counts[a] > counts[b] }
                if facts.popularity[a] != facts.popularity[b] { return facts.popularity[a] > facts.popularity[b] }
                return a < b
            }
            .map { (Int32($0), Double(counts[$0]) / largest) }
    }
}
