import VaporCSQLite

/// An error of a statement on a ``SQLitePreparedConnection``: SQLite's result code and message.
public struct SQLiteStatementError: Error, CustomStringConvertible {
    /// SQLite's (extended) result code.
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    init(code: Int32, database: OpaquePointer?, doing: String) {
        self.code = code
        let detail = database.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite_nio_sqlite3_errstr(code))
        message = "\(doing): \(detail)"
    }

    /// Busy, locked, out of memory or space, read-only, unable to open or an I/O error: the store
    /// cannot serve now, nothing is wrong with the request or the code.
    public var isUnavailable: Bool {
        [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN]
            .contains(code & 0xff)
    }

    public var description: String { "SQLite error \(code): \(message)" }
}
