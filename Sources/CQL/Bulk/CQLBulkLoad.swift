import DequeModule
import NIOConcurrencyHelpers

/// Runs the statements of a bulk job (an import, a rebuild's scans and writes) under an
/// ``AdaptiveConcurrencyLimit``, and retries each past transient failures for as long as the
/// cluster as a whole still answers.
///
/// A statement that fails with a timeout, `Overloaded`, `Unavailable`, a lost connection or no node
/// to send it to backs the limit off, waits, and runs again: a busy cluster slows the job down
/// instead of ending it. The job gives up only when no statement of this load has succeeded for
/// ``Configuration/unreachableWindow``, with a ``CQLBulkLoadError`` that says for how long and
/// what the last failure was. Other errors (a bad statement, a schema error) are rethrown at once.
///
/// Only idempotent statements may go through a load: any of them may run more than once.
public final class CQLBulkLoad: Sendable {
    /// How a load adapts and when it gives up.
    public struct Configuration: Sendable, Hashable {
        /// The in-flight limit's bounds and reflexes.
        public var limit: AdaptiveConcurrencyLimit.Configuration
        /// The job gives up once no statement has succeeded for this long.
        public var unreachableWindow: Duration
        /// The first wait before a failed statement runs again; doubles up to ``maximumRetryDelay``.
        public var retryDelay: Duration
        /// The longest wait between two runs of one statement.
        public var maximumRetryDelay: Duration

        public init(
            limit: AdaptiveConcurrencyLimit.Configuration = .init(), unreachableWindow: Duration = .seconds(600),
            retryDelay: Duration = .milliseconds(200), maximumRetryDelay: Duration = .seconds(5)
        ) {
            self.limit = limit
            self.unreachableWindow = unreachableWindow
            self.retryDelay = retryDelay
            self.maximumRetryDelay = maximumRetryDelay
        }
    }

    /// A snapshot of the load for progress lines.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// The in-flight limit now.
        public var limit: Int
        /// Statements in flight now.
        public var inFlight: Int
        /// How often the limit backed off.
        public var backoffs: Int
        /// Statements run again after a transient failure.
        public var retries: Int

        public var description: String {
            "in flight \(inFlight)/\(limit), backed off \(backoffs)×, \(retries) retried"
        }
    }

    private struct State {
        var limiter: AdaptiveConcurrencyLimit
        var inFlight = 0
        var retries = 0
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
        var lastSuccess: ContinuousClock.Instant
    }

    public let configuration: Configuration
    /// What the load talks to, for the give-up message (e.g. the contact points).
    private let target: String
    private let started: ContinuousClock.Instant
    private let state: NIOLockedValueBox<State>

    /// A load against `target` (named in errors).
    public init(target: String, configuration: Configuration = Configuration()) {
        self.target = target
        self.configuration = configuration
        let now = ContinuousClock.now
        self.started = now
        self.state = NIOLockedValueBox(State(limiter: AdaptiveConcurrencyLimit(configuration.limit), lastSuccess: now))
    }

    /// The load's limit, in-flight count, back-offs and retries now.
    public var status: Status {
        state.withLockedValue {
            Status(limit: $0.limiter.limit, inFlight: $0.inFlight, backoffs: $0.limiter.backoffs, retries: $0.retries)
        }
    }

    /// Whether the current task runs the body of a limited statement (checked in debug builds).
    @TaskLocal static var insideLimitedBody = false

    /// The most statements a caller should have waiting on this load at once (the limit's maximum):
    /// more tasks than that would only queue here.
    public var maximumInFlight: Int { configuration.limit.maximum }

    /// Runs one idempotent statement (`body` sends it) under the limit, again after each transient
    /// failure, until it succeeds or the cluster has been unreachable for the window.
    ///
    /// With `limited` false the statement (or a whole sequence of them, e.g. a scan restarted from
    /// its start on a failure) runs outside the in-flight limit and leaves it unchanged, but is
    /// retried the same way: for the job's few statements that are not part of its bulk.
    public func run<Result: Sendable>(limited: Bool = true, _ body: @Sendable () async throws -> Result) async throws -> Result {
        // A limited body that waited for a second slot while holding one could wait for ever.
        assert(!limited || !Self.insideLimitedBody, "a statement run by a bulk load must not go through a bulk load itself")
        var attempt = 0
        while true {
            try Task.checkCancellation()
            if limited { await acquire() }
            let sent = ContinuousClock.now
            do {
                let result = try await Self.$insideLimitedBody.withValue(limited) { try await body() }
                let now = ContinuousClock.now
                finish(limited: limited) { state in
                    if limited { state.limiter.recordSuccess(latency: now - sent, inFlight: state.inFlight) }
                    state.lastSuccess = max(state.lastSuccess, now)
                }
                return result
            } catch {
                let now = ContinuousClock.now
                guard Self.isTransient(error), !(error is CancellationError), !Task.isCancelled else {
                    finish(limited: limited) { _ in }
                    throw error
                }
                let silentFor = finish(limited: limited) { state -> Duration in
                    if limited { state.limiter.recordOverload(at: now - started) }
                    state.retries += 1
                    return now - state.lastSuccess
                }
                if silentFor >= configuration.unreachableWindow {
                    throw CQLBulkLoadError(target: target, silentFor: silentFor, lastError: error)
                }
                attempt += 1
                try await Task.sleep(for: delay(beforeAttempt: attempt))
            }
        }
    }

    /// Runs `body` for every element through this load, keeping at most ``maximumInFlight`` calls
    /// waiting at once; results in input order. The first error that is not transient (or the
    /// give-up) cancels the rest and is rethrown.
    public func map<Element: Sendable, Result: Sendable>(
        _ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: elements.count)
            var next = 0
            func startNext() {
                let index = next
                next += 1
                group.addTask { (index, try await self.run { try await body(elements[index]) }) }
            }
            while next < min(maximumInFlight, elements.count) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < elements.count { startNext() }
            }
            return results.map { $0! }  // every index was filled exactly once
        }
    }

    /// The wait before attempt `attempt` (1 for the first retry): ``Configuration/retryDelay``
    /// doubling up to ``Configuration/maximumRetryDelay``.
    func delay(beforeAttempt attempt: Int) -> Duration {
        var delay = configuration.retryDelay
        for _ in 1..<max(1, attempt) where delay < configuration.maximumRetryDelay { delay = delay * 2 }
        return min(delay, configuration.maximumRetryDelay)
    }

    /// Failures that say the cluster is busy or a node is away, not that the statement is wrong.
    public static func isTransient(_ error: any Error) -> Bool {
        switch CQLClient.classify(error) {
        case .readTimeout, .writeTimeout, .overloaded, .unavailable, .clientTimeout, .connectionLost, .notSent,
            .bootstrapping, .serverError:
            return true
        case .fatal:
            return false
        }
    }

    private func acquire() async {
        let admitted = state.withLockedValue { state -> Bool in
            guard state.inFlight < state.limiter.limit else { return false }
            state.inFlight += 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state -> Bool in
                // The limit may have risen, or a slot freed, between the two locks.
                if state.inFlight < state.limiter.limit && state.waiters.isEmpty {
                    state.inFlight += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Applies `update`; for a `limited` statement also frees its slot and admits waiters while the
    /// limit allows.
    @discardableResult
    private func finish<T>(limited: Bool, _ update: (inout State) -> T) -> T {
        var admitted: [CheckedContinuation<Void, Never>] = []
        let value = state.withLockedValue { state -> T in
            let value = update(&state)
            guard limited else { return value }
            state.inFlight -= 1
            while state.inFlight < state.limiter.limit, let waiter = state.waiters.popFirst() {
                state.inFlight += 1
                admitted.append(waiter)
            }
            return value
        }
        for waiter in admitted { waiter.resume() }
        return value
    }
}

/// A bulk job gave up: no statement succeeded for the whole unreachable window.
public struct CQLBulkLoadError: Error, CustomStringConvertible, Sendable {
    /// What was unreachable.
    public var target: String
    /// How long no statement had succeeded.
    public var silentFor: Duration
    /// The last failure seen.
    public var lastError: any Error

    public var description: String {
        let seconds = silentFor.components.seconds
        return "\(target) was unreachable for \(seconds / 60) min \(seconds % 60) s (no statement succeeded); "
            + "last error: \(lastError)"
    }
}
