/// Impression fatigue: how far a title shown to a user again and again without a click or view is
/// demoted in that user's lists, so the row refreshes.
///
/// Each exposure (an hour in which a page showed the title, ``Exposure``) since the user last
/// clicked or viewed the title weighs `2^(−age / 1 day)`; the title's load is their sum, and its
/// ranking margin loses `0.5 · (load − 1)`, at most 3 (the odds divided by e³ ≈ 20). So the first
/// exposure is free, a title shown in three hours today loses about 1, and one shown once a day
/// for a week about 0.5; a click or view starts the count again.
public struct Fatigue: Sendable {
    /// The age at which an exposure counts half.
    public static let halfLifeMilliseconds = 86_400_000.0
    /// Margin lost per exposure past the first.
    public static let penaltyPerExposure = 0.5
    /// The most a title loses.
    public static let maximumPenalty = 3.0

    private var penalties: [AnimeID: Double] = [:]

    /// The fatigue of `user`'s exposures at `now`.
    public init(_ user: UserPartitions, now: Int64) {
        guard !user.exposures.isEmpty else { return }
        var engaged: [AnimeID: Int64] = [:]
        for interaction in user.interactions {
            if let at = interaction.lastAt { engaged[interaction.anime] = max(engaged[interaction.anime] ?? at, at) }
        }
        for event in user.recentEvents where event.kind.isLogged {
            engaged[event.anime] = max(engaged[event.anime] ?? event.at, event.at)
        }
        var load: [AnimeID: Double] = [:]
        for exposure in user.exposures {
            let age = now - exposure.at
            guard age < Exposure.lifetimeMilliseconds, exposure.at > engaged[exposure.anime] ?? .min else { continue }
            load[exposure.anime, default: 0] += exp2(-Double(max(0, age)) / Self.halfLifeMilliseconds)
        }
        for (anime, sum) in load where sum > 1 {
            penalties[anime] = min(Self.maximumPenalty, Self.penaltyPerExposure * (sum - 1))
        }
    }

    /// What `anime` loses from its margin, 0 to ``maximumPenalty``.
    public func penalty(of anime: AnimeID) -> Double { penalties[anime] ?? 0 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
