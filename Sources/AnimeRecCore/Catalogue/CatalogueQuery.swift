/// The orders a catalogue search can return.
public enum CatalogueSort: String, Sendable, CaseIterable {
    /// Largest community first (ties by id).
    case members
    /// Highest mean rating first; unrated titles last (ties by members, then id).
    case rating
    /// Alphabetical by folded name (ties by id).
    case name
}

/// One catalogue search: which titles, in which order, which page.
public struct CatalogueQuery: Sendable, Equatable {
    /// Words every matching name contains (case-, accent- and punctuation-insensitive); empty matches all.
    public var text: String
    /// Titles in any of these genres (compared case-insensitively); empty means any genre.
    public var genres: [String]
    /// Titles of this type (`TV`, `Movie`, … compared case-insensitively); `nil` means any type.
    public var type: String?
    public var sort: CatalogueSort
    /// Whether titles of the adult genre may appear.
    public var includeAdult: Bool
    /// Page size.
    public var limit: Int
    /// Matches skipped before the page.
    public var offset: Int

    public init(
        text: String = "", genres: [String] = [], type: String? = nil, sort: CatalogueSort = .members,
        includeAdult: Bool = false, limit: Int = 20, offset: Int = 0
    ) {
        self.text = text
        self.genres = genres
        self.type = type
        self.sort = sort
        self.includeAdult = includeAdult
        self.limit = limit
        self.offset = offset
    }
}

/// One page of a catalogue search.
public struct CataloguePage: Sendable, Equatable {
    /// The page's titles, in the query's order.
    public var items: [Anime]
    /// How many titles match in all (for paging).
    public var total: Int

    public init(items: [Anime], total: Int) {
        self.items = items
        self.total = total
    }
}

/// A value of a catalogue facet (a genre or a type) and how many titles carry it.
public struct FacetCount: Sendable, Equatable {
    public var name: String
    public var count: Int

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }
}
