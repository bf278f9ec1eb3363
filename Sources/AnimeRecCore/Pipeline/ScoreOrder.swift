/// The sort key of ``Swift/Array/sortedByScore(_:id:limit:)``: score descending, then id ascending. A
/// `Comparable` value (not a closure) so the standard sort inlines the comparison.
struct ScoreOrder: Comparable {
    var score: Double
    var id: AnimeID
    var position: Int32

    @inline(__always)
    static func < (lhs: ScoreOrder, rhs: ScoreOrder) -> Bool {
        lhs.score != rhs.score ? lhs.score > rhs.score : lhs.id < rhs.id
    }

    static func == (lhs: ScoreOrder, rhs: ScoreOrder) -> Bool { lhs.score == rhs.score && lhs.id == rhs.id }
}

extension Array {
    /// The best `limit` elements (all by default), best first: by `score` descending, ties by `id`
    /// ascending. Orders small (score, id, position) keys and gathers once, since the elements are
    /// large to move; with a `limit` below the count, a partial sort orders only what is kept.
    public func sortedByScore(_ score: (Element) -> Double, id: (Element) -> AnimeID, limit: Int = .max) -> [Element] {
        var keys: [ScoreOrder] = []
        keys.reserveCapacity(count)
        for (position, element) in enumerated() { keys.append(ScoreOrder(score: score(element), id: id(element), position: Int32(position))) }
        if limit < keys.count {
            keys.sortPrefix(Swift.max(0, limit))
            keys.removeSubrange(Swift.max(0, limit)...)
        } else {
            keys.sort()
        }
        var ordered: [Element] = []
        ordered.reserveCapacity(keys.count)
        for key in keys { ordered.append(self[Int(key.position)]) }
        return ordered
    }
}

extension Array where Element == ScoreOrder {
    /// Puts the best `count` keys first, in order, and the others after them in no order: a
    /// quickselect around median-of-three pivots, then a sort of the prefix alone. The prefix is
    /// that of a full sort up to the order of equal keys (for recall's lists ids are distinct; a
    /// history listing one anime twice gives equal keys for equal elements).
    mutating func sortPrefix(_ count: Int) {
        guard count > 0 else { return }
        guard count < self.count else { return sort() }
        // On the buffer: no uniqueness check per swap.
        withUnsafeMutableBufferPointer { keys in
            var (low, high) = (0, keys.count - 1)
            let target = count - 1
            while low < high {
                let middle = low + (high - low) / 2
                let (a, b, c) = (keys[low], keys[middle], keys[high])
                let pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b))
                var (i, j) = (low, high)
                while i <= j {
                    while i < high, keys[i] < pivot { i += 1 }
                    while j > low, pivot < keys[j] { j -= 1 }
                    if i <= j {
                        keys.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if target <= j {
                    high = j
                } else if target >= i {
                    low = i
                } else {
                    break
                }
            }
            keys[0..<count].sort()
        }
    }
}
