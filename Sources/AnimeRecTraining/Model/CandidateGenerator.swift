import AnimeRecCore
import HeapModule

/// Item-based collaborative candidates for one user: every interaction votes for its neighbours with
/// `similarity × preference` (its confidence; with EASE lists this is the EASE score over the stored
/// weights); seen anime are excluded; the best ``Options/candidates`` are kept.
///
/// Scores are divided by the user's best raw score, so the top candidate scores 1 (the scale of
/// ``RankingFeatures/collaborative``). The reason is ``Reason/similarTo(_:)`` the anime that contributed
/// most when that anime gave at least ``Options/dominantShare`` of the score, else ``Reason/forYou``.
public struct CandidateGenerator: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Candidates kept per user.
        public var candidates: Int = 50
        /// At most this many of the user's interactions vote (the strongest ones).
        public var maximumSources: Int = 500
        /// Share of the score one source must give for the reason to name it.
        public var dominantShare: Double = 0.3

        /// The defaults above.
        public init() {}
    }

    /// A scored candidate over item indexes.
    public struct Scored: Hashable, Sendable {
        /// Item index of the candidate.
        public var item: Int32
        /// Score in (0, 1].
        public var score: Float
        /// Item index of the strongest contributing anime, or `nil` when no single one dominates.
        public var source: Int32?

        /// A candidate.
        public init(item: Int32, score: Float, source: Int32?) {
            self.item = item
            self.score = score
            self.source = source
        }
    }

    private let table: NeighborTable
    private let options: Options
    private var raw: [Float]
    private var bestContribution: [Float]
    private var bestSource: [Int32]
    private var excluded: [Bool]
    private var touched: [Int32] = []

    /// A generator over `table` (reuse one per worker: it keeps scratch arrays of the item count).
    public init(table: NeighborTable, options: Options) {
        self.table = table
        self.options = options
        raw = Array(repeating: 0, count: table.itemCount)
        bestContribution = Array(repeating: 0, count: table.itemCount)
        bestSource = Array(repeating: -1, count: table.itemCount)
        excluded = Array(repeating: false, count: table.itemCount)
    }

    /// The candidates for a user whose interactions are `items` with `preferences` (all of them: every
    /// one is excluded from the result and votes). Best first.
    public mutating func candidates(items: some Collection<Int32>, preferences: some Collection<Float>) -> [Scored] {
        var sources: [(item: Int32, preference: Float)] = []
        for (item, preference) in zip(items, preferences) {
            excluded[Int(item)] = true
            if preference > 0 { sources.append((item, preference)) }
        }
        defer { for item in items { excluded[Int(item)] = false } }
        if sources.count > options.maximumSources {
            sources.sort { $0.preference != $1.preference ? $0.preference > $1.preference : $0.item < $1.item }
            sources.removeLast(sources.count - options.maximumSources)
        }
        for source in sources {
            let (neighbors, scores) = table.list(Int(source.item))
            for (neighbor, similarity) in zip(neighbors, scores) {
                let index = Int(neighbor)
                if excluded[index] { continue }
                let contribution = similarity * source.preference
                if bestSource[index] < 0 { touched.append(neighbor) }
                raw[index] += contribution
                if bestSource[index] < 0 || contribution > bestContribution[index] {
                    bestContribution[index] = contribution
                    bestSource[index] = source.item
                }
            }
        }
        var heap = Heap<TopEntry>()
        let keep = max(0, options.candidates)
        for item in touched {
            let score = raw[Int(item)]
            guard score > 0, keep > 0 else { continue }
            let entry = TopEntry(score: score, item: item)
            heap.offer(entry, keepingAtMost: keep)
        }
        var result: [Scored] = []
        result.reserveCapacity(heap.count)
        let best = heap.max?.score ?? 1
        while let entry = heap.popMax() {
            let index = Int(entry.item)
            let dominant = Double(bestContribution[index]) >= options.dominantShare * Double(entry.score)
            result.append(
                Scored(item: entry.item, score: entry.score / best, source: dominant ? bestSource[index] : nil))
        }
        for item in touched {
            raw[Int(item)] = 0
            bestContribution[Int(item)] = 0
            bestSource[Int(item)] = -1
        }
        touched.removeAll(keepingCapacity: true)
        return result
    }
}
