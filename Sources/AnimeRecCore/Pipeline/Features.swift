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
}
