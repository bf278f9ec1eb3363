/// A version of the Cassandra native protocol (v1 through v5).
///
/// One connection speaks exactly one version, fixed by its first request. The version decides the
/// envelope header length, the stream-id width, collection length widths and message layouts.
public struct ProtocolVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The version number as sent in the low seven bits of an envelope's first byte.
    public let rawValue: UInt8

    /// Creates a version from its number; returns `nil` outside 1...5.
    public init?(rawValue: UInt8) {
        guard (1...5).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    private init(uncheckedRawValue: UInt8) {
        self.rawValue = uncheckedRawValue
    }

    /// Protocol v1 (Cassandra 1.2).
    public static let v1 = ProtocolVersion(uncheckedRawValue: 1)
    /// Protocol v2 (Cassandra 2.0).
    public static let v2 = ProtocolVersion(uncheckedRawValue: 2)
    /// Protocol v3 (Cassandra 2.1).
    public static let v3 = ProtocolVersion(uncheckedRawValue: 3)
    /// Protocol v4 (Cassandra 2.2 to 4.x).
    public static let v4 = ProtocolVersion(uncheckedRawValue: 4)
    /// Protocol v5 (Cassandra 4.0+), with checksummed outer framing.
    public static let v5 = ProtocolVersion(uncheckedRawValue: 5)

    /// Every version this client speaks, newest first.
    public static let allSupported: [ProtocolVersion] = [.v5, .v4, .v3, .v2, .v1]

    /// The next older version, or `nil` for v1.
    public var lower: ProtocolVersion? { ProtocolVersion(rawValue: self.rawValue - 1) }

    /// Length of the envelope header: 8 bytes on v1/v2, 9 bytes on v3+.
    public var envelopeHeaderLength: Int { self.rawValue < 3 ? 8 : 9 }

    /// How many stream ids a client may use concurrently: 128 on v1/v2, 32 768 on v3+.
    public var maxStreams: Int { self.rawValue < 3 ? 128 : 32_768 }

    /// Whether collections use `[int]` counts and `[bytes]` elements (v3+) instead of `[short]`.
    var usesIntCollectionLengths: Bool { self.rawValue >= 3 }

    /// Whether bound values are `[value]` (with "not set") rather than `[bytes]` (v4+).
    var supportsUnsetValues: Bool { self.rawValue >= 4 }

    /// Orders versions by number (v1 < v5).
    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    /// "v1" ... "v5".
    public var description: String { "v\(self.rawValue)" }
}

/// The message type carried by an envelope.
public struct CQLOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The opcode byte.
    public let rawValue: UInt8
    /// Creates an opcode from its byte (unknown opcodes are representable; messages reject them).
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// ERROR (server to client).
    public static let error = CQLOpcode(rawValue: 0x00)
    /// STARTUP (client to server).
    public static let startup = CQLOpcode(rawValue: 0x01)
    /// READY (server to client).
    public static let ready = CQLOpcode(rawValue: 0x02)
    /// AUTHENTICATE (server to client).
    public static let authenticate = CQLOpcode(rawValue: 0x03)
    /// CREDENTIALS (client to server, v1 only).
    public static let credentials = CQLOpcode(rawValue: 0x04)
    /// OPTIONS (client to server).
    public static let options = CQLOpcode(rawValue: 0x05)
    /// SUPPORTED (server to client).
    public static let supported = CQLOpcode(rawValue: 0x06)
    /// QUERY (client to server).
    public static let query = CQLOpcode(rawValue: 0x07)
    /// RESULT (server to client).
    public static let result = CQLOpcode(rawValue: 0x08)
    /// PREPARE (client to server).
    public static let prepare = CQLOpcode(rawValue: 0x09)
    /// EXECUTE (client to server).
    public static let execute = CQLOpcode(rawValue: 0x0A)
    /// REGISTER (client to server).
    public static let register = CQLOpcode(rawValue: 0x0B)
    /// EVENT (server to client, stream -1).
    public static let event = CQLOpcode(rawValue: 0x0C)
    /// BATCH (client to server, v2+).
    public static let batch = CQLOpcode(rawValue: 0x0D)
    /// AUTH_CHALLENGE (server to client, v2+).
    public static let authChallenge = CQLOpcode(rawValue: 0x0E)
    /// AUTH_RESPONSE (client to server, v2+).
    public static let authResponse = CQLOpcode(rawValue: 0x0F)
    /// AUTH_SUCCESS (server to client, v2+).
    public static let authSuccess = CQLOpcode(rawValue: 0x10)

    /// The upper-case protocol name of the opcode, used as a metric dimension.
    public var description: String {
        switch self.rawValue {
        case 0x00: "ERROR"
        case 0x01: "STARTUP"
        case 0x02: "READY"
        case 0x03: "AUTHENTICATE"
        case 0x04: "CREDENTIALS"
        case 0x05: "OPTIONS"
        case 0x06: "SUPPORTED"
        case 0x07: "QUERY"
        case 0x08: "RESULT"
        case 0x09: "PREPARE"
        case 0x0A: "EXECUTE"
        case 0x0B: "REGISTER"
        case 0x0C: "EVENT"
        case 0x0D: "BATCH"
        case 0x0E: "AUTH_CHALLENGE"
        case 0x0F: "AUTH_RESPONSE"
        case 0x10: "AUTH_SUCCESS"
        default: "UNKNOWN(\(self.rawValue))"
        }
    }
}

/// Consistency level of a read or write (`[consistency]` on the wire).
public struct Consistency: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 16-bit code.
    public let rawValue: UInt16
    /// Creates a consistency from its wire code.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// ANY (writes only).
    public static let any = Consistency(rawValue: 0x0000)
    /// ONE.
    public static let one = Consistency(rawValue: 0x0001)
    /// TWO.
    public static let two = Consistency(rawValue: 0x0002)
    /// THREE.
    public static let three = Consistency(rawValue: 0x0003)
    /// QUORUM.
    public static let quorum = Consistency(rawValue: 0x0004)
    /// ALL.
    public static let all = Consistency(rawValue: 0x0005)
    /// LOCAL_QUORUM.
    public static let localQuorum = Consistency(rawValue: 0x0006)
    /// EACH_QUORUM.
    public static let eachQuorum = Consistency(rawValue: 0x0007)
    /// SERIAL (Cassandra 2.0+, lightweight transactions).
    public static let serial = Consistency(rawValue: 0x0008)
    /// LOCAL_SERIAL (Cassandra 2.0+).
    public static let localSerial = Consistency(rawValue: 0x0009)
    /// LOCAL_ONE (Cassandra 1.2.11+; unknown to 1.2.0).
    public static let localOne = Consistency(rawValue: 0x000A)

    /// The protocol name, e.g. "LOCAL_QUORUM".
    public var description: String {
        switch self.rawValue {
        case 0: "ANY"
        case 1: "ONE"
        case 2: "TWO"
        case 3: "THREE"
        case 4: "QUORUM"
        case 5: "ALL"
        case 6: "LOCAL_QUORUM"
        case 7: "EACH_QUORUM"
        case 8: "SERIAL"
        case 9: "LOCAL_SERIAL"
        case 10: "LOCAL_ONE"
        default: "CONSISTENCY(\(self.rawValue))"
        }
    }
}
