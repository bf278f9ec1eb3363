import Metrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A store that records every call of the store it wraps in swift-metrics: latency per operation
/// (`animerec_store_duration_seconds{operation}`) and failures per operation and kind
/// (`animerec_store_errors_total{operation, kind="unavailable"|"other"}`, see ``StoreFailure``).
public typealias InstrumentedStore<Base: Sendable> = InterceptedStore<Base, StoreMetrics>

extension InterceptedStore where Interceptor == StoreMetrics {
    public init(_ base: Base) { self.init(base, interceptor: StoreMetrics()) }
}

/// The interceptor of ``InstrumentedStore``: a timer and two error counters per operation.
public struct StoreMetrics: StoreInterceptor {
    private let metrics: [OperationMetrics]

    struct OperationMetrics: Sendable {
        let duration: Timer
        let unavailable: Counter
        let other: Counter
    }

    public init() {
        metrics = StoreOperation.allCases.map { operation in
            OperationMetrics(
                duration: Timer(label: "animerec_store_duration_seconds", dimensions: [("operation", operation.label)]),
                unavailable: Counter(
                    label: "animerec_store_errors_total", dimensions: [("operation", operation.label), ("kind", "unavailable")]),
                other: Counter(label: "animerec_store_errors_total", dimensions: [("operation", operation.label), ("kind", "other")]))
        }
    }

    public func intercept<T>(_ operation: StoreOperation, _ body: () async throws -> T) async throws -> T {
        let metrics = self.metrics[operation.rawValue]
        let start = Self.nanoseconds()
        do {
            let value = try await body()
            metrics.duration.recordNanoseconds(Self.nanoseconds() &- start)
            return value
        } catch {
            metrics.duration.recordNanoseconds(Self.nanoseconds() &- start)
            (StoreFailure.isUnavailable(error) ? metrics.unavailable : metrics.other).increment()
            throw error
        }
    }

    private static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }
}
