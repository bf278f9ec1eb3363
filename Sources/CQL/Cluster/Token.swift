/// A position on the Cassandra ring under the Murmur3 partitioner.
///
/// Tokens are signed 64-bit integers ordered numerically; `Int64.min` is reserved as the ring's
/// minimum and never produced for a non-empty key.
public struct CQLToken: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The signed 64-bit token value.
    public var rawValue: Int64

    /// Wraps a token value.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Parses the decimal form Cassandra stores in `system.local.tokens` / `system.peers.tokens`.
    public init?(_ decimal: String) {
        guard let value = Int64(decimal) else { return nil }
        self.rawValue = value
    }

    /// The ring's minimum token (`Int64.min`), the token of an empty routing key.
    public static let minimum = CQLToken(rawValue: .min)

    /// The Murmur3Partitioner token of a routing key, exactly as Cassandra computes it.
    ///
    /// This is the first half of MurmurHash3 x64_128 (seed 0) with Cassandra's quirk of
    /// sign-extending the 1–15 tail bytes, and with `Int64.min` mapped to `Int64.max`.
    /// The empty key maps to ``minimum``.
    public static func murmur3<Bytes: Collection>(_ key: Bytes) -> CQLToken where Bytes.Element == UInt8 {
        if key.isEmpty { return .minimum }
        let hash = Int64(bitPattern: Murmur3.cassandraH1(Array(key)))
        return CQLToken(rawValue: hash == .min ? .max : hash)
    }

    /// Ring order: numeric order of the token values.
    public static func < (lhs: CQLToken, rhs: CQLToken) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The decimal token value.
    public var description: String { String(self.rawValue) }
}

/// Cassandra's variant of MurmurHash3 x64_128.
enum Murmur3 {
    private static let c1: UInt64 = 0x87c3_7b91_1142_53d5
    private static let c2: UInt64 = 0x4cf5_ad43_2745_937f

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k = k &* 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    @inline(__always)
    private static func littleEndianWord(_ data: [UInt8], _ offset: Int) -> UInt64 {
        var word: UInt64 = 0
        for i in 0..<8 { word |= UInt64(data[offset + i]) << (8 * UInt64(i)) }
        return word
    }

    /// Java's `(long) byte`: the byte is signed and sign-extended to 64 bits.
    @inline(__always)
    private static func signExtended(_ byte: UInt8) -> UInt64 { UInt64(bitPattern: Int64(Int8(bitPattern: byte))) }

    /// The first 64-bit half (h1) of Cassandra's MurmurHash3 x64_128 with seed 0.
    static func cassandraH1(_ data: [UInt8]) -> UInt64 {
        let length = data.count
        let blocks = length / 16
        var h1: UInt64 = 0
        var h2: UInt64 = 0
        for block in 0..<blocks {
            var k1 = littleEndianWord(data, block * 16)
            var k2 = littleEndianWord(data, block * 16 + 8)
            k1 = k1 &* c1; k1 = rotl(k1, 31); k1 = k1 &* c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 = h1 &+ h2; h1 = h1 &* 5 &+ 0x52dc_e729
            k2 = k2 &* c2; k2 = rotl(k2, 33); k2 = k2 &* c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 = h2 &+ h1; h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        let tailLength = length - tail
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        if tailLength > 8 {
            for i in stride(from: tailLength - 1, through: 8, by: -1) {
                k2 ^= signExtended(data[tail + i]) << (UInt64(i - 8) * 8)
            }
            k2 = k2 &* c2; k2 = rotl(k2, 33); k2 = k2 &* c1; h2 ^= k2
        }
        if tailLength > 0 {
            for i in stride(from: min(tailLength, 8) - 1, through: 0, by: -1) {
                k1 ^= signExtended(data[tail + i]) << (UInt64(i) * 8)
            }
            k1 = k1 &* c1; k1 = rotl(k1, 31); k1 = k1 &* c2; h1 ^= k1
        }
        h1 ^= UInt64(length)
        h2 ^= UInt64(length)
        h1 = h1 &+ h2
        h2 = h2 &+ h1
        h1 = fmix(h1)
        h2 = fmix(h2)
        h1 = h1 &+ h2
        return h1
    }
}

/// Builds the routing key Cassandra hashes to place a partition.
public enum CQLRoutingKey {
    /// Composes the routing key from the serialized partition-key components, in partition-key order.
    ///
    /// A single component is used as is; several components are each written as a 2-byte big-endian
    /// length, the bytes, and one `0x00` end-of-component byte.
    public static func compose(_ components: [[UInt8]]) -> [UInt8] {
        if components.count == 1 { return components[0] }
        var key: [UInt8] = []
        key.reserveCapacity(components.reduce(0) { $0 + $1.count + 3 })
        for component in components {
            key.append(UInt8(truncatingIfNeeded: component.count >> 8))
            key.append(UInt8(truncatingIfNeeded: component.count))
            key.append(contentsOf: component)
            key.append(0)
        }
        return key
    }
}
