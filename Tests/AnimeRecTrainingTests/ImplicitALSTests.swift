import AnimeRecCore
@testable import AnimeRecTraining
import Testing

/// Two tastes that never mix: users 0–19 like titles 1–6 (each a different four of them), users
/// 20–39 titles 7–12. Titles 13 and 14 are in the catalogue with no interaction.
private func communities() -> InteractionMatrix {
    var builder = InteractionMatrix.Builder(catalogue: (1...14).map { AnimeID(Int32($0)) })
    for user in 0..<40 {
        let base = user < 20 ? 1 : 7
        let skipped = Set([user % 6, (user + 3) % 6])
        let titles = (0..<6).filter { !skipped.contains($0) }.map { Int32(base + $0) }
        builder.add(UserHistory(user: UserID(Int64(user)), interactions: titles.map { Interaction(anime: AnimeID($0), liked: true) }))
    }
    return builder.build()
}

private func smallOptions(factors: Int = 4) -> ImplicitALS.Options {
    var options = ImplicitALS.Options()
    options.factors = factors
    options.iterations = 12
    options.regularization = 0.01
    options.unobservedWeight = 0.1
    return options
}

/// `A x = b` by Gaussian elimination with partial pivoting, in Double (the reference the CG solve is held to).
private func solveDense(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var m = a
    var y = b
    let n = b.count
    for column in 0..<n {
        let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
        m.swapAt(column, pivot)
        y.swapAt(column, pivot)
        for row in (column + 1)..<n {
            let factor = m[row][column] / m[column][column]
            for k in column..<n { m[row][k] -= factor * m[column][k] }
            y[row] -= factor * y[column]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var sum = y[row]
        for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
        x[row] = sum / m[row][row]
    }
    return x
}

@Suite("Implicit ALS (iALS)")
struct ImplicitALSTests {
    @Test("a folded-in user solves the normal equations: (α₀·HᵀH + Σ c·h hᵀ + λ(n + α₀·I)·Id) w = Σ c·h")
    func foldInSolvesTheNormalEquations() async throws {
        let options = smallOptions()
        let matrix = communities()
        let model = await ImplicitALS.fit(matrix, options: options)
        let f = options.factors
        let items: [Int32] = [0, 2, 3]
        let preferences: [Float] = [1, 0.3, 0.65]
        var w = [Float](repeating: 0, count: f)
        w.withUnsafeMutableBufferPointer { x in
            model.foldIn(items: items, preferences: preferences, solver: RowSolver(factors: f), into: x)
        }
        let h = { (item: Int, k: Int) in Double(model.itemFactors[item * f + k]) }
        let regularization = options.regularization * (3 + options.unobservedWeight * Double(model.itemCount))
        var a = [[Double]](repeating: [Double](repeating: 0, count: f), count: f)
        var b = [Double](repeating: 0, count: f)
        for i in 0..<f {
            for j in 0..<f {
                for item in 0..<model.itemCount { a[i][j] += options.unobservedWeight * h(item, i) * h(item, j) }
                for (item, c) in zip(items, preferences) { a[i][j] += Double(c) * h(Int(item), i) * h(Int(item), j) }
            }
            a[i][i] += regularization
            for (item, c) in zip(items, preferences) { b[i] += Double(c) * h(Int(item), i) }
        }
        let exact = solveDense(a, b)
        #expect(zip(w, exact).allSatisfy { abs(Double($0) - $1) < 1e-4 * max(1, abs($1)) }, "\(w) vs \(exact)")
        #expect(exact.contains { abs($0) > 1e-3 }, "a user with likes has a non-zero vector")
    }

    @Test("a user of one taste gets that taste's unseen titles, never the other's or the untouched ones")
    func candidatesFollowTheUsersCommunity() async throws {
        let matrix = communities()
        let model = await ImplicitALS.fit(matrix, options: smallOptions())
        let admitted = [Bool](repeating: true, count: matrix.items.count)
        var scorer = ImplicitALS.CandidateScorer(model: model, limit: 4, admitted: admitted)
        // Titles 1 and 2 (item indexes 0 and 1).
        let candidates = scorer.candidates(items: [0, 1], preferences: [1, 1])
        #expect(candidates.map(\.item).sorted() == [2, 3, 4, 5], "\(candidates)")
        #expect(candidates.first?.score == 1 && candidates.allSatisfy { $0.score > 0 && $0.score <= 1 && $0.source == nil })
        #expect(zip(candidates, candidates.dropFirst()).allSatisfy { $0.score >= $1.score })
        // Titles the items' vectors leave at zero (no interaction) never score.
        var wide = ImplicitALS.CandidateScorer(model: model, limit: 14, admitted: admitted)
        #expect(!wide.candidates(items: [6], preferences: [1]).contains { $0.item >= 12 })
        // What `admitted` leaves out is never a candidate; nothing that teaches the model gives nothing.
        var narrowed = ImplicitALS.CandidateScorer(model: model, limit: 4, admitted: admitted.enumerated().map { $0.offset != 2 })
        #expect(!narrowed.candidates(items: [0, 1], preferences: [1, 1]).contains { $0.item == 2 })
        #expect(scorer.candidates(items: [0], preferences: [Float(Interaction.dislikePreference)]).isEmpty)
    }

    @Test("the fit is deterministic in its input and options, on one worker or two")
    func fitIsDeterministic() async throws {
        var options = smallOptions(factors: 12)
        let one = await ImplicitALS.fit(communities(), options: options)
        let again = await ImplicitALS.fit(communities(), options: options)
        options.workers = 1
        let single = await ImplicitALS.fit(communities(), options: options)
        #expect(one.itemFactors == again.itemFactors)
        #expect(one.itemFactors == single.itemFactors)
        options.seed = 2
        #expect(await ImplicitALS.fit(communities(), options: options).itemFactors != one.itemFactors)
    }
}
