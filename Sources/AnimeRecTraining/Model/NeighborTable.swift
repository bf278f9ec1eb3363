import AnimeRecCore
import HeapModule

/// Per-item ranked neighbour lists over item indexes of an ``InteractionMatrix``, stored flat.
public struct NeighborTable: Sendable {
    /// Start of each item's list in ``neighbors`` and ``scores``; `itemCount + 1` values.
    public private(set) var start: [Int]
    /// Neighbour item indexes, each item's list best first.
    public private(set) var neighbors: [Int32]
    /// Scores in [0, 1], parallel to ``neighbors``.
    public private(set) var scores: [Float]

    /// An empty table for `itemCount` items.
    public init(itemCount: Int) {
        start = Array(repeating: 0, count: itemCount + 1)
        neighbors = []
        scores = []
    }

    /// A table from per-item lists (index = item index).
    public init(lists: [[(item: Int32, score: Float)]]) {
        start = [0]
        start.reserveCapacity(lists.count + 1)
        neighbors = []
        scores = []
        for list in lists {
            for entry in list {
                neighbors.append(entry.item)
                scores.append(entry.score)
            }
            start.append(neighbors.count)
        }
    }

    /// A table over the item indexes of `items` (a matrix's ids) from neighbour lists keyed by
    /// anime, as a run stores them: each list in its stored order, scores as stored, neighbours
    /// that `items` lacks left out. Rebuilding candidates from this form, whole or one shard of
    /// users at a time, gives the same lists: they depend only on the stored lists and the user.
    public init(stored lists: [AnimeID: [ScoredAnime]], items: [AnimeID]) {
        var index: [AnimeID: Int32] = [:]
        index.reserveCapacity(items.count)
        for (position, anime) in items.enumerated() where index[anime] == nil { index[anime] = Int32(position) }
        self.init(lists: items.map { anime in
            (lists[anime] ?? []).compactMap { entry in index[entry.anime].map { (item: $0, score: Float(entry.score)) } }
        })
    }

    /// Number of items the table covers.
    public var itemCount: Int { start.count - 1 }

    /// One item's neighbours, best first.
    @inlinable
    public func list(_ item: Int) -> (neighbors: ArraySlice<Int32>, scores: ArraySlice<Float>) {
        let range = start[item]..<start[item + 1]
        return (neighbors[range], scores[range])
    }

    /// One item's neighbours as pairs, best first.
    public func pairs(_ item: Int) -> [(item: Int32, score: Float)] {
        let (neighbors, scores) = list(item)
        return zip(neighbors, scores).map { ($0, $1) }
    }
}

/// One scored entry in a top-K selection: ordered so that a min-heap's minimum is the entry to evict
/// (lowest score; among equal scores the highest index, so that results are deterministic).
extension Heap where Element == TopEntry {
    /// Keeps the best `limit` entries offered: inserts while there is room, else replaces the weakest
    /// when `entry` beats it.
    mutating func offer(_ entry: TopEntry, keepingAtMost limit: Int) {
        if count < limit {
            insert(entry)
        } else if let weakest = min, weakest < entry {
            replaceMin(with: entry)
        }
    }
}

struct TopEntry: Comparable {
    var score: Float
    var item: Int32

    static func < (lhs: TopEntry, rhs: TopEntry) -> Bool {
        lhs.score != rhs.score ? lhs.score < rhs.score : lhs.item > rhs.item
    }
}
