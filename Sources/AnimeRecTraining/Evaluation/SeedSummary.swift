/// Several evaluations of one data set on differently seeded holdouts, summed up: each method's
/// NDCG@10 and recall@10 as the mean over the seeds with its spread (sample standard deviation),
/// and the served `/recommends` against the best baseline of each seed, with each seed's paired
/// test.
public struct SeedSummary: Hashable, Sendable, Codable {
    /// One method over the seeds.
    public struct Method: Hashable, Sendable, Codable {
        public var method: String
        public var ndcgAt10Mean: Double
        public var ndcgAt10Spread: Double
        public var recallAt10Mean: Double
        public var recallAt10Spread: Double
        /// NDCG@10 of each seed, in seed order.
        public var ndcgAt10: [Double]
    }

    /// The seeds, in order.
    public var seeds: [UInt64]
    public var methods: [Method]
    /// The served list's NDCG@10 over the best baseline's, mean over the seeds and each seed's.
    public var servedOverBestMean: Double
    public var servedOverBest: [Double]
    /// Each seed's best baseline and paired test.
    public var bestBaselines: [String]
    public var pairedTests: [PairedComparison]

    /// The summary of `reports` (one per seed, the same methods in the same order). A method whose
    /// name carries its tuned value (`ease (λ=100)`) is matched by the name before its parenthesis.
    public init(_ reports: [OfflineEvaluation.Report]) {
        seeds = reports.map(\.seed)
        let names = reports.first?.rows.map(\.method) ?? []
        methods = names.indices.map { index in
            let rows = reports.map { $0.rows[index] }
            let ndcg = rows.map(\.ndcgAt10)
            let recall = rows.map(\.recallAt10)
            let tuned = Set(rows.map(\.method)).count > 1
            let name = tuned ? String(names[index].prefix { $0 != "(" }).trimmingSuffixSpaces() + " (tuned per seed)" : names[index]
            return Method(
                method: name, ndcgAt10Mean: Self.mean(ndcg), ndcgAt10Spread: Self.spread(ndcg), recallAt10Mean: Self.mean(recall),
                recallAt10Spread: Self.spread(recall), ndcgAt10: ndcg)
        }
        servedOverBest = reports.map(\.servedAgainstBest.ratio)
        servedOverBestMean = Self.mean(servedOverBest)
        bestBaselines = reports.map(\.bestBaseline)
        pairedTests = reports.map(\.servedAgainstBest)
    }

    /// A plain-text table.
    public var table: String {
        let seedList = seeds.map(String.init).joined(separator: ", ")
        var lines = ["method                          ndcg@10 (mean ± sd)   recall@10 (mean ± sd)   ndcg@10 per seed (\(seedList))"]
        for method in methods {
            lines.append(
                pad(method.method, 30) + pad(OfflineEvaluation.fixed(method.ndcgAt10Mean, 4) + " ± " + OfflineEvaluation.fixed(method.ndcgAt10Spread, 4), 22, left: true)
                    + pad(OfflineEvaluation.fixed(method.recallAt10Mean, 4) + " ± " + OfflineEvaluation.fixed(method.recallAt10Spread, 4), 24, left: true)
                    + "   " + method.ndcgAt10.map { OfflineEvaluation.fixed($0, 4) }.joined(separator: ", "))
        }
        lines.append(
            "served /recommends over the best baseline: \(OfflineEvaluation.ratio(servedOverBestMean)) × (mean over \(seeds.count) seeds; "
                + servedOverBest.map { OfflineEvaluation.ratio($0) }.joined(separator: ", ") + ")")
        for (index, test) in pairedTests.enumerated() {
            lines.append(
                "  seed \(seeds[index]): against \(bestBaselines[index]), mean difference \(OfflineEvaluation.signed(test.meanDifference)), "
                    + "t = \(OfflineEvaluation.fixed(test.t, 2)), p = \(OfflineEvaluation.pValue(test.p)) over \(test.users) users")
        }
        return lines.joined(separator: "\n")
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// The sample standard deviation (0 for fewer than two values).
    static func spread(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let center = mean(values)
        return (values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count - 1)).squareRoot()
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        OfflineEvaluation.pad(text, width, left: left)
    }
}

extension String {
    fileprivate func trimmingSuffixSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
