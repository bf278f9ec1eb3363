import Synchronization
import VaporCSQLite

/// A connection to the store's file whose statements are prepared once and kept and run on the
/// calling thread: the request path's reads (``SQLiteReadPool``, on the request's thread), the
/// writer's event batches (``SQLiteWriter``, on the writer's thread) and the background WAL
/// checkpoints (``SQLiteCheckpointer``) go through it.
///
/// It uses sqlite-nio's own SQLite library (`VaporCSQLite`), never a second copy: two copies of
/// SQLite in one process do not see each other's POSIX locks and can corrupt the file
/// (sqlite.org/howtocorrupt.html §2.2.1). Not thread-safe by itself: it is `Sendable` only so that
/// a lock (the read pool's) or a single thread (the writer's) can hold it, one caller at a time.
final class SQLitePreparedConnection: @unchecked Sendable {
    /// What the connection is for, and so how it is set up.
    enum Role {
        /// Reads only (`query_only`), with a page cache of `cacheKibibytes`.
        case reader(cacheKibibytes: Int)
        /// Writes, synced as the store's writer connection is (`synchronousFull`: `FULL`, else
        /// `NORMAL`), with a page cache of `cacheKibibytes`.
        case writer(synchronousFull: Bool, cacheKibibytes: Int)
    }

    /// A value bound to a statement's parameter.
    enum Value {
        case integer(Int64)
        case text(String)
        case blob([UInt8])
    }

    private var database: OpaquePointer?
    /// Prepared statements by their SQL text.
    private var statements: [String: OpaquePointer] = [:]

    /// Opens `path`, which the store's sqlite-nio writer has created and put in WAL mode.
    init(path: String, role: Role) throws(SQLiteStatementError) {
        var database: OpaquePointer?
        // NOMUTEX: one caller at a time (see the type's comment), so SQLite's own mutex is not needed.
        let status = sqlite_nio_sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK else {
            let error = SQLiteStatementError(code: status, database: database, doing: "open \(path)")
            sqlite_nio_sqlite3_close(database)
            throw error
        }
        self.database = database
        // A statement waits for a lock at most this long, then fails as unavailable (HTTP 503).
        sqlite_nio_sqlite3_busy_timeout(database, 5_000)
        do {
            switch role {
            case .reader(let cacheKibibytes):
                try execute("PRAGMA query_only = ON")
                try execute("PRAGMA cache_size = -\(cacheKibibytes)")
            case .writer(let synchronousFull, let cacheKibibytes):
                try execute("PRAGMA synchronous = \(synchronousFull ? "FULL" : "NORMAL")")
                try execute("PRAGMA temp_store = MEMORY")
                try execute("PRAGMA cache_size = -\(cacheKibibytes)")
            }
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Finalizes every statement and closes the connection; later statements fail.
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
        defer { sqlite_nio_sqlite3_reset(statement) }
        try checkCount(binds.count, of: statement, sql)
        for (index, value) in binds.enumerated() {
            try check(sqlite_nio_sqlite3_bind_int64(statement, Int32(index + 1), value), "bind")
        }
        try steps(statement, row: row)
    }

    /// Runs `sql` (prepared on first use and kept) with `values` bound to `?1`, `?2`, …, calling
    /// `row` for every result row. For an `INSERT`, `UPDATE` or `DELETE`, returns how many rows it
    /// changed (what else it returns is SQLite's count of the last such statement).
    @discardableResult
    func run(_ sql: String, _ values: [Value] = [], row: (SQLiteResultRow) throws -> Void = { _ in }) throws -> Int {
        let statement = try prepared(sql)
        defer { sqlite_nio_sqlite3_reset(statement) }
        try checkCount(values.count, of: statement, sql)
        for (index, value) in values.enumerated() {
            let parameter = Int32(index + 1)
            let status = switch value {
            case .integer(let integer):
                sqlite_nio_sqlite3_bind_int64(statement, parameter, integer)
            case .text(let text):
                sqlite_nio_sqlite3_bind_text64(statement, parameter, text, UInt64(text.utf8.count), SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
            case .blob(let bytes) where bytes.isEmpty:
                // A null pointer would bind NULL, not an empty blob.
                sqlite_nio_sqlite3_bind_zeroblob(statement, parameter, 0)
            case .blob(let bytes):
                bytes.withUnsafeBytes { sqlite_nio_sqlite3_bind_blob64(statement, parameter, $0.baseAddress, UInt64($0.count), SQLITE_TRANSIENT) }
            }
            try check(status, "bind")
        }
        try steps(statement, row: row)
        return Int(sqlite_nio_sqlite3_changes64(database))
    }

    /// How many times SQLite has prepared this connection's kept statements again (after a schema
    /// change, or a bind that could change a plan): near 0, or statements are not really kept.
    var reprepares: Int {
        statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1, SQLITE_STMTSTATUS_REPREPARE, 0)) }
    }

    /// Calls `hook` with the WAL's length in pages after each commit on this connection, instead of
    /// SQLite's automatic checkpoint, which the hook replaces. `hook` runs inside the commit: it
    /// must be quick, and must outlive the connection or the next call to this method.
    func onWALCommit(_ hook: SQLiteCheckpointer) {
        guard let database else { return }
        _ = sqlite_nio_sqlite3_wal_hook(
            database,
            { context, database, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(pages: Int(pages), database: database)
                return SQLITE_OK
            },
            Unmanaged.passUnretained(hook).toOpaque())
    }

    /// Copies what the WAL holds back into the database file as far as no reader still needs it
    /// (`PASSIVE`: it never waits for a reader or the writer). Returns false, having done nothing,
    /// when another connection was checkpointing.
    func checkpoint() throws(SQLiteStatementError) -> Bool {
        let status = Self.passiveCheckpoint(database)
        if status & 0xff == SQLITE_BUSY { return false }
        guard status == SQLITE_OK else { throw SQLiteStatementError(code: status, database: database, doing: "checkpoint") }
        return true
    }

    /// A `PASSIVE` checkpoint of `database`'s WAL, whichever connection it is: SQLite's status.
    static func passiveCheckpoint(_ database: OpaquePointer?) -> Int32 {
        sqlite_nio_sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    /// Whether a transaction is open (SQLite ends some on its own when a statement in them fails).
    var inTransaction: Bool { database.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }

    // Not `sqlite3_clear_bindings` before a run: every parameter is bound anew, and clearing marks a
    // statement whose plan read a parameter (`expmask`) to be prepared again, which costs 9 % of the
    // server's CPU under `/recommends`.
    private func steps(_ statement: OpaquePointer, row: (SQLiteResultRow) throws -> Void) throws {
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw SQLiteStatementError(code: status, database: database, doing: "step") }
            try row(SQLiteResultRow(statement: statement))
        }
    }

    private func checkCount(_ count: Int, of statement: OpaquePointer, _ sql: String) throws(SQLiteStatementError) {
        guard count == Int(sqlite_nio_sqlite3_bind_parameter_count(statement)) else {
            throw SQLiteStatementError(code: SQLITE_RANGE, database: nil, doing: "bind \(count) values to \(sql)")
        }
    }

    private func check(_ status: Int32, _ doing: String) throws(SQLiteStatementError) {
        guard status == SQLITE_OK else { throw SQLiteStatementError(code: status, database: database, doing: doing) }
    }

    private func prepared(_ sql: String) throws(SQLiteStatementError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        guard let database else { throw SQLiteStatementError(code: SQLITE_MISUSE, database: nil, doing: "a statement after close") }
        var statement: OpaquePointer?
        // PERSISTENT: kept for the connection's life, so SQLite allocates it outside its lookaside memory.
        let status = sqlite_nio_sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteStatementError(code: status, database: database, doing: "prepare")
        }
        statements[sql] = statement
        return statement
    }

    private func execute(_ sql: String) throws(SQLiteStatementError) {
        let status = sqlite_nio_sqlite3_exec(database, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw SQLiteStatementError(code: status, database: database, doing: sql) }
    }
}

/// SQLite copies a value bound with this destructor before the bind returns.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One result row of ``SQLitePreparedConnection``'s statements: typed reads of its columns by
/// index, straight from SQLite's memory. Valid only during the call it is passed to.
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

    /// The value's UTF-8 bytes lent to `body` (no `String` made), or `nil` when it is NULL.
    func withText<Result>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        guard let bytes = sqlite_nio_sqlite3_column_text(statement, column) else { return nil }
        return try body(UnsafeBufferPointer(start: bytes, count: Int(sqlite_nio_sqlite3_column_bytes(statement, column))))
    }

    /// `body` over the value's bytes as a blob (no copy), or `nil` when it is NULL.
    func withBlob<Result>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, column) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// The value's bytes as a blob, or `nil` when it is NULL.
    func blob(_ column: Int32) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite_nio_sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
