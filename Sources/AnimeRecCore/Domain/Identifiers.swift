/// A user's identifier: a non-negative 64-bit integer (Kaggle user ids, or a site's own ids).
public struct UserID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ value: Int64) { self.rawValue = value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// An anime's identifier: a non-negative 32-bit integer (the catalogue's `anime_id`).
public struct AnimeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ value: Int32) { self.rawValue = value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// Parses identifiers as they arrive from the outside world (path segments, JSON strings).
///
/// Only plain ASCII digits are accepted: no sign, no whitespace, no leading `+`, at most 19 digits,
/// and the value must fit the identifier's integer type.
public enum IdentifierParser {
    /// Why a text is not an identifier.
    public enum Failure: Error, Equatable, Sendable {
        case empty
        case notDigits
        case outOfRange
    }

    /// Parses a decimal digit string into a non-negative integer no larger than `maximum`.
    public static func parse(_ text: Substring, maximum: Int64) -> Result<Int64, Failure> {
        guard !text.isEmpty else { return .failure(.empty) }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return .failure(.notDigits) }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, next <= maximum else { return .failure(.outOfRange) }
            value = next
        }
        return .success(value)
    }

    /// Parses a user id.
    public static func userID(_ text: Substring) -> Result<UserID, Failure> {
        parse(text, maximum: Int64.max).map(UserID.init(rawValue:))
    }

    /// Parses an anime id.
    public static func animeID(_ text: Substring) -> Result<AnimeID, Failure> {
        parse(text, maximum: Int64(Int32.max)).map { AnimeID(rawValue: Int32($0)) }
    }
}
