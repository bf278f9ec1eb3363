import Logging

/// Rows of a statement, fetched page by page as the sequence is iterated (server paging, v2+).
///
/// A page is requested only when the previous one has been consumed. On protocol v1 there is no
/// server paging: the first (only) page holds every row the statement returns, so statements must
/// carry a `LIMIT`; use ``CQLClient/scanPartitions(keyspace:table:partitionKey:columns:pageSize:options:)``
/// or ``CQLClient/scanClustering(keyspace:table:partitionKey:clusteringColumn:columns:descending:pageSize:options:)``
/// to walk larger results on v1.
public struct CQLRowSequence: AsyncSequence, Sendable {
    /// One row.
    public typealias Element = CQLRow

    /// Where the next page starts: the server's paging state, or the last key of a v1 walk.
    enum Cursor: Sendable {
        case pagingState([UInt8])
        case lastKey([CQLValue])
    }

    /// Fetches the page after `cursor` (`nil`: the first page); returns its rows and the next cursor.
    let fetch: @Sendable (_ cursor: Cursor?) async throws -> (rows: [CQLRow], next: Cursor?)

    /// Creates the iterator; nothing is fetched before the first `next()`.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fetch: self.fetch) }

    /// Iterates rows, fetching the next page on demand.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable (_ cursor: Cursor?) async throws -> (rows: [CQLRow], next: Cursor?)
        var buffer: [CQLRow] = []
        var position = 0
        var cursor: Cursor?
        var finished = false

        /// The next row, fetching a page when the current one is used up.
        public mutating func next() async throws -> CQLRow? {
            while self.position == self.buffer.count {
                if self.finished { return nil }
                let page = try await self.fetch(self.cursor)
                self.buffer = page.rows
                self.position = 0
                self.cursor = page.next
                self.finished = page.next == nil
            }
            defer { self.position += 1 }
            return self.buffer[self.position]
        }
    }
}

extension CQLClient {
    /// The rows of a prepared statement as an `AsyncSequence`, fetched in pages of
    /// ``CQLStatementOptions/pageSize`` rows (default 5000) driven by demand (v2+).
    ///
    /// - Parameters:
    ///   - cql: the SELECT with `?` markers.
    ///   - values: one value per marker.
    ///   - options: consistency, idempotence, page size.
    public func rows(_ cql: String, _ values: [CQLValue] = [], options: CQLStatementOptions = .init()) -> CQLRowSequence {
        var options = options
        if options.pageSize == nil { options.pageSize = 5000 }
        let fixedOptions = options
        return CQLRowSequence { cursor in
            var pagingState: [UInt8]?
            if case .pagingState(let state) = cursor { pagingState = state }
            let rows = try await self.executePage(cql, values, options: fixedOptions, pagingState: pagingState)
            return (rows?.rows ?? [], rows?.pagingState.map { .pagingState($0) })
        }
    }

    func executePage(_ cql: String, _ values: [CQLValue], options: CQLStatementOptions, pagingState: [UInt8]?)
        async throws -> CQLRows?
    {
        try await self.waitUntilReady()
        let entry = try await self.preparedEntry(for: cql, logger: self.logger)
        let routingKey = try options.routingKey ?? self.routingKey(entry, values: values)
        return try await self.runRequest(
            .execute(cql),
            values: values,
            options: options,
            keyspace: entry.statement.keyspace,
            routingKey: routingKey,
            logger: self.logger,
            pagingState: pagingState
        ).rows
    }

    /// Walks a whole table partition by partition in token order, `pageSize` rows per request,
    /// without server paging (works on protocol v1).
    ///
    /// The first request is `SELECT columns FROM table LIMIT n`; each next one is
    /// `… WHERE token(pk…) > token(?…) LIMIT n`, bound to the last row's partition key. Meant for
    /// tables whose rows are their partitions (no clustering columns), or for reading partition keys;
    /// a partition with more rows than fit the page's end is not resumed — walk those with
    /// ``scanClustering(keyspace:table:partitionKey:clusteringColumn:columns:descending:pageSize:options:)``.
    ///
    /// - Parameters:
    ///   - keyspace: the keyspace.
    ///   - table: the table.
    ///   - partitionKey: the partition-key columns, in order.
    ///   - columns: extra columns to read (the partition-key columns are always read first).
    ///   - pageSize: rows per request.
    ///   - options: consistency and idempotence (scans are reads: mark them idempotent).
    public func scanPartitions(
        keyspace: String,
        table: String,
        partitionKey: [String],
        columns: [String] = [],
        pageSize: Int = 1000,
        options: CQLStatementOptions = .idempotent()
    ) throws -> CQLRowSequence {
        guard !partitionKey.isEmpty, pageSize > 0 else {
            throw CQLClusterError(.invalidRequest, "a scan needs partition-key columns and a positive page size")
        }
        let selected = try (partitionKey + columns.filter { !partitionKey.contains($0) }).map(Self.identifier)
        let name = try Self.identifier(keyspace) + "." + Self.identifier(table)
        let key = try partitionKey.map(Self.identifier).joined(separator: ", ")
        let markers = Array(repeating: "?", count: partitionKey.count).joined(separator: ", ")
        let first = "SELECT \(selected.joined(separator: ", ")) FROM \(name) LIMIT \(pageSize)"
        let next = "SELECT \(selected.joined(separator: ", ")) FROM \(name) WHERE token(\(key)) > token(\(markers)) LIMIT \(pageSize)"
        let keyCount = partitionKey.count
        return CQLRowSequence { cursor in
            var lastKey: [CQLValue] = []
            if case .lastKey(let key) = cursor { lastKey = key }
            let rows = try await self.executePage(lastKey.isEmpty ? first : next, lastKey, options: options, pagingState: nil)
            guard let rows, rows.count == pageSize, let last = rows.rows.last else { return (rows?.rows ?? [], nil) }
            return (rows.rows, .lastKey(try (0..<keyCount).map { try last.value(at: $0) }))
        }
    }

    /// Walks the rows of one partition in clustering order, `pageSize` rows per request, without
    /// server paging (works on protocol v1): `… WHERE pk = ? … AND clustering > ? LIMIT n`.
    ///
    /// - Parameters:
    ///   - keyspace: the keyspace.
    ///   - table: the table.
    ///   - partitionKey: the partition-key columns and their values.
    ///   - clusteringColumn: the (first and only walked) clustering column; its values must be unique
    ///     within the partition.
    ///   - columns: extra columns to read (the clustering column is always read first).
    ///   - descending: `true` when the table's clustering order is DESC (the walk then uses `<`).
    ///   - pageSize: rows per request.
    ///   - options: consistency and idempotence.
    public func scanClustering(
        keyspace: String,
        table: String,
        partitionKey: [(column: String, value: CQLValue)],
        clusteringColumn: String,
        columns: [String] = [],
        descending: Bool = false,
        pageSize: Int = 1000,
        options: CQLStatementOptions = .idempotent()
    ) throws -> CQLRowSequence {
        guard !partitionKey.isEmpty, pageSize > 0 else {
            throw CQLClusterError(.invalidRequest, "a scan needs the partition key and a positive page size")
        }
        let selected = try ([clusteringColumn] + columns.filter { $0 != clusteringColumn }).map(Self.identifier)
        let name = try Self.identifier(keyspace) + "." + Self.identifier(table)
        let keyClause = try partitionKey.map { "\(try Self.identifier($0.column)) = ?" }.joined(separator: " AND ")
        let clustering = try Self.identifier(clusteringColumn)
        let base = "SELECT \(selected.joined(separator: ", ")) FROM \(name) WHERE \(keyClause)"
        let first = "\(base) LIMIT \(pageSize)"
        let next = "\(base) AND \(clustering) \(descending ? "<" : ">") ? LIMIT \(pageSize)"
        let keyValues = partitionKey.map(\.value)
        return CQLRowSequence { cursor in
            var lastValue: [CQLValue] = []
            if case .lastKey(let key) = cursor { lastValue = key }
            let rows = try await self.executePage(
                lastValue.isEmpty ? first : next,
                keyValues + lastValue,
                options: options,
                pagingState: nil
            )
            guard let rows, rows.count == pageSize, let lastRow = rows.rows.last else { return (rows?.rows ?? [], nil) }
            return (rows.rows, .lastKey([try lastRow.value(at: 0)]))
        }
    }

    /// Accepts plain CQL identifiers only; they are spliced into generated statements.
    static func identifier(_ name: String) throws -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_",
            name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" })
        else {
            throw CQLClusterError(.invalidRequest, "not a plain CQL identifier")
        }
        return name
    }
}
