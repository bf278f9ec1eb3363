#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether one method beats another on the same users: the paired t-test on per-user differences
/// (`candidate − baseline`, here NDCG@10), with its two-sided p-value from the normal
/// approximation, which is exact to well under 0.001 for the thousands of users an evaluation
/// scores (Student's t with n − 1 ≥ 1,000 degrees of freedom is the normal to that precision).
public struct PairedComparison: Hashable, Sendable, Codable {
    /// Users compared.
    public var users: Int
    /// Mean of the candidate's and of the baseline's values.
    public var candidateMean: Double
    public var baselineMean: Double
    /// Mean per-user difference and its standard error.
    public var meanDifference: Double
    public var standardError: Double
    /// `meanDifference / standardError`.
    public var t: Double
    /// Two-sided p-value of "no difference".
    public var p: Double

    /// `candidateMean / baselineMean`.
    public var ratio: Double { baselineMean != 0 ? candidateMean / baselineMean : .nan }

    /// The comparison of `candidate` with `baseline`, user by user (the same users, in the same order).
    public init(candidate: [Double], baseline: [Double]) {
        precondition(candidate.count == baseline.count, "a paired test compares the same users")
        let n = candidate.count
        users = n
        let count = Double(max(n, 1))
        candidateMean = candidate.reduce(0, +) / count
        baselineMean = baseline.reduce(0, +) / count
        meanDifference = candidateMean - baselineMean
        var squares = 0.0
        for (a, b) in zip(candidate, baseline) {
            let deviation = (a - b) - meanDifference
            squares += deviation * deviation
        }
        let variance = n > 1 ? squares / Double(n - 1) : 0
        standardError = (variance / count).squareRoot()
        if standardError > 0 {
            t = meanDifference / standardError
            p = erfc(abs(t) / 2.0.squareRoot())
        } else {
            t = meanDifference == 0 ? 0 : (meanDifference > 0 ? .infinity : -.infinity)
            p = meanDifference == 0 ? 1 : 0
        }
    }
}
