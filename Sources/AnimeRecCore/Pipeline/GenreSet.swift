/// A set of genre indexes as a bit set (up to 256 genres; more are ignored). Offline similarity
/// and online diversification compare genres with its ``jaccard(_:)``.
public struct GenreSet: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init(_ genres: [Int]) {
        for genre in genres { insert(genre) }
    }

    public init() {}

    /// Adds genre index `genre` (ignored outside 0..<256).
    public mutating func insert(_ genre: Int) {
        guard genre >= 0 && genre < 256 else { return }
        let bit = UInt64(1) << UInt64(genre % 64)
        switch genre / 64 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    public static func == (lhs: GenreSet, rhs: GenreSet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// |A ∩ B| / |A ∪ B|, 0 when both are empty.
    public func jaccard(_ other: GenreSet) -> Double {
        let intersection =
            (words.0 & other.words.0).nonzeroBitCount + (words.1 & other.words.1).nonzeroBitCount
            + (words.2 & other.words.2).nonzeroBitCount + (words.3 & other.words.3).nonzeroBitCount
        let union =
            (words.0 | other.words.0).nonzeroBitCount + (words.1 | other.words.1).nonzeroBitCount
            + (words.2 | other.words.2).nonzeroBitCount + (words.3 | other.words.3).nonzeroBitCount
        return union == 0 ? 0 : Double(intersection) / Double(union)
    }
}
