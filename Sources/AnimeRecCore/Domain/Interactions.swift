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
    /// When the user said "not interested" (`POST /dislikes`), ms since 1970; `nil` when they have
    /// not, or took it back.
    public var dislikedAt: Int64?

    public init(
        anime: AnimeID, rating: Int8? = nil, liked: Bool? = nil, events: Int32 = 0, lastAt: Int64? = nil, dislikedAt: Int64? = nil
    ) {
        self.anime = anime
        self.rating = rating
        self.liked = liked
        self.events = events
        self.lastAt = lastAt
        self.dislikedAt = dislikedAt
    }

    /// What a "not interested" counts in ``preference(relativeTo:)``: below nothing, so the title is
    /// never a seed, taste or a training positive, and the model's row of the user holds it as
    /// evidence against the title (EASE scores its neighbours down by their weight to it).
    public static let dislikePreference = -0.3

    /// What a rating well below the user's own mean (``isLowRating(relativeTo:)``) counts in
    /// ``preference(relativeTo:)``: nothing, so the title is never a seed, taste or a training
    /// positive and adds nothing to the scores of the titles the model finds close to it. How far
    /// it pushes them down is the ranker's to learn (``RankingFeatures/against``), not set here.
    public static let lowRatingPreference = 0.0

    /// How many of the user's standard deviations below their mean a rating must be to count
    /// against its title (``isLowRating(relativeTo:)``).
    public static let lowRatingDeviations = 1.0

    /// Whether the user said "not interested" in this title (and has not taken it back).
    public var isDisliked: Bool { dislikedAt != nil }

    /// Whether this is an explicit rating at least ``lowRatingDeviations`` of the user's standard
    /// deviations below their own mean (``RatingProfile``), so on any scale, a low rating of a
    /// generous rater included. A title watched without a rating (`-1`), a like flag or a click
    /// never is.
    public func isLowRating(relativeTo profile: RatingProfile) -> Bool {
        guard let rating else { return false }
        return profile.deviations(of: rating) <= -Self.lowRatingDeviations
    }

    /// Whether this interaction is evidence against its title: a "not interested", or a rating well
    /// below the user's own mean. One rule for both: the title is never a seed, taste or a training
    /// positive, adds nothing to its neighbours in the model, and a candidate's closeness to it is
    /// the ranker's ``RankingFeatures/against`` (``AgainstNeighbours``). A "not interested" is the
    /// user's own word besides: its entry is ``dislikePreference`` and its neighbours lose
    /// ``Ranking/dislikedPenalty`` times their closeness on top of what the ranker learned.
    public func isEvidenceAgainst(relativeTo profile: RatingProfile) -> Bool {
        isDisliked || isLowRating(relativeTo: profile)
    }

    /// Preference strength in [0.3, 1] (0 or ``dislikePreference`` for evidence against): how
    /// strongly this interaction says "this user's kind of show", read as implicit feedback. Every
    /// other interaction counts for something; the weight is its confidence.
    ///
    /// A "not interested" overrides everything else known of the title (it is the user's latest
    /// word). An explicit rating is judged against the user's own ratings (`profile`), never by a
    /// fixed cut, so 1–5 and 1–10 data read alike: the user's mean counts 0.65, each standard
    /// deviation ±0.25 up to 1, one or more below is evidence against (``lowRatingPreference``). A
    /// like counts 1, a not-liked 0.3 (watched, not enjoyed), watched-without-rating 0.5, and clicks
    /// and views 0.3 each up to 0.6 when nothing explicit is known.
    public func preference(relativeTo profile: RatingProfile) -> Double {
        if isDisliked { return Self.dislikePreference }
        if let rating {
            if isLowRating(relativeTo: profile) { return Self.lowRatingPreference }
            return min(1, 0.65 + 0.25 * profile.deviations(of: rating))
        }
        if let liked { return liked ? 1.0 : 0.3 }
        if events > 0 { return min(0.6, 0.3 * Double(events)) }
        return 0.5
    }

    /// Whether this interaction counts as a positive signal (a seed, taste, a training positive).
    public func isPositive(relativeTo profile: RatingProfile) -> Bool {
        preference(relativeTo: profile) > RatingProfile.positiveThreshold
    }
}

extension [Interaction] {
    /// These interactions (in anime id order) with the user's "not interested" verdicts marked: a
    /// disliked title the user has no other relation to becomes an interaction of its own. Stores
    /// that keep verdicts apart from the rows (the embedded store's `user_dislikes`) read both and
    /// join them here.
    public func markingDisliked(_ dislikes: some Sequence<(anime: AnimeID, at: Int64)>) -> [Interaction] {
        var result = self
        var index: [AnimeID: Int] = [:]
        for (position, interaction) in result.enumerated() { index[interaction.anime] = position }
        var added = false
        for dislike in dislikes {
            if let position = index[dislike.anime] {
                result[position].dislikedAt = dislike.at
            } else {
                index[dislike.anime] = result.count
                result.append(Interaction(anime: dislike.anime, dislikedAt: dislike.at))
                added = true
            }
        }
        if added { result.sort { $0.anime < $1.anime } }
        return result
    }
}

/// How one user rates: the mean and spread of their explicit ratings, so that a rating is read
/// relative to the user's own habits and to the scale of the data (whatever it is).
public struct RatingProfile: Hashable, Sendable {
    /// Mean of the user's ratings (0 when they rated nothing).
    public var mean: Double
    /// Their standard deviation, at least a tenth of the mean (a user who rates everything alike
    /// reads every rating as their mean, not as an extreme).
    public var spread: Double

    /// The preference above which an interaction is positive.
    public static let positiveThreshold = 0.4

    /// How many of this user's standard deviations `rating` lies above their mean (below: negative).
    public func deviations(of rating: Int8) -> Double { (Double(rating) - mean) / spread }

    /// A profile with the given figures.
    public init(mean: Double, spread: Double) {
        self.mean = mean
        self.spread = spread
    }

    /// The profile of the explicit ratings among `interactions`.
    public init(_ interactions: some Sequence<Interaction>) {
        var count = 0.0
        var sum = 0.0
        var squares = 0.0
        for interaction in interactions {
            guard let rating = interaction.rating else { continue }
            count += 1
            sum += Double(rating)
            squares += Double(rating) * Double(rating)
        }
        mean = count > 0 ? sum / count : 0
        let variance = count > 1 ? max(0, squares / count - mean * mean) : 0
        spread = max(variance.squareRoot(), max(0.1 * mean, 0.1))
    }
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
