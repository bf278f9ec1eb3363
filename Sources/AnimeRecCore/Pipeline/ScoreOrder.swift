extension Array {
    /// The elements best first: by `score` descending, ties by `id` ascending. Sorts small
    /// (score, id, position) keys and gathers once, since the elements are large to move.
    func sortedByScore(_ score: (Element) -> Double, id: (Element) -> AnimeID) -> [Element] {
        var keys: [(score: Double, id: AnimeID, position: Int32)] = []
        keys.reserveCapacity(count)
        for (position, element) in enumerated() { keys.append((score(element), id(element), Int32(position))) }
        keys.sort { ($0.score, $1.id) > ($1.score, $0.id) }
        var ordered: [Element] = []
        ordered.reserveCapacity(count)
        for key in keys { ordered.append(self[Int(key.position)]) }
        return ordered
    }
}
