import AnimeRecCore
/// Every user's interactions as a compact sparse matrix (rows = users, compressed): dense integer indexes
/// for users and anime, one `Int32` item index and one `Float` preference per interaction.
///
/// At Kaggle scale (6.3 M interactions) this is about 50 MB, against several hundred for
/// `[UserHistory]`. Rows are sorted by item index.
public struct InteractionMatrix: Sendable {
    /// User ids by user index.
    public private(set) var users: [UserID]
    /// Anime ids by item index (catalogue anime first, in id order; then anime only seen in ratings).
    public private(set) var items: [AnimeID]
    /// Start of each user's row in ``entryItems``; `users.count + 1` values.
    public private(set) var rowStart: [Int]
    /// Item index of each interaction.
    public private(set) var entryItems: [Int32]
    /// ``Interaction/preference`` of each interaction.
    public private(set) var entryPreferences: [Float]
    /// The interaction behind each entry, compactly (so that online recall can be replayed offline).
    private var entryDetails: [CompactInteraction]

    /// Number of interactions.
    public var interactionCount: Int { entryItems.count }

    /// The item indexes and preferences of one user's row.
    @inlinable
    public func row(_ user: Int) -> (items: ArraySlice<Int32>, preferences: ArraySlice<Float>) {
        let range = rowStart[user]..<rowStart[user + 1]
        return (entryItems[range], entryPreferences[range])
    }

    /// The interactions of one user's row, as the store returned them.
    public func interactions(ofUser user: Int) -> [Interaction] {
        (rowStart[user]..<rowStart[user + 1]).map { entry in
            entryDetails[entry].interaction(anime: items[Int(entryItems[entry])])
        }
    }

    /// Builds a matrix incrementally from scanned histories.
    public struct Builder: Sendable {
        private var matrix: InteractionMatrix
        private var index: [AnimeID: Int32]

        /// A builder whose item indexes start with `catalogue` (so that every catalogue anime has an index,
        /// rated or not).
        public init(catalogue: [AnimeID]) {
            let unique = Array(Set(catalogue)).sorted()
            matrix = InteractionMatrix(
                users: [], items: unique, rowStart: [0], entryItems: [], entryPreferences: [], entryDetails: [])
            index = Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($1, Int32($0)) })
        }

        /// Reserves room for about `interactions` entries.
        public mutating func reserve(interactions: Int, users: Int) {
            matrix.entryItems.reserveCapacity(interactions)
            matrix.entryPreferences.reserveCapacity(interactions)
            matrix.entryDetails.reserveCapacity(interactions)
            matrix.users.reserveCapacity(users)
            matrix.rowStart.reserveCapacity(users + 1)
        }

        /// The item index of `anime`, assigning the next one for an anime not seen before.
        public mutating func itemIndex(_ anime: AnimeID) -> Int32 {
            if let existing = index[anime] { return existing }
            let next = Int32(matrix.items.count)
            matrix.items.append(anime)
            index[anime] = next
            return next
        }

        /// Appends one user's row (a user's interactions with the same anime appear once: the first wins).
        /// A user whose every relation is a "not interested" adds none: there is nothing of their
        /// taste to learn, and the stores need not agree on whether such a user is walked.
        public mutating func add(_ history: UserHistory) {
            guard history.interactions.isEmpty || history.interactions.contains(where: { !$0.isDisliked }) else { return }
            var row: [(item: Int32, interaction: Interaction)] = history.interactions.map { (itemIndex($0.anime), $0) }
            row.sort { $0.item < $1.item }
            var previous: Int32 = -1
            let profile = RatingProfile(history.interactions)
            for (item, interaction) in row where item != previous {
                matrix.entryItems.append(item)
                matrix.entryPreferences.append(Float(interaction.preference(relativeTo: profile)))
                matrix.entryDetails.append(CompactInteraction(interaction))
                previous = item
            }
            matrix.users.append(history.user)
            matrix.rowStart.append(matrix.entryItems.count)
        }

        /// The finished matrix.
        /// The matrix, its rows in user-id order whatever order the histories came in (a
        /// Cassandra scan walks token order), so every store yields the same model.
        public func build() -> InteractionMatrix {
            let users = matrix.users
            guard zip(users, users.dropFirst()).contains(where: { $0 >= $1 }) else { return matrix }
            let order = users.indices.sorted { users[$0] < users[$1] }
            var sorted = InteractionMatrix(
                users: [], items: matrix.items, rowStart: [0], entryItems: [], entryPreferences: [], entryDetails: [])
            sorted.users.reserveCapacity(users.count)
            sorted.rowStart.reserveCapacity(users.count + 1)
            sorted.entryItems.reserveCapacity(matrix.entryItems.count)
            sorted.entryPreferences.reserveCapacity(matrix.entryItems.count)
            sorted.entryDetails.reserveCapacity(matrix.entryItems.count)
            for user in order {
                let range = matrix.rowStart[user]..<matrix.rowStart[user + 1]
                sorted.users.append(users[user])
                sorted.entryItems += matrix.entryItems[range]
                sorted.entryPreferences += matrix.entryPreferences[range]
                sorted.entryDetails += matrix.entryDetails[range]
                sorted.rowStart.append(sorted.entryItems.count)
            }
            return sorted
        }
    }

    /// A matrix with the same users and items whose rows are filtered by `keep(user, entry)`.
    public func filtered(_ keep: (_ user: Int, _ entry: Int) -> Bool) -> InteractionMatrix {
        var result = InteractionMatrix(
            users: users, items: items, rowStart: [0], entryItems: [], entryPreferences: [], entryDetails: [])
        result.entryItems.reserveCapacity(entryItems.count)
        result.entryPreferences.reserveCapacity(entryItems.count)
        result.entryDetails.reserveCapacity(entryItems.count)
        result.rowStart.reserveCapacity(rowStart.count)
        for user in 0..<users.count {
            for entry in rowStart[user]..<rowStart[user + 1] where keep(user, entry) {
                result.entryItems.append(entryItems[entry])
                result.entryPreferences.append(entryPreferences[entry])
                result.entryDetails.append(entryDetails[entry])
            }
            result.rowStart.append(result.entryItems.count)
        }
        return result
    }

    /// Number of users who interacted with each item.
    public func itemSupport() -> [Int32] {
        var support = Array(repeating: Int32(0), count: items.count)
        for (item, preference) in zip(entryItems, entryPreferences) where Self.teachesSharedModel(preference) { support[Int(item)] += 1 }
        return support
    }

    /// Number of users with a positive interaction (``Interaction/isPositive(relativeTo:)``) with each item.
    public func itemPositiveCounts() -> [Int32] {
        var counts = Array(repeating: Int32(0), count: items.count)
        for (item, preference) in zip(entryItems, entryPreferences) where Self.isPositive(preference) {
            counts[Int(item)] += 1
        }
        return counts
    }

    /// Whether an entry of `preference` is evidence the shared item model learns from (EASE's Gram,
    /// item similarity, item support): positive entries only. A title the user is against (a "not
    /// interested", a rating well below their mean: preference ≤ 0) says something about that user,
    /// not about two titles' likeness; EASE still sums it into the user's own scores.
    @inline(__always)
    public static func teachesSharedModel(_ preference: Float) -> Bool { preference > 0 }

    /// Whether an entry of `preference` is a positive interaction: the rule of
    /// ``Interaction/isPositive(relativeTo:)``, read off a preference already computed.
    @inline(__always)
    public static func isPositive(_ preference: Float) -> Bool { Double(preference) > RatingProfile.positiveThreshold }
}

/// An ``Interaction`` without its anime id, in 24 bytes.
struct CompactInteraction: Sendable {
    /// Rating 1–10, 0 when none.
    var rating: Int8
    /// 1 liked, 0 not liked, -1 unknown.
    var liked: Int8
    var events: Int32
    /// ms since 1970, `Int64.min` when none.
    var lastAt: Int64
    /// ms since 1970 of the "not interested", `Int64.min` when none.
    var dislikedAt: Int64

    init(_ interaction: Interaction) {
        rating = interaction.rating ?? 0
        liked = interaction.liked.map { $0 ? 1 : 0 } ?? -1
        events = interaction.events
        lastAt = interaction.lastAt ?? Int64.min
        dislikedAt = interaction.dislikedAt ?? Int64.min
    }

    func interaction(anime: AnimeID) -> Interaction {
        Interaction(
            anime: anime, rating: rating == 0 ? nil : rating, liked: liked < 0 ? nil : liked == 1, events: events,
            lastAt: lastAt == Int64.min ? nil : lastAt, dislikedAt: dislikedAt == Int64.min ? nil : dislikedAt)
    }
}
