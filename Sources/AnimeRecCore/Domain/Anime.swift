/// One catalogue entry, as imported from the Kaggle `anime.csv` format.
///
/// A value type whose fields live in one immutable shared box: copying an entry (every catalogue
/// lookup on the request path does) costs one reference count, not one per string and array;
/// setting a field makes a new box.
public struct Anime: Hashable, Sendable {
    private final class Box: Sendable {
        let id: AnimeID
        let name: String
        let genres: [String]
        let type: String?
        let episodes: Int?
        let rating: Double?
        let members: Int
        let isAdult: Bool

        init(id: AnimeID, name: String, genres: [String], type: String?, episodes: Int?, rating: Double?, members: Int) {
            self.id = id
            self.name = name
            self.genres = genres
            self.type = type
            self.episodes = episodes
            self.rating = rating
            self.members = members
            isAdult = genres.contains(Anime.adultGenre)
        }
    }

    private var box: Box

    public init(
        id: AnimeID, name: String, genres: [String], type: String?, episodes: Int?, rating: Double?, members: Int
    ) {
        box = Box(id: id, name: name, genres: genres, type: type, episodes: episodes, rating: rating, members: members)
    }

    /// Rebuilds the box with one field changed.
    private mutating func update(
        id: AnimeID? = nil, name: String? = nil, genres: [String]? = nil, type: String?? = nil, episodes: Int?? = nil,
        rating: Double?? = nil, members: Int? = nil
    ) {
        box = Box(
            id: id ?? box.id, name: name ?? box.name, genres: genres ?? box.genres, type: type ?? box.type,
            episodes: episodes ?? box.episodes, rating: rating ?? box.rating, members: members ?? box.members)
    }

    public var id: AnimeID {
        get { box.id }
        set { update(id: newValue) }
    }
    /// Display name with HTML entities already decoded.
    public var name: String {
        get { box.name }
        set { update(name: newValue) }
    }
    /// Genres in catalogue order, e.g. `["Drama", "Romance"]`.
    public var genres: [String] {
        get { box.genres }
        set { update(genres: newValue) }
    }
    /// `TV`, `Movie`, `OVA`, `ONA`, `Special`, `Music`, or `nil` when unknown.
    public var type: String? {
        get { box.type }
        set { update(type: .some(newValue)) }
    }
    /// Episode count, `nil` when unknown.
    public var episodes: Int? {
        get { box.episodes }
        set { update(episodes: .some(newValue)) }
    }
    /// Mean user rating (1–10), `nil` when unknown.
    public var rating: Double? {
        get { box.rating }
        set { update(rating: .some(newValue)) }
    }
    /// Community size (members who list the title).
    public var members: Int {
        get { box.members }
        set { update(members: newValue) }
    }

    /// The genre that marks adult titles. The genre list decides, never the title.
    public static let adultGenre = "Hentai"

    /// Whether the title is adult content (left out unless a request opts in).
    public var isAdult: Bool { box.isAdult }

    /// The identity of this value's storage: the same for every copy of one entry, different for
    /// entries made apart (even with equal fields), and never reused while a copy lives. Equal
    /// identities mean equal fields, so a cache can key what it derived from an entry by it.
    public var storageIdentity: ObjectIdentifier { ObjectIdentifier(box) }

    public static func == (lhs: Anime, rhs: Anime) -> Bool {
        if lhs.box === rhs.box { return true }
        return lhs.id == rhs.id && lhs.name == rhs.name && lhs.genres == rhs.genres && lhs.type == rhs.type
            && lhs.episodes == rhs.episodes && lhs.rating == rhs.rating && lhs.members == rhs.members
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(name)
        hasher.combine(genres)
        hasher.combine(type)
        hasher.combine(episodes)
        hasher.combine(rating)
        hasher.combine(members)
    }
}
