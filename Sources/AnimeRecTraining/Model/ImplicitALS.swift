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

/// Implicit alternating least squares (iALS: Hu, Koren & Volinsky 2008, in the form of Rendle et al.,
/// "Revisiting the Performance of iALS on Item Recommendation Benchmarks", 2022): a user vector `w_u`
/// and an item vector `h_i` of ``Options/factors`` numbers each, fitted to
///
///     Σ_{(u,i) observed} c_ui (w_u·h_i − 1)²  +  α₀ Σ_u Σ_i (w_u·h_i)²
///       + λ Σ_u (n_u + α₀·I)^ν ‖w_u‖²  +  λ Σ_i (n_i + α₀·U)^ν ‖h_i‖²
///
/// where `c_ui` is the interaction's preference (only entries that teach the shared model,
/// ``InteractionMatrix/teachesSharedModel(_:)``), `α₀` the weight of every unobserved pair
/// (``Options/unobservedWeight``), `n_u` and `n_i` the counts of observed entries, and `ν` = 1.
/// A score is the dot product `w_u·h_i`. It is a low-rank model of all users at once, where EASE is
/// a full-rank item-item regression: the two err differently, which is why both feed recall.
///
/// Each half-step solves every row's normal equations `(α₀·HᵀH + Σ c·h hᵀ + λ_u I) w = Σ c·h` with
/// ``Options/conjugateGradientSteps`` steps of conjugate gradient from the previous solution
/// (Takács, Pilászy & Tikk 2011), so a sweep costs `O(nnz·f + rows·f²)`, not `O(rows·f³)`. The Gram
/// matrix `HᵀH` is one OpenBLAS `ssyrk`; rows are split among ``Options/workers`` workers. The fit is
/// deterministic in its input and options (seeded start, fixed splits).
public struct ImplicitALS: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Numbers per user and per item vector.
        public var factors: Int = 64
        /// Alternating sweeps (users, then items).
        public var iterations: Int = 8
        /// λ, scaled per row by `n + α₀ · (columns)`.
        public var regularization: Double = 0.01
        /// α₀: the weight of each unobserved (user, item) pair against an observed one's preference.
        public var unobservedWeight: Double = 0.03
        /// Conjugate-gradient steps per row and half-sweep.
        public var conjugateGradientSteps: Int = 3
        /// Conjugate-gradient steps that fold one user in against the fitted items, from zero.
        public var foldInSteps: Int = 12
        /// Seed of the items' starting vectors.
        public var seed: UInt64 = 1
        /// Concurrent workers.
        public var workers: Int = 2

        /// The defaults above.
        public init() {}
    }

    /// The options the model was fitted with.
    public let options: Options
    /// Row-major `items × factors`, by the matrix's item index (zero for items without entries).
    public let itemFactors: [Float]
    /// `α₀ · HᵀH` (`factors × factors`, both triangles): the unobserved pairs' share of a user's system.
    public let itemGram: [Float]
    /// The number of items.
    public var itemCount: Int { itemFactors.count / max(1, options.factors) }

    /// A model over given item vectors (tests, and models read back).
    public init(options: Options, itemFactors: [Float]) {
        self.options = options
        self.itemFactors = itemFactors
        itemGram = Self.gram(itemFactors, count: itemFactors.count / max(1, options.factors), factors: max(1, options.factors), weight: Float(options.unobservedWeight))
    }

    /// Fits the model to `matrix`.
    public static func fit(_ matrix: InteractionMatrix, options: Options) async -> ImplicitALS {
        let f = max(1, options.factors)
        let users = matrix.users.count
        let items = matrix.items.count
        let byUser = SparseRows.users(of: matrix)
        let byItem = byUser.transposed(columns: items)
        var random = SeededRandom(seed: options.seed)
        // Rendle et al.'s start: N(0, 0.1 / √f); users start at 0 and are solved first.
        let spread = 0.1 / Double(f).squareRoot()
        var itemVectors = (0..<(items * f)).map { _ in Float(random.normal() * spread) }
        for item in 0..<items where byItem.isEmpty(item) {
            for k in 0..<f { itemVectors[item * f + k] = 0 }
        }
        var userVectors = [Float](repeating: 0, count: users * f)
        for _ in 0..<max(0, options.iterations) {
            await solve(&userVectors, rows: byUser, fixed: itemVectors, fixedCount: items, factors: f, options: options)
            await solve(&itemVectors, rows: byItem, fixed: userVectors, fixedCount: users, factors: f, options: options)
        }
        var fitted = options
        fitted.factors = f
        return ImplicitALS(options: fitted, itemFactors: itemVectors)
    }

    /// `weight · FᵀF` for `count` row-major vectors of `factors` numbers: both triangles filled.
    static func gram(_ vectors: [Float], count: Int, factors f: Int, weight: Float) -> [Float] {
        var gram = [Float](repeating: 0, count: f * f)
        guard count > 0 else { return gram }
        vectors.withUnsafeBufferPointer { source in
            gram.withUnsafeMutableBufferPointer { target in
                cblas_ssyrk(
                    CblasRowMajor, CblasUpper, CblasTrans, Int32(f), Int32(count), weight, source.baseAddress, Int32(f), 0,
                    target.baseAddress, Int32(f))
            }
        }
        for i in 0..<f { for j in 0..<i { gram[i * f + j] = gram[j * f + i] } }
        return gram
    }

    /// The regularisation of a row with `entries` observed entries against `columns` columns.
    static func regularization(entries: Int, columns: Int, options: Options) -> Float {
        Float(options.regularization * (Double(entries) + options.unobservedWeight * Double(columns)))
    }

    /// The vector of a user whose entries are `items` with `preferences` (those that teach the
    /// shared model count), solved against the fitted items: ``Options/foldInSteps`` steps of
    /// conjugate gradient from zero. Serving's candidates, training and eval all fold users in this
    /// way, so a user's list depends only on the model and the user's own row.
    func foldIn(items: some Collection<Int32>, preferences: some Collection<Float>, solver: RowSolver, into x: UnsafeMutableBufferPointer<Float>) {
        var columns: [Int32] = []
        var weights: [Float] = []
        for (item, preference) in zip(items, preferences) where InteractionMatrix.teachesSharedModel(preference) && Int(item) < itemCount {
            columns.append(item)
            weights.append(preference)
        }
        for k in 0..<x.count { x[k] = 0 }
        guard !columns.isEmpty else { return }
        itemGram.withUnsafeBufferPointer { gram in
            itemFactors.withUnsafeBufferPointer { fixed in
                solver.solve(
                    x, columns: columns[...], weights: weights[...], fixed: fixed, gram: gram,
                    regularization: Self.regularization(entries: columns.count, columns: itemCount, options: options),
                    steps: max(1, options.foldInSteps))
            }
        }
    }

    /// Rows a worker solves between yields.
    static let rowsPerBlock = 256

    /// One half-sweep: every row of `rows` solved against the `fixed` vectors, in place in `vectors`.
    static func solve(
        _ vectors: inout [Float], rows: SparseRows, fixed: [Float], fixedCount: Int, factors f: Int, options: Options
    ) async {
        let gram = gram(fixed, count: fixedCount, factors: f, weight: Float(options.unobservedWeight))
        let rowCount = rows.count
        let workerCount = max(1, min(options.workers, rowCount))
        let steps = max(1, options.conjugateGradientSteps)
        let (sharedGram, sharedFixed) = (gram, fixed)
        let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: vectors.count)
        _ = output.initialize(from: vectors)
        defer { output.deallocate() }
        let target = FactorBuffer(base: output.baseAddress!)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workerCount {
                group.addTask {
                    let solver = RowSolver(factors: f)
                    // Contiguous slices: each worker writes only its own rows. Between blocks the
                    // worker yields, so a fit never holds the cooperative threads for long.
                    let start = rowCount * worker / workerCount
                    let end = rowCount * (worker + 1) / workerCount
                    for block in stride(from: start, to: end, by: Self.rowsPerBlock) {
                        sharedGram.withUnsafeBufferPointer { gram in
                            sharedFixed.withUnsafeBufferPointer { fixed in
                                for row in block..<min(end, block + Self.rowsPerBlock) {
                                    let (columns, weights) = rows.row(row)
                                    let x = UnsafeMutableBufferPointer(start: target.base + row * f, count: f)
                                    if columns.isEmpty {
                                        x.initialize(repeating: 0)
                                        continue
                                    }
                                    solver.solve(
                                        x, columns: columns, weights: weights, fixed: fixed, gram: gram,
                                        regularization: regularization(entries: columns.count, columns: fixedCount, options: options),
                                        steps: steps)
                                }
                            }
                        }
                        await Task.yield()
                    }
                }
            }
        }
        vectors = Array(output)
    }

    /// Per-user iALS candidates (``CandidateGenerator/Scored``, best first, scores divided by the
    /// best): the user folded in (``foldIn(items:preferences:solver:into:)``), every item's dot product
    /// with that vector, seen items and those `admitted` does not allow left out, the best `limit`
    /// with a positive score kept. No single title explains a low-rank score, so none is named.
    /// Reuse one per worker: it keeps scratch rows.
    public struct CandidateScorer: Sendable {
        public let model: ImplicitALS
        public let limit: Int
        private let admitted: [Bool]
        private var scores: [Float]
        private var seen: [Bool]
        private var user: [Float]

        /// A scorer over `model`; `admitted[i]` says whether item `i` may be a candidate at all.
        public init(model: ImplicitALS, limit: Int, admitted: [Bool]) {
            self.model = model
            self.limit = limit
            self.admitted = admitted
            scores = Array(repeating: 0, count: model.itemCount)
            seen = Array(repeating: false, count: model.itemCount)
            user = Array(repeating: 0, count: model.options.factors)
        }

        /// The candidates of a user whose interactions are `items` with `preferences` (all of them
        /// are left out; those that teach the shared model place the user).
        public mutating func candidates(items: ArraySlice<Int32>, preferences: ArraySlice<Float>) -> [CandidateGenerator.Scored] {
            let n = model.itemCount
            let f = model.options.factors
            guard n > 0, limit > 0 else { return [] }
            // A solver per call, not per scorer: its scratch is three vectors of `f`, and copies of
            // a scorer (a value type) handed to two tasks must not share one.
            let solver = RowSolver(factors: f)
            user.withUnsafeMutableBufferPointer { x in model.foldIn(items: items, preferences: preferences, solver: solver, into: x) }
            model.itemFactors.withUnsafeBufferPointer { h in
                user.withUnsafeBufferPointer { w in
                    scores.withUnsafeMutableBufferPointer { s in
                        cblas_sgemv(
                            CblasRowMajor, CblasNoTrans, Int32(n), Int32(f), 1, h.baseAddress, Int32(f), w.baseAddress, 1, 0,
                            s.baseAddress, 1)
                    }
                }
            }
            for item in items where Int(item) < n { seen[Int(item)] = true }
            defer { for item in items where Int(item) < n { seen[Int(item)] = false } }
            var heap = Heap<TopEntry>()
            for index in 0..<n where !seen[index] && admitted[index] && scores[index] > 0 {
                heap.offer(TopEntry(score: scores[index], item: Int32(index)), keepingAtMost: limit)
            }
            let top = ItemSimilarity.sortedDescending(&heap)
            let best = top.first?.score ?? 1
            return top.map { CandidateGenerator.Scored(item: $0.item, score: $0.score / best, source: nil) }
        }
    }
}

/// The vectors being solved, as the workers see them: each writes only its own rows.
private struct FactorBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

/// Observed entries as compressed rows (users by items, or items by users): column and weight.
struct SparseRows: Sendable {
    var start: [Int]
    var columns: [Int32]
    var weights: [Float]

    var count: Int { start.count - 1 }

    func isEmpty(_ row: Int) -> Bool { start[row] == start[row + 1] }

    func row(_ row: Int) -> (columns: ArraySlice<Int32>, weights: ArraySlice<Float>) {
        let range = start[row]..<start[row + 1]
        return (columns[range], weights[range])
    }

    /// The matrix's entries that teach the shared model, by user.
    static func users(of matrix: InteractionMatrix) -> SparseRows {
        var rows = SparseRows(start: [0], columns: [], weights: [])
        rows.start.reserveCapacity(matrix.users.count + 1)
        rows.columns.reserveCapacity(matrix.interactionCount)
        rows.weights.reserveCapacity(matrix.interactionCount)
        for user in 0..<matrix.users.count {
            let (items, preferences) = matrix.row(user)
            for (item, preference) in zip(items, preferences) where InteractionMatrix.teachesSharedModel(preference) {
                rows.columns.append(item)
                rows.weights.append(preference)
            }
            rows.start.append(rows.columns.count)
        }
        return rows
    }

    /// The same entries by column (`columns` of them).
    func transposed(columns count: Int) -> SparseRows {
        var counts = [Int](repeating: 0, count: count + 1)
        for column in columns { counts[Int(column) + 1] += 1 }
        for index in 0..<count { counts[index + 1] += counts[index] }
        var next = counts
        var result = SparseRows(
            start: counts, columns: [Int32](repeating: 0, count: columns.count), weights: [Float](repeating: 0, count: columns.count))
        for row in 0..<self.count {
            for entry in start[row]..<start[row + 1] {
                let column = Int(columns[entry])
                result.columns[next[column]] = Int32(row)
                result.weights[next[column]] = weights[entry]
                next[column] += 1
            }
        }
        return result
    }
}

/// Conjugate gradient on one row's normal equations, with scratch vectors reused across rows.
final class RowSolver {
    let f: Int
    let residual: UnsafeMutableBufferPointer<Float>
    let direction: UnsafeMutableBufferPointer<Float>
    let product: UnsafeMutableBufferPointer<Float>

    init(factors: Int) {
        f = factors
        residual = .allocate(capacity: factors)
        direction = .allocate(capacity: factors)
        product = .allocate(capacity: factors)
    }

    deinit {
        residual.deallocate()
        direction.deallocate()
        product.deallocate()
    }

    /// `A·v` into `product`, where `A = gram + Σ c·y yᵀ + regularization · I` over the row's entries.
    private func multiply(
        _ v: UnsafeMutableBufferPointer<Float>, columns: ArraySlice<Int32>, weights: ArraySlice<Float>,
        fixed: UnsafeBufferPointer<Float>, gram: UnsafeBufferPointer<Float>, regularization: Float
    ) {
        let f = self.f
        let out = product
        cblas_ssymv(CblasRowMajor, CblasUpper, Int32(f), 1, gram.baseAddress, Int32(f), v.baseAddress, 1, 0, out.baseAddress, 1)
        Vector.add(regularization, times: UnsafePointer(v.baseAddress!), to: out.baseAddress!, count: f)
        for (column, weight) in zip(columns, weights) {
            let y = fixed.baseAddress! + Int(column) * f
            Vector.add(weight * Vector.dot(y, UnsafePointer(v.baseAddress!), count: f), times: y, to: out.baseAddress!, count: f)
        }
    }

    /// Improves `x` towards the row's solution by `steps` conjugate-gradient steps.
    func solve(
        _ x: UnsafeMutableBufferPointer<Float>, columns: ArraySlice<Int32>, weights: ArraySlice<Float>,
        fixed: UnsafeBufferPointer<Float>, gram: UnsafeBufferPointer<Float>, regularization: Float, steps: Int
    ) {
        let f = self.f
        let (r, p, q) = (residual, direction, product)
        // r = b − A·x, with b = Σ c·y.
        multiply(x, columns: columns, weights: weights, fixed: fixed, gram: gram, regularization: regularization)
        cblas_scopy(Int32(f), q.baseAddress, 1, r.baseAddress, 1)
        cblas_sscal(Int32(f), -1, r.baseAddress, 1)
        for (column, weight) in zip(columns, weights) {
            Vector.add(weight, times: fixed.baseAddress! + Int(column) * f, to: r.baseAddress!, count: f)
        }
        cblas_scopy(Int32(f), r.baseAddress, 1, p.baseAddress, 1)
        var squared = Vector.dot(r.baseAddress!, r.baseAddress!, count: f)
        for _ in 0..<steps {
            guard squared > 1e-12 else { return }
            multiply(p, columns: columns, weights: weights, fixed: fixed, gram: gram, regularization: regularization)
            let curvature = Vector.dot(p.baseAddress!, q.baseAddress!, count: f)
            guard curvature > 0 else { return }
            let step = squared / curvature
            Vector.add(step, times: p.baseAddress!, to: x.baseAddress!, count: f)
            Vector.add(-step, times: q.baseAddress!, to: r.baseAddress!, count: f)
            let next = Vector.dot(r.baseAddress!, r.baseAddress!, count: f)
            let beta = next / squared
            // p = r + β·p
            cblas_sscal(Int32(f), beta, p.baseAddress, 1)
            Vector.add(1, times: r.baseAddress!, to: p.baseAddress!, count: f)
            squared = next
        }
    }
}

/// Dot products and `y += a·x` on short float vectors, through OpenBLAS (vectorised whatever the
/// build's optimisation, where a plain loop's sum is not reordered and runs one lane at a time).
enum Vector {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        cblas_sdot(Int32(count), a, 1, b, 1)
    }

    @inline(__always)
    static func add(_ scale: Float, times x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
        cblas_saxpy(Int32(count), scale, x, 1, y, 1)
    }
}
