/// How many statements of a bulk job may be in flight at once, adapted to what the cluster absorbs:
/// additive increase while completions stay fast, multiplicative decrease on the signals a node
/// sends when it is saturated (timeouts, `Overloaded`, `Unavailable`).
///
/// A pure value: callers report each completion with its latency and each overload signal with the
/// time it happened (any monotonic origin), and read ``limit``. It never sleeps and never reads a
/// clock, so tests drive it with made-up latencies.
///
/// - Growth: after `limit` successes in a row, each no slower than the latency ceiling and finished
///   while the limit was actually used, the limit grows by one (one step per round trip of a full
///   window, as TCP's congestion avoidance).
/// - Latency ceiling: `latencyTolerance` × the baseline (the fastest completion of the previous
///   window of samples, so a cluster that slows for good gets a new baseline), never below
///   `latencyFloor`. A slower completion holds the limit where it is. The baseline follows a cluster
///   that slows for good, at most doubling per window.
/// - Back-off: an overload signal multiplies the limit by `backoffFactor`; signals within
///   `backoffCooldown` of the previous back-off count as the same event, since the statements in
///   flight at one overload fail together.
public struct AdaptiveConcurrencyLimit: Sendable, Hashable {
    /// The limit's bounds and reflexes.
    public struct Configuration: Sendable, Hashable {
        /// The limit before any completion.
        public var initial: Int
        /// The limit never goes below this.
        public var minimum: Int
        /// The limit never goes above this.
        public var maximum: Int
        /// Completions up to this multiple of the baseline latency count as "latency holds".
        public var latencyTolerance: Double
        /// Completions at most this slow always count as "latency holds".
        public var latencyFloor: Duration
        /// The factor applied on an overload signal.
        public var backoffFactor: Double
        /// Overload signals this close after a back-off do not back off again.
        public var backoffCooldown: Duration
        /// Completions per baseline window.
        public var baselineWindow: Int

        /// Defaults for a 3-node ring at Cassandra's own 10 s coordinator timeouts.
        public init(
            initial: Int = 8, minimum: Int = 1, maximum: Int = 128, latencyTolerance: Double = 4,
            latencyFloor: Duration = .milliseconds(50), backoffFactor: Double = 0.5,
            backoffCooldown: Duration = .seconds(2), baselineWindow: Int = 500
        ) {
            self.minimum = max(1, minimum)
            self.maximum = max(self.minimum, maximum)
            self.initial = min(self.maximum, max(self.minimum, initial))
            self.latencyTolerance = max(1, latencyTolerance)
            self.latencyFloor = latencyFloor
            self.backoffFactor = min(max(backoffFactor, 0.05), 0.95)
            self.backoffCooldown = backoffCooldown
            self.baselineWindow = max(1, baselineWindow)
        }
    }

    public let configuration: Configuration
    /// Statements that may be in flight now.
    public private(set) var limit: Int
    /// How often the limit backed off.
    public private(set) var backoffs = 0

    private var fastEnoughInARow = 0
    private var baseline: Duration?
    private var windowFastest: Duration?
    private var windowSamples = 0
    private var lastBackoff: Duration?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.limit = configuration.initial
    }

    /// The slowest completion that still counts as "latency holds".
    public var latencyCeiling: Duration {
        guard let reference = baseline ?? windowFastest else { return configuration.latencyFloor }
        return max(configuration.latencyFloor, reference * configuration.latencyTolerance)
    }

    /// A statement succeeded after `latency`, with `inFlight` statements in flight when it finished
    /// (itself included).
    public mutating func recordSuccess(latency: Duration, inFlight: Int) {
        let fastEnough = latency <= latencyCeiling
        windowFastest = min(windowFastest ?? latency, latency)
        windowSamples += 1
        if windowSamples >= configuration.baselineWindow, let fastest = windowFastest {
            // A slower cluster raises the baseline at most twofold per window: latency that the
            // job's own queueing adds is not taken for the cluster's new normal at once.
            baseline = baseline.map { min($0 * 2, fastest) } ?? fastest
            windowFastest = nil
            windowSamples = 0
        }
        // A limit the job does not use says nothing about what the cluster absorbs.
        guard fastEnough, inFlight * 2 >= limit else {
            fastEnoughInARow = 0
            return
        }
        fastEnoughInARow += 1
        if fastEnoughInARow >= limit {
            fastEnoughInARow = 0
            limit = min(configuration.maximum, limit + 1)
        }
    }

    /// A node said it is saturated or a replica did not answer in time, at `time` (any monotonic
    /// origin, the same for every call). Returns whether the limit backed off.
    @discardableResult
    public mutating func recordOverload(at time: Duration) -> Bool {
        fastEnoughInARow = 0
        if let last = lastBackoff, time - last < configuration.backoffCooldown { return false }
        lastBackoff = time
        backoffs += 1
        limit = max(configuration.minimum, Int((Double(limit) * configuration.backoffFactor).rounded(.down)))
        return true
    }
}
