import Foundation

/// A Swift type that can be built from a ``CQLValue`` read from a row.
public protocol CQLDecodable: Sendable {
    /// Converts `cqlValue`, throwing ``CQLError/Code-swift.struct/decodingFailed`` if it does not match.
    init(cqlValue: CQLValue) throws
}

private func mismatch(_ value: CQLValue, _ target: Any.Type) -> CQLError {
    CQLError(.decodingFailed, "cannot decode \(value.kindName) as \(target)")
}

extension CQLValue {
    /// A short name of the case, for error messages (never the value itself).
    var kindName: String {
        switch self {
        case .null: "null"
        case .unset: "unset"
        case .int: "int"
        case .bigint: "bigint"
        case .smallint: "smallint"
        case .tinyint: "tinyint"
        case .boolean: "boolean"
        case .float: "float"
        case .double: "double"
        case .text: "text"
        case .ascii: "ascii"
        case .blob: "blob"
        case .uuid: "uuid"
        case .timeuuid: "timeuuid"
        case .timestamp: "timestamp"
        case .date: "date"
        case .time: "time"
        case .inet: "inet"
        case .varint: "varint"
        case .decimal: "decimal"
        case .duration: "duration"
        case .list: "list"
        case .set: "set"
        case .map: "map"
        case .tuple: "tuple"
        case .udt: "udt"
        case .counter: "counter"
        case .custom: "custom"
        }
    }
}

extension CQLValue: CQLDecodable {
    /// Returns the value unchanged.
    public init(cqlValue: CQLValue) throws { self = cqlValue }
}

extension Optional: CQLDecodable where Wrapped: CQLDecodable {
    /// `nil` for null, otherwise the wrapped conversion.
    public init(cqlValue: CQLValue) throws {
        if case .null = cqlValue {
            self = .none
        } else {
            self = .some(try Wrapped(cqlValue: cqlValue))
        }
    }
}

extension Int32: CQLDecodable {
    /// From int, smallint or tinyint.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .int(let value): self = value
        case .smallint(let value): self = Int32(value)
        case .tinyint(let value): self = Int32(value)
        default: throw mismatch(cqlValue, Int32.self)
        }
    }
}

extension Int64: CQLDecodable {
    /// From bigint, counter, timestamp, time, int, smallint, tinyint or a varint that fits.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .bigint(let value), .counter(let value), .timestamp(let value), .time(let value): self = value
        case .int(let value): self = Int64(value)
        case .smallint(let value): self = Int64(value)
        case .tinyint(let value): self = Int64(value)
        case .varint(let value):
            guard let fitting = value.int64Value else { throw mismatch(cqlValue, Int64.self) }
            self = fitting
        default: throw mismatch(cqlValue, Int64.self)
        }
    }
}

extension Int: CQLDecodable {
    /// From any integer type that fits.
    public init(cqlValue: CQLValue) throws {
        self = Int(try Int64(cqlValue: cqlValue))
    }
}

extension Int16: CQLDecodable {
    /// From smallint or tinyint.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .smallint(let value): self = value
        case .tinyint(let value): self = Int16(value)
        default: throw mismatch(cqlValue, Int16.self)
        }
    }
}

extension Int8: CQLDecodable {
    /// From tinyint.
    public init(cqlValue: CQLValue) throws {
        guard case .tinyint(let value) = cqlValue else { throw mismatch(cqlValue, Int8.self) }
        self = value
    }
}

extension Bool: CQLDecodable {
    /// From boolean.
    public init(cqlValue: CQLValue) throws {
        guard case .boolean(let value) = cqlValue else { throw mismatch(cqlValue, Bool.self) }
        self = value
    }
}

extension Double: CQLDecodable {
    /// From double or float.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .double(let value): self = value
        case .float(let value): self = Double(value)
        default: throw mismatch(cqlValue, Double.self)
        }
    }
}

extension Float: CQLDecodable {
    /// From float.
    public init(cqlValue: CQLValue) throws {
        guard case .float(let value) = cqlValue else { throw mismatch(cqlValue, Float.self) }
        self = value
    }
}

extension String: CQLDecodable {
    /// From text, varchar or ascii.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .text(let value), .ascii(let value): self = value
        default: throw mismatch(cqlValue, String.self)
        }
    }
}

extension UUID: CQLDecodable {
    /// From uuid or timeuuid.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .uuid(let value), .timeuuid(let value): self = value
        default: throw mismatch(cqlValue, UUID.self)
        }
    }
}

extension Array: CQLDecodable where Element: CQLDecodable {
    /// From list or set (elements converted one by one), or blob when `Element` is `UInt8`.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .list(let elements), .set(let elements):
            self = try elements.map { try Element(cqlValue: $0) }
        case .blob(let bytes), .inet(let bytes), .custom(let bytes):
            guard let converted = bytes as? [Element] else { throw mismatch(cqlValue, [Element].self) }
            self = converted
        default: throw mismatch(cqlValue, [Element].self)
        }
    }
}

extension UInt8: CQLDecodable {
    /// Only meaningful as the element of `[UInt8]` (blob); a lone value decodes from tinyint bits.
    public init(cqlValue: CQLValue) throws {
        guard case .tinyint(let value) = cqlValue else { throw mismatch(cqlValue, UInt8.self) }
        self = UInt8(bitPattern: value)
    }
}

extension Set: CQLDecodable where Element: CQLDecodable {
    /// From set or list.
    public init(cqlValue: CQLValue) throws {
        switch cqlValue {
        case .set(let elements), .list(let elements):
            self = Set(try elements.map { try Element(cqlValue: $0) })
        default: throw mismatch(cqlValue, Set<Element>.self)
        }
    }
}

extension Dictionary: CQLDecodable where Key: CQLDecodable, Value: CQLDecodable {
    /// From map (a later duplicate key wins).
    public init(cqlValue: CQLValue) throws {
        guard case .map(let entries) = cqlValue else { throw mismatch(cqlValue, [Key: Value].self) }
        var result: [Key: Value] = [:]
        for entry in entries {
            result[try Key(cqlValue: entry.key)] = try Value(cqlValue: entry.value)
        }
        self = result
    }
}
