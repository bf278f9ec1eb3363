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
    private var closeness: [AnimeID: (any: Double, disliked: Double)] = [:]

    /// The closeness to `disliked` and to `lowRated`, over `source`'s neighbour lists.
    public init(disliked: [AnimeID], lowRated: [AnimeID], source: some RecallSource, length: Int) {
        closeness.reserveCapacity((disliked.count + lowRated.count) * length)
        for (titles, isVerdict) in [(disliked, true), (lowRated, false)] {
            for anime in titles {
                let list = source.neighbors(of: anime, limit: length)
                guard let nearest = list.first?.score, nearest > 0 else { continue }
                for neighbour in list where neighbour.anime != anime {
                    let value = min(1, max(0, neighbour.score / nearest))
                    var entry = closeness[neighbour.anime] ?? (0, 0)
                    entry.any = max(entry.any, value)
                    if isVerdict { entry.disliked = max(entry.disliked, value) }
                    closeness[neighbour.anime] = entry
                }
            }
        }
    }

    /// Whether no title is close to anything the user is against.
    public var isEmpty: Bool { closeness.isEmpty }

    /// `anime`'s closeness to anything the user is against, 0–1.
    public func closeness(of anime: AnimeID) -> Double { closeness[anime]?.any ?? 0 }

    /// `anime`'s closeness to the titles the user said "not interested" in, 0–1.
    public func dislikedCloseness(of anime: AnimeID) -> Double { closeness[anime]?.disliked ?? 0 }
}
