import AnimeRecCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RankerWeights {
    /// The JSON object both stores keep in `model_runs.ranker`: `bias` and `weights`, and for a
    /// ranker with trees `tree_depth` and `trees` (``TreeEnsemble/parameters``). Read with the run's
    /// row: a request reads it only while its replica has not loaded the run's snapshot, which
    /// keeps the ranker parsed, so it goes through Codable.
    private struct Stored: Codable {
        var bias: Double
        var weights: [Double]
        var treeDepth: Int?
        var trees: [Double]?

        enum CodingKeys: String, CodingKey {
            case bias, weights, trees
            case treeDepth = "tree_depth"
        }
    }

    /// The stored form, keys sorted. Throws for a weight or threshold JSON cannot hold.
    func storageText() throws -> String {
        let stored = Stored(
            bias: bias, weights: weights, treeDepth: trees.depth > 0 ? trees.depth : nil,
            trees: trees.depth > 0 ? trees.parameters : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(stored), as: UTF8.self)
    }

    /// Parses ``storageText()``; `nil` for text that is not a ranker: not the object, a number that
    /// is not finite, only one of the tree keys, or trees that are not whole trees of a known
    /// depth over known features. Text written without tree keys reads as a linear ranker.
    init?(storageText: String) {
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(storageText.utf8)),
            stored.bias.isFinite, stored.weights.allSatisfy(\.isFinite)
        else { return nil }
        switch (stored.treeDepth, stored.trees) {
        case (nil, nil):
            self.init(bias: stored.bias, weights: stored.weights)
        case let (depth?, parameters?):
            guard abs(depth) <= TreeEnsemble.maximumDepth, let trees = TreeEnsemble(depth: depth, parameters: parameters) else { return nil }
            self.init(bias: stored.bias, weights: stored.weights, trees: trees)
        default:
            return nil
        }
    }
}
