import NIOCore

/// Options of a QUERY or EXECUTE (`<query_parameters>` on v2+; only consistency exists on v1).
public struct QueryParameters: Sendable, Hashable {
    /// Consistency level. Default ONE (Cassandra 1.2.0 knows nothing newer than EACH_QUORUM).
    public var consistency: Consistency
    /// Serial consistency for lightweight transactions (v2+; ignored on v1, which has no LWT).
    public var serialConsistency: Consistency?
    /// Rows per page (v2+). v1 has no paging: the value is ignored there and all rows come back.
    public var pageSize: Int32?
    /// Opaque paging state from a previous page's ``CQLRows/pagingState`` (v2+; ignored on v1).
    public var pagingState: [UInt8]?
    /// Client-side write timestamp in microseconds (v3+; a typed error on older versions).
    public var defaultTimestamp: Int64?
    /// Ask the server to omit result metadata (v2+); the prepared statement's columns are used instead.
    public var skipMetadata: Bool
    /// Per-request keyspace (v5 only; a typed error on older versions).
    public var keyspace: String?

    /// Creates parameters; every field but the consistency defaults to "not sent".
    public init(
        consistency: Consistency = .one,
        serialConsistency: Consistency? = nil,
        pageSize: Int32? = nil,
        pagingState: [UInt8]? = nil,
        defaultTimestamp: Int64? = nil,
        skipMetadata: Bool = false,
        keyspace: String? = nil
    ) {
        self.consistency = consistency
        self.serialConsistency = serialConsistency
        self.pageSize = pageSize
        self.pagingState = pagingState
        self.defaultTimestamp = defaultTimestamp
        self.skipMetadata = skipMetadata
        self.keyspace = keyspace
    }

    /// Writes `<query_parameters>` for v2+ (brief §1.6). v1 callers write only the consistency.
    func encode(values: [CQLValue], into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        var flags: UInt32 = 0
        if !values.isEmpty { flags |= 0x01 }
        if self.skipMetadata { flags |= 0x02 }
        if self.pageSize != nil { flags |= 0x04 }
        if self.pagingState != nil { flags |= 0x08 }
        if self.serialConsistency != nil { flags |= 0x10 }
        if self.defaultTimestamp != nil {
            guard version >= .v3 else {
                throw CQLError(.unsupportedFeature, "a default timestamp needs protocol v3 or later")
            }
            flags |= 0x20
        }
        if self.keyspace != nil {
            guard version >= .v5 else { throw CQLError(.unsupportedFeature, "a per-query keyspace needs protocol v5") }
            flags |= 0x80
        }
        buffer.writeCQLConsistency(self.consistency)
        if version >= .v5 {
            buffer.writeInteger(flags)
        } else {
            buffer.writeInteger(UInt8(flags))
        }
        if !values.isEmpty {
            guard let count = UInt16(exactly: values.count) else {
                throw CQLError(.invalidValue, "at most 65535 bound values")
            }
            buffer.writeCQLShort(count)
            for value in values { try value.writeBoundValue(into: &buffer, version: version) }
        }
        if let pageSize = self.pageSize { buffer.writeCQLInt(pageSize) }
        if let pagingState = self.pagingState { try buffer.writeCQLBytes(pagingState) }
        if let serialConsistency = self.serialConsistency { buffer.writeCQLConsistency(serialConsistency) }
        if let defaultTimestamp = self.defaultTimestamp { buffer.writeCQLLong(defaultTimestamp) }
        if let keyspace = self.keyspace { try buffer.writeCQLString(keyspace) }
    }
}

/// A statement prepared on the server (RESULT kind Prepared).
public struct PreparedStatement: Sendable, Hashable {
    /// The server's statement id (MD5-based, identical on every node).
    public var id: [UInt8]
    /// v5: id of the result metadata, sent back with EXECUTE; `nil` before v5.
    public var resultMetadataId: [UInt8]?
    /// The bind markers, in order.
    public var bindMarkers: [ColumnSpec]
    /// v4+: indexes into ``bindMarkers`` of the partition-key columns, in partition-key order; empty before v4.
    public var partitionKeyIndexes: [Int]
    /// Columns of the rows this statement returns (empty on v1 and for non-SELECTs).
    public var resultColumns: [ColumnSpec]
    /// The CQL text that was prepared.
    public var query: String

    /// The statement after a v5 `Metadata_changed` reply: the new result metadata id and columns.
    ///
    /// Returns `self` unchanged when `rows` carries no new metadata id. Callers that cache prepared
    /// statements should store the returned value so later EXECUTEs send the new id.
    public func updated(from rows: CQLRows) -> PreparedStatement {
        guard let newID = rows.newResultMetadataId else { return self }
        var updated = self
        updated.resultMetadataId = newID
        if rows.hasMetadata { updated.resultColumns = rows.columns }
        return updated
    }

    /// Keyspace of the statement's bound columns, if there are any.
    public var keyspace: String? { self.bindMarkers.first?.keyspace ?? self.resultColumns.first?.keyspace }

    /// Creates a prepared statement description (normally decoded from the server's reply).
    public init(
        id: [UInt8],
        resultMetadataId: [UInt8]? = nil,
        bindMarkers: [ColumnSpec],
        partitionKeyIndexes: [Int] = [],
        resultColumns: [ColumnSpec] = [],
        query: String
    ) {
        self.id = id
        self.resultMetadataId = resultMetadataId
        self.bindMarkers = bindMarkers
        self.partitionKeyIndexes = partitionKeyIndexes
        self.resultColumns = resultColumns
        self.query = query
    }
}

/// A group of statements sent together: a BATCH message on v2+, a CQL text batch on v1.
public struct CQLBatch: Sendable, Hashable {
    /// The batch type.
    public enum Kind: UInt8, Sendable, Hashable {
        /// Logged (atomic) batch.
        case logged = 0
        /// Unlogged batch.
        case unlogged = 1
        /// Counter batch (counter updates only).
        case counter = 2
    }

    /// One statement of a batch.
    public struct Statement: Sendable, Hashable {
        /// What is executed.
        public enum Query: Sendable, Hashable {
            /// CQL text.
            case text(String)
            /// A prepared statement.
            case prepared(PreparedStatement)
        }
        /// What is executed.
        public var query: Query
        /// Bound values.
        public var values: [CQLValue]

        /// Creates a batch statement.
        public init(query: Query, values: [CQLValue] = []) {
            self.query = query
            self.values = values
        }
    }

    /// The batch type.
    public var kind: Kind
    /// Statements in order.
    public var statements: [Statement]

    /// Creates a batch.
    public init(kind: Kind = .logged, statements: [Statement] = []) {
        self.kind = kind
        self.statements = statements
    }

    /// Appends a CQL text statement.
    public mutating func add(_ cql: String, values: [CQLValue] = []) {
        self.statements.append(Statement(query: .text(cql), values: values))
    }

    /// Appends a prepared statement with its values.
    public mutating func add(_ statement: PreparedStatement, values: [CQLValue] = []) {
        self.statements.append(Statement(query: .prepared(statement), values: values))
    }

    /// The v1 emulation: one `BEGIN … BATCH … APPLY BATCH` text.
    ///
    /// Only statements without bind values are accepted, because inlining values as literals would
    /// open the door to CQL injection; prepared statements cannot be part of a text batch either.
    func v1BatchText() throws -> String {
        var text: String
        switch self.kind {
        case .logged: text = "BEGIN BATCH\n"
        case .unlogged: text = "BEGIN UNLOGGED BATCH\n"
        case .counter: text = "BEGIN COUNTER BATCH\n"
        }
        for statement in self.statements {
            guard case .text(let cql) = statement.query else {
                throw CQLError(.unsupportedFeature, "protocol v1 cannot batch prepared statements")
            }
            guard statement.values.isEmpty else {
                throw CQLError(.unsupportedFeature, "protocol v1 batches cannot carry bind values")
            }
            text += cql
            text += ";\n"
        }
        text += "APPLY BATCH"
        return text
    }
}

/// Kinds of server events a connection can REGISTER for.
public struct CQLEventType: RawRepresentable, Hashable, Sendable {
    /// The protocol name.
    public let rawValue: String
    /// Creates an event type from its protocol name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Nodes added, removed or moved.
    public static let topologyChange = CQLEventType(rawValue: "TOPOLOGY_CHANGE")
    /// Nodes up or down.
    public static let statusChange = CQLEventType(rawValue: "STATUS_CHANGE")
    /// Keyspaces, tables, types, functions created, updated or dropped.
    public static let schemaChange = CQLEventType(rawValue: "SCHEMA_CHANGE")
}

/// A request message (client to server).
enum CQLRequest: Sendable, Hashable {
    case startup(options: [String: String])
    /// v1 only.
    case credentials([String: String])
    /// v2+.
    case authResponse(token: [UInt8]?)
    case options
    case query(String, values: [CQLValue], parameters: QueryParameters)
    case prepare(String, keyspace: String?)
    case execute(PreparedStatement, values: [CQLValue], parameters: QueryParameters)
    case batch(CQLBatch, parameters: QueryParameters)
    case register([CQLEventType])

    /// The opcode this request is sent with on `version` (a v1 batch becomes a QUERY).
    func opcode(version: ProtocolVersion) -> CQLOpcode {
        switch self {
        case .startup: .startup
        case .credentials: .credentials
        case .authResponse: .authResponse
        case .options: .options
        case .query: .query
        case .prepare: .prepare
        case .execute: .execute
        case .batch: version == .v1 ? .query : .batch
        case .register: .register
        }
    }

    /// Writes the body for `version` (brief §1.6). Throws a typed error for features the version lacks.
    func encodeBody(into buffer: inout ByteBuffer, version: ProtocolVersion) throws {
        switch self {
        case .startup(let options):
            try buffer.writeCQLStringMap(options)
        case .credentials(let credentials):
            guard version == .v1 else { throw CQLError(.unsupportedFeature, "CREDENTIALS exists only in protocol v1") }
            try buffer.writeCQLStringMap(credentials)
        case .authResponse(let token):
            guard version >= .v2 else {
                throw CQLError(.unsupportedFeature, "AUTH_RESPONSE needs protocol v2 or later")
            }
            try buffer.writeCQLBytes(token)
        case .options:
            break
        case .query(let cql, let values, let parameters):
            try buffer.writeCQLLongString(cql)
            if version == .v1 {
                guard values.isEmpty else {
                    throw CQLError(
                        .unsupportedFeature,
                        "protocol v1 QUERY cannot carry bind values; prepare the statement"
                    )
                }
                buffer.writeCQLConsistency(parameters.consistency)
            } else {
                try parameters.encode(values: values, into: &buffer, version: version)
            }
        case .prepare(let cql, let keyspace):
            try buffer.writeCQLLongString(cql)
            if version >= .v5 {
                buffer.writeInteger(UInt32(keyspace == nil ? 0 : 1))
                if let keyspace { try buffer.writeCQLString(keyspace) }
            } else if keyspace != nil {
                throw CQLError(.unsupportedFeature, "PREPARE with a keyspace needs protocol v5")
            }
        case .execute(let statement, let values, let parameters):
            try buffer.writeCQLShortBytes(statement.id)
            if version == .v1 {
                guard let count = UInt16(exactly: values.count) else {
                    throw CQLError(.invalidValue, "at most 65535 bound values")
                }
                buffer.writeCQLShort(count)
                for value in values { try value.writeBoundValue(into: &buffer, version: version) }
                buffer.writeCQLConsistency(parameters.consistency)
            } else {
                if version >= .v5 { try buffer.writeCQLShortBytes(statement.resultMetadataId ?? []) }
                try parameters.encode(values: values, into: &buffer, version: version)
            }
        case .batch(let batch, let parameters):
            if version == .v1 {
                try buffer.writeCQLLongString(try batch.v1BatchText())
                buffer.writeCQLConsistency(parameters.consistency)
                return
            }
            try Self.encodeBatch(batch, parameters: parameters, into: &buffer, version: version)
        case .register(let events):
            try buffer.writeCQLStringList(events.map(\.rawValue))
        }
    }

    private static func encodeBatch(
        _ batch: CQLBatch,
        parameters: QueryParameters,
        into buffer: inout ByteBuffer,
        version: ProtocolVersion
    ) throws {
        buffer.writeInteger(batch.kind.rawValue)
        guard let count = UInt16(exactly: batch.statements.count) else {
            throw CQLError(.invalidValue, "at most 65535 statements per batch")
        }
        buffer.writeCQLShort(count)
        for statement in batch.statements {
            switch statement.query {
            case .text(let cql):
                buffer.writeInteger(UInt8(0))
                try buffer.writeCQLLongString(cql)
            case .prepared(let prepared):
                buffer.writeInteger(UInt8(1))
                try buffer.writeCQLShortBytes(prepared.id)
            }
            guard let valueCount = UInt16(exactly: statement.values.count) else {
                throw CQLError(.invalidValue, "at most 65535 bound values")
            }
            buffer.writeCQLShort(valueCount)
            for value in statement.values { try value.writeBoundValue(into: &buffer, version: version) }
        }
        buffer.writeCQLConsistency(parameters.consistency)
        if version == .v2 {
            guard parameters.serialConsistency == nil, parameters.defaultTimestamp == nil else {
                throw CQLError(.unsupportedFeature, "batch serial consistency and timestamps need protocol v3 or later")
            }
            return
        }
        var flags: UInt32 = 0
        if parameters.serialConsistency != nil { flags |= 0x10 }
        if parameters.defaultTimestamp != nil { flags |= 0x20 }
        if parameters.keyspace != nil {
            guard version >= .v5 else { throw CQLError(.unsupportedFeature, "a per-batch keyspace needs protocol v5") }
            flags |= 0x80
        }
        if version >= .v5 {
            buffer.writeInteger(flags)
        } else {
            buffer.writeInteger(UInt8(flags))
        }
        if let serialConsistency = parameters.serialConsistency { buffer.writeCQLConsistency(serialConsistency) }
        if let defaultTimestamp = parameters.defaultTimestamp { buffer.writeCQLLong(defaultTimestamp) }
        if let keyspace = parameters.keyspace { try buffer.writeCQLString(keyspace) }
    }

    /// A complete request envelope.
    func envelope(
        streamID: Int16,
        version: ProtocolVersion,
        allocator: ByteBufferAllocator = .init()
    ) throws
        -> CQLEnvelope
    {
        var body = allocator.buffer(capacity: 64)
        try self.encodeBody(into: &body, version: version)
        return CQLEnvelope(
            version: version,
            isResponse: false,
            streamID: streamID,
            opcode: self.opcode(version: version),
            body: body
        )
    }
}
