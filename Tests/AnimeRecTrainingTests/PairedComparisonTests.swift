@testable import AnimeRecTraining
import Testing

@Suite("Paired comparison of two methods on the same users")
struct PairedComparisonTests {
    @Test func aConsistentGainIsSignificantAndNoiseIsNot() {
        // Differences 0.1 ± 0.05 over 400 users: t = 0.1 / (sd / 20) is far beyond 1.96.
        let baseline = (0..<400).map { Double($0 % 10) / 10 }
        let better = baseline.enumerated().map { $1 + 0.1 + ($0 % 2 == 0 ? 0.05 : -0.05) }
        let gain = PairedComparison(candidate: better, baseline: baseline)
        #expect(abs(gain.meanDifference - 0.1) < 1e-12)
        #expect(abs(gain.standardError - 0.05 * (400.0 / 399).squareRoot() / 20) < 1e-12)
        #expect(gain.t > 30 && gain.p < 1e-10)
        #expect(abs(gain.ratio - (baseline.reduce(0, +) + 40) / baseline.reduce(0, +)) < 1e-12)

        // Differences of ±0.05 that cancel: no difference at all.
        let even = baseline.enumerated().map { $1 + ($0 % 2 == 0 ? 0.05 : -0.05) }
        let none = PairedComparison(candidate: even, baseline: baseline)
        #expect(abs(none.meanDifference) < 1e-12)
        #expect(none.p > 0.99)
    }

    @Test func theTwoSidedPValueIsTheNormalTail() {
        // Mean difference 1.96 standard errors: p = 0.05 (two-sided).
        let n = 10_000
        let differences = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
        let sd = (Double(n) / Double(n - 1)).squareRoot()
        let shift = 1.959964 * sd / Double(n).squareRoot()
        let comparison = PairedComparison(candidate: differences.map { $0 + shift }, baseline: Array(repeating: 0, count: n))
        #expect(abs(comparison.t - 1.959964) < 1e-6)
        #expect(abs(comparison.p - 0.05) < 1e-5)
        let identical = PairedComparison(candidate: [0.5, 0.5], baseline: [0.5, 0.5])
        #expect(identical.p == 1 && identical.t == 0)
    }
}
