import AnimeRecCore

/// The system of record behind the service and the offline jobs: every role a store plays.
///
/// Every method on the request path is a bounded number of single-partition reads or writes keyed
/// by user or by anime, so the same contract is served by the embedded ``SQLiteStore`` and by
/// ``CassandraStore``. Implementations are `Sendable` and safe to call concurrently. A method that
/// returns has made its writes durable (on Cassandra: at the configured consistency).
///
/// Callers name the roles they use: the service takes a ``ServingStore`` (``RequestReads`` and
/// ``EventWrites``), the jobs add ``RunWrites`` and ``OfflineWalks``, the commands
/// ``StoreLifecycle``. A test double implements the roles of the code it stands in for.
public protocol RecStore: StoreLifecycle, RequestReads, EventWrites, RunWrites, OfflineWalks {}

/// What the service needs of a store: the request path's reads and the event writes.
public typealias ServingStore = RequestReads & EventWrites

/// A store whose bulk calls adapt to the backend's load and can say how (the Cassandra store's
/// in-flight limit, back-offs and retries), for the jobs' progress lines.
public protocol LoadReporting {
    /// One short phrase, or `nil` when there is nothing to say.
    var loadStatus: String? { get }
}
