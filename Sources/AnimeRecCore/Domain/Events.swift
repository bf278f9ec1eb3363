/// The kind of a behaviour event.
public enum EventKind: String, Hashable, Sendable, CaseIterable {
    /// The user opened a title's page or a recommendation.
    case click
    /// The user watched (part of) a title.
    case view
    /// The user said "not interested" in a title: a verdict kept on the user's row of the title
    /// (``Interaction/dislikedAt``) until taken back, not an entry of the recent events; it never
    /// counts in trending.
    case dislike

    /// How much one event of this kind says about taste, relative to a liked rating (1.0). A
    /// dislike says nothing for a title: its weight against one is ``Interaction/dislikePreference``.
    public var weight: Double {
        switch self {
        case .click: 0.3
        case .view: 0.6
        case .dislike: 0
        }
    }

    /// Whether an event of this kind is an entry of the user's event log (recent events, event
    /// counts, trending), as clicks and views are; a dislike is a verdict on the title instead.
    public var isLogged: Bool { self != .dislike }
}

/// A 128-bit event identifier, written as a UUID. Time-based (version 1) when the service makes it,
/// any UUID when the client supplies one for idempotent retries.
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses the canonical 8-4-4-4-12 hexadecimal form (either case).
    public init?(uuidString: some StringProtocol) {
        var nibbles: [UInt8] = []
        nibbles.reserveCapacity(32)
        var index = 0
        for byte in uuidString.utf8 {
            defer { index += 1 }
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibbles.append(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibbles.append(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibbles.append(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        guard index == 36, nibbles.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for nibble in nibbles[0..<16] { high = high << 4 | UInt64(nibble) }
        for nibble in nibbles[16..<32] { low = low << 4 | UInt64(nibble) }
        self.init(high: high, low: low)
    }

    /// The canonical lower-case 8-4-4-4-12 form.
    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, value) in [high, low].enumerated() {
            for n in 0..<16 {
                let position = i * 16 + n
                if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
                out.append(hex[Int((value >> UInt64(60 - 4 * n)) & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes 0–15 in network order (as a Cassandra `uuid`/`timeuuid`).
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
    }

    /// Offset between the UUID epoch (1582-10-15) and the Unix epoch, in 100 ns units.
    static let gregorianOffset: UInt64 = 0x01B2_1DD2_1381_4000

    /// Makes a version-1 (time-based) UUID for `millisecondsSince1970`, with random clock sequence
    /// and node bits so that ids made in the same millisecond by several servers do not collide.
    public static func timeBased(
        millisecondsSince1970: Int64, using generator: inout some RandomNumberGenerator
    ) -> EventID {
        let ticks = UInt64(max(0, millisecondsSince1970)) &* 10_000 &+ gregorianOffset
            &+ UInt64.random(in: 0..<10_000, using: &generator)
        let timeLow = ticks & 0xFFFF_FFFF
        let timeMid = (ticks >> 32) & 0xFFFF
        let timeHigh = (ticks >> 48) & 0x0FFF
        let high = timeLow << 32 | timeMid << 16 | 0x1000 | timeHigh
        let random = UInt64.random(in: 0...UInt64.max, using: &generator)
        // Variant 10xx in the top bits of the clock sequence; multicast bit set in the random node id.
        let low = (random & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000 | 0x0000_0100_0000_0000
        return EventID(high: high, low: low)
    }

    /// The UUID version nibble.
    public var version: Int { Int((high >> 12) & 0xF) }

    /// For a version-1 UUID, the time it encodes, in milliseconds since 1970; otherwise `nil`.
    public var timestampMilliseconds: Int64? {
        guard version == 1 else { return nil }
        let timeHigh = high & 0x0FFF
        let timeMid = (high >> 16) & 0xFFFF
        let timeLow = high >> 32
        let ticks = timeHigh << 48 | timeMid << 32 | timeLow
        guard ticks >= Self.gregorianOffset else { return nil }
        return Int64((ticks - Self.gregorianOffset) / 10_000)
    }
}

/// One recorded behaviour event.
public struct UserEvent: Hashable, Sendable {
    public var id: EventID
    public var user: UserID
    public var anime: AnimeID
    public var kind: EventKind
    /// When it happened, in milliseconds since 1970 (UTC).
    public var at: Int64

    public init(id: EventID, user: UserID, anime: AnimeID, kind: EventKind, at: Int64) {
        self.id = id
        self.user = user
        self.anime = anime
        self.kind = kind
        self.at = at
    }

    /// The UTC day bucket of `at`, as `yyyymmdd`.
    public var day: Int32 { DayBucket.day(ofMilliseconds: at) }
}

/// What storing an event did.
///
/// An event's identity is its id inside its user and day partition (`user_events`), so a retry
/// with the same id, user and `at` day lands on the stored row.
public enum RecordOutcome: Hashable, Sendable {
    /// Stored now.
    case recorded
    /// The same event (same id, anime and kind) was stored before; nothing changed.
    case duplicate
    /// The id is already stored in this user's day partition for a different anime or kind; nothing changed.
    case conflict
}

/// UTC day buckets (`yyyymmdd` integers), portable to stores without a `date` type.
public enum DayBucket {
    /// The `yyyymmdd` day that contains `ms` milliseconds since 1970, in UTC.
    public static func day(ofMilliseconds ms: Int64) -> Int32 {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let (y, m, d) = civilFromDays(days)
        return Int32(y * 10_000 + m * 100 + d)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) — Howard Hinnant's algorithm.
    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
