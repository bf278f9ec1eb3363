/// One catalogue entry, as imported from the Kaggle `anime.csv` format.
public struct Anime: Hashable, Sendable {
    public var id: AnimeID
    /// Display name with HTML entities already decoded.
    public var name: String
    /// Genres in catalogue order, e.g. `["Drama", "Romance"]`.
    public var genres: [String]
    /// `TV`, `Movie`, `OVA`, `ONA`, `Special`, `Music`, or `nil` when unknown.
    public var type: String?
    /// Episode count, `nil` when unknown.
    public var episodes: Int?
    /// Mean user rating (1–10), `nil` when unknown.
    public var rating: Double?
    /// Community size (members who list the title).
    public var members: Int

    public init(
        id: AnimeID, name: String, genres: [String], type: String?, episodes: Int?, rating: Double?, members: Int
    ) {
        self.id = id
        self.name = name
        self.genres = genres
        self.type = type
        self.episodes = episodes
        self.rating = rating
        self.members = members
    }

    /// The genre that marks adult titles. The genre list decides, never the title.
    public static let adultGenre = "Hentai"

    /// Whether the title is adult content (left out unless a request opts in).
    public var isAdult: Bool { genres.contains(Anime.adultGenre) }
}
