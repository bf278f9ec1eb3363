import Synchronization
import VaporCSQLite

/// The request path's read connections (``SQLitePreparedConnection``), each behind a lock of its own.
///
/// A read takes the first free connection from a rotating start and runs on the caller's thread:
/// no thread-pool hop, no statement parse after the first. Requests share no lock: with more
/// connections than threads that read (Swift's cooperative pool has one per core), a read finds a
/// free one at once and waits only when every connection is busy. A read of a user's partitions is
/// a few B-tree seeks in pages the connection has cached, tens of microseconds of CPU; a read that
/// must go to the disk holds its thread for that time.
final class SQLiteReadPool: Sendable {
    private final class Slot: Sendable {
        let connection: Mutex<SQLitePreparedConnection?>
        init(_ connection: sending SQLitePreparedConnection) { self.connection = Mutex(connection) }
    }

    private let slots: [Slot]
    private let next = Atomic<Int>(0)

    /// Opens `count` connections to `path`, each with a page cache of `cacheKibibytes`.
    init(path: String, count: Int, cacheKibibytes: Int) throws(SQLiteStatementError) {
        var slots: [Slot] = []
        for _ in 0..<max(1, count) {
            slots.append(Slot(try SQLitePreparedConnection(path: path, role: .reader(cacheKibibytes: cacheKibibytes))))
        }
        self.slots = slots
    }

    /// Runs `body` with a connection of its own; fails after ``close()``.
    func withConnection<Result: Sendable>(_ body: (SQLitePreparedConnection) throws -> Result) throws -> Result {
        let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in 0..<slots.count {
            let slot = slots[(start &+ offset) % slots.count]
            if let result = try slot.connection.withLockIfAvailable({ try Self.run($0, body) }) { return result }
        }
        // Every connection is busy: wait for the first one tried.
        return try slots[start % slots.count].connection.withLock { try Self.run($0, body) }
    }

    private static func run<Result: Sendable>(
        _ connection: SQLitePreparedConnection?, _ body: (SQLitePreparedConnection) throws -> Result
    ) throws -> Result {
        guard let connection else { throw SQLiteStatementError(code: SQLITE_MISUSE, database: nil, doing: "read after the store closed") }
        return try body(connection)
    }

    /// The connections' ``SQLitePreparedConnection/reprepares`` summed (waits for reads in progress).
    var reprepares: Int {
        slots.reduce(0) { total, slot in total + slot.connection.withLock { $0?.reprepares ?? 0 } }
    }

    /// Closes every connection, waiting for reads in progress.
    func close() {
        for slot in slots {
            slot.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
    }
}
