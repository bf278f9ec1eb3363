import NIOConcurrencyHelpers
import Testing

@testable import CQL

@Suite("AdaptiveConcurrencyLimit: additive increase while latency holds, multiplicative decrease on overload")
struct AdaptiveConcurrencyLimitTests {
    private func limiter(initial: Int = 8, maximum: Int = 128) -> AdaptiveConcurrencyLimit {
        AdaptiveConcurrencyLimit(.init(initial: initial, minimum: 1, maximum: maximum, latencyTolerance: 4,
                                       latencyFloor: .milliseconds(50), backoffFactor: 0.5,
                                       backoffCooldown: .seconds(2), baselineWindow: 100))
    }

    @Test func growsByOneAfterAFullWindowOfFastCompletions() {
        var limit = limiter(initial: 8)
        for _ in 0..<7 { limit.recordSuccess(latency: .milliseconds(5), inFlight: 8) }
        #expect(limit.limit == 8)
        limit.recordSuccess(latency: .milliseconds(5), inFlight: 8)
        #expect(limit.limit == 9)
        for _ in 0..<9 { limit.recordSuccess(latency: .milliseconds(5), inFlight: 9) }
        #expect(limit.limit == 10)
    }

    @Test func holdsWhileLatencyIsAboveTheCeiling() {
        var limit = limiter(initial: 8)
        // Baseline 10 ms: the ceiling is max(50 ms, 4 × 10 ms) = 50 ms.
        for _ in 0..<100 { limit.recordSuccess(latency: .milliseconds(10), inFlight: 100) }
        let grown = limit.limit
        #expect(grown > 8)
        // The baseline may at most double per window (20, 40, 80 ms): the ceiling stays below 400 ms.
        for _ in 0..<300 { limit.recordSuccess(latency: .milliseconds(400), inFlight: 100) }
        #expect(limit.limit == grown, "completions 40× slower than the baseline do not grow the limit")
        #expect(limit.backoffs == 0)
    }

    @Test func aSlowerClusterGetsANewBaselineAfterAWindow() {
        var limit = limiter(initial: 4)
        for _ in 0..<100 { limit.recordSuccess(latency: .milliseconds(10), inFlight: 100) }
        let before = limit.limit
        // 300 ms is above 4 × 10 ms; a whole window of it makes 300 ms the baseline (ceiling 1.2 s).
        for _ in 0..<100 { limit.recordSuccess(latency: .milliseconds(300), inFlight: 100) }
        #expect(limit.limit == before)
        // Baselines 20, 40, 80 ms: from the fourth window the ceiling (320 ms) admits 300 ms.
        for _ in 0..<300 { limit.recordSuccess(latency: .milliseconds(300), inFlight: 100) }
        #expect(limit.limit > before)
    }

    @Test func doesNotGrowALimitTheJobDoesNotUse() {
        var limit = limiter(initial: 32)
        for _ in 0..<1000 { limit.recordSuccess(latency: .milliseconds(1), inFlight: 3) }
        #expect(limit.limit == 32)
    }

    @Test func halvesOnOverloadOncePerCooldown() {
        var limit = limiter(initial: 64)
        let first = limit.recordOverload(at: .seconds(10))
        #expect(first && limit.limit == 32)
        // The other statements in flight at the same overload fail within the cooldown.
        for offset in 1...20 {
            let backedOff = limit.recordOverload(at: .seconds(10) + .milliseconds(offset * 50))
            #expect(!backedOff)
        }
        #expect(limit.limit == 32 && limit.backoffs == 1)
        let later = limit.recordOverload(at: .seconds(13))
        #expect(later && limit.limit == 16 && limit.backoffs == 2)
    }

    @Test func staysWithinItsBounds() {
        var limit = limiter(initial: 4, maximum: 6)
        for second in 0..<10 { limit.recordOverload(at: .seconds(second * 3)) }
        #expect(limit.limit == 1)
        for _ in 0..<10_000 { limit.recordSuccess(latency: .milliseconds(1), inFlight: 6) }
        #expect(limit.limit == 6)
    }

    @Test func recoversAfterAnOverloadAsLatencyHoldsAgain() {
        var limit = limiter(initial: 40)
        limit.recordOverload(at: .seconds(1))
        #expect(limit.limit == 20)
        for _ in 0..<(20 + 21 + 22) { limit.recordSuccess(latency: .milliseconds(8), inFlight: 30) }
        #expect(limit.limit == 23)
    }
}

@Suite("CQLBulkLoad: retries transient failures, gives up only after the unreachable window")
struct CQLBulkLoadTests {
    struct Boom: Error {}

    @Test func transientFailuresAreRetriedAndBackTheLimitOff() async throws {
        let load = CQLBulkLoad(
            target: "test ring",
            configuration: .init(limit: .init(initial: 8), unreachableWindow: .seconds(60), retryDelay: .milliseconds(1),
                                 maximumRetryDelay: .milliseconds(2)))
        let attempts = AttemptCounter()
        let value = try await load.run { () async throws -> Int in
            if attempts.next() < 3 { throw CQLError(.writeTimeout, "Operation timed out - received only 0 responses.") }
            return 42
        }
        #expect(value == 42)
        #expect(attempts.count == 4)
        #expect(load.status.retries == 3)
        #expect(load.status.backoffs >= 1 && load.status.limit < 8)
        #expect(load.status.inFlight == 0)
    }

    @Test func otherErrorsEndTheStatementAtOnce() async throws {
        let load = CQLBulkLoad(target: "test ring")
        let attempts = AttemptCounter()
        await #expect(throws: Boom.self) {
            try await load.run { () async throws -> Int in
                _ = attempts.next()
                throw Boom()
            }
        }
        #expect(attempts.count == 1)
        #expect(load.status.inFlight == 0)
    }

    @Test func givesUpAfterTheWindowWithAMessage() async throws {
        let load = CQLBulkLoad(
            target: "the Cassandra cluster at 127.0.0.1",
            configuration: .init(unreachableWindow: .milliseconds(300), retryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(40)))
        let started = ContinuousClock.now
        do {
            _ = try await load.run { () async throws -> Int in throw CQLClusterError(.noNodeAvailable, "no node is up") }
            Issue.record("a load against a cluster that never answers must give up")
        } catch let error as CQLBulkLoadError {
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect("\(error)".hasPrefix("the Cassandra cluster at 127.0.0.1 was unreachable for 0 min "))
            #expect(error.silentFor >= .milliseconds(300))
            #expect("\(error)".contains("no node is up"))
        }
    }

    @Test func neverRunsMoreThanTheLimitAtOnce() async throws {
        let load = CQLBulkLoad(target: "test ring", configuration: .init(limit: .init(initial: 3, maximum: 3)))
        let gauge = ConcurrencyGauge()
        let results = try await load.map(Array(0..<40)) { index in
            gauge.enter()
            try await Task.sleep(for: .milliseconds(2))
            gauge.leave()
            return index * 2
        }
        #expect(results == Array(0..<40).map { $0 * 2 })
        #expect(gauge.peak <= 3)
    }
}

/// Counts calls from concurrent code.
final class AttemptCounter: Sendable {
    private let value = NIOLockedValueBox(0)
    var count: Int { value.withLockedValue { $0 } }
    /// The number of calls before this one.
    func next() -> Int { value.withLockedValue { $0 += 1; return $0 - 1 } }
}

/// The most calls inside enter/leave at once.
final class ConcurrencyGauge: Sendable {
    private let state = NIOLockedValueBox((current: 0, peak: 0))
    var peak: Int { state.withLockedValue { $0.peak } }
    func enter() { state.withLockedValue { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
    func leave() { state.withLockedValue { $0.current -= 1 } }
}
