/// What the system knows about one user and one anime: the seen filter and the training input.
public struct Interaction: Hashable, Sendable {
    public var anime: AnimeID
    /// Explicit rating 1–10, or `nil` (not rated, or the source only said liked / not liked).
    public var rating: Int8?
    /// Whether the user liked it (rating ≥ 8 in Kaggle terms), `nil` when unknown.
    public var liked: Bool?
    /// Number of clicks and views recorded.
    public var events: Int32
    /// Last time the user touched it, ms since 1970; `nil` for imported history without time.
    public var lastAt: Int64?

    public init(anime: AnimeID, rating: Int8? = nil, liked: Bool? = nil, events: Int32 = 0, lastAt: Int64? = nil) {
        self.anime = anime
        self.rating = rating
        self.liked = liked
        self.events = events
        self.lastAt = lastAt
    }

    /// Preference strength in [-0.5, 1] used by similarity and candidate generation.
    ///
    /// A like counts 1, a dislike −0.5 (it still says "this user's kind of show" less than nothing),
    /// a rating maps 10 → 1.0 and 1 → −0.5 linearly, watched-without-rating 0.5, and clicks/views add
    /// a little each up to 0.6 when nothing explicit is known.
    public var preference: Double {
        if let rating {
            return (Double(rating) - 4.0) / 6.0 * (rating >= 4 ? 1.0 : 0.75)
        }
        if let liked { return liked ? 1.0 : -0.5 }
        if events > 0 { return min(0.6, 0.3 * Double(events)) }
        return 0.5
    }

    /// Whether this interaction counts as a positive signal.
    public var isPositive: Bool { preference > 0.4 }
}

/// One imported rating row (`rating.csv` or a likes file).
public struct ImportedRating: Hashable, Sendable {
    public var user: UserID
    public var anime: AnimeID
    /// 1–10, or `nil` for "watched but not rated" (-1) and for likes files.
    public var rating: Int8?
    /// Liked flag; for Kaggle ratings derived as rating ≥ 8.
    public var liked: Bool?

    public init(user: UserID, anime: AnimeID, rating: Int8?, liked: Bool?) {
        self.user = user
        self.anime = anime
        self.rating = rating
        self.liked = liked
    }
}

/// All interactions of one user, as a training scan returns them.
public struct UserHistory: Sendable {
    public var user: UserID
    public var interactions: [Interaction]

    public init(user: UserID, interactions: [Interaction]) {
        self.user = user
        self.interactions = interactions
    }
}
