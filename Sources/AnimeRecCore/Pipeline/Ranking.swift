/// A candidate with its final score, the features that produced it and why it is shown.
public struct RankedCandidate: Hashable, Sendable {
    public var anime: AnimeID
    /// The score shown: the ranker's probability-like score (cold start: trending, then popular).
    public var score: Double
    /// What orders the list, on a scale without saturation: the ranker's margin, whose logistic
    /// is `score` (cold start: the score itself). Diversification weighs relevance on it.
    public var margin: Double
    public var features: RankingFeatures
    public var reason: Reason

    /// A candidate whose `margin` is `score` unless given.
    public init(anime: AnimeID, score: Double, margin: Double? = nil, features: RankingFeatures, reason: Reason) {
        self.anime = anime
        self.score = score
        self.margin = margin ?? score
        self.features = features
        self.reason = reason
    }
}

/// Ranking and final-list shaping. Pure functions.
public enum Ranking {
    /// The features of one recalled candidate for one user: `title` is the candidate's, its genres
    /// numbered as `taste`'s, and `genreNames` its genre list (read only for genres without a number).
    public static func features(
        of candidate: RecalledCandidate, title: TitleFeatures, taste: GenreTaste, genreNames: @autoclosure () -> [String]
    ) -> RankingFeatures {
        RankingFeatures(
            itemSimilarity: min(1, candidate.itemSimilarity),
            collaborative: candidate.collaborative,
            genreAffinity: taste.match(title.genres, names: genreNames()),
            popularity: title.popularity,
            rating: title.rating,
            trending: candidate.trending,
            recency: candidate.similarTo == nil ? 0 : FeatureScaling.recency(ageMilliseconds: candidate.similarSeedAge),
            collaborativeRank: rankFeature(candidate.collaborativeRank),
            agreement: Double(candidate.sources.rawValue.nonzeroBitCount) / Double(RecallSources.count),
            against: candidate.againstCloseness,
            factors: candidate.factors,
            factorsRank: rankFeature(candidate.factorsRank),
            similarityRank: rankFeature(candidate.similarityRank),
            genreRank: rankFeature(candidate.genreRank)
        )
    }

    /// A place in a source's list as a feature: `1 / (1 + rank)`, 0 when not listed (rank −1).
    @inline(__always)
    static func rankFeature(_ rank: Int32) -> Double { rank < 0 ? 0 : 1 / (1 + Double(rank)) }

    /// ``features(of:title:taste:genreNames:)`` of a candidate whose entry is `anime`.
    public static func features(of candidate: RecalledCandidate, anime: Anime, taste: GenreTaste) -> RankingFeatures {
        features(of: candidate, title: TitleFeatures(anime, numbering: taste.numbering), taste: taste, genreNames: anime.genres)
    }

    /// Why a candidate is shown: the signal that contributed most to its score. `genres` are the
    /// candidate's, numbered as `taste`'s, and `genreNames` its genre list.
    public static func reason(
        of candidate: RecalledCandidate, features: RankingFeatures, genres: GenreNumbers,
        genreNames: @autoclosure () -> [String], taste: GenreTaste, ranker: RankerWeights
    ) -> Reason {
        let w = RankerWeights.fits(ranker.weights) ? ranker.weights : RankerWeights.fallback.weights
        var options: [(Double, Reason)] = []
        if let seed = candidate.similarTo { options.append((w[0] * features.itemSimilarity, .similarTo(seed))) }
        if let reason = candidate.collaborativeReason { options.append((w[1] * features.collaborative, reason)) }
        if let genre = taste.favourite(of: genres, names: genreNames()) {
            options.append((w[2] * features.genreAffinity, .genre(genre)))
        } else if let genre = candidate.genre {
            options.append((0, .genre(genre)))
        }
        if candidate.trending > 0 { options.append((w[5] * features.trending, .trending)) }
        guard let best = options.max(by: { $0.0 < $1.0 }), best.0 > 0 || options.count == 1 else {
            return candidate.trending > 0 ? .trending : .popular
        }
        return best.1
    }

    /// What a "not interested" takes off its neighbours' margin (the ranker's log-odds), times their
    /// closeness to it (``RecalledCandidate/dislikedCloseness``): the nearest neighbour of a disliked
    /// title has its odds divided by e² ≈ 7.4, one half as close by e. In cold start, where the
    /// order is trending (1–2) then popular (0–1), the same amount comes off the score.
    public static let dislikedPenalty = 2.0

    /// Scores and orders candidates, best first. With no personal signal at all (cold start) the
    /// order is trending first, then popular. A candidate close to a disliked title is demoted by
    /// ``dislikedPenalty`` times its closeness, and one shown without a click by its ``Fatigue``.
    ///
    /// With `explain` false the personalised reasons are left as `.popular`; callers that show only a
    /// few items explain just those with ``reason(of:features:genres:genreNames:taste:ranker:)``.
    public static func rank(
        _ candidates: some Collection<RecalledCandidate>, catalogue: some CatalogueLookup, taste: GenreTaste,
        ranker: RankerWeights, coldStart: Bool, explain: Bool = true
    ) -> [RankedCandidate] {
        let taste = taste.renumbered(catalogue.genreNumbering)
        var ranked: [RankedCandidate] = []
        ranked.reserveCapacity(candidates.count)
        for candidate in candidates {
            guard let title = catalogue.titleFeatures(of: candidate.anime) else { continue }
            let features = features(
                of: candidate, title: title, taste: taste, genreNames: catalogue.genres(of: candidate.anime) ?? [])
            let penalty = dislikedPenalty * candidate.dislikedCloseness + candidate.fatigue
            if coldStart {
                let score = (candidate.trending > 0 ? 1 + candidate.trending : candidate.popular) - penalty
                ranked.append(RankedCandidate(anime: candidate.anime, score: score, features: features,
                                              reason: candidate.trending > 0 ? .trending : .popular))
            } else {
                let reason = explain
                    ? reason(
                        of: candidate, features: features, genres: title.genres,
                        genreNames: catalogue.genres(of: candidate.anime) ?? [], taste: taste, ranker: ranker)
                    : .popular
                let margin = ranker.margin(features) - penalty
                ranked.append(
                    RankedCandidate(
                        anime: candidate.anime, score: RankerWeights.score(margin: margin), margin: margin, features: features, reason: reason))
            }
        }
        return ranked.sortedByScore(\.margin, id: \.anime)
    }

    /// The diversity `/recommends` uses unless asked otherwise: mild, so that variety costs little
    /// accuracy (docs/benchmarks/quality.md has the measured trade-off).
    public static let defaultDiversity = 0.1

    /// Maximal marginal relevance over genres: picks, one at a time, the candidate with the best
    /// `(1 − diversity) · relevance − diversity · similarity`, where relevance is the margin
    /// (``RankedCandidate/margin``) scaled to [0, 1] over the pool considered (the best
    /// `max(limit × 5, 50)`) and similarity is the largest genre Jaccard similarity to anything
    /// already picked. Scale-free: only the order and relative gaps of the margins matter (the
    /// logistic score would squeeze the strongest candidates together). `diversity` 0 keeps the
    /// ranking order; 1 picks by variety alone.
    public static func diversify(
        _ ranked: [RankedCandidate], catalogue: some CatalogueLookup, limit: Int, diversity: Double
    ) -> [RankedCandidate] {
        let lambda = min(1, max(0, diversity))
        guard lambda > 0 else { return Array(ranked.prefix(limit)) }
        let pool = ranked.prefix(max(limit * 5, 50))
        // Genres as bit sets over the pool's own genre indexes, given in order of first appearance
        // (by genre number, and by name for a genre without one), so the pick loop does no string
        // hashing; a pool with more than 256 distinct genres compares the first 256.
        let numbering = catalogue.genreNumbering
        var indexOfNumber = [Int](repeating: -1, count: numbering.count)
        var indexOfName: [String: Int] = [:]
        var distinct = 0
        let genresOf: [GenreSet] = pool.map { candidate in
            var set = GenreSet()
            guard let genres = catalogue.titleFeatures(of: candidate.anime)?.genres else { return set }
            numbering.forEachGenre(genres, names: { catalogue.genres(of: candidate.anime) ?? [] }) { genre in
                switch genre {
                case .number(let number):
                    if indexOfNumber[Int(number)] < 0 { (indexOfNumber[Int(number)], distinct) = (distinct, distinct + 1) }
                    set.insert(indexOfNumber[Int(number)])
                case .name(let name):
                    if indexOfName[name] == nil { (indexOfName[name], distinct) = (distinct, distinct + 1) }
                    set.insert(indexOfName[name] ?? -1)
                }
            }
            return set
        }
        let top = pool.first?.margin ?? 0
        let bottom = pool.last?.margin ?? 0
        let relevance = pool.map { top > bottom ? ($0.margin - bottom) / (top - bottom) : 1 }
        var similarity = Array(repeating: 0.0, count: pool.count)
        var taken = Array(repeating: false, count: pool.count)
        var picked: [RankedCandidate] = []
        picked.reserveCapacity(min(limit, pool.count))
        while picked.count < min(limit, pool.count) {
            var bestIndex = -1
            var bestValue = -Double.infinity
            for index in relevance.indices where !taken[index] {
                let value = (1 - lambda) * relevance[index] - lambda * similarity[index]
                // The first candidate left is the pick unless one is strictly better (a NaN never is).
                if bestIndex < 0 { bestIndex = index }
                if value > bestValue { (bestValue, bestIndex) = (value, index) }
            }
            taken[bestIndex] = true
            picked.append(pool[pool.startIndex + bestIndex])
            for index in relevance.indices where !taken[index] {
                similarity[index] = max(similarity[index], genresOf[bestIndex].jaccard(genresOf[index]))
            }
        }
        return picked
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
