import Logging
import NIOPosix
import Synchronization

/// Checkpoints the WAL as it grows, on a connection and a thread of its own, so that commits do not.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages, on the
/// writer's thread, and every click batch waits behind its copy and its two fsyncs. Installed on
/// the writer's event connection (``SQLitePreparedConnection/onWALCommit(_:)``), this sees the
/// WAL's length after each commit and, while it is at or past ``backgroundPages``, has its own
/// thread run a passive checkpoint, one at a time (a passive checkpoint never blocks the writer or
/// a reader): checkpoints follow each other until one copies everything and the WAL restarts from
/// its beginning, as SQLite's own would after each commit. Past ``inlinePages`` (a checkpointer
/// that falls behind or fails, as on a full disk) commits checkpoint inline, as SQLite would have.
/// A reader that holds an old snapshot for long keeps the WAL from restarting, whoever checkpoints.
final class SQLiteCheckpointer: Sendable {
    /// The WAL's length from which checkpoints run: SQLite's own automatic mark.
    static let backgroundPages = 1_000
    /// The length past which a commit checkpoints itself (~80 MB at 4 KiB pages).
    static let inlinePages = 20_000

    private let connection: SQLitePreparedConnection
    private let thread: NIOThreadPool
    private let running = Atomic<Bool>(false)
    private let failing = Atomic<Bool>(false)
    private let completedCount = Atomic<Int>(0)
    private let logger: Logger

    /// Opens the checkpoints' connection to `path` and starts their thread.
    init(path: String, synchronousFull: Bool, logger: Logger) throws(SQLiteStatementError) {
        connection = try SQLitePreparedConnection(path: path, role: .writer(synchronousFull: synchronousFull, cacheKibibytes: 2048))
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        self.logger = logger
    }

    /// Called inside each commit with the WAL's length and the committing connection: on the
    /// writer's thread, one commit at a time.
    func committed(pages: Int, database: OpaquePointer?) {
        if pages >= Self.inlinePages {
            _ = SQLitePreparedConnection.passiveCheckpoint(database)
            return
        }
        // Every commit past the threshold asks for a checkpoint, not once per 1,000 pages of growth:
        // a checkpoint that could not copy everything would otherwise wait for the next 1,000, and
        // a long WAL slows every click (docs/benchmarks/service.md).
        guard pages >= Self.backgroundPages,
            running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        thread.submit { [self] state in
            defer { running.store(false, ordering: .releasing) }
            guard case .active = state else { return }
            do {
                // Busy (another connection checkpointing, as sqlite-nio's does on its own commits) is
                // a checkpoint skipped, not a failure.
                guard try connection.checkpoint() else { return }
                completedCount.add(1, ordering: .relaxed)
                if failing.exchange(false, ordering: .relaxed) { logger.info("WAL checkpoints succeed again") }
            } catch {
                // A full disk, say: the inline mark still bounds the WAL. Said once per streak.
                if !failing.exchange(true, ordering: .relaxed) {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Background checkpoints that succeeded so far.
    var completed: Int { completedCount.load(ordering: .relaxed) }

    /// Waits for a checkpoint in progress, then closes the connection and the thread.
    func close() async throws {
        try await thread.shutdownGracefully()
        connection.close()
    }
}
