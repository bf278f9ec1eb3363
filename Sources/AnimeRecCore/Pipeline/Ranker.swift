/// The features the ranker sees for one (user, candidate) pair. Every feature is scaled to about [0, 1].
public struct RankingFeatures: Hashable, Sendable {
    /// Item-to-item similarity to the user's recent and best-rated anime (max over sources).
    public var itemSimilarity: Double
    /// Score of the user's precomputed collaborative candidates (0 when absent).
    public var collaborative: Double
    /// Share of the candidate's genres among the user's liked genres.
    public var genreAffinity: Double
    /// log(members) scaled by the catalogue's largest.
    public var popularity: Double
    /// Mean community rating scaled to [0, 1] (0.5 when unknown).
    public var rating: Double
    /// Recent clicks and views, scaled by the hottest title.
    public var trending: Double
    /// How recent the interaction is that led to this candidate (1 = now, decays with a 7-day half-life).
    public var recency: Double
    /// The candidate's place in the user's precomputed list: `1 / (1 + position)`, 0 when absent.
    public var collaborativeRank: Double
    /// How many recall sources agree on the candidate, over the number of sources.
    public var agreement: Double
    /// How close it is to a title the user is against, a "not interested" or a rating well below
    /// their mean (``AgainstNeighbours``), 0–1. Its weight is never positive and the trees never
    /// split on it (``monotoneDecreasing``): evidence against can only lower a candidate.
    public var against: Double
    /// Score of the user's precomputed factor-model (iALS) candidates (0 when absent).
    public var factors: Double
    /// The candidate's place in the factor model's list: `1 / (1 + position)`, 0 when absent.
    public var factorsRank: Double
    /// The candidate's place among the seeds' neighbours by similarity: `1 / (1 + position)`, 0 when
    /// no seed's neighbour list had it.
    public var similarityRank: Double
    /// The candidate's best place in a favourite genre's popular list: `1 / (1 + position)`, 0 when
    /// in none.
    public var genreRank: Double

    public init(
        itemSimilarity: Double = 0, collaborative: Double = 0, genreAffinity: Double = 0, popularity: Double = 0,
        rating: Double = 0.5, trending: Double = 0, recency: Double = 0, collaborativeRank: Double = 0, agreement: Double = 0,
        against: Double = 0, factors: Double = 0, factorsRank: Double = 0, similarityRank: Double = 0, genreRank: Double = 0
    ) {
        self.itemSimilarity = itemSimilarity
        self.collaborative = collaborative
        self.genreAffinity = genreAffinity
        self.popularity = popularity
        self.rating = rating
        self.trending = trending
        self.recency = recency
        self.collaborativeRank = collaborativeRank
        self.agreement = agreement
        self.against = against
        self.factors = factors
        self.factorsRank = factorsRank
        self.similarityRank = similarityRank
        self.genreRank = genreRank
    }

    /// Feature names, in the order of ``vector``.
    public static let names = [
        "item_similarity", "collaborative", "genre_affinity", "popularity", "rating", "trending", "recency",
        "collaborative_rank", "agreement", "against", "factors", "factors_rank", "similarity_rank", "genre_rank",
    ]

    /// How many features a ranker stored before ``against`` (the tenth) was added; rankers stored
    /// with any count from this to ``names``' read the missing ones as weight 0.
    public static let oldestStoredCount = 9

    /// The features that can only lower a score: a fitted weight there is at most 0 and no tree
    /// splits on them, so no fit can turn evidence against a title into a reason to show its
    /// neighbours.
    public static let monotoneDecreasing: Set<Int> = [9]

    /// The features as a vector in the order of ``names``.
    public var vector: [Double] {
        [
            itemSimilarity, collaborative, genreAffinity, popularity, rating, trending, recency, collaborativeRank, agreement, against,
            factors, factorsRank, similarityRank, genreRank,
        ]
    }

    /// The feature at `index` of ``names`` (no vector built); 0 outside them.
    public subscript(index: Int) -> Double {
        switch index {
        case 0: itemSimilarity
        case 1: collaborative
        case 2: genreAffinity
        case 3: popularity
        case 4: rating
        case 5: trending
        case 6: recency
        case 7: collaborativeRank
        case 8: agreement
        case 9: against
        case 10: factors
        case 11: factorsRank
        case 12: similarityRank
        case 13: genreRank
        default: 0
        }
    }
}

/// The ranker: `score = sigmoid(bias + Σ wᵢ·xᵢ + trees(x))`, a linear part and boosted decision
/// trees on top of it, trained offline by `rebuild` (``RankerTraining``: a pairwise logistic fit for
/// the weights, then LambdaMART for the trees) and stored with its run; ``RankerWeights/fallback``
/// (linear, no trees) serves until the first training, and for a run stored with a number of weights
/// that fits no feature set. A run trained before the later features were added (fewer weights,
/// down to ``RankingFeatures/oldestStoredCount``) is read with weight 0 for them, trees and all
/// (features are only ever appended, so its trees' feature indexes still hold). Reasons read the
/// linear weights only.
public struct RankerWeights: Hashable, Sendable {
    public var bias: Double
    /// One weight per entry of ``RankingFeatures/names``.
    public var weights: [Double]
    /// Trees added to the linear score (``TreeEnsemble/none`` for a linear ranker).
    public var trees: TreeEnsemble

    public init(bias: Double, weights: [Double], trees: TreeEnsemble = .none) {
        self.bias = bias
        self.weights = weights
        self.trees = trees
    }

    /// Whether `weights` are a ranker's for these features: one each, or fewer (a run trained before
    /// the last ones were added; they read as weight 0), down to ``RankingFeatures/oldestStoredCount``.
    public static func fits(_ weights: [Double]) -> Bool {
        (RankingFeatures.oldestStoredCount...RankingFeatures.names.count).contains(weights.count)
    }

    /// Hand-set weights that express the intended order of signals before any training data exists.
    /// ``RankingFeatures/against`` has 0 until data shows what it is worth: then only a "not
    /// interested" demotes its neighbours, by ``Ranking/dislikedPenalty`` (a trained feature that
    /// never varied in training keeps its weight here too).
    public static let fallback = RankerWeights(
        bias: -3.0, weights: [3.0, 3.0, 1.5, 1.0, 1.0, 0.8, 0.5, 0.5, 0.5, 0, 1.5, 0.25, 0.25, 0.25])

    /// The probability-like score of one candidate: the logistic of ``margin(_:)``.
    public func score(_ features: RankingFeatures) -> Double {
        Self.score(margin: margin(features))
    }

    /// The probability-like score of a margin: its logistic.
    public static func score(margin: Double) -> Double {
        1.0 / (1.0 + exp(-margin))
    }

    /// `bias + Σ wᵢ·xᵢ + trees(x)`: the ranking order before the logistic.
    public func margin(_ features: RankingFeatures) -> Double {
        // Feature by feature, in the order of ``RankingFeatures/names``: no vector per candidate.
        let w = Self.fits(weights) ? weights : Self.fallback.weights
        var z = bias
        z += w[0] * features.itemSimilarity
        z += w[1] * features.collaborative
        z += w[2] * features.genreAffinity
        z += w[3] * features.popularity
        z += w[4] * features.rating
        z += w[5] * features.trending
        z += w[6] * features.recency
        z += w[7] * features.collaborativeRank
        z += w[8] * features.agreement
        if w.count > 9 { z += w[9] * features.against }
        if w.count > 10 { z += w[10] * features.factors }
        if w.count > 11 { z += w[11] * features.factorsRank }
        if w.count > 12 { z += w[12] * features.similarityRank }
        if w.count > 13 { z += w[13] * features.genreRank }
        z += trees.margin(features)
        return z
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
