#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How raw signals become ``RankingFeatures`` values. Online ranking and offline training both call
/// these, so the model is trained on exactly what it will see.
public enum FeatureScaling {
    /// Members at which popularity saturates at 1.
    public static let membersScale = 1_000_000.0
    /// Half-life of recency signals.
    public static let recencyHalfLifeMilliseconds = 7.0 * 86_400_000

    /// log(1 + members) / log(1 + 1,000,000), clamped to [0, 1].
    public static func popularity(members: Int) -> Double {
        min(1, max(0, log1p(Double(max(0, members))) / log1p(membersScale)))
    }

    /// A 1–10 community rating scaled to [0, 1]; 0.5 when unknown.
    public static func rating(_ rating: Double?) -> Double {
        guard let rating else { return 0.5 }
        return min(1, max(0, (rating - 1) / 9))
    }

    /// 1 for now, halving every 7 days; 0 when there is no time.
    public static func recency(ageMilliseconds: Int64?) -> Double {
        guard let age = ageMilliseconds else { return 0 }
        return exp2(-Double(max(0, age)) / recencyHalfLifeMilliseconds)
    }

    /// A score divided by the largest in its list, in [0, 1].
    public static func normalized(_ score: Double, max maximum: Double) -> Double {
        guard maximum > 0 else { return 0 }
        return min(1, max(0, score / maximum))
    }

    /// The user's taste per genre: preference-weighted genre counts over positive interactions,
    /// scaled so the favourite genre is 1.
    public static func genreAffinity(of liked: [(genres: [String], weight: Double)]) -> [String: Double] {
        var totals: [String: Double] = [:]
        for (genres, weight) in liked where weight > 0 {
            for genre in genres where genre != Anime.adultGenre { totals[genre, default: 0] += weight }
        }
        guard let top = totals.values.max(), top > 0 else { return [:] }
        return totals.mapValues { $0 / top }
    }

    /// How well a title's genres match the user's affinity: the mean affinity over its genres.
    public static func genreMatch(genres: [String], affinity: [String: Double]) -> Double {
        guard !genres.isEmpty, !affinity.isEmpty else { return 0 }
        return genres.reduce(0) { $0 + (affinity[$1] ?? 0) } / Double(genres.count)
    }
}
