import NIOConcurrencyHelpers

/// How old the in-memory data is that a request was answered from because the store could not be
/// read: the live-run pointer this replica read last, the trending of the last closed hour it read.
///
/// Routes whose answer is in memory (`/sim`, `/anime/{id}`, search, facets, trending) keep
/// answering while the store is unavailable; the engine records here what it fell back to, and
/// ``StaleAnswerMiddleware`` says it in the response's `Age` header. The recorder is a task local
/// so that the engine's signatures stay those of a fresh answer.
public final class StaleAnswer: Sendable {
    private let oldest = NIOLockedValueBox<Duration?>(nil)

    public init() {}

    /// The request's recorder, when a middleware set one up.
    @TaskLocal public static var current: StaleAnswer?

    /// Notes that the answer uses data that was current `age` ago.
    static func record(age: Duration) {
        guard let recorder = current else { return }
        recorder.oldest.withLockedValue { $0 = max($0 ?? .zero, max(age, .zero)) }
    }

    /// The age of the oldest data the answer used instead of a store read; `nil` for a fresh answer.
    public var age: Duration? { oldest.withLockedValue { $0 } }
}
