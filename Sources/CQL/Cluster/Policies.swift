/// Chooses which nodes a request is sent to, and in which order.
///
/// The default is token-aware, data-center-aware round robin: replicas of the statement's partition
/// in the local data center first (rotated so load spreads across them), then the other local nodes
/// round robin, then up to ``usedHostsPerRemoteDataCenter`` nodes of every remote data center.
public struct CQLLoadBalancingPolicy: Sendable, Hashable {
    /// The local data center; `nil` means "the data center of the first contact point that answers".
    public var localDataCenter: String?
    /// How many nodes of each remote data center may be tried after the local ones (0 = never).
    public var usedHostsPerRemoteDataCenter: Int
    /// Whether replicas of the routed partition are tried first.
    public var isTokenAware: Bool

    /// Token-aware DC-aware round robin.
    public static func dataCenterAware(localDataCenter: String? = nil, usedHostsPerRemoteDataCenter: Int = 0) -> Self {
        Self(localDataCenter: localDataCenter, usedHostsPerRemoteDataCenter: usedHostsPerRemoteDataCenter, isTokenAware: true)
    }

    /// DC-aware round robin that ignores partition placement.
    public static func roundRobin(localDataCenter: String? = nil) -> Self {
        Self(localDataCenter: localDataCenter, usedHostsPerRemoteDataCenter: 0, isTokenAware: false)
    }
}

/// One candidate node as the query planner sees it.
struct PlannerNode<Node: Hashable & Sendable>: Hashable, Sendable {
    var node: Node
    var dataCenter: String
    var isUp: Bool
}

/// Builds query plans (pure; the rotation counter is supplied by the caller).
enum QueryPlanner {
    /// The ordered nodes to try for one request.
    ///
    /// - Parameters:
    ///   - nodes: every known node, in a stable order.
    ///   - replicas: the routed partition's replicas (empty when not routable or not token-aware).
    ///   - localDataCenter: the local data center (`nil`: every node counts as local).
    ///   - rotation: a per-request counter that rotates replicas and the round robin.
    ///   - remotePerDataCenter: remote nodes allowed per remote data center.
    ///   - localOnly: the consistency is `LOCAL_*`, so never go remote.
    static func plan<Node: Hashable & Sendable>(
        nodes: [PlannerNode<Node>],
        replicas: [Node],
        localDataCenter: String?,
        rotation: Int,
        remotePerDataCenter: Int,
        localOnly: Bool
    ) -> [Node] {
        func isLocal(_ candidate: PlannerNode<Node>) -> Bool {
            localDataCenter == nil || candidate.dataCenter == localDataCenter
        }
        let upNodes = nodes.filter(\.isUp)
        let byNode = Dictionary(upNodes.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        var plan: [Node] = []
        var used = Set<Node>()

        let localReplicas = replicas.filter { byNode[$0].map(isLocal) ?? false }
        for node in rotated(localReplicas, by: rotation) where used.insert(node).inserted {
            plan.append(node)
        }
        let locals = upNodes.filter(isLocal).map(\.node)
        for node in rotated(locals, by: rotation) where used.insert(node).inserted {
            plan.append(node)
        }
        if !localOnly && remotePerDataCenter > 0 {
            var perDC: [String: [Node]] = [:]
            var order: [String] = []
            for candidate in upNodes where !isLocal(candidate) {
                if perDC[candidate.dataCenter] == nil { order.append(candidate.dataCenter) }
                perDC[candidate.dataCenter, default: []].append(candidate.node)
            }
            for dc in order {
                for node in rotated(perDC[dc] ?? [], by: rotation).prefix(remotePerDataCenter)
                where used.insert(node).inserted {
                    plan.append(node)
                }
            }
        }
        return plan
    }

    static func rotated<T>(_ items: [T], by amount: Int) -> [T] {
        guard !items.isEmpty else { return items }
        let shift = ((amount % items.count) + items.count) % items.count
        return Array(items[shift...] + items[..<shift])
    }
}

/// What to do after an attempt failed.
public enum CQLRetryDecision: Hashable, Sendable {
    /// Try again on the same node.
    case retrySameNode
    /// Try the next node of the query plan.
    case retryNextNode
    /// Give up and report the error.
    case rethrow
}

/// Why an attempt failed, as far as retry decisions care.
public enum CQLAttemptFailure: Hashable, Sendable {
    /// The request never reached a node (no connection, connect failure, all streams busy).
    case notSent
    /// The connection closed or broke after the request was written: it may have executed.
    case connectionLost
    /// No answer within the client-side request timeout: it may have executed.
    case clientTimeout
    /// The coordinator knew too few replicas were alive; nothing was executed.
    case unavailable
    /// The coordinator timed out waiting for replicas of a read.
    case readTimeout(received: Int, blockFor: Int, dataPresent: Bool)
    /// The coordinator timed out waiting for replicas of a write.
    case writeTimeout(writeType: String)
    /// The coordinator is overloaded.
    case overloaded
    /// The coordinator is still bootstrapping; nothing was executed.
    case bootstrapping
    /// A server-side error that may succeed elsewhere (server error, truncate error).
    case serverError
    /// An error retrying cannot fix (syntax, invalid, unauthorized, protocol, read/write failure ...).
    case fatal
}

/// Decides whether and where a failed attempt is retried, within a time budget.
///
/// Hard rules, applied to every statement: a request that was never sent, or that a bootstrapping
/// node refused, goes to the next node. Everything else is retried **only when the statement is
/// idempotent** (counter updates never are), while the request is younger than ``budget`` and has
/// been retried fewer than ``maxRetries`` times. The first retry goes out at once (to the next node);
/// later ones wait an exponential backoff, so a request rides out the seconds in which the cluster
/// still routes to a node that just died (gossip convicts it after several seconds), instead of
/// spending a fixed count of retries in the first second. An `Unavailable` error (the coordinator
/// *believes* too few replicas are up; nothing was executed) is retried like the others: the belief
/// is one coordinator's gossip view, and while a node restarts the views disagree for seconds (a
/// node just back sees its peers down; a starved node convicts a live one), so two coordinators in
/// a row can say it of a ring that still has a quorum. A quorum really lost costs the budget.
public struct CQLRetryPolicy: Sendable, Hashable {
    /// Most retries of one request, whatever the budget.
    public var maxRetries: Int
    /// No retry starts once the request is this old; `nil` bounds retries by ``maxRetries`` only.
    public var budget: Duration?
    /// Wait before the second retry; it doubles for each further retry.
    public var backoffBase: Duration
    /// Longest wait between two retries.
    public var backoffMax: Duration

    /// Creates a policy.
    public init(
        maxRetries: Int = 32, budget: Duration? = .seconds(25), backoffBase: Duration = .milliseconds(100),
        backoffMax: Duration = .seconds(1)
    ) {
        self.maxRetries = maxRetries
        self.budget = budget
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
    }

    /// The default policy: idempotent statements are retried for up to 25 s, backing off to 1 s.
    ///
    /// 25 s spans two coordinator timeouts at Cassandra's default 10 s and the backoff between them.
    /// Until gossip convicts a killed replica (~18 s at the default `phi_convict_threshold` 8), every
    /// coordinator that picks it for a read answers `ReadTimeout` only after its own timeout, and
    /// the second coordinator can still pick it: a shorter budget gives up on requests that the
    /// ring would answer once it stops choosing the dead replica. Request paths that must answer
    /// sooner set a budget of their own.
    public static let `default` = CQLRetryPolicy()

    /// Never retry anything that might have reached a node.
    public static let never = CQLRetryPolicy(maxRetries: 0, budget: nil)

    /// The decision for one failure.
    ///
    /// - Parameters:
    ///   - failure: what went wrong.
    ///   - retriesSoFar: how many retries of this request already happened.
    ///   - isIdempotent: whether the statement may safely run more than once.
    ///   - elapsed: how long ago the request started.
    public func decide(
        _ failure: CQLAttemptFailure, retriesSoFar: Int, isIdempotent: Bool, elapsed: Duration = .zero
    ) -> CQLRetryDecision {
        switch failure {
        case .notSent, .bootstrapping:
            return .retryNextNode
        case .fatal:
            return .rethrow
        default:
            break
        }
        guard isIdempotent, retriesSoFar < self.maxRetries, self.budget.map({ elapsed < $0 }) ?? true else { return .rethrow }
        switch failure {
        case .readTimeout(let received, let blockFor, let dataPresent):
            // Enough replicas answered but not the one holding the data: the same coordinator will
            // very likely succeed right away. Otherwise a replica is probably down: go elsewhere.
            return received >= blockFor && !dataPresent ? .retrySameNode : .retryNextNode
        case .unavailable, .writeTimeout, .overloaded, .serverError, .connectionLost, .clientTimeout:
            return .retryNextNode
        case .notSent, .bootstrapping, .fatal:
            return .rethrow
        }
    }

    /// How long to wait before retry number `retry` (1 for the first): nothing before the first,
    /// then ``backoffBase`` doubling up to ``backoffMax``.
    public func delay(beforeRetry retry: Int) -> Duration {
        guard retry > 1 else { return .zero }
        var delay = self.backoffBase
        for _ in 2..<retry {
            delay *= 2
            if delay >= self.backoffMax { return self.backoffMax }
        }
        return min(delay, self.backoffMax)
    }

    /// Whether a request of this age may still wait for a node with a free connection.
    func allowsWaiting(elapsed: Duration) -> Bool {
        self.budget.map { elapsed < $0 } ?? false
    }
}

/// Starts extra executions of a slow idempotent request on the next nodes of its plan.
public struct CQLSpeculativeExecutionPolicy: Sendable, Hashable {
    /// Delay after which the next execution starts while earlier ones are still running.
    public var delay: Duration
    /// Maximum number of executions in total, including the first (1 = disabled).
    public var maxExecutions: Int

    /// No speculative executions.
    public static let disabled = CQLSpeculativeExecutionPolicy(delay: .zero, maxExecutions: 1)

    /// A new execution every `delay`, up to `maxExecutions` in total.
    public static func constant(delay: Duration, maxExecutions: Int) -> Self {
        Self(delay: delay, maxExecutions: max(1, maxExecutions))
    }

    /// The delay before starting execution number `started + 1`, or `nil` if no more may start.
    /// Non-idempotent statements never get speculative executions.
    public func nextExecutionDelay(started: Int, isIdempotent: Bool) -> Duration? {
        guard isIdempotent, started < self.maxExecutions else { return nil }
        return self.delay
    }
}

/// Exponential reconnection backoff: `base`, doubling per failed attempt, capped at `max`, with
/// a random ±`jitter` fraction.
public struct CQLReconnectionPolicy: Sendable, Hashable {
    /// Delay before the first reconnection attempt.
    public var base: Duration
    /// Upper bound on the delay.
    public var max: Duration
    /// Relative jitter, e.g. 0.15 for ±15 %.
    public var jitter: Double

    /// Creates a policy (defaults: 1 s doubling to 60 s, ±15 %).
    public init(base: Duration = .seconds(1), max: Duration = .seconds(60), jitter: Double = 0.15) {
        self.base = base
        self.max = max
        self.jitter = jitter
    }

    /// The delay before reconnection attempt `attempt` (0-based).
    ///
    /// - Parameter random: a value in `0...1` (0.5 = no jitter); injected so tests are deterministic.
    public func delay(attempt: Int, random: Double) -> Duration {
        let exponent = Swift.min(Swift.max(attempt, 0), 30)
        let baseSeconds = Self.seconds(self.base)
        let capped = Swift.min(baseSeconds * Double(1 << exponent), Self.seconds(self.max))
        let factor = 1 + self.jitter * (2 * Swift.min(Swift.max(random, 0), 1) - 1)
        return .milliseconds(Int64((capped * factor * 1000).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
