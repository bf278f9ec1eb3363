import AnimeRecCore
/// A leave-some-out split: for a sample of users with enough positive interactions, a share of their
/// positives is held out (removed from the training matrix) to be predicted. With `positivesOnly`
/// false, "positives" reads "interactions" throughout: any interaction may be held out.
public struct HoldoutSplit: Sendable {
    /// The matrix without the held-out interactions.
    public var training: InteractionMatrix
    /// The sampled user indexes, ascending.
    public var users: [Int]
    /// Held-out positive item indexes by user index.
    public var heldOut: [Int: Set<Int32>]

    /// Splits `matrix`: samples up to `maximumUsers` users among those with at least `minimumPositives`
    /// positive interactions, and holds out `max(1, round(share × positives))` of each one's positives
    /// (never all of them), seeded by `seed`.
    public init(
        _ matrix: InteractionMatrix, maximumUsers: Int, share: Double, minimumPositives: Int, seed: UInt64,
        positivesOnly: Bool = true
    ) {
        // A disliked title (a negative preference) is never one to predict; a title rated well
        // below the user's mean (preference 0) was still watched, so it is one among all
        // interactions.
        let eligibleEntry = { (preference: Float) in
            positivesOnly ? InteractionMatrix.isPositive(preference) : preference >= 0
        }
        var random = SeededRandom(seed: seed)
        var eligible: [Int] = []
        for user in 0..<matrix.users.count {
            let (_, preferences) = matrix.row(user)
            let positives = preferences.reduce(0) { $0 + (eligibleEntry($1) ? 1 : 0) }
            if positives >= max(2, minimumPositives) { eligible.append(user) }
        }
        let take = min(max(0, maximumUsers), eligible.count)
        for i in 0..<take { eligible.swapAt(i, i + random.below(eligible.count - i)) }
        users = eligible[0..<take].sorted()
        var heldOutEntries = Set<Int>()
        heldOut = [:]
        for user in users {
            let range = matrix.rowStart[user]..<matrix.rowStart[user + 1]
            var positives = range.filter { eligibleEntry(matrix.entryPreferences[$0]) }
            let count = min(positives.count - 1, max(1, Int((share * Double(positives.count)).rounded())))
            for i in 0..<count { positives.swapAt(i, i + random.below(positives.count - i)) }
            let chosen = positives[0..<count]
            heldOutEntries.formUnion(chosen)
            heldOut[user] = Set(chosen.map { matrix.entryItems[$0] })
        }
        training = matrix.filtered { _, entry in !heldOutEntries.contains(entry) }
    }
}
