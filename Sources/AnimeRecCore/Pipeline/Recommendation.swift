/// One item of the final list.
public struct Recommendation: Sendable, Hashable {
    public var anime: Anime
    public var score: Double
    public var reason: Reason
    /// The anime a `similarTo` reason points at, for its name (`nil` when the catalogue lacks it).
    public var reasonAnime: Anime?

    public init(anime: Anime, score: Double, reason: Reason, reasonAnime: Anime?) {
        self.anime = anime
        self.score = score
        self.reason = reason
        self.reasonAnime = reasonAnime
    }
}
