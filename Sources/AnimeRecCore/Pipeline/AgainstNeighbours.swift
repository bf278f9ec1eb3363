/// How close each title is to what a user is against (``Interaction/isEvidenceAgainst(relativeTo:)``):
/// the titles they said "not interested" in and those they rated well below their own mean. One
/// measure for both: a title's closeness to one such title is its neighbour score there over the
/// score of that list's nearest neighbour (so 1 for the nearest, whatever the model's scale), among
/// the first `length` neighbours; to several, the largest; anything else is 0. The titles themselves
/// never come back: they are interactions, which recall leaves out.
///
/// Ranking uses it twice (``RecalledCandidate``): the closeness to either kind is the ranker's
/// ``RankingFeatures/against``, whose weight `rebuild` learns; the closeness to a "not interested"
/// alone takes ``Ranking/dislikedPenalty`` times itself off the margin besides, the user's own word.
public struct AgainstNeighbours: Sendable {
    /// Every neighbour met, by anime id (several entries for one met in several lists): one
    /// array and a sort per request, not a hash table.
    private var entries: [(anime: AnimeID, any: Double, disliked: Double)] = []

    /// The closeness to `disliked` and to `lowRated`, over `source`'s neighbour lists.
    public init(disliked: [AnimeID], lowRated: [AnimeID], source: some RecallSource, length: Int) {
        var count = 0
        for anime in disliked { count += source.neighbors(of: anime, limit: length).count }
        for anime in lowRated { count += source.neighbors(of: anime, limit: length).count }
        guard count > 0 else { return }
        var entries: [(anime: AnimeID, any: Double, disliked: Double)] = []
        entries.reserveCapacity(count)
        func add(_ titles: [AnimeID], isVerdict: Bool) {
            for anime in titles {
                let list = source.neighbors(of: anime, limit: length)
                guard let nearest = list.first?.score, nearest > 0 else { continue }
                for neighbour in list where neighbour.anime != anime {
                    let value = min(1, max(0, neighbour.score / nearest))
                    entries.append((neighbour.anime, value, isVerdict ? value : 0))
                }
            }
        }
        add(disliked, isVerdict: true)
        add(lowRated, isVerdict: false)
        entries.sort { $0.anime < $1.anime }
        self.entries = entries
    }

    /// `anime`'s closeness, 0–1, to anything the user is against and to the titles they said
    /// "not interested" in: the largest over its entries (a binary search to the first).
    public func closeness(of anime: AnimeID) -> (any: Double, disliked: Double) {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].anime < anime { low = middle + 1 } else { high = middle }
        }
        var result = (any: 0.0, disliked: 0.0)
        while low < entries.count && entries[low].anime == anime {
            result.any = max(result.any, entries[low].any)
            result.disliked = max(result.disliked, entries[low].disliked)
            low += 1
        }
        return result
    }
}
