#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wall-clock time in the units the stores use.
public enum WallClock {
    /// Milliseconds since 1970, UTC.
    public static var nowMilliseconds: Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
