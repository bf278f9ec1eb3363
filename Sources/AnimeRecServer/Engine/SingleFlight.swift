import NIOConcurrencyHelpers

/// One value per key, loaded at most once at a time and shared by every caller: requests read
/// the loaded value under a lock held for a pointer copy, never awaiting an actor; a missing value
/// starts one load (single flight) that later callers join. After a failed load, no new load of
/// that key starts for ``retryDelay``: callers that wait get the failure, the others go on
/// without the value, so a failing store is not hit by back-to-back full loads.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        /// The most recently loaded value.
        var latest: (key: Key, value: Value)?
        /// The load under way (the key most recently asked for).
        var loading: (key: Key, task: Task<Value, any Error>)?
        /// The last failed load, until a later one succeeds.
        var failure: (key: Key, at: ContinuousClock.Instant, error: any Error)?
        /// Callers of ``value(for:waitingAtMost:load:)`` waiting for the load under way.
        var waiters: [Int: CheckedContinuation<Value?, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())
    private let onFailure: @Sendable (Key, any Error) -> Void
    /// How long after a failed load of a key the next one may start.
    let retryDelay: Duration

    /// - Parameters:
    ///   - retryDelay: how long after a failed load of a key the next may start.
    ///   - onFailure: told of a failed load.
    init(retryDelay: Duration = .seconds(5), onFailure: @escaping @Sendable (Key, any Error) -> Void = { _, _ in }) {
        self.retryDelay = retryDelay
        self.onFailure = onFailure
    }

    /// The most recently loaded value, whatever its key.
    var latest: (key: Key, value: Value)? { state.withLockedValue { $0.latest } }

    /// The value of `key` if loaded; otherwise `nil`, after starting its load unless one runs (or
    /// one failed less than ``retryDelay`` ago).
    func loadedValue(for key: Key, orStart load: @escaping @Sendable () async throws -> Value) -> Value? {
        switch lookUp(key, load) {
        case .loaded(let value): value
        case .loading, .failed: nil
        }
    }

    /// The value of `key`, waiting for its load (started unless one runs) when it is not loaded;
    /// the last failure when a load of `key` failed less than ``retryDelay`` ago.
    func value(for key: Key, load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        switch lookUp(key, load) {
        case .loaded(let value): value
        case .loading(let task): try await task.value
        case .failed(let error): throw error
        }
    }

    /// The value of `key` as ``value(for:load:)`` gives it, but `nil` when its load has not
    /// finished within `limit`: the load goes on for later callers, this one goes on without it.
    func value(
        for key: Key, waitingAtMost limit: Duration, load: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        switch lookUp(key, load) {
        case .loaded(let value): return value
        case .failed(let error): throw error
        case .loading:
            return try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { try await self.waitForLoad(of: key) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        }
    }

    /// Waits for the running load of `key`; `nil` when cancelled first, or when the load stops
    /// being the one under way (a load of another key was asked for) before it finishes.
    private func waitForLoad(of key: Key) async throws -> Value? {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value?, any Error>) in
                let resumeNow: Result<Value?, any Error>? = state.withLockedValue { state in
                    if Task.isCancelled { return .success(nil) }
                    if let latest = state.latest, latest.key == key { return .success(latest.value) }
                    guard state.loading?.key == key else { return .success(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    private enum Lookup {
        case loaded(Value)
        case loading(Task<Value, any Error>)
        case failed(any Error)
    }

    private func lookUp(_ key: Key, _ load: @escaping @Sendable () async throws -> Value) -> Lookup {
        state.withLockedValue { state in
            if let latest = state.latest, latest.key == key { return .loaded(latest.value) }
            if let loading = state.loading, loading.key == key { return .loading(loading.task) }
            if let failure = state.failure, failure.key == key, failure.at.duration(to: .now) < retryDelay {
                return .failed(failure.error)
            }
            let task = Task { [self] in
                do {
                    let value = try await load()
                    finish(key, .success(value))
                    return value
                } catch {
                    finish(key, .failure(error))
                    onFailure(key, error)
                    throw error
                }
            }
            // Waiters of a load that is no longer the one under way go on without it.
            for waiter in state.waiters.values { waiter.resume(returning: nil) }
            state.waiters = [:]
            state.loading = (key, task)
            return .loading(task)
        }
    }

    /// Keeps a finished load's value (or failure) unless a load for another key was asked for since.
    private func finish(_ key: Key, _ result: Result<Value, any Error>) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Value?, any Error>] in
            guard state.loading?.key == key else { return [] }
            state.loading = nil
            switch result {
            case .success(let value):
                state.latest = (key, value)
                state.failure = nil
            case .failure(let error):
                state.failure = (key, .now, error)
            }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(with: result.map { Optional($0) }) }
    }
}
