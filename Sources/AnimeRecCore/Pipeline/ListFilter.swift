/// What a caller asks of a `/recommends` or `/rank` list besides its length: genres to keep or
/// leave out, a type, a minimum community rating, and anime ids it already shows. Genres and types
/// compare case-insensitively, as in catalogue search.
public struct ListFilter: Hashable, Sendable {
    /// Keep titles in any of these genres; empty keeps every genre.
    public var genres: [String] = [] { didSet { genreKeys = Set(genres.map { $0.lowercased() }) } }
    /// Leave out titles in any of these genres.
    public var excludedGenres: [String] = [] { didSet { excludedKeys = Set(excludedGenres.map { $0.lowercased() }) } }
    /// Keep titles of this type only (`TV`, `Movie`, …).
    public var type: String? { didSet { typeKey = type?.lowercased() } }
    /// Keep titles whose community rating is at least this (titles without a rating are left out).
    public var minimumRating: Double?
    /// Anime ids the caller already shows: never in the list.
    public var excluded: Set<AnimeID> = []

    private var genreKeys: Set<String> = []
    private var excludedKeys: Set<String> = []
    private var typeKey: String?

    /// No filter.
    public init() {}

    /// A filter with the given conditions.
    public init(
        genres: [String] = [], excludedGenres: [String] = [], type: String? = nil, minimumRating: Double? = nil,
        excluded: Set<AnimeID> = []
    ) {
        self.genres = genres
        self.excludedGenres = excludedGenres
        self.type = type
        self.minimumRating = minimumRating
        self.excluded = excluded
        genreKeys = Set(genres.map { $0.lowercased() })
        excludedKeys = Set(excludedGenres.map { $0.lowercased() })
        typeKey = type?.lowercased()
    }

    /// Whether the filter keeps everything.
    public var isEmpty: Bool {
        genres.isEmpty && excludedGenres.isEmpty && type == nil && minimumRating == nil && excluded.isEmpty
    }

    /// Whether the filter asks for something of the title itself (not just ids to leave out).
    public var restrictsTitles: Bool {
        !genres.isEmpty || !excludedGenres.isEmpty || type != nil || minimumRating != nil
    }

    /// Whether `anime` passes.
    public func admits(_ anime: Anime) -> Bool {
        if excluded.contains(anime.id) { return false }
        if !genreKeys.isEmpty || !excludedKeys.isEmpty {
            var inWanted = genreKeys.isEmpty
            for genre in anime.genres {
                let key = genre.lowercased()
                if excludedKeys.contains(key) { return false }
                if !inWanted, genreKeys.contains(key) { inWanted = true }
            }
            if !inWanted { return false }
        }
        if let typeKey, anime.type?.lowercased() != typeKey { return false }
        if let minimumRating {
            guard let rating = anime.rating, rating >= minimumRating else { return false }
        }
        return true
    }
}
