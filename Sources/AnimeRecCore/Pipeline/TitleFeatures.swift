/// What ranking reads of one title, ready to use: its scaled popularity and rating and its genres as
/// numbers. Plain values, so a run snapshot keeps one per title and a candidate's features cost no
/// lookup of the entry, no logarithm and no reference count.
public struct TitleFeatures: Sendable, Hashable {
    /// ``FeatureScaling/popularity(members:)`` of the title.
    public var popularity: Double
    /// ``FeatureScaling/rating(_:)`` of the title.
    public var rating: Double
    /// The title's genres as numbers of the catalogue's ``GenreNumbering``.
    public var genres: GenreNumbers

    /// The features of `anime`, its genres numbered by `numbering`.
    public init(_ anime: Anime, numbering: GenreNumbering) {
        popularity = FeatureScaling.popularity(members: anime.members)
        rating = FeatureScaling.rating(anime.rating)
        genres = numbering.numbers(of: anime.genres)
    }
}
