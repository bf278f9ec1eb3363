import Logging
import CoreMetrics
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// One statement of a ``CQLClient/batch(_:kind:options:logger:)``.
public struct CQLBatchStatement: Sendable {
    /// The CQL text with `?` bind markers.
    public var cql: String
    /// The bound values.
    public var values: [CQLValue]

    /// Creates a batch statement.
    public init(_ cql: String, _ values: [CQLValue] = []) {
        self.cql = cql
        self.values = values
    }
}

extension CQLClient {
    enum Request: Sendable {
        /// An unprepared statement without values.
        case query(String)
        /// A statement from the prepared cache, keyed by its CQL text.
        case execute(String)
        /// A BATCH message of prepared statements (v2+).
        case batch(CQLBatch.Kind, [CQLBatchStatement])
    }

    // MARK: Public API

    /// Runs a statement that has no bound values (DDL, constant queries) as a plain QUERY.
    ///
    /// Statements with user input must use ``execute(_:_:options:logger:)``: values are then bound,
    /// never spliced into the CQL text.
    ///
    /// - Parameters:
    ///   - cql: the statement.
    ///   - options: consistency, idempotence, timeout.
    ///   - logger: per-request logger (defaults to the client's background logger).
    @discardableResult
    public func query(_ cql: String, options: CQLStatementOptions = .init(), logger: Logger? = nil) async throws
        -> CQLResult
    {
        let logger = logger ?? self.logger
        if Self.isSchemaStatement(cql) {
            return try await self.runSchemaStatement(cql, options: options, logger: logger)
        }
        return try await self.runRequest(
            .query(cql),
            values: [],
            options: options,
            keyspace: options.routingKeyspace,
            routingKey: options.routingKey,
            logger: logger
        )
    }

    /// DDL runs on the control connection's node, the node the schema-agreement check asks: that
    /// node reports the new schema version at once, so agreement means every up node has the change.
    /// Checked on the 1.2 ring: sent elsewhere, the check could pass on the old version before the
    /// coordinator's new version was gossiped, and the next statement hit a node without the change.
    private func runSchemaStatement(_ cql: String, options: CQLStatementOptions, logger: Logger) async throws
        -> CQLResult
    {
        try await self.waitUntilReady()
        guard let control = self.state.withLockedValue({ $0.control?.connection }) else {
            throw CQLClusterError(.noNodeAvailable, "no control connection for a schema change")
        }
        let parameters = QueryParameters(consistency: options.consistency ?? self.configuration.defaultConsistency)
        self.metrics.requests.increment()
        let result = try await control.query(
            cql,
            parameters: parameters,
            timeout: options.timeout ?? self.configuration.requestTimeout
        )
        await self.waitForSchemaAgreement(logger: logger)
        return result
    }

    static func isSchemaStatement(_ cql: String) -> Bool {
        let keyword = cql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return keyword.hasPrefix("CREATE") || keyword.hasPrefix("ALTER") || keyword.hasPrefix("DROP")
    }

    /// Prepares a statement on the cluster (once; cached by its CQL text) and returns it.
    ///
    /// The statement is prepared on one node and, with ``Configuration/prepareOnAllNodes``, on every
    /// other node that is up; nodes that have not seen it get it prepared before their first use.
    public func prepare(_ cql: String, logger: Logger? = nil) async throws -> PreparedStatement {
        try await self.preparedEntry(for: cql, logger: logger ?? self.logger).statement
    }

    /// Executes a statement with bound values, preparing it first if needed.
    ///
    /// The request goes to a replica of the statement's partition when every partition-key column is
    /// bound (token-aware routing), and is retried or speculatively re-executed only if
    /// ``CQLStatementOptions/isIdempotent`` is set.
    ///
    /// - Parameters:
    ///   - cql: the statement with `?` markers.
    ///   - values: one value per marker.
    ///   - options: consistency, idempotence, timeout, page size.
    ///   - logger: per-request logger (bound values are never logged).
    @discardableResult
    public func execute(
        _ cql: String,
        _ values: [CQLValue] = [],
        options: CQLStatementOptions = .init(),
        logger: Logger? = nil
    ) async throws -> CQLResult {
        let logger = logger ?? self.logger
        try await self.waitUntilReady()
        let entry = try await self.preparedEntry(for: cql, logger: logger)
        let routingKey = try options.routingKey ?? self.routingKey(entry, values: values)
        var options = options
        // A counter update binds a counter delta: never idempotent, whatever the caller said.
        if entry.statement.bindMarkers.contains(where: { $0.type == .counter }) { options.isIdempotent = false }
        return try await self.runRequest(
            .execute(cql),
            values: values,
            options: options,
            keyspace: entry.statement.keyspace,
            routingKey: routingKey,
            logger: logger
        )
    }

    /// Executes a SELECT and returns its rows (empty if the statement returned no rows).
    public func select(
        _ cql: String,
        _ values: [CQLValue] = [],
        options: CQLStatementOptions = .init(),
        logger: Logger? = nil
    ) async throws -> CQLRows? {
        try await self.execute(cql, values, options: options, logger: logger).rows
    }

    /// Runs several statements as one batch.
    ///
    /// On protocol v2+ this sends a BATCH message of prepared statements. Protocol v1 has no BATCH
    /// message, so the statements are joined into one `BEGIN … BATCH … APPLY BATCH` statement that is
    /// prepared and executed with all values bound. Counter batches are never retried.
    ///
    /// - Parameters:
    ///   - statements: the statements with their values; routed by the first statement's partition.
    ///   - kind: logged, unlogged or counter.
    ///   - options: consistency, idempotence, timeout.
    ///   - logger: per-request logger.
    @discardableResult
    public func batch(
        _ statements: [CQLBatchStatement],
        kind: CQLBatch.Kind = .logged,
        options: CQLStatementOptions = .init(),
        logger: Logger? = nil
    ) async throws -> CQLResult {
        let logger = logger ?? self.logger
        guard let first = statements.first else { return .void }
        var options = options
        if kind == .counter { options.isIdempotent = false }
        try await self.waitUntilReady()
        let version = self.state.withLockedValue { $0.protocolVersion } ?? .v1
        if version < .v2 {
            let prefix: String
            switch kind {
            case .logged: prefix = "BEGIN BATCH"
            case .unlogged: prefix = "BEGIN UNLOGGED BATCH"
            case .counter: prefix = "BEGIN COUNTER BATCH"
            }
            let cql = ([prefix] + statements.map { "  " + $0.cql + ";" } + ["APPLY BATCH"]).joined(separator: "\n")
            return try await self.execute(cql, statements.flatMap(\.values), options: options, logger: logger)
        }
        var entries: [ClusterState.PreparedEntry] = []
        for statement in statements { entries.append(try await self.preparedEntry(for: statement.cql, logger: logger)) }
        let routingKey = try options.routingKey ?? self.routingKey(entries[0], values: first.values)
        return try await self.runRequest(
            .batch(kind, statements),
            values: [],
            options: options,
            keyspace: entries[0].statement.keyspace,
            routingKey: routingKey,
            logger: logger
        )
    }

    // MARK: Routing

    func routingKey(_ entry: ClusterState.PreparedEntry, values: [CQLValue]) throws -> [UInt8]? {
        guard let indexes = entry.routingIndexes, !indexes.isEmpty else { return nil }
        let version = self.state.withLockedValue { $0.protocolVersion } ?? .v1
        var components: [[UInt8]] = []
        for index in indexes {
            guard values.indices.contains(index), let bytes = try values[index].serializedBytes(version: version) else {
                return nil
            }
            components.append(Array(bytes.readableBytesView))
        }
        return CQLRoutingKey.compose(components)
    }

    // MARK: Prepared statements

    func preparedEntry(for cql: String, logger: Logger) async throws -> ClusterState.PreparedEntry {
        if let entry = self.state.withLockedValue({ $0.prepared[cql] }) { return entry }
        let plan = self.state.withLockedValue {
            $0.queryPlan(keyspace: nil, routingKey: nil, policy: self.configuration.loadBalancingPolicy, localOnly: false)
        }
        var nodeErrors: [CQLNode: any Error] = [:]
        for node in plan {
            var effects = ClusterEffects()
            let leased = self.state.withLockedValue { $0.lease(node, effects: &effects) }
            self.run(effects)
            guard let (id, connection) = leased else { continue }
            let statement: PreparedStatement
            do {
                statement = try await connection.prepare(cql)
                self.state.withLockedValue { $0.release(node, id) }
            } catch {
                self.state.withLockedValue { $0.release(node, id) }
                if connection.isClosed { self.run(self.state.withLockedValue { $0.connectionClosed(node, id) }) }
                if case .fatal = Self.classify(error) { throw error }
                nodeErrors[node] = error
                continue
            }
            let routingIndexes = await self.routingIndexes(statement, logger: logger)
            let entry = self.state.withLockedValue { state in
                var entry = state.prepared[cql]
                    ?? ClusterState.PreparedEntry(statement: statement, routingIndexes: routingIndexes, preparedOn: [])
                entry.preparedOn.insert(node)
                state.prepared[cql] = entry
                return entry
            }
            if self.configuration.prepareOnAllNodes { await self.prepareOnOtherNodes(cql, except: node) }
            return self.state.withLockedValue { $0.prepared[cql] } ?? entry
        }
        throw CQLClusterError(.noNodeAvailable, "no node could prepare the statement", nodeErrors: nodeErrors)
    }

    /// Partition-key bind positions: from the PREPARED result on v4+, else from schema metadata.
    func routingIndexes(_ statement: PreparedStatement, logger: Logger) async -> [Int]? {
        if !statement.partitionKeyIndexes.isEmpty { return statement.partitionKeyIndexes }
        guard let first = statement.bindMarkers.first,
            !first.keyspace.hasPrefix("system"),
            !first.table.isEmpty
        else { return nil }
        do {
            let keyColumns = try await self.partitionKeyColumns(keyspace: first.keyspace, table: first.table)
            guard !keyColumns.isEmpty else { return nil }
            var indexes: [Int] = []
            for column in keyColumns {
                guard
                    let index = statement.bindMarkers.firstIndex(where: {
                        $0.name == column && $0.keyspace == first.keyspace && $0.table == first.table
                    })
                else { return nil }
                indexes.append(index)
            }
            return indexes
        } catch {
            logger.debug("cql partition key lookup failed", metadata: ["cql.error": "\(error)"])
            return nil
        }
    }

    private func prepareOnOtherNodes(_ cql: String, except: CQLNode) async {
        let nodes = self.state.withLockedValue { $0.upNodes.filter { $0 != except } }
        await withDiscardingTaskGroup { group in
            for node in nodes {
                group.addTask {
                    var effects = ClusterEffects()
                    let leased = self.state.withLockedValue { $0.lease(node, effects: &effects) }
                    self.run(effects)
                    guard let (id, connection) = leased else { return }
                    defer { self.state.withLockedValue { $0.release(node, id) } }
                    if (try? await connection.prepare(cql)) != nil {
                        self.state.withLockedValue { _ = $0.prepared[cql]?.preparedOn.insert(node) }
                    }
                }
            }
        }
    }

    /// Makes sure `node` knows the statement before it is executed there.
    private func ensurePrepared(_ cql: String, on node: CQLNode, connection: any ClusterConnection, force: Bool)
        async throws -> PreparedStatement
    {
        guard let entry = self.state.withLockedValue({ $0.prepared[cql] }) else {
            throw CQLClusterError(.invalidRequest, "statement missing from the prepared cache")
        }
        if !force && entry.preparedOn.contains(node) { return entry.statement }
        let statement = try await connection.prepare(cql)
        self.metrics.reprepares.increment()
        self.state.withLockedValue { state in
            state.prepared[cql]?.preparedOn.insert(node)
            state.reprepareCount += 1
        }
        return statement
    }

    /// A node came back: prepare every cached statement on it again (1.2 forgets them on restart).
    func reprepareAll(on node: CQLNode) async {
        let statements = self.state.withLockedValue { Array($0.prepared.keys) }
        guard !statements.isEmpty else { return }
        self.logger.debug(
            "cql re-preparing statements on node",
            metadata: ["cql.node": "\(node)", "cql.count": "\(statements.count)"]
        )
        for cql in statements {
            var effects = ClusterEffects()
            let leased = self.state.withLockedValue { $0.lease(node, effects: &effects) }
            self.run(effects)
            guard let (id, connection) = leased else { return }
            defer { self.state.withLockedValue { $0.release(node, id) } }
            do {
                _ = try await self.ensurePrepared(cql, on: node, connection: connection, force: true)
            } catch {
                self.logger.debug("cql re-prepare failed", metadata: ["cql.node": "\(node)", "cql.error": "\(error)"])
                return
            }
        }
    }

    /// Runs an internal (system table) statement with bound values, without routing.
    func executeInternal(_ cql: String, _ values: [CQLValue]) async throws -> CQLRows? {
        _ = try await self.preparedEntry(for: cql, logger: self.logger)
        return try await self.runRequest(
            .execute(cql),
            values: values,
            options: .idempotent(.one),
            keyspace: nil,
            routingKey: nil,
            logger: self.logger
        ).rows
    }

    // MARK: Execution

    final class PlanCursor: Sendable {
        let nodes: [CQLNode]
        private let position = NIOLockedValueBox(0)

        init(_ nodes: [CQLNode]) { self.nodes = nodes }

        func next() -> CQLNode? {
            self.position.withLockedValue { position in
                guard position < self.nodes.count else { return nil }
                defer { position += 1 }
                return self.nodes[position]
            }
        }

        var hasMore: Bool { self.position.withLockedValue { $0 < self.nodes.count } }

        /// The next node, starting over at the plan's first node once it is exhausted (for retries,
        /// which are bounded by the retry policy).
        func nextWrapping() -> CQLNode? {
            self.position.withLockedValue { position in
                guard !self.nodes.isEmpty else { return nil }
                defer { position += 1 }
                return self.nodes[position % self.nodes.count]
            }
        }
    }

    func runRequest(
        _ request: Request,
        values: [CQLValue],
        options: CQLStatementOptions,
        keyspace: String?,
        routingKey: [UInt8]?,
        logger: Logger,
        pagingState: [UInt8]? = nil
    ) async throws -> CQLResult {
        try await self.waitUntilReady()
        let consistency = options.consistency ?? self.configuration.defaultConsistency
        let localOnly = consistency == .localQuorum || consistency == .localOne || consistency == .localSerial
        let (plan, shortfall) = self.state.withLockedValue {
            (
                $0.queryPlan(
                    keyspace: keyspace,
                    routingKey: routingKey,
                    policy: self.configuration.loadBalancingPolicy,
                    localOnly: localOnly
                ),
                $0.replicaShortfall(keyspace: keyspace, routingKey: routingKey, consistency: consistency)
            )
        }
        if let shortfall {
            // No coordinator can serve it: fail now rather than wait through the retry budget.
            self.metrics.requests.increment()
            self.metrics.requestErrors.increment()
            throw CQLClusterError(.replicasDown, "\(shortfall); nothing was sent")
        }
        var parameters = QueryParameters(consistency: consistency, serialConsistency: options.serialConsistency)
        parameters.pageSize = options.pageSize
        parameters.pagingState = pagingState
        let cursor = PlanCursor(plan)
        let started = ContinuousClock.now
        self.metrics.requests.increment()
        do {
            let result: CQLResult
            if options.allowsSpeculativeExecution,
                let delay = self.configuration.speculativeExecutionPolicy.nextExecutionDelay(
                    started: 1,
                    isIdempotent: options.isIdempotent
                )
            {
                result = try await self.runSpeculatively(
                    request, values: values, parameters: parameters, options: options, cursor: cursor,
                    firstDelay: delay, logger: logger
                )
            } else {
                result = try await self.runExecution(
                    request, values: values, parameters: parameters, options: options, cursor: cursor, logger: logger
                )
            }
            self.metrics.latency.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
            return result
        } catch {
            self.metrics.requestErrors.increment()
            throw error
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }

    private enum ExecutionOutcome: Sendable {
        case finished(CQLResult)
        case failed(any Error)
        case timerFired
    }

    /// Runs the first execution and, every `delay` while none has succeeded, one more on the next
    /// node of the shared plan; the first success wins.
    ///
    /// Executions are unstructured tasks on purpose: a losing execution waits for its node's answer
    /// (a CQL request cannot be taken back; its stream stays in use until the reply or the timeout),
    /// and a task group would make the winner wait for the slowest loser. Losers are cancelled and
    /// finish on their own; nothing they produce is used.
    private func runSpeculatively(
        _ request: Request,
        values: [CQLValue],
        parameters: QueryParameters,
        options: CQLStatementOptions,
        cursor: PlanCursor,
        firstDelay: Duration,
        logger: Logger
    ) async throws -> CQLResult {
        let policy = self.configuration.speculativeExecutionPolicy
        let (outcomes, continuation) = AsyncStream<ExecutionOutcome>.makeStream()
        var tasks: [Task<Void, Never>] = []
        defer {
            for task in tasks { task.cancel() }
            continuation.finish()
        }
        func startExecution() {
            tasks.append(
                Task {
                    do {
                        let result = try await self.runExecution(
                            request, values: values, parameters: parameters, options: options, cursor: cursor,
                            logger: logger
                        )
                        continuation.yield(.finished(result))
                    } catch {
                        continuation.yield(.failed(error))
                    }
                }
            )
        }
        func startTimer(_ delay: Duration) {
            tasks.append(
                Task {
                    guard (try? await self.clock.sleep(for: delay)) != nil else { return }
                    continuation.yield(.timerFired)
                }
            )
        }
        startExecution()
        startTimer(firstDelay)
        var executions = 1
        var running = 1
        for await outcome in outcomes {
            switch outcome {
            case .finished(let result):
                return result
            case .failed(let error):
                running -= 1
                // Every execution failed, each after walking the plan under the retry policy: waiting for
                // the next timer would only try nodes they already gave up on.
                if running == 0 { throw error }
            case .timerFired:
                guard cursor.hasMore else { continue }
                executions += 1
                running += 1
                self.metrics.speculativeExecutions.increment()
                logger.debug("cql speculative execution started", metadata: ["cql.execution": "\(executions)"])
                startExecution()
                if let delay = policy.nextExecutionDelay(started: executions, isIdempotent: options.isIdempotent) {
                    startTimer(delay)
                }
            }
        }
        // The stream only ends early when the caller's task was cancelled.
        throw CancellationError()
    }

    /// One execution: walks the plan, applying the retry policy after each failed attempt.
    private func runExecution(
        _ request: Request,
        values: [CQLValue],
        parameters: QueryParameters,
        options: CQLStatementOptions,
        cursor: PlanCursor,
        logger: Logger
    ) async throws -> CQLResult {
        var retries = 0
        var waits = 0
        var nodeErrors: [CQLNode: any Error] = [:]
        let started = ContinuousClock.now
        let policy = self.configuration.retryPolicy
        guard var node = cursor.next() else {
            throw CQLClusterError(.noNodeAvailable, "no node is up")
        }
        while true {
            try Task.checkCancellation()
            var effects = ClusterEffects()
            let leased = self.state.withLockedValue { $0.lease(node, effects: &effects) }
            self.run(effects)
            guard let (id, connection) = leased else {
                nodeErrors[node] = CQLClusterError(.noNodeAvailable, "no open connection with a free stream")
                if let next = cursor.next() {
                    node = next
                    continue
                }
                // Every node of the plan is busy: nothing was sent, so any statement may wait for a
                // free stream within the retry budget. When no node is up at all there is nothing to
                // wait for: fail at once (the caller answers "unavailable", not a hang).
                let anyUp = self.state.withLockedValue { !$0.upNodes.isEmpty }
                guard anyUp, policy.allowsWaiting(elapsed: ContinuousClock.now - started), let next = cursor.nextWrapping() else {
                    throw CQLClusterError(.noNodeAvailable, "every node of the query plan failed", nodeErrors: nodeErrors)
                }
                waits += 1
                try await self.clock.sleep(for: max(policy.delay(beforeRetry: waits + 1), .milliseconds(10)))
                node = next
                continue
            }
            do {
                let result = try await self.attempt(
                    request, values: values, parameters: parameters, timeout: options.timeout, node: node,
                    connection: connection
                )
                self.state.withLockedValue { $0.release(node, id) }
                return result
            } catch {
                self.state.withLockedValue { $0.release(node, id) }
                if connection.isClosed { self.run(self.state.withLockedValue { $0.connectionClosed(node, id) }) }
                if error is CancellationError || Task.isCancelled { throw error }
                let failure = Self.classify(error)
                let decision = policy.decide(
                    failure,
                    retriesSoFar: retries,
                    isIdempotent: options.isIdempotent,
                    elapsed: ContinuousClock.now - started
                )
                logger.debug(
                    "cql attempt failed",
                    metadata: ["cql.node": "\(node)", "cql.error": "\(error)", "cql.decision": "\(decision)"]
                )
                let countsAsRetry = failure != .notSent && failure != .bootstrapping
                switch decision {
                case .rethrow:
                    throw error
                case .retrySameNode:
                    retries += 1
                    self.metrics.retries.increment()
                case .retryNextNode:
                    if countsAsRetry {
                        retries += 1
                        self.metrics.retries.increment()
                    }
                    nodeErrors[node] = error
                    guard let next = countsAsRetry ? cursor.nextWrapping() : cursor.next() else {
                        throw CQLClusterError(
                            .noNodeAvailable,
                            "every node of the query plan failed",
                            nodeErrors: nodeErrors
                        )
                    }
                    node = next
                }
                if countsAsRetry {
                    let delay = policy.delay(beforeRetry: retries)
                    if delay > .zero { try await self.clock.sleep(for: delay) }
                }
            }
        }
    }

    /// One attempt on one connection; an UNPREPARED answer re-prepares on that node and retries once.
    private func attempt(
        _ request: Request,
        values: [CQLValue],
        parameters: QueryParameters,
        timeout: Duration?,
        node: CQLNode,
        connection: any ClusterConnection
    ) async throws -> CQLResult {
        let timeout = timeout ?? self.configuration.requestTimeout
        switch request {
        case .query(let cql):
            return try await connection.query(cql, parameters: parameters, timeout: timeout)
        case .execute(let cql):
            var statement = try await self.ensurePrepared(cql, on: node, connection: connection, force: false)
            do {
                return try await self.executePrepared(statement, values, parameters, timeout, connection)
            } catch let error as CQLError where error.code == .unprepared {
                self.logger.debug("cql statement unprepared on node", metadata: ["cql.node": "\(node)"])
                statement = try await self.ensurePrepared(cql, on: node, connection: connection, force: true)
                return try await self.executePrepared(statement, values, parameters, timeout, connection)
            }
        case .batch(let kind, let statements):
            func build(force: Bool) async throws -> CQLBatch {
                var batch = CQLBatch(kind: kind)
                for statement in statements {
                    let prepared = try await self.ensurePrepared(
                        statement.cql, on: node, connection: connection, force: force)
                    batch.add(prepared, values: statement.values)
                }
                return batch
            }
            do {
                return try await connection.batch(try await build(force: false), parameters: parameters, timeout: timeout)
            } catch let error as CQLError where error.code == .unprepared {
                return try await connection.batch(try await build(force: true), parameters: parameters, timeout: timeout)
            }
        }
    }

    private func executePrepared(
        _ statement: PreparedStatement,
        _ values: [CQLValue],
        _ parameters: QueryParameters,
        _ timeout: Duration,
        _ connection: any ClusterConnection
    ) async throws -> CQLResult {
        let result = try await connection.execute(statement, values: values, parameters: parameters, timeout: timeout)
        // Rows of a prepared SELECT may come without metadata (skip_metadata); attach the columns.
        if case .rows(let rows) = result, !rows.hasMetadata, !statement.resultColumns.isEmpty {
            return .rows(rows.withColumns(statement.resultColumns))
        }
        return result
    }

    /// Maps an attempt's error onto what the retry policy cares about.
    static func classify(_ error: any Error) -> CQLAttemptFailure {
        guard let error = error as? CQLError else {
            switch (error as? CQLClusterError)?.code {
            case .noNodeAvailable?: return .notSent
            case .replicasDown?: return .unavailable
            default: return .fatal
            }
        }
        switch error.code {
        case .unavailable: return .unavailable
        case .readTimeout:
            return .readTimeout(
                received: Int(error.received ?? 0),
                blockFor: Int(error.blockFor ?? 1),
                dataPresent: error.dataPresent ?? false
            )
        case .writeTimeout: return .writeTimeout(writeType: error.writeType ?? "")
        case .overloaded: return .overloaded
        case .isBootstrapping: return .bootstrapping
        case .serverError, .truncateError: return .serverError
        case .connectionClosed, .heartbeatTimedOut: return .connectionLost
        case .requestTimedOut: return .clientTimeout
        case .tooManyRequests, .connectTimedOut, .connectionFailed: return .notSent
        default: return .fatal
        }
    }
}
