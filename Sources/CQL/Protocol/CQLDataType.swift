import NIOCore

/// The type of a column or bind marker, as carried by an `[option]` (brief §2).
public indirect enum CQLDataType: Hashable, Sendable {
    /// 0x0000 custom: a server-side Java class name; the value bytes are opaque.
    case custom(String)
    /// 0x0001 ascii.
    case ascii
    /// 0x0002 bigint.
    case bigint
    /// 0x0003 blob.
    case blob
    /// 0x0004 boolean.
    case boolean
    /// 0x0005 counter.
    case counter
    /// 0x0006 decimal.
    case decimal
    /// 0x0007 double.
    case double
    /// 0x0008 float.
    case float
    /// 0x0009 int.
    case int
    /// 0x000A text (v1/v2 only; v3+ report text as varchar).
    case text
    /// 0x000B timestamp.
    case timestamp
    /// 0x000C uuid.
    case uuid
    /// 0x000D varchar.
    case varchar
    /// 0x000E varint.
    case varint
    /// 0x000F timeuuid.
    case timeuuid
    /// 0x0010 inet.
    case inet
    /// 0x0011 date (v4+).
    case date
    /// 0x0012 time (v4+).
    case time
    /// 0x0013 smallint (v4+).
    case smallint
    /// 0x0014 tinyint (v4+).
    case tinyint
    /// 0x0015 duration (v5).
    case duration
    /// 0x0020 list.
    case list(CQLDataType)
    /// 0x0021 map.
    case map(key: CQLDataType, value: CQLDataType)
    /// 0x0022 set.
    case set(CQLDataType)
    /// 0x0030 user-defined type (v3+).
    case udt(CQLUserType)
    /// 0x0031 tuple (v3+).
    case tuple([CQLDataType])

    /// The `[option]` id of this type.
    public var optionID: UInt16 {
        switch self {
        case .custom: 0x0000
        case .ascii: 0x0001
        case .bigint: 0x0002
        case .blob: 0x0003
        case .boolean: 0x0004
        case .counter: 0x0005
        case .decimal: 0x0006
        case .double: 0x0007
        case .float: 0x0008
        case .int: 0x0009
        case .text: 0x000A
        case .timestamp: 0x000B
        case .uuid: 0x000C
        case .varchar: 0x000D
        case .varint: 0x000E
        case .timeuuid: 0x000F
        case .inet: 0x0010
        case .date: 0x0011
        case .time: 0x0012
        case .smallint: 0x0013
        case .tinyint: 0x0014
        case .duration: 0x0015
        case .list: 0x0020
        case .map: 0x0021
        case .set: 0x0022
        case .udt: 0x0030
        case .tuple: 0x0031
        }
    }

    /// Reads an `[option]`. Unknown ids throw ``CQLError/Code-swift.struct/protocolViolation``.
    static func decode(from buffer: inout ByteBuffer, depth: Int = 0) throws -> CQLDataType {
        // Nesting beyond this is not produced by any real schema; the bound stops stack exhaustion.
        guard depth < 64 else { throw CQLError.protocolViolation("type option nested too deeply") }
        let id = try buffer.readCQLShort()
        switch id {
        case 0x0000: return .custom(try buffer.readCQLString())
        case 0x0001: return .ascii
        case 0x0002: return .bigint
        case 0x0003: return .blob
        case 0x0004: return .boolean
        case 0x0005: return .counter
        case 0x0006: return .decimal
        case 0x0007: return .double
        case 0x0008: return .float
        case 0x0009: return .int
        case 0x000A: return .text
        case 0x000B: return .timestamp
        case 0x000C: return .uuid
        case 0x000D: return .varchar
        case 0x000E: return .varint
        case 0x000F: return .timeuuid
        case 0x0010: return .inet
        case 0x0011: return .date
        case 0x0012: return .time
        case 0x0013: return .smallint
        case 0x0014: return .tinyint
        case 0x0015: return .duration
        case 0x0020: return .list(try decode(from: &buffer, depth: depth + 1))
        case 0x0021:
            let key = try decode(from: &buffer, depth: depth + 1)
            return .map(key: key, value: try decode(from: &buffer, depth: depth + 1))
        case 0x0022: return .set(try decode(from: &buffer, depth: depth + 1))
        case 0x0030:
            let keyspace = try buffer.readCQLString()
            let name = try buffer.readCQLString()
            let count = Int(try buffer.readCQLShort())
            var fields: [CQLUserType.Field] = []
            for _ in 0..<count {
                let fieldName = try buffer.readCQLString()
                fields.append(.init(name: fieldName, type: try decode(from: &buffer, depth: depth + 1)))
            }
            return .udt(CQLUserType(keyspace: keyspace, name: name, fields: fields))
        case 0x0031:
            let count = Int(try buffer.readCQLShort())
            var elements: [CQLDataType] = []
            for _ in 0..<count { elements.append(try decode(from: &buffer, depth: depth + 1)) }
            return .tuple(elements)
        default:
            throw CQLError.protocolViolation("unknown type option id 0x\(String(id, radix: 16))")
        }
    }

    /// Writes this type as an `[option]`.
    func encode(into buffer: inout ByteBuffer) throws {
        buffer.writeCQLShort(self.optionID)
        switch self {
        case .custom(let className): try buffer.writeCQLString(className)
        case .list(let element), .set(let element): try element.encode(into: &buffer)
        case .map(let key, let value):
            try key.encode(into: &buffer)
            try value.encode(into: &buffer)
        case .udt(let userType):
            try buffer.writeCQLString(userType.keyspace)
            try buffer.writeCQLString(userType.name)
            buffer.writeCQLShort(UInt16(truncatingIfNeeded: userType.fields.count))
            for field in userType.fields {
                try buffer.writeCQLString(field.name)
                try field.type.encode(into: &buffer)
            }
        case .tuple(let elements):
            buffer.writeCQLShort(UInt16(truncatingIfNeeded: elements.count))
            for element in elements { try element.encode(into: &buffer) }
        default: break
        }
    }
}

/// The definition of a user-defined type.
public struct CQLUserType: Hashable, Sendable {
    /// One field of the type.
    public struct Field: Hashable, Sendable {
        /// Field name.
        public var name: String
        /// Field type.
        public var type: CQLDataType
        /// Creates a field.
        public init(name: String, type: CQLDataType) {
            self.name = name
            self.type = type
        }
    }

    /// Keyspace that defines the type.
    public var keyspace: String
    /// Type name.
    public var name: String
    /// Fields in declaration order.
    public var fields: [Field]

    /// Creates a user type definition.
    public init(keyspace: String, name: String, fields: [Field]) {
        self.keyspace = keyspace
        self.name = name
        self.fields = fields
    }
}

/// The name and type of a result column or bind marker.
public struct ColumnSpec: Hashable, Sendable {
    /// Keyspace of the column.
    public var keyspace: String
    /// Table of the column.
    public var table: String
    /// Column (or bind marker) name.
    public var name: String
    /// Column type.
    public var type: CQLDataType

    /// Creates a column spec.
    public init(keyspace: String, table: String, name: String, type: CQLDataType) {
        self.keyspace = keyspace
        self.table = table
        self.name = name
        self.type = type
    }
}
