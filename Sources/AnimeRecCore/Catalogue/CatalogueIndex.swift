/// An immutable, searchable snapshot of the catalogue: lookup by id, search by name words,
/// filters by genre and type, and the three orders of ``CatalogueSort`` precomputed, so a search
/// is one pass over the snapshot in the wanted order and never a store read.
public struct CatalogueIndex: Sendable {
    /// Every title by id.
    public let byID: [AnimeID: Anime]
    private let entries: [Entry]
    /// Positions in `entries` for each order.
    private let orders: [CatalogueSort: [Int32]]
    /// Genres and types with their title counts, adult titles counted apart.
    private let facetCounts: (all: Facets, withoutAdult: Facets)

    private struct Entry: Sendable {
        var anime: Anime
        var foldedName: [UInt8]
        var foldedGenres: [String]
        var foldedType: String?
    }

    private struct Facets: Sendable {
        var genres: [FacetCount]
        var types: [FacetCount]
    }

    /// An empty catalogue.
    public static let empty = CatalogueIndex([])

    public init(_ catalogue: some Sequence<Anime>) {
        var byID: [AnimeID: Anime] = [:]
        for anime in catalogue where byID[anime.id] == nil { byID[anime.id] = anime }
        self.byID = byID
        let entries = byID.values.sorted { $0.id < $1.id }.map { anime in
            Entry(anime: anime, foldedName: SearchText.fold(anime.name),
                  foldedGenres: anime.genres.map { $0.lowercased() }, foldedType: anime.type?.lowercased())
        }
        self.entries = entries
        let positions = Array(Int32(0)..<Int32(entries.count))
        func members(_ a: Int32, _ b: Int32) -> Bool {
            let (x, y) = (entries[Int(a)].anime, entries[Int(b)].anime)
            return x.members != y.members ? x.members > y.members : x.id < y.id
        }
        orders = [
            .members: positions.sorted(by: members),
            .rating: positions.sorted { a, b in
                let (x, y) = (entries[Int(a)].anime.rating ?? -1, entries[Int(b)].anime.rating ?? -1)
                return x != y ? x > y : members(a, b)
            },
            .name: positions.sorted { a, b in
                let (x, y) = (entries[Int(a)].foldedName, entries[Int(b)].foldedName)
                return x != y ? x.lexicographicallyPrecedes(y) : entries[Int(a)].anime.id < entries[Int(b)].anime.id
            },
        ]
        facetCounts = (Self.facets(entries, includeAdult: true), Self.facets(entries, includeAdult: false))
    }

    /// Number of titles.
    public var count: Int { entries.count }

    /// The page of titles matching `query`, in its order, with the total number of matches.
    public func search(_ query: CatalogueQuery) -> CataloguePage {
        let words = SearchText.words(query.text)
        let genres = Set(query.genres.map { $0.lowercased() })
        let type = query.type?.lowercased()
        let window = query.offset..<(query.offset + max(0, query.limit))
        var items: [Anime] = []
        items.reserveCapacity(min(window.count, 128))
        var total = 0
        for position in orders[query.sort] ?? [] {
            let entry = entries[Int(position)]
            if !query.includeAdult && entry.anime.isAdult { continue }
            if let type, entry.foldedType != type { continue }
            if !genres.isEmpty && !entry.foldedGenres.contains(where: genres.contains) { continue }
            if !words.allSatisfy({ SearchText.contains(entry.foldedName, $0) }) { continue }
            if window.contains(total) { items.append(entry.anime) }
            total += 1
        }
        return CataloguePage(items: items, total: total)
    }

    /// Genres with their title counts, most titles first (ties by name).
    public func genres(includeAdult: Bool) -> [FacetCount] {
        includeAdult ? facetCounts.all.genres : facetCounts.withoutAdult.genres
    }

    /// Types with their title counts, most titles first (ties by name).
    public func types(includeAdult: Bool) -> [FacetCount] {
        includeAdult ? facetCounts.all.types : facetCounts.withoutAdult.types
    }

    private static func facets(_ entries: [Entry], includeAdult: Bool) -> Facets {
        var genres: [String: Int] = [:]
        var types: [String: Int] = [:]
        for entry in entries where includeAdult || !entry.anime.isAdult {
            for genre in entry.anime.genres { genres[genre, default: 0] += 1 }
            if let type = entry.anime.type { types[type, default: 0] += 1 }
        }
        func ordered(_ counts: [String: Int]) -> [FacetCount] {
            counts.map { FacetCount(name: $0.key, count: $0.value) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
        }
        return Facets(genres: ordered(genres), types: ordered(types))
    }
}
