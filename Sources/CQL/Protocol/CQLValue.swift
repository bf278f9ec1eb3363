import Foundation
import NIOCore

/// A CQL value, either bound to a statement or read from a row (brief §2).
///
/// Each case carries its type, so a value can be serialized without the column type.
public enum CQLValue: Hashable, Sendable {
    /// No value (`[bytes]` length -1).
    case null
    /// "Not set" (v4+ `[value]` length -2): leaves the column unchanged. Rejected on v1-v3.
    case unset
    /// int: 32-bit signed.
    case int(Int32)
    /// bigint: 64-bit signed.
    case bigint(Int64)
    /// smallint (v4+): 16-bit signed.
    case smallint(Int16)
    /// tinyint (v4+): 8-bit signed.
    case tinyint(Int8)
    /// boolean.
    case boolean(Bool)
    /// float: IEEE-754 binary32.
    case float(Float)
    /// double: IEEE-754 binary64.
    case double(Double)
    /// text / varchar: UTF-8.
    case text(String)
    /// ascii: bytes 0...127 only.
    case ascii(String)
    /// blob: raw bytes.
    case blob([UInt8])
    /// uuid.
    case uuid(UUID)
    /// timeuuid (a version 1 UUID).
    case timeuuid(UUID)
    /// timestamp: milliseconds since the Unix epoch.
    case timestamp(Int64)
    /// date (v4+): days with the epoch centred at 2^31 (2^31 = 1970-01-01).
    case date(UInt32)
    /// time (v4+): nanoseconds since midnight.
    case time(Int64)
    /// inet: 4 or 16 address bytes.
    case inet([UInt8])
    /// varint: arbitrary-precision integer.
    case varint(CQLVarint)
    /// decimal: unscaled varint and scale.
    case decimal(CQLDecimal)
    /// duration (v5): months, days, nanoseconds.
    case duration(CQLDuration)
    /// list.
    case list([CQLValue])
    /// set (order as given / as received).
    case set([CQLValue])
    /// map, as ordered key/value pairs.
    case map([CQLMapEntry])
    /// tuple (v3+): components may be `.null`.
    case tuple([CQLValue])
    /// user-defined type value (v3+): fields in declaration order; may be `.null`.
    case udt([CQLUDTField])
    /// counter: 64-bit signed.
    case counter(Int64)
    /// custom type: opaque bytes.
    case custom([UInt8])

    // MARK: Serialization

    /// Writes the serialized bytes of this value (without a length prefix) for `version`.
    ///
    /// The cluster layer uses this to build routing keys from partition-key values.
    /// Throws ``CQLError/Code-swift.struct/invalidValue`` for `.null`/`.unset` (they have no bytes) and
    /// for values the type cannot hold (non-ASCII in ascii, a null inside a collection, ...).
    public func serialize(into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        switch self {
        case .null, .unset:
            throw CQLError(.invalidValue, "null and unset have no serialized bytes")
        case .int(let value): buffer.writeInteger(value)
        case .bigint(let value), .counter(let value), .timestamp(let value), .time(let value):
            buffer.writeInteger(value)
        case .smallint(let value): buffer.writeInteger(value)
        case .tinyint(let value): buffer.writeInteger(value)
        case .boolean(let value): buffer.writeInteger(UInt8(value ? 1 : 0))
        case .float(let value): buffer.writeInteger(value.bitPattern)
        case .double(let value): buffer.writeInteger(value.bitPattern)
        case .text(let value): buffer.writeString(value)
        case .ascii(let value):
            guard value.utf8.allSatisfy({ $0 < 0x80 }) else {
                throw CQLError(.invalidValue, "ascii value contains a non-ASCII character")
            }
            buffer.writeString(value)
        case .blob(let bytes), .custom(let bytes): buffer.writeBytes(bytes)
        case .uuid(let value), .timeuuid(let value): buffer.writeBytes(value.cqlBytes)
        case .date(let value): buffer.writeInteger(value)
        case .inet(let bytes):
            guard bytes.count == 4 || bytes.count == 16 else {
                throw CQLError(.invalidValue, "inet value must have 4 or 16 bytes")
            }
            buffer.writeBytes(bytes)
        case .varint(let value): buffer.writeBytes(value.bytes)
        case .decimal(let value):
            buffer.writeInteger(value.scale)
            buffer.writeBytes(value.unscaled.bytes)
        case .duration(let value):
            VInt.writeSigned(Int64(value.months), into: &buffer)
            VInt.writeSigned(Int64(value.days), into: &buffer)
            VInt.writeSigned(value.nanoseconds, into: &buffer)
        case .list(let elements), .set(let elements):
            try Self.writeCollectionCount(elements.count, into: &buffer, version: version)
            for element in elements { try element.writeCollectionElement(into: &buffer, version: version) }
        case .map(let entries):
            try Self.writeCollectionCount(entries.count, into: &buffer, version: version)
            for entry in entries {
                try entry.key.writeCollectionElement(into: &buffer, version: version)
                try entry.value.writeCollectionElement(into: &buffer, version: version)
            }
        case .tuple(let components):
            for component in components { try component.writeLengthPrefixedComponent(into: &buffer, version: version) }
        case .udt(let fields):
            for field in fields { try field.value.writeLengthPrefixedComponent(into: &buffer, version: version) }
        }
    }

    /// The serialized bytes of this value for `version`, or `nil` for `.null` and `.unset`.
    public func serializedBytes(version: ProtocolVersion) throws -> ByteBuffer? {
        switch self {
        case .null, .unset: return nil
        default:
            var buffer = ByteBuffer()
            try self.serialize(into: &buffer, version: version)
            return buffer
        }
    }

    /// Writes this value as a bound value: `[bytes]` on v1-v3, `[value]` on v4+ (with -2 for unset).
    func writeBoundValue(into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        switch self {
        case .null:
            buffer.writeInteger(Int32(-1))
        case .unset:
            guard version.supportsUnsetValues else {
                throw CQLError(
                    .unsupportedFeature,
                    "unset values need protocol v4 or later (connection uses \(version))"
                )
            }
            buffer.writeInteger(Int32(-2))
        default:
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            try self.serialize(into: &buffer, version: version)
            let length = buffer.writerIndex - lengthIndex - 4
            guard let length32 = Int32(exactly: length) else { throw CQLError(.invalidValue, "value too long") }
            buffer.setInteger(length32, at: lengthIndex)
        }
    }

    private static func writeCollectionCount(
        _ count: Int,
        into buffer: inout ByteBuffer,
        version: ProtocolVersion
    ) throws {
        if version.usesIntCollectionLengths {
            guard let count32 = Int32(exactly: count) else { throw CQLError(.invalidValue, "collection too large") }
            buffer.writeInteger(count32)
        } else {
            guard let count16 = UInt16(exactly: count) else {
                throw CQLError(.invalidValue, "collections hold at most 65535 elements on \(version)")
            }
            buffer.writeInteger(count16)
        }
    }

    /// A collection element: `[short bytes]` on v1/v2, `[bytes]` on v3+; nulls are not allowed.
    private func writeCollectionElement(into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        if case .null = self { throw CQLError(.invalidValue, "collections cannot contain null") }
        if case .unset = self { throw CQLError(.invalidValue, "collections cannot contain unset") }
        let lengthIndex = buffer.writerIndex
        let prefixWidth = version.usesIntCollectionLengths ? 4 : 2
        buffer.writeRepeatingByte(0, count: prefixWidth)
        try self.serialize(into: &buffer, version: version)
        let length = buffer.writerIndex - lengthIndex - prefixWidth
        if version.usesIntCollectionLengths {
            guard let length32 = Int32(exactly: length) else { throw CQLError(.invalidValue, "element too long") }
            buffer.setInteger(length32, at: lengthIndex)
        } else {
            guard let length16 = UInt16(exactly: length) else {
                throw CQLError(.invalidValue, "collection elements are at most 65535 bytes on \(version)")
            }
            buffer.setInteger(length16, at: lengthIndex)
        }
    }

    /// A tuple component or UDT field: always `[bytes]`, null allowed.
    private func writeLengthPrefixedComponent(into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        if case .unset = self { throw CQLError(.invalidValue, "tuples and UDTs cannot contain unset") }
        try self.writeBoundValue(into: &buffer, version: version)
    }

    // MARK: Decoding

    /// Decodes a value of `type` from its bytes (`nil` = null) as sent on `version`.
    ///
    /// An empty byte string for a fixed-width type decodes as `.null` (Cassandra's "empty value").
    /// Malformed bytes throw ``CQLError/Code-swift.struct/decodingFailed``.
    public static func decode(_ bytes: ByteBuffer?, as type: CQLDataType, version: ProtocolVersion) throws -> CQLValue {
        try self.decode(bytes, as: type, version: version, depth: 0)
    }

    private static func decode(
        _ bytes: ByteBuffer?,
        as type: CQLDataType,
        version: ProtocolVersion,
        depth: Int
    ) throws -> CQLValue {
        guard var buffer = bytes else { return .null }
        guard depth < 64 else { throw CQLError(.decodingFailed, "value nested too deeply") }
        let length = buffer.readableBytes

        func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard length == MemoryLayout<T>.size, let value = buffer.readInteger(as: T.self) else {
                throw CQLError(.decodingFailed, "expected \(MemoryLayout<T>.size) bytes for \(type), got \(length)")
            }
            return value
        }

        switch type {
        case .text, .varchar:
            return .text(buffer.readString(length: length) ?? "")
        case .ascii:
            return .ascii(buffer.readString(length: length) ?? "")
        case .blob:
            return .blob(Array(buffer.readableBytesView))
        case .custom:
            return .custom(Array(buffer.readableBytesView))
        default:
            break
        }
        if length == 0 { return .null }

        switch type {
        case .int: return .int(try fixed(Int32.self))
        case .bigint: return .bigint(try fixed(Int64.self))
        case .counter: return .counter(try fixed(Int64.self))
        case .timestamp: return .timestamp(try fixed(Int64.self))
        case .time: return .time(try fixed(Int64.self))
        case .smallint: return .smallint(try fixed(Int16.self))
        case .tinyint: return .tinyint(try fixed(Int8.self))
        case .date: return .date(try fixed(UInt32.self))
        case .boolean: return .boolean(try fixed(UInt8.self) != 0)
        case .float: return .float(Float(bitPattern: try fixed(UInt32.self)))
        case .double: return .double(Double(bitPattern: try fixed(UInt64.self)))
        case .uuid, .timeuuid:
            guard length == 16, let bytes = buffer.readBytes(length: 16) else {
                throw CQLError(.decodingFailed, "expected 16 bytes for \(type), got \(length)")
            }
            let uuid = UUID(cqlBytes: bytes)
            return type == .uuid ? .uuid(uuid) : .timeuuid(uuid)
        case .inet:
            guard length == 4 || length == 16 else {
                throw CQLError(.decodingFailed, "expected 4 or 16 bytes for inet, got \(length)")
            }
            return .inet(Array(buffer.readableBytesView))
        case .varint:
            return .varint(CQLVarint(bytes: Array(buffer.readableBytesView)))
        case .decimal:
            guard length >= 5, let scale = buffer.readInteger(as: Int32.self) else {
                throw CQLError(.decodingFailed, "decimal needs a scale and at least one unscaled byte")
            }
            return .decimal(CQLDecimal(unscaled: CQLVarint(bytes: Array(buffer.readableBytesView)), scale: scale))
        case .duration:
            do {
                let months = try VInt.readSigned(from: &buffer)
                let days = try VInt.readSigned(from: &buffer)
                let nanoseconds = try VInt.readSigned(from: &buffer)
                guard let months32 = Int32(exactly: months), let days32 = Int32(exactly: days),
                    buffer.readableBytes == 0
                else {
                    throw CQLError(.decodingFailed, "invalid duration")
                }
                return .duration(CQLDuration(months: months32, days: days32, nanoseconds: nanoseconds))
            } catch let error as CQLError where error.code == .protocolViolation {
                throw CQLError(.decodingFailed, "truncated duration")
            }
        case .list(let elementType), .set(let elementType):
            let count = try Self.readCollectionCount(from: &buffer, version: version)
            var elements: [CQLValue] = []
            elements.reserveCapacity(min(count, buffer.readableBytes))
            for _ in 0..<count {
                let element = try Self.readCollectionElement(from: &buffer, version: version)
                elements.append(try Self.decode(element, as: elementType, version: version, depth: depth + 1))
            }
            try Self.expectConsumed(buffer, type)
            if case .list = type { return .list(elements) }
            return .set(elements)
        case .map(let keyType, let valueType):
            let count = try Self.readCollectionCount(from: &buffer, version: version)
            var entries: [CQLMapEntry] = []
            entries.reserveCapacity(min(count, buffer.readableBytes))
            for _ in 0..<count {
                let keyBytes = try Self.readCollectionElement(from: &buffer, version: version)
                let valueBytes = try Self.readCollectionElement(from: &buffer, version: version)
                entries.append(
                    CQLMapEntry(
                        key: try Self.decode(keyBytes, as: keyType, version: version, depth: depth + 1),
                        value: try Self.decode(valueBytes, as: valueType, version: version, depth: depth + 1)
                    )
                )
            }
            try Self.expectConsumed(buffer, type)
            return .map(entries)
        case .tuple(let componentTypes):
            var components: [CQLValue] = []
            for componentType in componentTypes {
                guard buffer.readableBytes > 0 else {
                    components.append(.null)
                    continue
                }
                let componentBytes = try Self.readComponent(from: &buffer)
                components.append(
                    try Self.decode(componentBytes, as: componentType, version: version, depth: depth + 1)
                )
            }
            try Self.expectConsumed(buffer, type)
            return .tuple(components)
        case .udt(let userType):
            var fields: [CQLUDTField] = []
            for field in userType.fields {
                // A UDT value may hold fewer fields than its type (fields added later).
                guard buffer.readableBytes > 0 else {
                    fields.append(CQLUDTField(name: field.name, value: .null))
                    continue
                }
                let fieldBytes = try Self.readComponent(from: &buffer)
                fields.append(
                    CQLUDTField(
                        name: field.name,
                        value: try Self.decode(fieldBytes, as: field.type, version: version, depth: depth + 1)
                    )
                )
            }
            try Self.expectConsumed(buffer, type)
            return .udt(fields)
        case .text, .varchar, .ascii, .blob, .custom:
            // Handled before the empty-value check above.
            throw CQLError(.decodingFailed, "unreachable type \(type)")
        }
    }

    private static func expectConsumed(_ buffer: ByteBuffer, _ type: CQLDataType) throws {
        guard buffer.readableBytes == 0 else {
            throw CQLError(.decodingFailed, "\(buffer.readableBytes) trailing bytes after \(type) value")
        }
    }

    private static func readCollectionCount(from buffer: inout ByteBuffer, version: ProtocolVersion) throws -> Int {
        if version.usesIntCollectionLengths {
            guard let count = buffer.readInteger(as: Int32.self), count >= 0 else {
                throw CQLError(.decodingFailed, "invalid collection count")
            }
            return Int(count)
        }
        guard let count = buffer.readInteger(as: UInt16.self) else {
            throw CQLError(.decodingFailed, "invalid collection count")
        }
        return Int(count)
    }

    private static func readCollectionElement(
        from buffer: inout ByteBuffer,
        version: ProtocolVersion
    ) throws -> ByteBuffer? {
        let length: Int
        if version.usesIntCollectionLengths {
            guard let length32 = buffer.readInteger(as: Int32.self) else {
                throw CQLError(.decodingFailed, "truncated collection element")
            }
            if length32 < 0 { return nil }
            length = Int(length32)
        } else {
            guard let length16 = buffer.readInteger(as: UInt16.self) else {
                throw CQLError(.decodingFailed, "truncated collection element")
            }
            length = Int(length16)
        }
        guard let slice = buffer.readSlice(length: length) else {
            throw CQLError(.decodingFailed, "truncated collection element")
        }
        return slice
    }

    private static func readComponent(from buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let length = buffer.readInteger(as: Int32.self) else {
            throw CQLError(.decodingFailed, "truncated tuple/UDT component")
        }
        if length < 0 { return nil }
        guard let slice = buffer.readSlice(length: Int(length)) else {
            throw CQLError(.decodingFailed, "truncated tuple/UDT component")
        }
        return slice
    }
}

/// One key/value pair of a CQL map.
public struct CQLMapEntry: Hashable, Sendable {
    /// The key.
    public var key: CQLValue
    /// The value.
    public var value: CQLValue
    /// Creates an entry.
    public init(key: CQLValue, value: CQLValue) {
        self.key = key
        self.value = value
    }
}

/// One named field of a user-defined type value.
public struct CQLUDTField: Hashable, Sendable {
    /// Field name (ignored when serializing; order matters).
    public var name: String
    /// Field value.
    public var value: CQLValue
    /// Creates a field.
    public init(name: String, value: CQLValue) {
        self.name = name
        self.value = value
    }
}

/// An arbitrary-precision integer as minimal big-endian two's complement bytes.
public struct CQLVarint: Hashable, Sendable {
    /// Two's complement big-endian bytes (128 is `00 80`, -129 is `FF 7F`).
    public var bytes: [UInt8]

    /// Wraps raw varint bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The minimal encoding of `value`.
    public init(_ value: Int64) {
        var bytes = withUnsafeBytes(of: value.bigEndian) { Array($0) }
        // Drop leading bytes that only repeat the sign of the next byte.
        while bytes.count > 1 {
            let first = bytes[0]
            let nextHighBitSet = bytes[1] & 0x80 != 0
            if (first == 0x00 && !nextHighBitSet) || (first == 0xFF && nextHighBitSet) {
                bytes.removeFirst()
            } else {
                break
            }
        }
        self.bytes = bytes
    }

    /// The value as `Int64`, or `nil` if it does not fit (or has no bytes).
    public var int64Value: Int64? {
        guard let first = self.bytes.first else { return nil }
        let isNegative = first & 0x80 != 0
        let signByte: UInt8 = isNegative ? 0xFF : 0x00
        var significant = self.bytes[...]
        while significant.count > 8 {
            guard significant.first == signByte else { return nil }
            significant = significant.dropFirst()
        }
        if let leading = significant.first, (leading & 0x80 != 0) != isNegative { return nil }
        var value: Int64 = isNegative ? -1 : 0
        for byte in significant { value = (value << 8) | Int64(byte) }
        return value
    }
}

/// A decimal: `unscaled × 10^(-scale)`.
public struct CQLDecimal: Hashable, Sendable {
    /// The unscaled integer.
    public var unscaled: CQLVarint
    /// The power-of-ten scale.
    public var scale: Int32
    /// Creates a decimal.
    public init(unscaled: CQLVarint, scale: Int32) {
        self.unscaled = unscaled
        self.scale = scale
    }
}

/// A duration (v5): months, days and nanoseconds, all with the same sign.
public struct CQLDuration: Hashable, Sendable {
    /// Months.
    public var months: Int32
    /// Days.
    public var days: Int32
    /// Nanoseconds.
    public var nanoseconds: Int64
    /// Creates a duration.
    public init(months: Int32, days: Int32, nanoseconds: Int64) {
        self.months = months
        self.days = days
        self.nanoseconds = nanoseconds
    }
}

/// The `[unsigned vint]` / `[vint]` encodings of protocol v5 (used by duration).
enum VInt {
    static func writeUnsigned(_ value: UInt64, into buffer: inout ByteBuffer) {
        let magnitude = (value | 1).leadingZeroBitCount
        let size = (639 - magnitude * 9) >> 6
        if size == 1 {
            buffer.writeInteger(UInt8(value))
            return
        }
        if size == 9 {
            buffer.writeInteger(UInt8(0xFF))
            buffer.writeInteger(value)
            return
        }
        let extraBytes = size - 1
        var bytes = [UInt8](repeating: 0, count: size)
        var remaining = value
        for index in stride(from: size - 1, through: 0, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: remaining)
            remaining >>= 8
        }
        bytes[0] |= ~UInt8(0xFF >> extraBytes)
        buffer.writeBytes(bytes)
    }

    static func writeSigned(_ value: Int64, into buffer: inout ByteBuffer) {
        self.writeUnsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)), into: &buffer)
    }

    static func readUnsigned(from buffer: inout ByteBuffer) throws -> UInt64 {
        let first = try buffer.readCQLByte()
        let extraBytes = (~first).leadingZeroBitCount
        var value = extraBytes >= 8 ? 0 : UInt64(first & (0xFF >> extraBytes))
        for _ in 0..<extraBytes {
            value = (value << 8) | UInt64(try buffer.readCQLByte())
        }
        return value
    }

    static func readSigned(from buffer: inout ByteBuffer) throws -> Int64 {
        let raw = try self.readUnsigned(from: &buffer)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }
}

extension UUID {
    /// The 16 bytes of the UUID in wire order.
    var cqlBytes: [UInt8] {
        withUnsafeBytes(of: self.uuid) { Array($0) }
    }

    /// Creates a UUID from 16 wire-order bytes (callers guarantee the count).
    init(cqlBytes bytes: [UInt8]) {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { destination in
            for index in 0..<min(16, bytes.count) { destination[index] = bytes[index] }
        }
        self.init(uuid: raw)
    }
}
