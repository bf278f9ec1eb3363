import Testing

@testable import CQL

@Suite("Load balancing, retry, speculative execution and reconnection policies")
struct PolicyTests {
    static let nodes: [PlannerNode<String>] = [
        .init(node: "a", dataCenter: "dc1", isUp: true),
        .init(node: "b", dataCenter: "dc1", isUp: true),
        .init(node: "c", dataCenter: "dc1", isUp: true),
        .init(node: "x", dataCenter: "dc2", isUp: true),
        .init(node: "y", dataCenter: "dc2", isUp: true),
    ]

    @Test("replicas in the local DC come first, rotated, then the other local nodes")
    func tokenAwarePlan() {
        let plan0 = QueryPlanner.plan(
            nodes: Self.nodes, replicas: ["c", "x", "b"], localDataCenter: "dc1", rotation: 0,
            remotePerDataCenter: 0, localOnly: false)
        #expect(plan0 == ["c", "b", "a"])
        let plan1 = QueryPlanner.plan(
            nodes: Self.nodes, replicas: ["c", "x", "b"], localDataCenter: "dc1", rotation: 1,
            remotePerDataCenter: 0, localOnly: false)
        #expect(plan1 == ["b", "c", "a"])
    }

    @Test("round robin over local nodes without replicas; remote DC only when allowed")
    func roundRobin() {
        let plans = (0..<3).map {
            QueryPlanner.plan(
                nodes: Self.nodes, replicas: [], localDataCenter: "dc1", rotation: $0,
                remotePerDataCenter: 1, localOnly: false)
        }
        #expect(plans[0] == ["a", "b", "c", "x"])
        #expect(plans[1] == ["b", "c", "a", "y"])
        #expect(plans[2] == ["c", "a", "b", "x"])
        let local = QueryPlanner.plan(
            nodes: Self.nodes, replicas: [], localDataCenter: "dc1", rotation: 0,
            remotePerDataCenter: 1, localOnly: true)
        #expect(local == ["a", "b", "c"])
    }

    @Test("down nodes are left out, even when they are replicas")
    func downNodes() {
        var nodes = Self.nodes
        nodes[2].isUp = false
        let plan = QueryPlanner.plan(
            nodes: nodes, replicas: ["c", "b"], localDataCenter: "dc1", rotation: 0,
            remotePerDataCenter: 0, localOnly: false)
        #expect(plan == ["b", "a"])
    }

    @Test("no local DC configured: every node is local")
    func noLocalDC() {
        let plan = QueryPlanner.plan(
            nodes: Self.nodes, replicas: ["y"], localDataCenter: nil, rotation: 0,
            remotePerDataCenter: 0, localOnly: false)
        #expect(plan == ["y", "a", "b", "c", "x"])
    }

    @Test("only idempotent statements are retried after failures that may have executed")
    func retryIdempotence() {
        let policy = CQLRetryPolicy(maxRetries: 2, budget: nil)
        let mayHaveExecuted: [CQLAttemptFailure] = [
            .connectionLost, .clientTimeout, .unavailable, .overloaded, .serverError,
            .writeTimeout(writeType: "SIMPLE"), .readTimeout(received: 1, blockFor: 2, dataPresent: false),
        ]
        for failure in mayHaveExecuted {
            #expect(policy.decide(failure, retriesSoFar: 0, isIdempotent: false) == .rethrow)
            #expect(policy.decide(failure, retriesSoFar: 0, isIdempotent: true) != .rethrow)
            #expect(policy.decide(failure, retriesSoFar: 2, isIdempotent: true) == .rethrow)
        }
        // Never executed: any statement moves on, counters included.
        #expect(policy.decide(.notSent, retriesSoFar: 5, isIdempotent: false) == .retryNextNode)
        #expect(policy.decide(.bootstrapping, retriesSoFar: 0, isIdempotent: false) == .retryNextNode)
        #expect(policy.decide(.fatal, retriesSoFar: 0, isIdempotent: true) == .rethrow)
        #expect(CQLRetryPolicy.never.decide(.unavailable, retriesSoFar: 0, isIdempotent: true) == .rethrow)
    }

    @Test("the default budget: retries for 25 s of the request's age, with an immediate first retry and backoff after")
    func retryBudget() {
        let policy = CQLRetryPolicy.default
        let timeout = CQLAttemptFailure.readTimeout(received: 1, blockFor: 2, dataPresent: false)
        #expect(policy.decide(timeout, retriesSoFar: 9, isIdempotent: true, elapsed: .seconds(24)) == .retryNextNode)
        #expect(policy.decide(timeout, retriesSoFar: 9, isIdempotent: true, elapsed: .seconds(25)) == .rethrow)
        #expect(policy.decide(timeout, retriesSoFar: 32, isIdempotent: true, elapsed: .seconds(1)) == .rethrow)
        #expect(policy.decide(timeout, retriesSoFar: 0, isIdempotent: false, elapsed: .zero) == .rethrow)
        // Unavailable: one coordinator's gossip view, which disagrees with others while a node
        // restarts; nothing was executed. Retried on the next node within the same limits.
        #expect(policy.decide(.unavailable, retriesSoFar: 0, isIdempotent: true, elapsed: .zero) == .retryNextNode)
        #expect(policy.decide(.unavailable, retriesSoFar: 3, isIdempotent: true, elapsed: .seconds(4)) == .retryNextNode)
        #expect(policy.decide(.unavailable, retriesSoFar: 32, isIdempotent: true, elapsed: .seconds(1)) == .rethrow)
        #expect(policy.decide(.unavailable, retriesSoFar: 0, isIdempotent: false, elapsed: .zero) == .rethrow)
        #expect(policy.decide(.unavailable, retriesSoFar: 3, isIdempotent: true, elapsed: .seconds(25)) == .rethrow)
        #expect((1...7).map(policy.delay(beforeRetry:)) == [
            .zero, .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
    }

    @Test("read timeout: same node when enough replicas answered without data, else the next node")
    func readTimeout() {
        let policy = CQLRetryPolicy.default
        #expect(
            policy.decide(.readTimeout(received: 2, blockFor: 2, dataPresent: false), retriesSoFar: 0, isIdempotent: true)
                == .retrySameNode)
        #expect(
            policy.decide(.readTimeout(received: 1, blockFor: 2, dataPresent: false), retriesSoFar: 0, isIdempotent: true)
                == .retryNextNode)
    }

    @Test("speculative executions only for idempotent statements, up to the maximum")
    func speculative() {
        let policy = CQLSpeculativeExecutionPolicy.constant(delay: .milliseconds(50), maxExecutions: 3)
        #expect(policy.nextExecutionDelay(started: 1, isIdempotent: true) == .milliseconds(50))
        #expect(policy.nextExecutionDelay(started: 2, isIdempotent: true) == .milliseconds(50))
        #expect(policy.nextExecutionDelay(started: 3, isIdempotent: true) == nil)
        #expect(policy.nextExecutionDelay(started: 1, isIdempotent: false) == nil)
        #expect(CQLSpeculativeExecutionPolicy.disabled.nextExecutionDelay(started: 1, isIdempotent: true) == nil)
    }

    @Test("reconnection backoff doubles from the base, is capped, and jitters within ±15 %")
    func backoff() {
        let policy = CQLReconnectionPolicy(base: .seconds(1), max: .seconds(60), jitter: 0.15)
        #expect(policy.delay(attempt: 0, random: 0.5) == .seconds(1))
        #expect(policy.delay(attempt: 1, random: 0.5) == .seconds(2))
        #expect(policy.delay(attempt: 5, random: 0.5) == .seconds(32))
        #expect(policy.delay(attempt: 6, random: 0.5) == .seconds(60))
        #expect(policy.delay(attempt: 1000, random: 0.5) == .seconds(60))
        #expect(policy.delay(attempt: 0, random: 0) == .milliseconds(850))
        #expect(policy.delay(attempt: 0, random: 1) == .milliseconds(1150))
    }
}
