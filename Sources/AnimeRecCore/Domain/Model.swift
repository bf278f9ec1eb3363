/// An anime with a score, as lists (neighbours, popular, trending) hold them.
public struct ScoredAnime: Hashable, Sendable {
    public var anime: AnimeID
    public var score: Double

    public init(anime: AnimeID, score: Double) {
        self.anime = anime
        self.score = score
    }
}

/// Why an item is recommended; serialised as `{"kind": …}` in the API.
public enum Reason: Hashable, Sendable {
    /// Similar to an anime the user interacted with.
    case similarTo(AnimeID)
    /// Matches a genre the user likes.
    case genre(String)
    /// Picked for this user by the offline collaborative model.
    case forYou
    /// Trending right now (recent clicks and views).
    case trending
    /// Popular overall.
    case popular

    /// A compact text form for storage: `similar_to:5114`, `genre:Mecha`, `for_you`, `trending`, `popular`.
    public var storageText: String {
        switch self {
        case .similarTo(let id): "similar_to:\(id.rawValue)"
        case .genre(let genre): "genre:\(genre)"
        case .forYou: "for_you"
        case .trending: "trending"
        case .popular: "popular"
        }
    }

    /// Parses ``storageText``.
    public init?(storageText: String) {
        if storageText.hasPrefix("similar_to:") {
            guard let id = Int32(storageText.dropFirst("similar_to:".count)) else { return nil }
            self = .similarTo(AnimeID(id))
        } else if storageText.hasPrefix("genre:") {
            self = .genre(String(storageText.dropFirst("genre:".count)))
        } else {
            switch storageText {
            case "for_you": self = .forYou
            case "trending": self = .trending
            case "popular": self = .popular
            default: return nil
            }
        }
    }
}

/// A precomputed per-user candidate (written by `rebuild`).
public struct Candidate: Hashable, Sendable {
    public var anime: AnimeID
    public var score: Double
    public var reason: Reason

    public init(anime: AnimeID, score: Double, reason: Reason) {
        self.anime = anime
        self.score = score
        self.reason = reason
    }
}

/// The identity and metadata of one offline rebuild. Readers only ever see the live run, so a
/// rebuild in progress never exposes half-written lists.
public struct ModelRun: Hashable, Sendable {
    public var id: String
    /// ms since 1970.
    public var createdAt: Int64
    /// The ranking model trained in this run, if any.
    public var ranker: RankerWeights?

    public init(id: String, createdAt: Int64, ranker: RankerWeights?) {
        self.id = id
        self.createdAt = createdAt
        self.ranker = ranker
    }
}

/// Well-known names of ranked lists a run writes.
public enum ListKey {
    /// Most popular overall (members, ratings).
    public static let popular = "popular"
    /// Most popular within one genre.
    public static func genre(_ genre: String) -> String { "genre:\(genre)" }
}
