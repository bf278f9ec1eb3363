import NIOConcurrencyHelpers
import Testing

@testable import AnimeRecServer

/// One load at a time per key, shared by every caller; a failed load is not retried at once.
@Suite("SingleFlight: shared loads, no retry storm")
struct SingleFlightTests {
    struct Failed: Error {}

    @Test func concurrentCallersShareOneLoad() async throws {
        let flight = SingleFlight<String, Int>()
        let loads = NIOLockedValueBox(0)
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await flight.value(for: "run-1") {
                        loads.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(50))
                        return 7
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 7, count: 20))
        #expect(loads.withLockedValue { $0 } == 1)
        #expect(flight.latest?.key == "run-1")
        #expect(flight.loadedValue(for: "run-1") { 99 } == 7)
    }

    @Test func aFailedLoadIsNotRetriedBeforeTheDelay() async throws {
        // A delay no scheduling stall reaches, so "within the delay" holds on a loaded machine.
        let flight = SingleFlight<String, Int>(retryDelay: .seconds(60))
        let loads = NIOLockedValueBox(0)
        let failing: @Sendable () async throws -> Int = {
            loads.withLockedValue { $0 += 1 }
            throw Failed()
        }
        await #expect(throws: Failed.self) { try await flight.value(for: "run-1", load: failing) }
        // Within the delay: waiting callers get the failure, the others nothing; no new load starts.
        await #expect(throws: Failed.self) { try await flight.value(for: "run-1", load: failing) }
        #expect(flight.loadedValue(for: "run-1", orStart: failing) == nil)
        #expect(loads.withLockedValue { $0 } == 1)
        // Another key is not held back.
        #expect(try await flight.value(for: "run-2") { 5 } == 5)
    }

    @Test func withoutADelayTheNextCallerLoadsAgain() async throws {
        let flight = SingleFlight<Int, String?>(retryDelay: .zero)
        await #expect(throws: Failed.self) { try await flight.value(for: 1) { throw Failed() } }
        #expect(try await flight.value(for: 1) { "r2" } == "r2")
        #expect(try await flight.value(for: 1) { "never read" } == "r2")
    }

    @Test func aFailedLoadIsRetriedAfterTheDelay() async throws {
        let flight = SingleFlight<String, Int>(retryDelay: .milliseconds(50))
        await #expect(throws: Failed.self) { try await flight.value(for: "run-1") { throw Failed() } }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await flight.value(for: "run-1") { 8 } == 8)
    }

    @Test("a bounded wait goes on without a load that hangs; the load still finishes for later callers")
    func aBoundedWaitDoesNotWaitForAHungLoad() async throws {
        let flight = SingleFlight<Int, String>(retryDelay: .zero)
        let release = AsyncStream<Void>.makeStream()
        let started = ContinuousClock.now
        let first = try await flight.value(for: 1, waitingAtMost: .milliseconds(50)) {
            for await _ in release.stream { break }
            return "pointer 1"
        }
        #expect(first == nil)
        #expect(ContinuousClock.now - started < .seconds(5))
        release.continuation.yield()
        // Callers that wait long enough get the load's value; it is kept.
        #expect(try await flight.value(for: 1, waitingAtMost: .seconds(30)) { "never" } == "pointer 1")
        #expect(flight.latest?.value == "pointer 1")
        // A load that ends in time is returned, one that fails is thrown to the waiters.
        #expect(try await flight.value(for: 2, waitingAtMost: .seconds(30)) { "pointer 2" } == "pointer 2")
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await flight.value(for: 3, waitingAtMost: .seconds(30)) {
                try await Task.sleep(for: .milliseconds(20))
                throw Failed()
            }
        }
    }
}
