import CQL
import NIOPosix
import SQLiteNIO

/// Sorts store errors into the two answers the service gives: a store that cannot be reached or
/// did not answer in time (the caller should retry later: HTTP 503) and everything else (a bug or a
/// bad state someone must look at: HTTP 500).
public enum StoreFailure {
    /// Whether `error` means the store is unreachable, overloaded, out of space or timed out.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError, is NIOThreadPoolError.ThreadPoolInactive:
            return true
        case let error as CQLError:
            return unavailableCQLCodes.contains(error.code)
        case let error as CQLClusterError:
            return error.code != .invalidRequest
        case let error as SQLiteError:
            return isUnavailable(error.reason)
        case let error as SQLiteStatementError:
            return error.isUnavailable
        case let error as StoreError:
            if case .unreachable = error { return true }
            return false
        default:
            return false
        }
    }

    /// Server answers and client conditions that say "not now", never "wrong".
    static let unavailableCQLCodes: Set<CQLError.Code> = [
        .unavailable, .overloaded, .isBootstrapping, .writeTimeout, .readTimeout, .connectionClosed,
        .connectionClosedDuringStartup, .requestTimedOut, .connectionFailed, .requestCancelled, .connectTimedOut,
        .tooManyRequests, .heartbeatTimedOut,
    ]

    static func isUnavailable(_ reason: SQLiteError.Reason) -> Bool {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache, .full, .noMemory,
            .cantOpen, .cantOpenDirectory, .readOnly, .readonlyCantLock, .readonlyDirectory, .readonlyInRecovery,
            .ioError, .ioErrorFailedRead, .ioErrorIncompleteRead, .ioErrorFailedWrite, .ioErrorFailedSync,
            .ioErrorFailedDirSync, .ioErrorFailedTruncate, .ioErrorFailedStat, .ioErrorFailedUnlock,
            .ioErrorFailedReadLock, .ioErrorNoMemory, .ioErrorFailedAccess, .ioErrorFailedLockCheck,
            .ioErrorFailedAdvisoryLock, .ioErrorFailedSharedMemOpen, .ioErrorFailedSharedMemSize,
            .ioErrorFailedSharedMemMap, .ioErrorFailedMemoryMap, .ioErrorCantFindTempdir:
            return true
        default:
            return false
        }
    }
}
