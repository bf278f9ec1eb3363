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

    /// Number of interactions.
    public var interactionCount: Int { entryItems.count }

    /// The item indexes and preferences of one user's row.
    @inlinable
    public func row(_ user: Int) -> (items: ArraySlice<Int32>, preferences: ArraySlice<Float>) {
        let range = rowStart[user]..<rowStart[user + 1]
        return (entryItems[range], entryPreferences[range])
    }

    /// Builds a matrix incrementally from scanned histories.
    public struct Builder: Sendable {
        private var matrix: InteractionMatrix
        private var index: [AnimeID: Int32]

        /// A builder whose item indexes start with `catalogue` (so that every catalogue anime has an index,
        /// rated or not).
        public init(catalogue: [AnimeID]) {
            let unique = Array(Set(catalogue)).sorted()
            matrix = InteractionMatrix(users: [], items: unique, rowStart: [0], entryItems: [], entryPreferences: [])
            index = Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($1, Int32($0)) })
        }

        /// Reserves room for about `interactions` entries.
        public mutating func reserve(interactions: Int, users: Int) {
            matrix.entryItems.reserveCapacity(interactions)
            matrix.entryPreferences.reserveCapacity(interactions)
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

        /// Appends one user's row (a user's interactions with the same anime appear once).
        public mutating func add(_ history: UserHistory) {
            var row: [(Int32, Float)] = history.interactions.map { (itemIndex($0.anime), Float($0.preference)) }
            row.sort { $0.0 < $1.0 }
            var previous: Int32 = -1
            for (item, preference) in row where item != previous {
                matrix.entryItems.append(item)
                matrix.entryPreferences.append(preference)
                previous = item
            }
            matrix.users.append(history.user)
            matrix.rowStart.append(matrix.entryItems.count)
        }

        /// Appends one user's row given as item indexes and preferences (sorted by item, no repeats).
        public mutating func add(user: UserID, items: some Sequence<Int32>, preferences: some Sequence<Float>) {
            matrix.entryItems.append(contentsOf: items)
            matrix.entryPreferences.append(contentsOf: preferences)
            matrix.users.append(user)
            matrix.rowStart.append(matrix.entryItems.count)
        }

        /// The finished matrix.
        public func build() -> InteractionMatrix { matrix }
    }

    /// A matrix with the same users and items whose rows are filtered by `keep(user, entry)`.
    public func filtered(_ keep: (_ user: Int, _ entry: Int) -> Bool) -> InteractionMatrix {
        var result = InteractionMatrix(users: users, items: items, rowStart: [0], entryItems: [], entryPreferences: [])
        result.entryItems.reserveCapacity(entryItems.count)
        result.entryPreferences.reserveCapacity(entryItems.count)
        result.rowStart.reserveCapacity(rowStart.count)
        for user in 0..<users.count {
            for entry in rowStart[user]..<rowStart[user + 1] where keep(user, entry) {
                result.entryItems.append(entryItems[entry])
                result.entryPreferences.append(entryPreferences[entry])
            }
            result.rowStart.append(result.entryItems.count)
        }
        return result
    }

    /// Number of users who interacted with each item.
    public func itemSupport() -> [Int32] {
        var support = Array(repeating: Int32(0), count: items.count)
        for item in entryItems { support[Int(item)] += 1 }
        return support
    }

    /// Number of users with a positive interaction (``Interaction/isPositive``) with each item.
    public func itemPositiveCounts() -> [Int32] {
        var counts = Array(repeating: Int32(0), count: items.count)
        for (item, preference) in zip(entryItems, entryPreferences) where Double(preference) > Self.positiveThreshold {
            counts[Int(item)] += 1
        }
        return counts
    }

    /// The preference above which an interaction is positive (as ``Interaction/isPositive``).
    public static let positiveThreshold = 0.4
}
