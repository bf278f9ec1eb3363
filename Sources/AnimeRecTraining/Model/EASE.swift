#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import AnimeRecCore
import COpenBLAS
import HeapModule

/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): the item-item weight
/// matrix `B` that best reconstructs each user's row from the user's other items, in closed form:
/// `P = (XᵀX + Λ)⁻¹`, `B[i][j] = −P[i][j] / P[j][j]`, `B[j][j] = 0`. A user's score of item `j` is
/// `Σᵢ xᵢ · B[i][j]` over the items `i` the user has.
///
/// `Λ` is diagonal: `Λ[i][i] = λ + p/(1−p) · (XᵀX)[i][i]`. With ``Options/dropout`` `p` = 0 this is
/// EASE's `λI`; above 0 it is EDLAE (Steck, "Autoencoders that don't overfit towards the identity",
/// NeurIPS 2020), the closed form of training with each input dropped at rate `p`: an item is
/// regularised in proportion to its own weight, so popular items reconstruct each other less.
///
/// `X` holds every interaction with its ``Interaction/preference(relativeTo:)`` raised to
/// ``Options/preferencePower`` as a confidence weight (``input(_:power:)``), over the items with at
/// least ``Options/minimumSupport`` interactions (the most supported ``Options/maximumItems`` of
/// them). The power says what the model learns to predict: at 1 a title watched and not liked
/// counts 0.3 against a like's 1, so the model leans to what users like; at 0 every interaction
/// counts 1 (textbook EASE's binary `X`), so it predicts what users watch. The Gram matrix is
/// accumulated from the sparse rows by ``Options/workers`` workers; the inverse is LAPACK's Cholesky (`spotrf` + `spotri`, OpenBLAS).
public struct EASE: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// L2 regularisation λ added to the Gram matrix's diagonal.
        public var lambda: Double = 100
        /// EDLAE's dropout rate `p` in [0, 1): item `i`'s diagonal also gets `p/(1−p)` times its own
        /// Gram entry (0: plain EASE).
        public var dropout: Double = 0.2
        /// Each positive entry of `X` is its preference raised to this power, in [0, 1]
        /// (``EASE/input(_:power:)``): 1 keeps the preferences, 0 counts every interaction alike.
        /// At 0.5 a title watched and not liked counts 0.55 against a like's 1: on validation
        /// nearly as good as 1 at finding what users will like, and far better at what they watch.
        public var preferencePower: Double = 0.5
        /// Each user's pairs in `XᵀX` weigh `n^(−d)` (`n`: the user's modelled interactions), scaled
        /// so that the weights of all interactions still sum to their count (λ keeps its scale).
        /// At 0 a user with 1,000 titles adds 280 times the pairs of one with 60 and the model
        /// learns mostly what the heaviest users watch together; at 0.5, 68 times as many. A
        /// user's own scores are unchanged (their row's scale does not reorder them).
        public var activityDiscount: Double = 0
        /// Items with fewer interactions are left out of the model.
        public var minimumSupport: Int = 20
        /// At most this many items (the most supported) are modelled: memory is 4·n² bytes.
        public var maximumItems: Int = 8000
        /// Weights kept per item by ``neighborTable(itemCount:neighbors:)``.
        public var neighbors: Int = 100
        /// Concurrent workers accumulating the Gram matrix.
        public var workers: Int = 2

        /// The defaults above.
        public init() {}
    }

    /// Why a fit failed.
    public struct FitError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The matrix item index of each modelled item, ascending.
    public let modelItems: [Int32]
    /// The model index of each matrix item, −1 when it is not modelled.
    public let modelIndex: [Int32]
    /// `B`, row-major `n × n`: `weights[i * n + j]` is how much having item `i` adds to item `j`.
    public let weights: [Float]

    /// ``Options/preferencePower``: how a preference enters `X`, in the Gram matrix and in a user's
    /// scores alike.
    public let preferencePower: Double

    /// The number of modelled items.
    public var count: Int { modelItems.count }

    /// Fits EASE on `matrix`.
    public static func fit(_ matrix: InteractionMatrix, options: Options) async throws -> EASE {
        try await Gram(matrix, options: options).model(lambda: options.lambda, dropout: options.dropout)
    }

    /// The entry of `X` for an interaction of `preference`: `preference^power` when it is positive
    /// (power 0: 1), the preference itself when it is evidence against (0 or below), which the
    /// Gram matrix leaves out and a user's scores subtract as they are.
    @inline(__always)
    public static func input(_ preference: Float, power: Double) -> Float {
        guard preference > 0, power != 1 else { return preference }
        return power == 0 ? 1 : Float(pow(Double(preference), power))
    }

    /// ``input(_:power:)`` at this model's power.
    @inline(__always)
    public func input(_ preference: Float) -> Float { Self.input(preference, power: preferencePower) }

    /// `XᵀX` over the modelled items of a matrix: computed once, inverted once per (λ, dropout).
    public struct Gram: Sendable {
        /// The matrix item index of each modelled item, ascending.
        public let modelItems: [Int32]
        /// The model index of each matrix item, −1 when it is not modelled.
        public let modelIndex: [Int32]
        /// Row-major `n × n`, upper triangle and diagonal filled.
        public let values: [Float]
        /// The ``Options/preferencePower`` `X` was built with.
        public let preferencePower: Double

        /// The Gram matrix of `matrix` over the items `options` selects.
        public init(_ matrix: InteractionMatrix, options: Options) async {
            let support = matrix.itemSupport()
            let eligible = (0..<matrix.items.count).filter { Int(support[$0]) >= max(1, options.minimumSupport) }
            let chosen = eligible.count <= options.maximumItems
                ? eligible
                : Array(eligible.sorted { (support[$0], $1) > (support[$1], $0) }.prefix(max(0, options.maximumItems))).sorted()
            var modelIndex = Array(repeating: Int32(-1), count: matrix.items.count)
            for (position, item) in chosen.enumerated() { modelIndex[item] = Int32(position) }
            self.modelItems = chosen.map { Int32($0) }
            self.modelIndex = modelIndex
            preferencePower = options.preferencePower
            values = await EASE.gram(matrix, modelIndex: modelIndex, count: chosen.count, options: options)
        }

        /// The model for regularisation `lambda` and dropout rate `dropout` (``Options``).
        public func model(lambda: Double, dropout: Double) throws -> EASE {
            EASE(
                modelItems: modelItems, modelIndex: modelIndex,
                weights: try EASE.weights(gram: values, count: modelItems.count, lambda: lambda, dropout: dropout),
                preferencePower: preferencePower)
        }
    }

    /// A model over given weights, scoring users with the `preferencePower` they were fitted at.
    public init(modelItems: [Int32], modelIndex: [Int32], weights: [Float], preferencePower: Double) {
        self.modelItems = modelItems
        self.modelIndex = modelIndex
        self.weights = weights
        self.preferencePower = preferencePower
    }

    /// Users a Gram worker adds up between yields.
    static let usersPerBlock = 512

    /// `XᵀX` over the modelled items (row-major, upper triangle and diagonal filled), where `X` holds
    /// each interaction's ``input(_:power:)``, each user's row scaled by the square root of their
    /// weight (``Options/activityDiscount``). Worker `w` owns the rows `i` with `i % workers == w`, so
    /// no two workers write the same cell and each walks its rows left to right.
    static func gram(_ matrix: InteractionMatrix, modelIndex: [Int32], count n: Int, options: Options) async -> [Float] {
        guard n > 0 else { return [] }
        let workerCount = max(1, options.workers)
        // Every user's modelled entries once, shared by the workers: (model index, weight), ascending.
        var rowStart = [0]
        rowStart.reserveCapacity(matrix.users.count + 1)
        var rowItems: [Int32] = []
        var rowWeights: [Float] = []
        rowItems.reserveCapacity(matrix.interactionCount)
        rowWeights.reserveCapacity(matrix.interactionCount)
        for user in 0..<matrix.users.count {
            let (items, preferences) = matrix.row(user)
            for (item, preference) in zip(items, preferences)
            where modelIndex[Int(item)] >= 0 && InteractionMatrix.teachesSharedModel(preference) {
                rowItems.append(modelIndex[Int(item)])
                rowWeights.append(input(preference, power: options.preferencePower))
            }
            rowStart.append(rowItems.count)
        }
        if options.activityDiscount > 0 {
            let users = rowStart.count - 1
            let discount = { (user: Int) in pow(Double(rowStart[user + 1] - rowStart[user]), -options.activityDiscount) }
            var weighted = 0.0
            for user in 0..<users { weighted += Double(rowStart[user + 1] - rowStart[user]) * discount(user) }
            let scale = weighted > 0 ? Double(rowItems.count) / weighted : 1
            for user in 0..<users where rowStart[user + 1] > rowStart[user] {
                let factor = Float((scale * discount(user)).squareRoot())
                for entry in rowStart[user]..<rowStart[user + 1] { rowWeights[entry] *= factor }
            }
        }
        let (rows, entries, entryWeights) = (rowStart, rowItems, rowWeights)
        let gram = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * n)
        gram.initialize(repeating: 0)
        defer { gram.deallocate() }
        let shared = GramBuffer(base: gram.baseAddress!)
        let userCount = rows.count - 1
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workerCount {
                group.addTask {
                    // Between blocks of users the worker yields, so a fit never holds the
                    // cooperative threads for long.
                    for block in stride(from: 0, to: userCount, by: Self.usersPerBlock) {
                        entries.withUnsafeBufferPointer { items in
                            entryWeights.withUnsafeBufferPointer { weights in
                                for user in block..<min(userCount, block + Self.usersPerBlock) {
                                    let end = rows[user + 1]
                                    for a in rows[user]..<end {
                                        let i = Int(items[a])
                                        guard i % workerCount == worker else { continue }
                                        let row = shared.base + i * n
                                        let x = weights[a]
                                        for b in a..<end { row[Int(items[b])] += x * weights[b] }
                                    }
                                }
                            }
                        }
                        await Task.yield()
                    }
                }
            }
        }
        return Array(gram)
    }

    /// `B` from a Gram matrix (row-major `n × n`, upper triangle and diagonal read).
    public static func weights(gram: [Float], count n: Int, lambda: Double, dropout: Double) throws -> [Float] {
        guard n > 0 else { return [] }
        precondition(gram.count == n * n, "gram must be n × n")
        precondition((0..<1).contains(dropout), "dropout must be in [0, 1)")
        let emphasis = dropout / (1 - dropout)
        var p = gram
        for i in 0..<n { p[i * n + i] += Float(lambda + emphasis * Double(gram[i * n + i])) }
        // Row-major upper = column-major lower: LAPACK reads and writes that triangle in place.
        let status: Int32 = p.withUnsafeMutableBufferPointer { buffer in
            let info = LAPACKE_spotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), buffer.baseAddress, Int32(n))
            guard info == 0 else { return info }
            return LAPACKE_spotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), buffer.baseAddress, Int32(n))
        }
        guard status == 0 else {
            throw FitError(message: "EASE: the regularised Gram matrix is not positive definite (LAPACK info \(status)); raise λ")
        }
        var diagonal = [Float](repeating: 0, count: n)
        for j in 0..<n { diagonal[j] = p[j * n + j] }
        var b = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                let pij = j >= i ? p[i * n + j] : p[j * n + i]
                b[i * n + j] = -pij / diagonal[j]
            }
        }
        return b
    }

    /// Adds `Σ input(preference) · B[item]` over a user's (matrix item, preference) entries to
    /// `scores` (one slot per modelled item); unmodelled items add nothing. A negative preference (a
    /// "not interested") takes its title's neighbours down, though the weights were learned from
    /// positive entries only.
    public func accumulate(items: some Collection<Int32>, preferences: some Collection<Float>, into scores: inout [Float]) {
        let n = count
        precondition(scores.count == n, "scores must have one slot per modelled item")
        weights.withUnsafeBufferPointer { b in
            scores.withUnsafeMutableBufferPointer { s in
                for (item, preference) in zip(items, preferences) where preference != 0 {
                    let i = Int(modelIndex[Int(item)])
                    guard i >= 0 else { continue }
                    cblas_saxpy(Int32(n), input(preference), b.baseAddress! + i * n, 1, s.baseAddress, 1)
                }
            }
        }
    }

    /// Each modelled item's strongest positive weights as neighbour lists over the matrix's items:
    /// the candidates one seed contributes, strongest first. Unmodelled items get an empty list.
    public func neighborTable(itemCount: Int, neighbors: Int) -> NeighborTable {
        let n = count
        var lists = Array(repeating: [(item: Int32, score: Float)](), count: itemCount)
        var heap = Heap<TopEntry>()
        for i in 0..<n {
            heap = Heap<TopEntry>()
            let row = i * n
            for j in 0..<n where j != i {
                let weight = weights[row + j]
                guard weight > 0 else { continue }
                let entry = TopEntry(score: weight, item: modelItems[j])
                heap.offer(entry, keepingAtMost: neighbors)
            }
            lists[Int(modelItems[i])] = ItemSimilarity.sortedDescending(&heap)
        }
        return NeighborTable(lists: lists)
    }
}

/// The Gram matrix's storage as the workers see it: each writes only its own rows.
private struct GramBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

extension EASE {
    /// Exact per-user EASE candidates (``CandidateGenerator/Scored``, best first, scores divided by the
    /// best): every interaction weighs its row of `B`, seen items are left out, the best `limit`
    /// modelled items with a positive score are kept. The source names the seen anime that contributed
    /// most when it gave at least `dominantShare` of the score. Reuse one per worker: it keeps a
    /// scratch row.
    public struct CandidateScorer: Sendable {
        public let model: EASE
        public let limit: Int
        public let dominantShare: Double
        private var scores: [Float]
        private var seen: [Bool]

        public init(model: EASE, limit: Int, dominantShare: Double = CandidateGenerator.Options().dominantShare) {
            self.model = model
            self.limit = limit
            self.dominantShare = dominantShare
            scores = Array(repeating: 0, count: model.count)
            seen = Array(repeating: false, count: model.count)
        }

        /// The candidates of a user whose interactions are `items` (matrix indexes) with `preferences`.
        public mutating func candidates(items: ArraySlice<Int32>, preferences: ArraySlice<Float>) -> [CandidateGenerator.Scored] {
            let n = model.count
            guard n > 0, limit > 0 else { return [] }
            for index in 0..<n { scores[index] = 0 }
            model.accumulate(items: items, preferences: preferences, into: &scores)
            for item in items where model.modelIndex[Int(item)] >= 0 { seen[Int(model.modelIndex[Int(item)])] = true }
            defer { for item in items where model.modelIndex[Int(item)] >= 0 { seen[Int(model.modelIndex[Int(item)])] = false } }
            var heap = Heap<TopEntry>()
            for index in 0..<n where !seen[index] && scores[index] > 0 {
                let entry = TopEntry(score: scores[index], item: Int32(index))
                heap.offer(entry, keepingAtMost: limit)
            }
            let top = ItemSimilarity.sortedDescending(&heap)
            let best = top.first?.score ?? 1
            // Each entry's input once, not once per candidate.
            let inputs = preferences.map { model.input($0) }
            return top.map { entry in
                let column = Int(entry.item)
                var strongest: (source: Int32, weight: Float)?
                for (item, input) in zip(items, inputs) {
                    let row = Int(model.modelIndex[Int(item)])
                    guard row >= 0 else { continue }
                    let contribution = input * model.weights[row * n + column]
                    if contribution > (strongest?.weight ?? 0) { strongest = (item, contribution) }
                }
                let dominant = strongest.map { Double($0.weight) >= dominantShare * Double(entry.score) } ?? false
                return CandidateGenerator.Scored(
                    item: model.modelItems[column], score: entry.score / best, source: dominant ? strongest?.source : nil)
            }
        }
    }
}
