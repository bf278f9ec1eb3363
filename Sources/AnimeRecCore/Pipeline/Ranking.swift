/// A candidate with its final score, the features that produced it and why it is shown.
public struct RankedCandidate: Hashable, Sendable {
    public var anime: AnimeID
    public var score: Double
    public var features: RankingFeatures
    public var reason: Reason

    public init(anime: AnimeID, score: Double, features: RankingFeatures, reason: Reason) {
        self.anime = anime
        self.score = score
        self.features = features
        self.reason = reason
    }
}

/// Ranking and final-list shaping. Pure functions.
public enum Ranking {
    /// The features of one recalled candidate for one user.
    public static func features(
        of candidate: RecalledCandidate, anime: Anime, genreAffinity: [String: Double]
    ) -> RankingFeatures {
        RankingFeatures(
            itemSimilarity: min(1, candidate.itemSimilarity),
            collaborative: candidate.collaborative,
            genreAffinity: FeatureScaling.genreMatch(genres: anime.genres, affinity: genreAffinity),
            popularity: FeatureScaling.popularity(members: anime.members),
            rating: FeatureScaling.rating(anime.rating),
            trending: candidate.trending,
            recency: candidate.similarTo == nil ? 0 : FeatureScaling.recency(ageMilliseconds: candidate.similarSeedAge)
        )
    }

    /// Why a candidate is shown: the signal that contributed most to its score.
    public static func reason(
        of candidate: RecalledCandidate, features: RankingFeatures, anime: Anime, genreAffinity: [String: Double],
        ranker: RankerWeights
    ) -> Reason {
        let w = ranker.weights.count == RankingFeatures.names.count ? ranker.weights : RankerWeights.fallback.weights
        var options: [(Double, Reason)] = []
        if let seed = candidate.similarTo { options.append((w[0] * features.itemSimilarity, .similarTo(seed))) }
        if let reason = candidate.collaborativeReason { options.append((w[1] * features.collaborative, reason)) }
        if let genre = anime.genres.filter({ genreAffinity[$0] != nil }).max(by: { (genreAffinity[$0] ?? 0, $1) < (genreAffinity[$1] ?? 0, $0) }) {
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

    /// Scores and orders candidates, best first. With no personal signal at all (cold start) the
    /// order is trending first, then popular.
    ///
    /// With `explain` false the personalised reasons are left as `.popular`; callers that show only a
    /// few items explain just those with ``reason(of:features:anime:genreAffinity:ranker:)``.
    public static func rank(
        _ candidates: some Collection<RecalledCandidate>, catalogue: some CatalogueLookup, genreAffinity: [String: Double],
        ranker: RankerWeights, coldStart: Bool, explain: Bool = true
    ) -> [RankedCandidate] {
        var ranked: [RankedCandidate] = []
        ranked.reserveCapacity(candidates.count)
        for candidate in candidates {
            guard let anime = catalogue.anime(candidate.anime) else { continue }
            let features = features(of: candidate, anime: anime, genreAffinity: genreAffinity)
            if coldStart {
                let score = candidate.trending > 0 ? 1 + candidate.trending : candidate.popular
                ranked.append(RankedCandidate(anime: candidate.anime, score: score, features: features,
                                              reason: candidate.trending > 0 ? .trending : .popular))
            } else {
                let reason = explain
                    ? reason(of: candidate, features: features, anime: anime, genreAffinity: genreAffinity, ranker: ranker)
                    : .popular
                ranked.append(RankedCandidate(anime: candidate.anime, score: ranker.score(features), features: features, reason: reason))
            }
        }
        return ranked.sortedByScore(\.score, id: \.anime)
    }

    /// Greedy diversification: each pick divides the remaining candidates' scores by `penalty` per
    /// genre they share with what is already picked (counting the three most repeated of their
    /// genres), so one genre cannot fill the whole list unless nothing else scores close.
    public static func diversify(
        _ ranked: [RankedCandidate], catalogue: some CatalogueLookup, limit: Int, penalty: Double = 0.85
    ) -> [RankedCandidate] {
        var remaining = Array(ranked.prefix(max(limit * 5, 50)))
        // Genres as small integers once, so the pick loop does no string hashing.
        var genreIndex: [String: Int] = [:]
        var genresOf: [[Int]] = remaining.map { candidate in
            (catalogue.anime(candidate.anime)?.genres ?? []).map { genre in
                if let index = genreIndex[genre] { return index }
                genreIndex[genre] = genreIndex.count
                return genreIndex.count - 1
            }
        }
        var counts = Array(repeating: 0, count: genreIndex.count)
        var picked: [RankedCandidate] = []
        picked.reserveCapacity(limit)
        while picked.count < limit, !remaining.isEmpty {
            var bestIndex = 0
            var bestScore = -Double.infinity
            for index in remaining.indices {
                var top = (0, 0, 0)
                for genre in genresOf[index] {
                    let repeats = counts[genre]
                    if repeats > top.0 { top = (repeats, top.0, top.1) }
                    else if repeats > top.1 { top = (top.0, repeats, top.1) }
                    else if repeats > top.2 { top.2 = repeats }
                }
                let score = remaining[index].score * pow(penalty, Double(top.0 + top.1 + top.2))
                if score > bestScore || (score == bestScore && remaining[index].anime < remaining[bestIndex].anime) {
                    bestScore = score
                    bestIndex = index
                }
            }
            for genre in genresOf[bestIndex] { counts[genre] += 1 }
            picked.append(remaining.remove(at: bestIndex))
            genresOf.remove(at: bestIndex)
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
