import AnimeRecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Top-K metrics of one recommendation list against the items a user is known to like (binary
/// relevance).
public enum RankingMetrics {
    /// Relevant items among the first `k`, divided by `k`.
    public static func precision<Item: Hashable>(_ ranked: [Item], relevant: Set<Item>, k: Int) -> Double {
        guard k > 0 else { return 0 }
        return Double(hits(ranked, relevant: relevant, k: k)) / Double(k)
    }

    /// Relevant items among the first `k`, divided by the number of relevant items.
    public static func recall<Item: Hashable>(_ ranked: [Item], relevant: Set<Item>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        return Double(hits(ranked, relevant: relevant, k: k)) / Double(relevant.count)
    }

    /// Discounted cumulative gain of the first `k` (gain 1 per relevant item at rank r, discounted by
    /// log2(r + 1)), divided by that of an ideal list.
    public static func ndcg<Item: Hashable>(_ ranked: [Item], relevant: Set<Item>, k: Int) -> Double {
        guard !relevant.isEmpty, k > 0 else { return 0 }
        var dcg = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            dcg += 1 / log2(Double(position) + 2)
        }
        var ideal = 0.0
        for position in 0..<min(k, relevant.count) { ideal += 1 / log2(Double(position) + 2) }
        return dcg / ideal
    }

    /// 1 when at least one of the first `k` is relevant, else 0.
    public static func hit<Item: Hashable>(_ ranked: [Item], relevant: Set<Item>, k: Int) -> Double {
        hits(ranked, relevant: relevant, k: k) > 0 ? 1 : 0
    }

    /// Number of relevant items among the first `k` (each item counted once).
    public static func hits<Item: Hashable>(_ ranked: [Item], relevant: Set<Item>, k: Int) -> Int {
        var seen = Set<Item>()
        var count = 0
        for item in ranked.prefix(max(0, k)) where relevant.contains(item) && seen.insert(item).inserted { count += 1 }
        return count
    }
}

/// Averages of ``RankingMetrics`` over users, plus catalogue coverage.
public struct MetricSummary: Hashable, Sendable {
    /// The cut-off K.
    public var k: Int
    /// Users evaluated.
    public var users: Int
    /// Mean precision@K.
    public var precision: Double
    /// Mean recall@K.
    public var recall: Double
    /// Mean NDCG@K.
    public var ndcg: Double
    /// Share of users with at least one hit in the top K.
    public var hitRate: Double
    /// Distinct items recommended (in anyone's top K) divided by the catalogue size.
    public var coverage: Double

    /// A summary with the given values.
    public init(
        k: Int, users: Int, precision: Double, recall: Double, ndcg: Double, hitRate: Double, coverage: Double
    ) {
        self.k = k
        self.users = users
        self.precision = precision
        self.recall = recall
        self.ndcg = ndcg
        self.hitRate = hitRate
        self.coverage = coverage
    }
}

/// Accumulates per-user metrics into a ``MetricSummary``.
public struct MetricAccumulator<Item: Hashable>: Sendable where Item: Sendable {
    /// The cut-off K.
    public let k: Int
    private var users = 0
    private var precision = 0.0
    private var recall = 0.0
    private var ndcg = 0.0
    private var hits = 0.0
    private var recommended = Set<Item>()

    /// An empty accumulator for top-`k` lists.
    public init(k: Int) {
        self.k = k
    }

    /// Adds one user's ranked list and relevant set.
    public mutating func add(_ ranked: [Item], relevant: Set<Item>) {
        users += 1
        precision += RankingMetrics.precision(ranked, relevant: relevant, k: k)
        recall += RankingMetrics.recall(ranked, relevant: relevant, k: k)
        ndcg += RankingMetrics.ndcg(ranked, relevant: relevant, k: k)
        hits += RankingMetrics.hit(ranked, relevant: relevant, k: k)
        recommended.formUnion(ranked.prefix(k))
    }

    /// The averages; coverage relative to `catalogueSize` items.
    public func summary(catalogueSize: Int) -> MetricSummary {
        let n = Double(max(1, users))
        return MetricSummary(
            k: k, users: users, precision: precision / n, recall: recall / n, ndcg: ndcg / n, hitRate: hits / n,
            coverage: catalogueSize > 0 ? Double(recommended.count) / Double(catalogueSize) : 0)
    }
}
