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
        var splitNodes: [SplitNode] = []
        var leaves: [Double] = []
        for tree in Swift.stride(from: 0, to: depth == 0 ? 0 : parameters.count, by: size) {
            for node in 0..<splits {
                splitNodes.append(SplitNode(feature: Int(parameters[tree + 2 * node]), threshold: parameters[tree + 2 * node + 1]))
            }
            leaves.append(contentsOf: parameters[(tree + 2 * splits)..<(tree + size)])
        }
        self.splitNodes = splitNodes
        self.leaves = leaves
    }

    /// `parameters` arranged for evaluation: every split node, tree after tree, and every leaf value.
    private let splitNodes: [SplitNode]
    private let leaves: [Double]

    /// A split node: the feature it reads (an index of ``RankingFeatures/names``) and its threshold,
    /// side by side so a step down a tree loads them together.
    private struct SplitNode: Hashable, Sendable {
        var feature: Int
        var threshold: Double
    }

    /// Trees in the ensemble.
    public var count: Int { depth == 0 ? 0 : parameters.count / Self.parametersPerTree(depth: depth) }

    /// The sum over the trees of the leaf each sends `features` to.
    public func margin(_ features: RankingFeatures) -> Double {
        guard depth > 0 else { return 0 }
        let splits = (1 << depth) - 1
        let leavesPerTree = 1 << depth
        let count = RankingFeatures.names.count
        // The features once into a stack buffer, so each node reads one by index (no switch per node).
        // Indexes stay within the arrays by construction (the initialiser checks every split's
        // feature), so the walk uses wrapping arithmetic: no overflow check per step.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: count) { row in
            for index in 0..<count { row[index] = features[index] }
            return splitNodes.withUnsafeBufferPointer { nodes in
                leaves.withUnsafeBufferPointer { leaf in
                    var total = 0.0
                    var (splitBase, leafBase) = (0, 0)
                    while leafBase < leaf.count {
                        var node = 0
                        for _ in 0..<depth {
                            let split = nodes[splitBase &+ node]
                            // Right is `node * 2 + 2`, left `node * 2 + 1`: the comparison's bit is
                            // added, not branched on (a branch mispredicts on about half the steps).
                            let right = unsafeBitCast(row[split.feature] > split.threshold, to: UInt8.self)
                            node = node &* 2 &+ 1 &+ Int(right)
                        }
                        total += leaf[leafBase &+ node &- splits]
                        splitBase &+= splits
                        leafBase &+= leavesPerTree
                    }
                    return total
                }
            }
        }
    }
}
