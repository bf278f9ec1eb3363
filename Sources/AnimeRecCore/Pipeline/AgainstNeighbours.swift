/// How close each title is to what a user said "not interested" in: the rule that demotes a
/// disliked title's neighbours for that user (the title itself never comes back: it is an
/// interaction, which recall leaves out).
///
/// A title's closeness to one disliked title is its neighbour score there over the score of that
/// list's nearest neighbour (so 1 for the nearest, whatever the model's scale), among the first
/// `length` neighbours; to several, the largest. Anything else is 0.
public struct DislikedNeighbours: Sendable {
    private var closeness: [AnimeID: Double] = [:]

    public init(_ disliked: [AnimeID], source: some RecallSource, length: Int) {
        closeness.reserveCapacity(disliked.count * length)
        for anime in disliked {
            let list = source.neighbors(of: anime, limit: length)
            guard let nearest = list.first?.score, nearest > 0 else { continue }
            for neighbour in list where neighbour.anime != anime {
                let value = min(1, max(0, neighbour.score / nearest))
                if value > closeness[neighbour.anime, default: 0] { closeness[neighbour.anime] = value }
            }
        }
    }

    /// `anime`'s closeness to the disliked titles, 0–1.
    public func closeness(of anime: AnimeID) -> Double { closeness[anime] ?? 0 }
}
