import Logging
import NIOPosix
import SQLiteNIO

/// Copies the WAL back into the database file in the background, so that commits do not.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its mark, on the writer's
/// thread, and stalls every click batch waiting behind it. This runs `PRAGMA
/// wal_checkpoint(PASSIVE)` every ``interval`` on a connection and a thread of its own; a passive
/// checkpoint never blocks the writer or a reader. The writer keeps a far automatic checkpoint
/// (``SQLiteStore``) as the bound on the WAL should this fall behind.
final class SQLiteCheckpointer: Sendable {
    /// How often the WAL is checkpointed: often enough that each checkpoint is small.
    static let interval: Duration = .milliseconds(25)

    private let connection: SQLiteConnection
    private let thread: NIOThreadPool
    private let loop: Task<Void, Never>

    private init(connection: SQLiteConnection, thread: NIOThreadPool, logger: Logger) {
        self.connection = connection
        self.thread = thread
        loop = Task {
            var failing = false
            while true {
                // Cancelled only by close().
                do { try await Task.sleep(for: Self.interval) } catch { return }
                do {
                    _ = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
                    if failing { logger.info("WAL checkpoints succeed again") }
                    failing = false
                } catch {
                    if Task.isCancelled { return }
                    // A full disk, say: the writer's own checkpoint still bounds the WAL. Said once per streak.
                    if !failing { logger.warning("WAL checkpoint failed", metadata: ["error": "\(String(reflecting: error))"]) }
                    failing = true
                }
            }
        }
    }

    /// Opens the checkpointer's connection to the database at `path` and starts checkpointing.
    static func start(path: String, logger: Logger) async throws -> SQLiteCheckpointer {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: thread, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            return SQLiteCheckpointer(connection: connection, thread: thread, logger: logger)
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
    }

    /// Stops checkpointing and closes the connection and its thread.
    func close() async throws {
        loop.cancel()
        await loop.value
        do {
            try await connection.close()
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
        try await thread.shutdownGracefully()
    }
}
