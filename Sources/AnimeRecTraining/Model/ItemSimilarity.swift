import AnimeRecCore
import HeapModule

/// Item-to-item collaborative similarity: cosine between items' preference vectors over users, shrunk
/// towards zero when few users support it, with a genre-and-popularity fallback for anime that too few
/// users have seen, so that every catalogue anime gets neighbours.
///
/// `similarity(i, j) = Σᵤ pᵤᵢ·pᵤⱼ / (‖pᵢ‖·‖pⱼ‖) × nᵢⱼ / (nᵢⱼ + shrinkage)`, with `p` the
/// ``Interaction/preference`` and `nᵢⱼ` the number of users who interacted with both. Only positive
/// similarities are kept. Pair counting walks, for each item, the rows of its users and accumulates into
/// dense per-item arrays (no hashing in the hot loop); rows longer than ``Options/maximumItemsPerUser``
/// are cut to a deterministic sample so that a few very heavy users do not dominate the cost
/// (Σ row² pairs).
public enum ItemSimilarity {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Neighbours kept per anime.
        public var neighbors: Int = 50
        /// Support at which a similarity keeps half its value (`n / (n + shrinkage)`).
        public var shrinkage: Double = 20
        /// Pairs seen by fewer users than this are ignored.
        public var minimumCoCount: Int = 2
        /// Anime seen by fewer users than this get genre neighbours first.
        public var minimumSupport: Int = 5
        /// Longest row used for pair counting; longer rows are sampled down to this.
        public var maximumItemsPerUser: Int = 400
        /// Scale of fallback (genre) scores; they also never exceed the list's lowest collaborative score.
        public var fallbackScale: Double = 0.1
        /// Concurrent workers for the pair counting.
        public var workers: Int = 2
        /// Seed of the heavy-row sampling.
        public var seed: UInt64 = 1

        /// The defaults above.
        public init() {}
    }

    /// What the fallback knows about each item (same indexes as the matrix).
    public struct ItemTraits: Sendable {
        /// Genre indexes of each item (any dense numbering).
        public var genres: [[Int]]
        /// Popularity in [0, 1] of each item (``FeatureScaling/popularity(members:)``).
        public var popularity: [Double]
        /// Whether each item is a real catalogue entry (only those are offered as fallback neighbours).
        public var inCatalogue: [Bool]

        /// Traits for each item index.
        public init(genres: [[Int]], popularity: [Double], inCatalogue: [Bool]) {
            self.genres = genres
            self.popularity = popularity
            self.inCatalogue = inCatalogue
        }
    }

    /// Collaborative neighbours only (no fallback), computed by `options.workers` concurrent workers.
    public static func collaborative(_ matrix: InteractionMatrix, options: Options) async -> NeighborTable {
        let columns = ItemColumns(matrix: matrix, maximumItemsPerUser: options.maximumItemsPerUser, seed: options.seed)
        let itemCount = matrix.items.count
        let workers = max(1, min(options.workers, itemCount))
        let lists = await withTaskGroup(of: (Int, [[(item: Int32, score: Float)]]).self) { group in
            for worker in 0..<workers {
                group.addTask {
                    // Interleaved items balance popular (expensive) and rare (cheap) anime across workers.
                    let mine = Array(stride(from: worker, to: itemCount, by: workers))
                    return (worker, collaborativeLists(columns: columns, items: mine, options: options))
                }
            }
            var byWorker = Array(repeating: [[(item: Int32, score: Float)]](), count: workers)
            for await (worker, lists) in group { byWorker[worker] = lists }
            var merged = Array(repeating: [(item: Int32, score: Float)](), count: itemCount)
            for worker in 0..<workers {
                for (offset, list) in byWorker[worker].enumerated() { merged[worker + offset * workers] = list }
            }
            return merged
        }
        return NeighborTable(lists: lists)
    }

    /// Collaborative neighbours completed with fallback neighbours for every catalogue item whose list is
    /// short or whose support is below ``Options/minimumSupport``.
    public static func neighbors(
        _ matrix: InteractionMatrix, traits: ItemTraits, options: Options
    ) async -> NeighborTable {
        let collaborative = await collaborative(matrix, options: options)
        return withFallback(collaborative, support: matrix.itemSupport(), traits: traits, options: options)
    }

    /// The column view used for pair counting: for each item, its users and their preferences, plus the
    /// (possibly sampled) rows and the item norms over exactly those entries.
    struct ItemColumns: Sendable {
        var rowStart: [Int]
        var rowItems: [Int32]
        var rowPreferences: [Float]
        var columnStart: [Int]
        var columnUsers: [Int32]
        var columnPreferences: [Float]
        var norms: [Float]

        init(matrix: InteractionMatrix, maximumItemsPerUser: Int, seed: UInt64) {
            let cap = max(2, maximumItemsPerUser)
            rowStart = [0]
            rowStart.reserveCapacity(matrix.users.count + 1)
            rowItems = []
            rowItems.reserveCapacity(matrix.interactionCount)
            rowPreferences = []
            rowPreferences.reserveCapacity(matrix.interactionCount)
            for user in 0..<matrix.users.count {
                var (items, preferences) = matrix.row(user)
                if !preferences.allSatisfy(InteractionMatrix.teachesSharedModel) {
                    // Evidence against a title is no co-occurrence.
                    let kept = items.indices.filter { InteractionMatrix.teachesSharedModel(preferences[$0]) }
                    (items, preferences) = (ArraySlice(kept.map { items[$0] }), ArraySlice(kept.map { preferences[$0] }))
                }
                if items.count <= cap {
                    rowItems.append(contentsOf: items)
                    rowPreferences.append(contentsOf: preferences)
                } else {
                    // Deterministic sample of `cap` entries (partial Fisher–Yates), kept in item order.
                    var random = SeededRandom(seed: seed ^ UInt64(user) &* 0x9E37_79B9_7F4A_7C15)
                    var positions = Array(items.indices)
                    for i in 0..<cap { positions.swapAt(i, i + random.below(positions.count - i)) }
                    for position in positions[0..<cap].sorted() {
                        rowItems.append(items[position])
                        rowPreferences.append(preferences[position])
                    }
                }
                rowStart.append(rowItems.count)
            }
            let itemCount = matrix.items.count
            var counts = Array(repeating: 0, count: itemCount + 1)
            for item in rowItems { counts[Int(item) + 1] += 1 }
            for i in 0..<itemCount { counts[i + 1] += counts[i] }
            columnStart = counts
            var fill = counts
            columnUsers = Array(repeating: 0, count: rowItems.count)
            columnPreferences = Array(repeating: 0, count: rowItems.count)
            var squares = Array(repeating: Double(0), count: itemCount)
            for user in 0..<(rowStart.count - 1) {
                for entry in rowStart[user]..<rowStart[user + 1] {
                    let item = Int(rowItems[entry])
                    columnUsers[fill[item]] = Int32(user)
                    columnPreferences[fill[item]] = rowPreferences[entry]
                    fill[item] += 1
                    squares[item] += Double(rowPreferences[entry]) * Double(rowPreferences[entry])
                }
            }
            norms = squares.map { Float($0.squareRoot()) }
        }
    }

    /// Top-K collaborative lists for `items`, in that order.
    static func collaborativeLists(
        columns: ItemColumns, items: [Int], options: Options
    ) -> [[(item: Int32, score: Float)]] {
        let itemCount = columns.norms.count
        var dot = Array(repeating: Float(0), count: itemCount)
        var coCount = Array(repeating: Int32(0), count: itemCount)
        var touched: [Int32] = []
        touched.reserveCapacity(itemCount)
        let shrinkage = Float(options.shrinkage)
        let minimumCoCount = Int32(max(1, options.minimumCoCount))
        let keep = max(0, options.neighbors)
        var results: [[(item: Int32, score: Float)]] = []
        results.reserveCapacity(items.count)
        columns.rowItems.withUnsafeBufferPointer { rowItems in
            columns.rowPreferences.withUnsafeBufferPointer { rowPreferences in
                dot.withUnsafeMutableBufferPointer { dot in
                    coCount.withUnsafeMutableBufferPointer { coCount in
                        for item in items {
                            for position in columns.columnStart[item]..<columns.columnStart[item + 1] {
                                let user = Int(columns.columnUsers[position])
                                let weight = columns.columnPreferences[position]
                                for entry in columns.rowStart[user]..<columns.rowStart[user + 1] {
                                    let other = Int(rowItems[entry])
                                    if coCount[other] == 0 { touched.append(Int32(other)) }
                                    coCount[other] &+= 1
                                    dot[other] += weight * rowPreferences[entry]
                                }
                            }
                            var heap = Heap<TopEntry>()
                            let norm = columns.norms[item]
                            for other32 in touched {
                                let other = Int(other32)
                                let count = coCount[other]
                                let product = dot[other]
                                dot[other] = 0
                                coCount[other] = 0
                                guard other != item, count >= minimumCoCount, product > 0, keep > 0 else { continue }
                                let denominator = norm * columns.norms[other]
                                guard denominator > 0 else { continue }
                                let shrunk = Float(count) / (Float(count) + shrinkage)
                                let score = min(1, product / denominator) * shrunk
                                let entry = TopEntry(score: score, item: other32)
                                heap.offer(entry, keepingAtMost: keep)
                            }
                            touched.removeAll(keepingCapacity: true)
                            results.append(sortedDescending(&heap))
                        }
                    }
                }
            }
        }
        return results
    }

    /// Drains a min-heap into a best-first list.
    static func sortedDescending(_ heap: inout Heap<TopEntry>) -> [(item: Int32, score: Float)] {
        var list: [(item: Int32, score: Float)] = []
        list.reserveCapacity(heap.count)
        while let entry = heap.popMax() { list.append((entry.item, entry.score)) }
        return list
    }

    /// Fills short lists (and the lists of rarely seen anime) with genre neighbours: Jaccard similarity of
    /// the genre sets blended with popularity, scaled below the list's collaborative scores.
    public static func withFallback(
        _ table: NeighborTable, support: [Int32], traits: ItemTraits, options: Options
    ) -> NeighborTable {
        let itemCount = table.itemCount
        let keep = max(0, options.neighbors)
        let genreSets = traits.genres.map(GenreSet.init)
        let catalogue = (0..<itemCount).filter { traits.inCatalogue[$0] }
        var lists: [[(item: Int32, score: Float)]] = []
        lists.reserveCapacity(itemCount)
        var fallbackByGenres: [GenreSet: [(item: Int32, score: Float)]] = [:]
        for item in 0..<itemCount {
            var list = table.pairs(item)
            let canFill = traits.inCatalogue[item] || !traits.genres[item].isEmpty
            let rare = canFill && Int(support[item]) < options.minimumSupport
            if rare {
                // Too little evidence: genre neighbours lead, collaborative ones (if any) follow.
                list = Array(list.prefix(keep / 2))
            }
            guard list.count < keep, canFill else {
                lists.append(list)
                continue
            }
            var present = Set(list.map(\.item))
            present.insert(Int32(item))
            let ceiling = rare ? 1 : (list.last.map { Double($0.score) } ?? 1)
            let wanted = keep - list.count
            // The ranking depends only on the genre set: compute it once per distinct set, long enough
            // that dropping the item itself and its collaborative neighbours still leaves `wanted`.
            let genres = genreSets[item]
            let ranked: [(item: Int32, score: Float)]
            if let cached = fallbackByGenres[genres] {
                ranked = cached
            } else {
                var heap = Heap<TopEntry>()
                let length = 2 * keep + 1
                for other in catalogue {
                    let jaccard = genres.jaccard(genreSets[other])
                    let blended = 0.8 * jaccard + 0.2 * traits.popularity[other]
                    let entry = TopEntry(score: Float(blended), item: Int32(other))
                    heap.offer(entry, keepingAtMost: length)
                }
                ranked = sortedDescending(&heap)
                fallbackByGenres[genres] = ranked
            }
            let fallback = ranked.lazy.filter { !present.contains($0.item) }.prefix(wanted).map { entry in
                (item: entry.item, score: Float(min(ceiling, options.fallbackScale * Double(entry.score))))
            }
            list =
                rare
                ? Array(fallback) + list.map { (item: $0.item, score: min($0.score, fallback.last?.score ?? $0.score)) }
                : list + Array(fallback)
            lists.append(Array(list.prefix(keep)))
        }
        return NeighborTable(lists: lists)
    }
}
