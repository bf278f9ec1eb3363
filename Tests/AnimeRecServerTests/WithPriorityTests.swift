import Testing

@testable import AnimeRecServer

/// The click path's prioritised task: it runs at the asked priority, returns and throws what its
/// operation does, and stops when its caller is cancelled.
@Suite("withPriority: a task ahead of the reads, cancelled with its caller")
struct WithPriorityTests {
    struct Failed: Error, Equatable {}

    @Test func runsAtThePriorityAndReturnsTheResult() async throws {
        let priority = try await withPriority(.high) { Task.currentPriority }
        #expect(priority == .high)
        #expect(try await withPriority(.low) { 42 } == 42)
    }

    @Test func throwsWhatTheOperationThrows() async {
        await #expect(throws: Failed()) { try await withPriority(.high) { () async throws -> Int in throw Failed() } }
    }

    @Test func callersCancellationReachesTheOperation() async throws {
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let caller = Task {
            try await withPriority(.high) { () async throws -> Bool in
                signal.yield()
                try await Task.sleep(for: .seconds(10))  // without the cancellation, true after 10 s
                return true
            }
        }
        for await _ in started { break }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
    }
}
