/// Hour buckets of trending counts.
///
/// Clicks and views are counted per hour of the event's time (hours since 1970, UTC; the receipt's
/// when the time is later, ``bucket(of:receivedAt:)``), sharded by anime id so
/// that one hour's writes spread over several partitions. Trending reads only *closed* buckets,
/// which no longer change: every replica of the service then computes the same list, and may keep
/// it until the next bucket closes.
public enum TrendingBuckets {
    /// Partitions per hour bucket.
    public static let shards: Int32 = 4
    /// A bucket counts as closed this long after its hour ended (writes in flight at the boundary land).
    public static let settleMilliseconds: Int64 = 60_000
    /// Clicks count 1, views this much.
    public static let viewWeight: Double = 2

    /// The bucket that contains `ms` milliseconds since 1970.
    public static func bucket(ofMilliseconds ms: Int64) -> Int32 {
        Int32(clamping: ms >= 0 ? ms / 3_600_000 : (ms - 3_599_999) / 3_600_000)
    }

    /// The bucket an event counts in: the hour of its time, or of its receipt when its time is later
    /// (a client clock ahead). A retry of the event carries the same time, so it lands in the same
    /// bucket, which is what lets a store count it once by its id.
    public static func bucket(of event: UserEvent, receivedAt: Int64) -> Int32 {
        bucket(ofMilliseconds: min(event.at, receivedAt))
    }

    /// What one event adds to its title's trending score: 1 for a click, ``viewWeight`` for a view,
    /// nothing for a dislike (never written to trending).
    public static func weight(of kind: EventKind) -> Int32 {
        switch kind {
        case .click: 1
        case .view: Int32(viewWeight)
        case .dislike: 0
        }
    }

    /// The shard of an anime's counters.
    public static func shard(of anime: AnimeID) -> Int32 {
        Int32(Int64(anime.rawValue).magnitude % UInt64(shards))
    }

    /// The most recent bucket that is closed at `now`.
    public static func newestClosed(now: Int64) -> Int32 {
        bucket(ofMilliseconds: now - settleMilliseconds) - 1
    }

    /// When (ms since 1970) `newest` stops being the newest closed bucket: the next one closes.
    public static func supersededMilliseconds(newest: Int32) -> Int64 {
        (Int64(newest) + 2) * 3_600_000 + settleMilliseconds
    }

    /// The `hours` buckets up to `newest`, newest first.
    public static func window(newest: Int32, hours: Int) -> [Int32] {
        (0..<max(0, hours)).map { newest - Int32($0) }
    }

    /// The trending score of summed counts.
    public static func score(clicks: Int64, views: Int64) -> Double {
        Double(clicks) + viewWeight * Double(views)
    }
}

extension TrendingBuckets {
    /// The `limit` highest scores, ties broken by anime id (the order every store returns).
    public static func top(_ counted: [ScoredAnime], limit: Int) -> [ScoredAnime] {
        Array(counted.filter { $0.score > 0 }.sorted { ($0.score, $1.anime.rawValue) > ($1.score, $0.anime.rawValue) }.prefix(max(0, limit)))
    }
}
