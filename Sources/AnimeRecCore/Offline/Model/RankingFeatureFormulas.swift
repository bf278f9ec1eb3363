#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The exact formulas behind the item-level and profile-level ``RankingFeatures`` as `rebuild` trains
/// them. The online ranker must compute its features with these so that the trained weights apply.
public enum RankingFeatureFormulas {
    /// `log(1 + members) / log(1 + maximumMembers)`, in [0, 1].
    public static func popularity(members: Int, maximumMembers: Int) -> Double {
        guard maximumMembers > 0 else { return 0 }
        return min(1, log1p(Double(max(0, members))) / log1p(Double(maximumMembers)))
    }

    /// `rating / 10`, or 0.5 when unknown.
    public static func rating(_ rating: Double?) -> Double {
        guard let rating else { return 0.5 }
        return min(1, max(0, rating / 10))
    }

    /// The mean, over the candidate's genres, of the user's weight for that genre (see ``GenreProfile``);
    /// 0 for a candidate without genres.
    public static func genreAffinity(candidateGenres: [String], profile: GenreProfile) -> Double {
        guard !candidateGenres.isEmpty else { return 0 }
        var total = 0.0
        for genre in candidateGenres { total += profile.weight(of: genre) }
        return total / Double(candidateGenres.count)
    }

    /// The item-to-item similarity feature: the highest score of the candidate in the neighbour lists of
    /// the user's sources (their best-rated and most recent positive anime), 0 when in none.
    public static let itemSimilaritySources = 20

    /// Neighbours read per source for the item-similarity recall and feature.
    public static let neighborsPerSource = 20
}

/// A user's taste over genres: for each genre, the number of the user's positive anime
/// (``Interaction/isPositive``) that carry it, divided by the largest such number (so the favourite
/// genre weighs 1).
public struct GenreProfile: Hashable, Sendable {
    /// Weight in [0, 1] by genre name.
    public private(set) var weights: [String: Double]

    /// The profile of a user whose positive anime have these genre lists.
    public init(likedGenres: [[String]]) {
        var counts: [String: Int] = [:]
        for genres in likedGenres {
            for genre in Set(genres) { counts[genre, default: 0] += 1 }
        }
        let largest = counts.values.max() ?? 0
        weights = largest == 0 ? [:] : counts.mapValues { Double($0) / Double(largest) }
    }

    /// The weight of one genre (0 when the user has no positive anime with it).
    public func weight(of genre: String) -> Double { weights[genre] ?? 0 }
}
