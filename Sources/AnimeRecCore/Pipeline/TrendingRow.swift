/// The "trending now" row: what is trending, filled up to the limit with popular titles, each
/// item saying which of the two it is.
public enum TrendingRow {
    /// One item of the row.
    public struct Item: Sendable, Equatable {
        public var anime: Anime
        public var score: Double
        /// ``Reason/trending`` or ``Reason/popular``.
        public var reason: Reason
    }

    /// Trending items first (in their order), then popular ones not already shown, skipping ids
    /// the catalogue lacks and (unless `includeAdult`) adult titles; at most `limit` items.
    public static func build(
        trending: [ScoredAnime], popular: [ScoredAnime], catalogue: some CatalogueLookup, limit: Int, includeAdult: Bool
    ) -> [Item] {
        var shown: Set<AnimeID> = []
        var row: [Item] = []
        row.reserveCapacity(max(0, limit))
        for (list, reason) in [(trending, Reason.trending), (popular, Reason.popular)] {
            for scored in list {
                guard row.count < limit else { return row }
                guard let anime = catalogue.anime(scored.anime), includeAdult || !anime.isAdult,
                    shown.insert(scored.anime).inserted
                else { continue }
                row.append(Item(anime: anime, score: scored.score, reason: reason))
            }
        }
        return row
    }
}
