/// A boosted ensemble of complete binary decision trees of one depth, stored flat: no pointers, and
/// evaluating a tree is `depth` comparisons that walk down a heap-ordered array. The ranker adds the
/// ensemble's margin to its linear score (``RankerWeights/margin(_:)``); ``RankerBoosting`` fits it.
public struct TreeEnsemble: Hashable, Sendable {
    /// Levels of every tree (0 for an empty ensemble).
    public let depth: Int
    /// All trees, one after the other. Each is its `2^depth − 1` split nodes in heap order (node `n`
    /// has children `2n + 1` and `2n + 2`), each a (feature index, threshold) pair, then its `2^depth`
    /// leaf values. A feature value above the node's threshold goes to the right child.
    public let parameters: [Double]

    /// No trees: a margin of 0.
    public static let none = TreeEnsemble(uncheckedDepth: 0, parameters: [])

    /// The deepest tree accepted.
    public static let maximumDepth = 8

    /// Numbers per tree at `depth`.
    public static func parametersPerTree(depth: Int) -> Int { 2 * ((1 << depth) - 1) + (1 << depth) }

    /// An ensemble from stored parameters; `nil` unless `depth` is in 1…``maximumDepth`` (or 0 with
    /// no parameters), the parameters hold whole trees, every split names one of
    /// ``RankingFeatures/names`` by index, and every number is finite.
    public init?(depth: Int, parameters: [Double]) {
        guard depth == 0 ? parameters.isEmpty : (1...Self.maximumDepth).contains(depth) else { return nil }
        guard parameters.allSatisfy(\.isFinite) else { return nil }
        if depth > 0 {
            let size = Self.parametersPerTree(depth: depth)
            guard parameters.count % size == 0 else { return nil }
            for tree in Swift.stride(from: 0, to: parameters.count, by: size) {
                for node in 0..<((1 << depth) - 1) {
                    let feature = parameters[tree + 2 * node]
                    guard feature >= 0, feature < Double(RankingFeatures.names.count), feature == feature.rounded() else {
                        return nil
                    }
                }
            }
        }
        self.init(uncheckedDepth: depth, parameters: parameters)
    }

    private init(uncheckedDepth depth: Int, parameters: [Double]) {
        self.depth = depth
        self.parameters = parameters
        let splits = depth == 0 ? 0 : (1 << depth) - 1
        let size = depth == 0 ? 1 : Self.parametersPerTree(depth: depth)
        var splitFeatures: [Int32] = []
        var thresholds: [Double] = []
        var leaves: [Double] = []
        for tree in Swift.stride(from: 0, to: depth == 0 ? 0 : parameters.count, by: size) {
            for node in 0..<splits {
                splitFeatures.append(Int32(parameters[tree + 2 * node]))
                thresholds.append(parameters[tree + 2 * node + 1])
            }
            leaves.append(contentsOf: parameters[(tree + 2 * splits)..<(tree + size)])
        }
        self.splitFeatures = splitFeatures
        self.thresholds = thresholds
        self.leaves = leaves
    }

    /// `parameters` split by kind for evaluation: every split's feature index and threshold, tree
    /// after tree, and every leaf value.
    private let splitFeatures: [Int32]
    private let thresholds: [Double]
    private let leaves: [Double]

    /// Trees in the ensemble.
    public var count: Int { depth == 0 ? 0 : parameters.count / Self.parametersPerTree(depth: depth) }

    /// The sum over the trees of the leaf each sends `features` to.
    public func margin(_ features: RankingFeatures) -> Double {
        guard depth > 0 else { return 0 }
        let count = RankingFeatures.names.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: count + 1) { buffer in
            for index in 0..<count { buffer[index] = features[index] }
            buffer[count] = 0
            let (row, total) = (UnsafeMutableBufferPointer(rebasing: buffer[..<count]), UnsafeMutableBufferPointer(rebasing: buffer[count...]))
            accumulate(rows: UnsafeBufferPointer(row), into: total)
            return total[0]
        }
    }

    /// ``margin(_:)`` of each of `features`, in order. Tree by tree over all of them: the walks of
    /// different candidates down one tree are independent, so the processor overlaps them instead of
    /// waiting on each node's load and comparison in turn (the sums are the same, leaf by leaf in
    /// tree order).
    public func margins(_ features: some Collection<RankingFeatures>) -> [Double] {
        guard depth > 0 else { return Array(repeating: 0, count: features.count) }
        let width = RankingFeatures.names.count
        var rows = [Double](repeating: 0, count: features.count * width)
        var offset = 0
        for item in features {
            for index in 0..<width { rows[offset + index] = item[index] }
            offset += width
        }
        var totals = [Double](repeating: 0, count: features.count)
        rows.withUnsafeBufferPointer { rows in
            totals.withUnsafeMutableBufferPointer { totals in accumulate(rows: rows, into: totals) }
        }
        return totals
    }

    /// Adds to `totals[i]` the leaf of every tree that row `i` of `rows` (``RankingFeatures/names``
    /// values, row after row) reaches, tree by tree.
    private func accumulate(rows: UnsafeBufferPointer<Double>, into totals: UnsafeMutableBufferPointer<Double>) {
        let splits = (1 << depth) - 1
        let leavesPerTree = 1 << depth
        let width = RankingFeatures.names.count
        splitFeatures.withUnsafeBufferPointer { feature in
            thresholds.withUnsafeBufferPointer { threshold in
                leaves.withUnsafeBufferPointer { leaf in
                    var (splitBase, leafBase) = (0, 0)
                    while leafBase < leaf.count {
                        for item in 0..<totals.count {
                            let row = item * width
                            var node = 0
                            for _ in 0..<depth {
                                let split = splitBase + node
                                node = 2 * node + (rows[row + Int(feature[split])] > threshold[split] ? 2 : 1)
                            }
                            totals[item] += leaf[leafBase + node - splits]
                        }
                        splitBase += splits
                        leafBase += leavesPerTree
                    }
                }
            }
        }
    }
}
