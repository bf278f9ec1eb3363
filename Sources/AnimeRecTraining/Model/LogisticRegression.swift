import AnimeRecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares):
/// exact and fast for the handful of ranking features.
public struct LogisticRegression: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// L2 penalty on the weights (not the bias), per example.
        public var l2: Double = 1e-4
        /// Newton steps at most.
        public var maximumIterations: Int = 50
        /// Stop when no parameter moves more than this.
        public var tolerance: Double = 1e-7

        /// The defaults above.
        public init() {}
    }

    /// The fitted model.
    public struct Model: Hashable, Sendable {
        /// Intercept.
        public var bias: Double
        /// One weight per feature.
        public var weights: [Double]
        /// Newton steps taken.
        public var iterations: Int
        /// Mean log-loss on the training examples.
        public var logLoss: Double

        /// The predicted probability for one feature vector.
        public func probability(_ features: [Double]) -> Double {
            var z = bias
            for (w, x) in zip(weights, features) { z += w * x }
            return 1 / (1 + exp(-z))
        }
    }

    /// The options used for fitting.
    public var options: Options

    /// A fitter with `options`.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Fits `labels` (true = positive) on `features` (one equal-length vector per example).
    public func fit(features: [[Double]], labels: [Bool]) -> Model {
        precondition(features.count == labels.count, "one label per example")
        let dimension = (features.first?.count ?? 0) + 1
        var theta = Array(repeating: 0.0, count: dimension)
        let count = Double(max(1, features.count))
        var iterations = 0
        for iteration in 1...max(1, options.maximumIterations) {
            iterations = iteration
            var gradient = Array(repeating: 0.0, count: dimension)
            var hessian = Array(repeating: Array(repeating: 0.0, count: dimension), count: dimension)
            var x = Array(repeating: 0.0, count: dimension)
            x[0] = 1
            for (vector, label) in zip(features, labels) {
                for (i, value) in vector.enumerated() { x[i + 1] = value }
                var z = 0.0
                for i in 0..<dimension { z += theta[i] * x[i] }
                let p = 1 / (1 + exp(-z))
                let residual = p - (label ? 1 : 0)
                let curvature = max(p * (1 - p), 1e-12)
                for i in 0..<dimension {
                    gradient[i] += residual * x[i]
                    for j in 0...i { hessian[i][j] += curvature * x[i] * x[j] }
                }
            }
            for i in 0..<dimension {
                gradient[i] /= count
                for j in 0...i {
                    hessian[i][j] /= count
                    hessian[j][i] = hessian[i][j]
                }
            }
            for i in 1..<max(1, dimension) {
                gradient[i] += options.l2 * theta[i]
                hessian[i][i] += options.l2
            }
            hessian[0][0] += 1e-12
            guard let step = Self.solve(hessian, gradient) else { break }
            var largest = 0.0
            for i in 0..<dimension {
                theta[i] -= step[i]
                largest = max(largest, abs(step[i]))
            }
            if largest < options.tolerance { break }
        }
        var loss = 0.0
        for (vector, label) in zip(features, labels) {
            var z = theta[0]
            for (i, value) in vector.enumerated() { z += theta[i + 1] * value }
            // log(1 + e^z) - y·z, computed stably.
            loss += (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - (label ? z : 0)
        }
        return Model(bias: theta[0], weights: Array(theta.dropFirst()), iterations: iterations, logLoss: loss / count)
    }

    /// Solves `a · x = b` by Gaussian elimination with partial pivoting; `nil` when singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = b.count
        var m = a
        var v = b
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(m[$0][column]) < abs(m[$1][column]) }),
                abs(m[pivot][column]) > 1e-15
            else { return nil }
            m.swapAt(column, pivot)
            v.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = m[row][column] / m[column][column]
                if factor == 0 { continue }
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                v[row] -= factor * v[column]
            }
        }
        var x = Array(repeating: 0.0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = v[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x
    }
}
