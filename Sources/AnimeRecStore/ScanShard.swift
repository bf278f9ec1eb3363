import CQL

/// One of `count` equal shares of the Murmur3 token ring, so that `count` processes can split an
/// offline walk of the users (`rebuild --shard index/count`, 1-based on the command line).
public struct ScanShard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based share.
    public var index: Int
    /// Number of shares.
    public var count: Int

    /// The whole ring.
    public static let all = ScanShard(uncheckedIndex: 0, count: 1)

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Share `index` (0-based) of `count`.
    public init(index: Int, count: Int) throws(ScanShardError) {
        guard count >= 1, count <= 4096 else { throw .invalid("the shard count must be from 1 to 4096") }
        guard (0..<count).contains(index) else { throw .invalid("the shard number must be from 1 to \(count)") }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses `i/n` with 1 ≤ i ≤ n (as `--shard` takes it).
    public init(parsing text: String) throws(ScanShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Int(parts[0]), let count = Int(parts[1]) else {
            throw .invalid("a shard is written i/n, e.g. 1/2 (got '\(text)')")
        }
        try self.init(index: number - 1, count: count)
    }

    /// `i/n`, 1-based.
    public var description: String { "\(index + 1)/\(count)" }

    /// The tokens this share owns: `(lower, upper]`, with the first share also owning `Int64.min`.
    public var tokenRange: (lower: Int64, upper: Int64) {
        (Self.boundary(index, of: count), Self.boundary(index + 1, of: count))
    }

    /// Whether a token belongs to this share.
    public func contains(token: Int64) -> Bool {
        let (lower, upper) = tokenRange
        return (token > lower || (index == 0 && token == .min)) && token <= upper
    }

    /// Whether a user's partition (`bigint` key, Murmur3 token) belongs to this share.
    public func contains(_ user: Int64) -> Bool {
        contains(token: Self.token(ofUser: user))
    }

    /// The Murmur3 token of a `bigint` partition key, as Cassandra computes it.
    public static func token(ofUser user: Int64) -> Int64 {
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: user) >> UInt64(56 - 8 * $0)) }
        return CQLToken.murmur3(bytes).rawValue
    }

    /// A `bigint` key whose token is at most `token` and close below it: the largest such token
    /// among the keys 0 … 2¹⁶−1 (deterministic; tokens are uniform, so the gap left is about 2⁴⁸
    /// of the 2⁶⁴ ring: one user in 65,536 falls there, and the walk skips it).
    public static func probeKey(atOrBelow token: Int64) -> Int64 {
        var best: (key: Int64, token: Int64) = (0, .min)
        for key in Int64(0)..<(1 << 16) {
            let candidate = Self.token(ofUser: key)
            if candidate <= token && candidate > best.token { best = (key, candidate) }
        }
        return best.key
    }

    static func boundary(_ k: Int, of n: Int) -> Int64 {
        if k >= n { return .max }
        // Int64.min + k · 2^64 / n, in 128-bit arithmetic.
        let (high, low) = UInt64(k).multipliedFullWidth(by: UInt64.max)
        let (quotient, _) = UInt64(n).dividingFullWidth((high, low))
        return Int64.min &+ Int64(bitPattern: quotient)
    }
}

/// A shard spec that cannot be used.
public enum ScanShardError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let message): message }
    }
}
