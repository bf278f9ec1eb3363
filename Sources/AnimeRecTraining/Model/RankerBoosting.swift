import AnimeRecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// LambdaMART: gradient boosting of a ``TreeEnsemble`` on top of a base score
/// (the linear ranker's), with the LambdaRank gradients of NDCG over graded gains. In each round
/// every user's candidates are ordered by the current score; each pair of unequal gains with at
/// least one member in the first ``Options/truncation`` places pulls the better one up and the other
/// down by the logistic pairwise gradient weighted with the NDCG change of swapping the two. A tree
/// of ``Options/depth`` levels is then grown greedily on feature histograms and its leaves take a
/// damped Newton step.
public enum RankerBoosting {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Trees fitted (0: no boosting).
        public var rounds: Int = 50
        /// Levels per tree.
        public var depth: Int = 3
        /// Shrinkage of every leaf's Newton step.
        public var learningRate: Double = 0.2
        /// Candidate thresholds per feature (quantiles of the training values).
        public var bins: Int = 128
        /// L2 penalty on leaf values (added to the leaf's summed Hessian).
        public var l2: Double = 1
        /// A leaf with fewer training candidates keeps 0.
        public var minimumLeafCandidates: Int = 50
        /// Pairs need one member within this many places of the top (the part of a list NDCG sees).
        public var truncation: Int = 20

        /// The defaults above.
        public init() {}
    }

    /// One user's candidates: their features, the gain of each (0 for a miss, NDCG's relevance for
    /// a hit), and the base score of each.
    public struct Group: Sendable {
        public var features: [RankingFeatures]
        public var gains: [Double]
        public var base: [Double]

        public init(features: [RankingFeatures], gains: [Double], base: [Double]) {
            precondition(features.count == gains.count && gains.count == base.count, "one gain and base score per candidate")
            precondition(gains.allSatisfy { $0 >= 0 && $0.isFinite }, "gains are finite and not negative")
            self.features = features
            self.gains = gains
            self.base = base
        }

        /// A group whose hits all have gain 1.
        public init(features: [RankingFeatures], hits: [Bool], base: [Double]) {
            self.init(features: features, gains: hits.map { $0 ? 1 : 0 }, base: base)
        }
    }

    /// Fits the trees to add to each group's base scores.
    public static func fit(_ groups: [Group], options: Options) -> TreeEnsemble {
        let depth = min(max(1, options.depth), TreeEnsemble.maximumDepth)
        // A group teaches an order only if its gains differ.
        let truncation = max(1, options.truncation)
        var data = Data(groups.filter { group in group.gains.contains { $0 != group.gains[0] } }, truncation: truncation)
        guard options.rounds > 0, data.count > 0 else { return .none }
        // No split on a feature that may only lower a score: a tree could give it any sign.
        let thresholds = (0..<Data.featureCount).map {
            RankingFeatures.monotoneDecreasing.contains($0) ? [] : data.thresholds(feature: $0, bins: options.bins)
        }
        data.bin(thresholds)
        var parameters: [Double] = []
        parameters.reserveCapacity(options.rounds * TreeEnsemble.parametersPerTree(depth: depth))
        var gradients = [Double](repeating: 0, count: data.count)
        var hessians = [Double](repeating: 0, count: data.count)
        for _ in 0..<options.rounds {
            data.lambdas(gradients: &gradients, hessians: &hessians, truncation: truncation)
            let (tree, leaves) = data.tree(
                gradients: gradients, hessians: hessians, thresholds: thresholds, depth: depth, options: options)
            parameters += tree
            let values = tree.suffix(1 << depth)
            for index in 0..<data.count { data.scores[index] += values[values.startIndex + leaves[index]] }
        }
        return TreeEnsemble(depth: depth, parameters: parameters) ?? .none
    }

    /// The training candidates in columns, grouped by user.
    struct Data {
        static let featureCount = RankingFeatures.names.count
        /// `values[f][i]`: feature f of candidate i.
        var values: [[Double]]
        /// `bins[f][i]`: how many of feature f's thresholds candidate i's value exceeds.
        var bins: [[UInt8]] = []
        var gains: [Double]
        var scores: [Double]
        /// Start of each group, and the end of the last.
        var offsets: [Int]
        /// Each group's best possible DCG within the truncation (NDCG's denominator).
        var ideals: [Double]

        var count: Int { gains.count }

        init(_ groups: [Group], truncation: Int) {
            values = Array(repeating: [], count: Self.featureCount)
            gains = []
            scores = []
            offsets = [0]
            ideals = []
            for group in groups {
                let best = group.gains.sorted(by: >).prefix(truncation)
                ideals.append(best.enumerated().reduce(0) { $0 + $1.element * Self.discount($1.offset) })
                for features in group.features {
                    for feature in 0..<Self.featureCount { values[feature].append(features[feature]) }
                }
                gains += group.gains
                scores += group.base
                offsets.append(gains.count)
            }
        }

        /// Up to `bins` − 1 distinct quantiles of a feature's values (none for a constant feature).
        func thresholds(feature: Int, bins: Int) -> [Double] {
            let sorted = values[feature].sorted()
            guard let first = sorted.first, let last = sorted.last, first < last else { return [] }
            var result: [Double] = []
            let count = min(max(2, bins), 256)
            for step in 1..<count {
                let value = sorted[min(sorted.count - 1, step * sorted.count / count)]
                // A threshold splits "≤ value" from "> value": the largest value splits nothing off.
                if value < last, value != result.last { result.append(value) }
            }
            return result
        }

        mutating func bin(_ thresholds: [[Double]]) {
            bins = (0..<Self.featureCount).map { feature in
                let cuts = thresholds[feature]
                return values[feature].map { value in
                    // Binary search: the number of cuts below value.
                    var (low, high) = (0, cuts.count)
                    while low < high {
                        let middle = (low + high) / 2
                        if value > cuts[middle] { low = middle + 1 } else { high = middle }
                    }
                    return UInt8(low)
                }
            }
        }

        /// LambdaRank gradients and Hessians of every candidate at the current scores.
        func lambdas(gradients: inout [Double], hessians: inout [Double], truncation: Int) {
            for index in gradients.indices { (gradients[index], hessians[index]) = (0, 0) }
            var order: [Int] = []
            for group in 0..<(offsets.count - 1) {
                let range = offsets[group]..<offsets[group + 1]
                let ideal = ideals[group]
                guard ideal > 0 else { continue }
                order.removeAll(keepingCapacity: true)
                order.append(contentsOf: range)
                order.sort { (scores[$0], $1) > (scores[$1], $0) }
                var total = 0.0
                for high in 0..<min(truncation, order.count) {
                    let a = order[high]
                    for low in (high + 1)..<order.count {
                        let b = order[low]
                        guard gains[a] != gains[b] else { continue }
                        let (better, worse) = gains[a] > gains[b] ? (a, b) : (b, a)
                        // The NDCG change of swapping the two, emphasised for pairs the scores barely
                        // separate (as LightGBM's normalised lambdarank).
                        let gap = scores[better] - scores[worse]
                        let change = abs(gains[a] - gains[b]) * (Self.discount(high) - Self.discount(low)) / ideal / (0.01 + abs(gap))
                        let rho = 1 / (1 + exp(gap))
                        let lambda = rho * change
                        let curvature = max(rho * (1 - rho) * change, 1e-12)
                        gradients[better] -= lambda
                        gradients[worse] += lambda
                        hessians[better] += curvature
                        hessians[worse] += curvature
                        total += 2 * lambda
                    }
                }
                // Normalise so that users with many pairs do not dominate (as LightGBM's lambdarank_norm).
                if total > 0 {
                    let factor = log2(1 + total) / total
                    for index in range {
                        gradients[index] *= factor
                        hessians[index] *= factor
                    }
                }
            }
        }

        static func discount(_ place: Int) -> Double { 1 / log2(Double(place) + 2) }

        /// One tree's parameters (``TreeEnsemble`` layout) fitted to the gradients, and the leaf of
        /// every candidate. Level by level, every node takes the feature and threshold with the best
        /// Newton gain over its own candidates (from per-node histograms); a node where no split
        /// gains sends everything left.
        func tree(
            gradients: [Double], hessians: [Double], thresholds: [[Double]], depth: Int, options: Options
        ) -> (parameters: [Double], leaves: [Int]) {
            // Position of each candidate within its level (0..<2^level).
            var node = [Int](repeating: 0, count: count)
            var splits: [Double] = []
            let minimum = Double(max(1, options.minimumLeafCandidates))
            func gain(_ g: Double, _ h: Double, _ n: Double) -> Double { n >= minimum ? g * g / (h + options.l2) : 0 }
            for level in 0..<depth {
                let nodes = 1 << level
                var best = [(gain: Double, feature: Int, cut: Int)?](repeating: nil, count: nodes)
                for feature in 0..<Self.featureCount where !thresholds[feature].isEmpty {
                    let binCount = thresholds[feature].count + 1
                    var g = [Double](repeating: 0, count: nodes * binCount)
                    var h = g
                    var n = g
                    let column = bins[feature]
                    for index in 0..<count {
                        let slot = node[index] * binCount + Int(column[index])
                        g[slot] += gradients[index]
                        h[slot] += hessians[index]
                        n[slot] += 1
                    }
                    for parent in 0..<nodes {
                        let range = (parent * binCount)..<((parent + 1) * binCount)
                        let total = (g: g[range].reduce(0, +), h: h[range].reduce(0, +), n: n[range].reduce(0, +))
                        let unsplit = gain(total.g, total.h, total.n)
                        var left = (g: 0.0, h: 0.0, n: 0.0)
                        for cut in 0..<(binCount - 1) {
                            let slot = parent * binCount + cut
                            left = (left.g + g[slot], left.h + h[slot], left.n + n[slot])
                            let right = (g: total.g - left.g, h: total.h - left.h, n: total.n - left.n)
                            guard left.n >= minimum, right.n >= minimum else { continue }
                            let value = gain(left.g, left.h, left.n) + gain(right.g, right.h, right.n) - unsplit
                            if value > (best[parent]?.gain ?? 1e-12) { best[parent] = (value, feature, cut) }
                        }
                    }
                }
                for choice in best {
                    if let choice {
                        splits += [Double(choice.feature), thresholds[choice.feature][choice.cut]]
                    } else {
                        splits += [0, Double.greatestFiniteMagnitude]
                    }
                }
                for index in 0..<count {
                    let bit = best[node[index]].map { Int(bins[$0.feature][index]) > $0.cut ? 1 : 0 } ?? 0
                    node[index] = node[index] << 1 | bit
                }
            }
            // Heap order numbers level `l`'s node `p` as 2^l − 1 + p: the levels above, in order, are that.
            var sums = [(g: Double, h: Double, n: Double)](repeating: (0, 0, 0), count: 1 << depth)
            for index in 0..<count {
                sums[node[index]].g += gradients[index]
                sums[node[index]].h += hessians[index]
                sums[node[index]].n += 1
            }
            var tree = splits
            for sum in sums {
                tree.append(sum.n >= minimum ? -options.learningRate * sum.g / (sum.h + options.l2) : 0)
            }
            return (tree, node)
        }
    }
}
