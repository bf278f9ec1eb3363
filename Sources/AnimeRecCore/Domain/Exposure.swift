/// An hour in which a page showed a title to a user (`POST /impressions`): what fatigue is counted
/// from. A title shown several times in one hour is shown once in that hour (a page reloaded in a
/// burst is not "several times over recent days"), so a store keeps at most one exposure per user,
/// title and hour, and writing one again (a retry, a reload) changes nothing.
public struct Exposure: Hashable, Sendable {
    public var anime: AnimeID
    /// The newest time the title was shown in its hour, ms since 1970.
    public var at: Int64

    public init(anime: AnimeID, at: Int64) {
        self.anime = anime
        self.at = at
    }

    /// Exposures older than this are gone (the stores' TTL) and count for nothing.
    public static let lifetimeMilliseconds: Int64 = 14 * 86_400_000

    /// The exposures one request reads at most, the newest: a page of 20 titles shown in 50 hours.
    public static let readLimit = 1024

    /// The hour an exposure at `ms` belongs to, in hours since 1970.
    public static func hour(ofMilliseconds ms: Int64) -> Int32 {
        Int32(clamping: ms >= 0 ? ms / 3_600_000 : (ms - 3_599_999) / 3_600_000)
    }

    /// The hour of this exposure.
    public var hour: Int32 { Self.hour(ofMilliseconds: at) }
}
