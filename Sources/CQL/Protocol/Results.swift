import NIOCore

/// The outcome of a QUERY, EXECUTE or BATCH (RESULT message).
public enum CQLResult: Sendable {
    /// No result (writes, most DDL before v3 reports).
    case void
    /// Rows of a SELECT.
    case rows(CQLRows)
    /// A `USE` statement switched the keyspace.
    case setKeyspace(String)
    /// A PREPARE succeeded.
    case prepared(PreparedStatement)
    /// A DDL statement changed the schema.
    case schemaChange(SchemaChange)

    /// The rows, or an empty result for every other kind.
    public var rows: CQLRows? {
        if case .rows(let rows) = self { return rows }
        return nil
    }
}

/// A description of a schema change (RESULT Schema_change and the SCHEMA_CHANGE event).
public struct SchemaChange: Sendable, Hashable {
    /// CREATED, UPDATED or DROPPED.
    public var change: String
    /// KEYSPACE, TABLE, TYPE, FUNCTION or AGGREGATE (v1/v2 report only keyspaces and tables).
    public var target: String
    /// The keyspace affected.
    public var keyspace: String
    /// The table, type, function or aggregate name; `nil` for a keyspace change.
    public var name: String?
    /// Argument types of a function or aggregate (v4+).
    public var argumentTypes: [String]

    /// Creates a schema change description.
    public init(change: String, target: String, keyspace: String, name: String?, argumentTypes: [String] = []) {
        self.change = change
        self.target = target
        self.keyspace = keyspace
        self.name = name
        self.argumentTypes = argumentTypes
    }

    /// v1/v2: three strings; v3+: change, target and target-specific options (brief §1.7).
    static func decode(from buffer: inout ByteBuffer, version: ProtocolVersion) throws -> SchemaChange {
        let change = try buffer.readCQLString()
        if version < .v3 {
            let keyspace = try buffer.readCQLString()
            let table = try buffer.readCQLString()
            return SchemaChange(
                change: change,
                target: table.isEmpty ? "KEYSPACE" : "TABLE",
                keyspace: keyspace,
                name: table.isEmpty ? nil : table
            )
        }
        let target = try buffer.readCQLString()
        let keyspace = try buffer.readCQLString()
        switch target {
        case "KEYSPACE":
            return SchemaChange(change: change, target: target, keyspace: keyspace, name: nil)
        case "TABLE", "TYPE":
            return SchemaChange(change: change, target: target, keyspace: keyspace, name: try buffer.readCQLString())
        case "FUNCTION", "AGGREGATE":
            let name = try buffer.readCQLString()
            return SchemaChange(
                change: change,
                target: target,
                keyspace: keyspace,
                name: name,
                argumentTypes: try buffer.readCQLStringList()
            )
        default:
            throw CQLError.protocolViolation("unknown schema change target \(target)")
        }
    }
}

/// A server push message (EVENT on stream -1) for a connection that registered for it.
public enum CQLEvent: Sendable, Hashable {
    /// NEW_NODE, REMOVED_NODE or MOVED_NODE, with the node's native-protocol address.
    case topologyChange(change: String, address: CQLInetAddress)
    /// UP or DOWN, with the node's native-protocol address.
    case statusChange(change: String, address: CQLInetAddress)
    /// A schema change.
    case schemaChange(SchemaChange)

    static func decode(from buffer: inout ByteBuffer, version: ProtocolVersion) throws -> CQLEvent {
        let type = try buffer.readCQLString()
        switch type {
        case CQLEventType.topologyChange.rawValue:
            let change = try buffer.readCQLString()
            return .topologyChange(change: change, address: try buffer.readCQLInet())
        case CQLEventType.statusChange.rawValue:
            let change = try buffer.readCQLString()
            return .statusChange(change: change, address: try buffer.readCQLInet())
        case CQLEventType.schemaChange.rawValue:
            return .schemaChange(try SchemaChange.decode(from: &buffer, version: version))
        default:
            throw CQLError.protocolViolation("unknown event type \(type)")
        }
    }
}

/// The rows of a RESULT Rows, decoded lazily per cell.
public struct CQLRows: Sendable {
    /// Result columns; empty if the server omitted metadata (skip_metadata) and none were supplied.
    public private(set) var columns: [ColumnSpec]
    /// The rows.
    public private(set) var rows: [CQLRow]
    /// Opaque state to fetch the next page (v2+), `nil` on the last page.
    public var pagingState: [UInt8]?
    /// v5: the server's new result metadata id when the prepared statement's columns changed.
    public var newResultMetadataId: [UInt8]?
    /// Number of columns per row (known even without metadata).
    public let columnCount: Int
    /// Whether the server sent column metadata.
    public let hasMetadata: Bool

    init(
        columns: [ColumnSpec],
        cells: [[ByteBuffer?]],
        columnCount: Int,
        hasMetadata: Bool,
        pagingState: [UInt8]?,
        newResultMetadataId: [UInt8]?,
        version: ProtocolVersion
    ) {
        let layout = ColumnLayout(columns: columns, version: version)
        self.columns = columns
        self.rows = cells.map { CQLRow(layout: layout, cells: $0) }
        self.columnCount = columnCount
        self.hasMetadata = hasMetadata
        self.pagingState = pagingState
        self.newResultMetadataId = newResultMetadataId
    }

    /// The same rows decoded with `columns` (used when the server skipped metadata for a prepared statement).
    public func withColumns(_ columns: [ColumnSpec]) -> CQLRows {
        guard let version = self.rows.first?.layout.version else {
            var copy = self
            copy.columns = columns
            return copy
        }
        let layout = ColumnLayout(columns: columns, version: version)
        var copy = self
        copy.columns = columns
        copy.rows = self.rows.map { CQLRow(layout: layout, cells: $0.cells) }
        return copy
    }

    /// Number of rows.
    public var count: Int { self.rows.count }
    /// Whether there are no rows.
    public var isEmpty: Bool { self.rows.isEmpty }
}

/// Column names, types and a name index shared by all rows of one result.
final class ColumnLayout: Sendable {
    let columns: [ColumnSpec]
    let indexByName: [String: Int]
    let version: ProtocolVersion

    init(columns: [ColumnSpec], version: ProtocolVersion) {
        self.columns = columns
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        self.indexByName = index
        self.version = version
    }
}

/// One row. Cells stay raw until read, so only the columns an app reads are decoded.
public struct CQLRow: Sendable {
    let layout: ColumnLayout
    let cells: [ByteBuffer?]

    init(layout: ColumnLayout, cells: [ByteBuffer?]) {
        self.layout = layout
        self.cells = cells
    }

    /// Number of cells.
    public var count: Int { self.cells.count }

    /// The raw serialized bytes of cell `index` (`nil` for null).
    public func rawValue(at index: Int) throws -> ByteBuffer? {
        guard self.cells.indices.contains(index) else {
            throw CQLError(.decodingFailed, "column index \(index) out of range 0..<\(self.cells.count)")
        }
        return self.cells[index]
    }

    /// The decoded value of cell `index`.
    public func value(at index: Int) throws -> CQLValue {
        let raw = try self.rawValue(at: index)
        guard self.layout.columns.indices.contains(index) else {
            throw CQLError(.decodingFailed, "no column metadata for index \(index)")
        }
        return try CQLValue.decode(raw, as: self.layout.columns[index].type, version: self.layout.version)
    }

    /// The decoded value of the column called `name`.
    public func value(named name: String) throws -> CQLValue {
        guard let index = self.layout.indexByName[name] else {
            throw CQLError(.decodingFailed, "no column named \(name)")
        }
        return try self.value(at: index)
    }

    /// The value of column `name`, or `nil` if there is no such column or it cannot be decoded.
    public subscript(name: String) -> CQLValue? {
        try? self.value(named: name)
    }

    /// The value of cell `index`, or `nil` if out of range or undecodable.
    public subscript(index: Int) -> CQLValue? {
        try? self.value(at: index)
    }

    /// Decodes cell `index` as `type`.
    public func decode<T: CQLDecodable>(_ type: T.Type, at index: Int) throws -> T {
        try T(cqlValue: try self.value(at: index))
    }

    /// Decodes the column called `name` as `type`.
    public func decode<T: CQLDecodable>(_ type: T.Type, named name: String) throws -> T {
        try T(cqlValue: try self.value(named: name))
    }
}
