import Synchronization
import VaporCSQLite

/// A read-only connection to the store's file for the request path: its statements are prepared
/// once and kept, and a read runs on the calling thread, with no hop to a thread pool.
///
/// It uses sqlite-nio's own SQLite library (`VaporCSQLite`), never a second copy: two copies of
/// SQLite in one process do not see each other's POSIX locks and can corrupt the file
/// (sqlite.org/howtocorrupt.html §2.2.1). Not thread-safe by itself: it is `Sendable` only so that
/// ``SQLiteReadPool``'s locks can hold it, and the pool lends it to one caller at a time.
final class SQLiteReadConnection: @unchecked Sendable {
    private var database: OpaquePointer?
    /// Prepared statements by their SQL text.
    private var statements: [String: OpaquePointer] = [:]

    /// Opens `path` (which the store's writer has created) for reads only.
    init(path: String, cacheKibibytes: Int) throws(SQLiteReadError) {
        var database: OpaquePointer?
        // NOMUTEX: the pool lends the connection to one thread at a time, so SQLite's own mutex is not needed.
        let status = sqlite_nio_sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK else {
            let error = SQLiteReadError(code: status, database: database, doing: "open \(path)")
            sqlite_nio_sqlite3_close(database)
            throw error
        }
        self.database = database
        // A read waits for a lock at most this long, then fails as unavailable (HTTP 503).
        sqlite_nio_sqlite3_busy_timeout(database, 5_000)
        do {
            try execute("PRAGMA query_only = ON")
            try execute("PRAGMA cache_size = -\(cacheKibibytes)")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Finalizes every statement and closes the connection; later reads fail.
    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let database { sqlite_nio_sqlite3_close(database) }
        database = nil
    }

    /// Runs `sql` (its statement prepared on first use and kept) with `binds` bound to `?1`, `?2`, …,
    /// calling `row` for every result row. The row's values are valid only during that call.
    func read(_ sql: String, _ binds: [Int64], row: (SQLiteResultRow) throws -> Void) throws {
        let statement = try prepared(sql)
        // Not `sqlite3_clear_bindings`: every parameter is bound anew, and clearing marks a statement
        // whose plan read a parameter (`expmask`) to be prepared again, which cost 9 % of the server's
        // CPU under `/recommends`.
        defer { sqlite_nio_sqlite3_reset(statement) }
        guard binds.count == Int(sqlite_nio_sqlite3_bind_parameter_count(statement)) else {
            throw SQLiteReadError(code: SQLITE_RANGE, database: nil, doing: "bind \(binds.count) values to \(sql)")
        }
        for (index, value) in binds.enumerated() {
            let status = sqlite_nio_sqlite3_bind_int64(statement, Int32(index + 1), value)
            guard status == SQLITE_OK else { throw SQLiteReadError(code: status, database: database, doing: "bind") }
        }
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw SQLiteReadError(code: status, database: database, doing: "step") }
            try row(SQLiteResultRow(statement: statement))
        }
    }

    /// How many times SQLite has prepared this connection's kept statements again (after a schema
    /// change, or a bind that could change a plan): near 0, or statements are not really kept.
    var reprepares: Int {
        statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1, SQLITE_STMTSTATUS_REPREPARE, 0)) }
    }

    private func prepared(_ sql: String) throws(SQLiteReadError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        guard let database else { throw SQLiteReadError(code: SQLITE_MISUSE, database: nil, doing: "read after close") }
        var statement: OpaquePointer?
        // PERSISTENT: kept for the connection's life, so SQLite allocates it outside its lookaside memory.
        let status = sqlite_nio_sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteReadError(code: status, database: database, doing: "prepare")
        }
        statements[sql] = statement
        return statement
    }

    private func execute(_ sql: String) throws(SQLiteReadError) {
        let status = sqlite_nio_sqlite3_exec(database, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw SQLiteReadError(code: status, database: database, doing: sql) }
    }
}

/// One result row of ``SQLiteReadConnection/read(_:_:row:)``: typed reads of its columns by index,
/// straight from SQLite's memory. Valid only during the call it is passed to.
struct SQLiteResultRow {
    fileprivate let statement: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite_nio_sqlite3_column_type(statement, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(statement, column) }

    /// The value, or `nil` when it is NULL.
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func double(_ column: Int32) -> Double { sqlite_nio_sqlite3_column_double(statement, column) }

    /// The value as UTF-8 text, or `nil` when it is NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite_nio_sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The value's bytes as a blob, or `nil` when it is NULL.
    func blob(_ column: Int32) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
