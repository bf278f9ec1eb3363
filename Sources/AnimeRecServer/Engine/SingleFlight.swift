import NIOConcurrencyHelpers

/// One value per key, loaded at most once at a time and shared by every caller: requests read
/// the loaded value under a lock held for a pointer copy, never awaiting an actor; a missing value
/// starts one load (single flight) that later callers join.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        /// The most recently loaded value.
        var latest: (key: Key, value: Value)?
        /// The load under way (the key most recently asked for).
        var loading: (key: Key, task: Task<Value, any Error>)?
    }

    private let state = NIOLockedValueBox(State())
    private let onFailure: @Sendable (Key, any Error) -> Void

    /// - Parameter onFailure: told of a failed load (the next call for the key starts another).
    init(onFailure: @escaping @Sendable (Key, any Error) -> Void = { _, _ in }) {
        self.onFailure = onFailure
    }

    /// The most recently loaded value, whatever its key.
    var latest: (key: Key, value: Value)? { state.withLockedValue { $0.latest } }

    /// The value of `key` if loaded; otherwise `nil`, after starting its load unless one runs.
    func loadedValue(for key: Key, orStart load: @escaping @Sendable () async throws -> Value) -> Value? {
        switch lookUp(key, load) {
        case .loaded(let value): value
        case .loading: nil
        }
    }

    /// The value of `key`, waiting for its load (started unless one runs) when it is not loaded.
    func value(for key: Key, load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        switch lookUp(key, load) {
        case .loaded(let value): value
        case .loading(let task): try await task.value
        }
    }

    private enum Lookup {
        case loaded(Value)
        case loading(Task<Value, any Error>)
    }

    private func lookUp(_ key: Key, _ load: @escaping @Sendable () async throws -> Value) -> Lookup {
        state.withLockedValue { state in
            if let latest = state.latest, latest.key == key { return .loaded(latest.value) }
            if let loading = state.loading, loading.key == key { return .loading(loading.task) }
            let task = Task { [self] in
                do {
                    let value = try await load()
                    finish(key, value)
                    return value
                } catch {
                    finish(key, nil)
                    onFailure(key, error)
                    throw error
                }
            }
            state.loading = (key, task)
            return .loading(task)
        }
    }

    /// Keeps a finished load's value unless a load for another key was asked for since.
    private func finish(_ key: Key, _ value: Value?) {
        state.withLockedValue { state in
            guard state.loading?.key == key else { return }
            state.loading = nil
            if let value { state.latest = (key, value) }
        }
    }
}
