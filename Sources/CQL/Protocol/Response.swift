import NIOCore

/// A response message (server to client), decoded from an envelope.
enum CQLResponse: Sendable {
    case error(CQLError)
    case ready
    case authenticate(authenticator: String)
    case supported([String: [String]])
    case result(CQLResult)
    case event(CQLEvent)
    case authChallenge(token: [UInt8]?)
    case authSuccess(token: [UInt8]?)

    /// A response plus the optional body prefixes (tracing id, warnings) of brief §1.2.
    struct Decoded: Sendable {
        var response: CQLResponse
        var tracingID: [UInt8]?
        var warnings: [String]
    }

    /// Decodes a response envelope. Unknown opcodes, malformed or truncated bodies and compressed
    /// bodies throw a typed ``CQLError`` (never trap).
    static func decode(_ envelope: CQLEnvelope, query: String = "") throws -> Decoded {
        let version = envelope.version
        var body = envelope.body
        // v5 ignores the envelope flag: compression lives in the segments.
        guard version >= .v5 || !envelope.flags.contains(.compressed) else {
            throw CQLError(.unsupportedFeature, "compressed envelopes are not supported (no compression was requested)")
        }
        var tracingID: [UInt8]?
        var warnings: [String] = []
        if envelope.flags.contains(.tracing) {
            tracingID = try body.readCQLUUIDBytes()
        }
        if version >= .v4, envelope.flags.contains(.warning) {
            warnings = try body.readCQLStringList()
        }
        if version >= .v4, envelope.flags.contains(.customPayload) {
            _ = try body.readCQLBytesMap()
        }
        let response: CQLResponse
        switch envelope.opcode {
        case .error: response = .error(try Self.decodeError(from: &body, version: version))
        case .ready: response = .ready
        case .authenticate: response = .authenticate(authenticator: try body.readCQLString())
        case .supported: response = .supported(try body.readCQLStringMultimap())
        case .result: response = .result(try Self.decodeResult(from: &body, version: version, query: query))
        case .event: response = .event(try CQLEvent.decode(from: &body, version: version))
        case .authChallenge:
            response = .authChallenge(token: try body.readCQLBytes().map { Array($0.readableBytesView) })
        case .authSuccess: response = .authSuccess(token: try body.readCQLBytes().map { Array($0.readableBytesView) })
        default:
            throw CQLError.protocolViolation("unexpected opcode \(envelope.opcode) from the server")
        }
        return Decoded(response: response, tracingID: tracingID, warnings: warnings)
    }

    // MARK: ERROR

    static func decodeError(from body: inout ByteBuffer, version: ProtocolVersion) throws -> CQLError {
        let code = CQLError.Code.server(try body.readCQLInt())
        var error = CQLError(code, try body.readCQLString())
        switch code {
        case .unavailable:
            error.consistency = try body.readCQLConsistency()
            error.blockFor = try body.readCQLInt()
            error.alive = try body.readCQLInt()
        case .writeTimeout:
            error.consistency = try body.readCQLConsistency()
            error.received = try body.readCQLInt()
            error.blockFor = try body.readCQLInt()
            let writeType = try body.readCQLString()
            error.writeType = writeType
            if version >= .v5, writeType == "CAS" { error.contentions = try body.readCQLShort() }
        case .readTimeout:
            error.consistency = try body.readCQLConsistency()
            error.received = try body.readCQLInt()
            error.blockFor = try body.readCQLInt()
            error.dataPresent = try body.readCQLByte() != 0
        case .readFailure, .writeFailure:
            error.consistency = try body.readCQLConsistency()
            error.received = try body.readCQLInt()
            error.blockFor = try body.readCQLInt()
            if version >= .v5 {
                let count = try body.readCQLInt()
                guard count >= 0 else { throw CQLError.protocolViolation("negative reason map size") }
                for _ in 0..<count {
                    let address = try body.readCQLInetAddr()
                    error.failureReasons.append(.init(address: address, reasonCode: try body.readCQLShort()))
                }
                error.numFailures = count
            } else {
                error.numFailures = try body.readCQLInt()
            }
            if code == .readFailure {
                error.dataPresent = try body.readCQLByte() != 0
            } else {
                error.writeType = try body.readCQLString()
            }
        case .functionFailure:
            error.keyspace = try body.readCQLString()
            error.functionName = try body.readCQLString()
            error.argumentTypes = try body.readCQLStringList()
        case .casWriteUnknown:
            error.consistency = try body.readCQLConsistency()
            error.received = try body.readCQLInt()
            error.blockFor = try body.readCQLInt()
        case .alreadyExists:
            error.keyspace = try body.readCQLString()
            error.table = try body.readCQLString()
        case .unprepared:
            error.unpreparedID = try body.readCQLShortBytes()
        default:
            break
        }
        return error
    }

    // MARK: RESULT

    static func decodeResult(from body: inout ByteBuffer, version: ProtocolVersion, query: String) throws -> CQLResult {
        let kind = try body.readCQLInt()
        switch kind {
        case 0x0001:
            return .void
        case 0x0002:
            return .rows(try Self.decodeRows(from: &body, version: version))
        case 0x0003:
            return .setKeyspace(try body.readCQLString())
        case 0x0004:
            return .prepared(try Self.decodePrepared(from: &body, version: version, query: query))
        case 0x0005:
            return .schemaChange(try SchemaChange.decode(from: &body, version: version))
        default:
            throw CQLError.protocolViolation("unknown RESULT kind \(kind)")
        }
    }

    struct Metadata {
        var columns: [ColumnSpec] = []
        var columnCount = 0
        var hasMetadata = true
        var pagingState: [UInt8]?
        var newMetadataID: [UInt8]?
        var partitionKeyIndexes: [Int] = []
    }

    /// Reads `<metadata>`; `isBindMetadata` selects the prepared bind-marker layout (v4+ pk indexes).
    static func decodeMetadata(
        from body: inout ByteBuffer,
        version: ProtocolVersion,
        isBindMetadata: Bool
    ) throws
        -> Metadata
    {
        var metadata = Metadata()
        let flags = try body.readCQLInt()
        let columnCount = try body.readCQLInt()
        guard columnCount >= 0 else { throw CQLError.protocolViolation("negative column count") }
        metadata.columnCount = Int(columnCount)
        if isBindMetadata, version >= .v4 {
            let keyCount = try body.readCQLInt()
            guard keyCount >= 0 else { throw CQLError.protocolViolation("negative partition key count") }
            for _ in 0..<keyCount {
                let index = Int(try body.readCQLShort())
                guard index < metadata.columnCount else {
                    throw CQLError.protocolViolation("partition key index \(index) out of range")
                }
                metadata.partitionKeyIndexes.append(index)
            }
        }
        if !isBindMetadata, flags & 0x0002 != 0 {
            metadata.pagingState = try body.readCQLBytes().map { Array($0.readableBytesView) }
        }
        if !isBindMetadata, version >= .v5, flags & 0x0008 != 0 {
            metadata.newMetadataID = try body.readCQLShortBytes()
        }
        if flags & 0x0004 != 0 {
            metadata.hasMetadata = false
            return metadata
        }
        var globalKeyspace: String?
        var globalTable: String?
        if flags & 0x0001 != 0 {
            globalKeyspace = try body.readCQLString()
            globalTable = try body.readCQLString()
        }
        // Each column takes at least 4 bytes; a count beyond that is a lie that must not drive allocation.
        metadata.columns.reserveCapacity(min(metadata.columnCount, body.readableBytes / 4))
        for _ in 0..<metadata.columnCount {
            let keyspace = try globalKeyspace ?? body.readCQLString()
            let table = try globalTable ?? body.readCQLString()
            let name = try body.readCQLString()
            let type = try CQLDataType.decode(from: &body)
            metadata.columns.append(ColumnSpec(keyspace: keyspace, table: table, name: name, type: type))
        }
        return metadata
    }

    static func decodeRows(from body: inout ByteBuffer, version: ProtocolVersion) throws -> CQLRows {
        let metadata = try Self.decodeMetadata(from: &body, version: version, isBindMetadata: false)
        let rowCount = try body.readCQLInt()
        guard rowCount >= 0 else { throw CQLError.protocolViolation("negative row count") }
        var cells: [[ByteBuffer?]] = []
        cells.reserveCapacity(min(Int(rowCount), body.readableBytes / 4 + 1))
        for _ in 0..<rowCount {
            var row: [ByteBuffer?] = []
            row.reserveCapacity(min(metadata.columnCount, body.readableBytes / 4 + 1))
            for _ in 0..<metadata.columnCount {
                row.append(try body.readCQLBytes())
            }
            cells.append(row)
        }
        return CQLRows(
            columns: metadata.columns,
            cells: cells,
            columnCount: metadata.columnCount,
            hasMetadata: metadata.hasMetadata,
            pagingState: metadata.pagingState,
            newResultMetadataId: metadata.newMetadataID,
            version: version
        )
    }

    /// Prepared layouts: v1 id + bind metadata; v2/v3 + result metadata; v4 pk indexes; v5 result metadata id.
    static func decodePrepared(
        from body: inout ByteBuffer,
        version: ProtocolVersion,
        query: String
    ) throws
        -> PreparedStatement
    {
        let id = try body.readCQLShortBytes()
        let resultMetadataID = version >= .v5 ? try body.readCQLShortBytes() : nil
        let bind = try Self.decodeMetadata(from: &body, version: version, isBindMetadata: true)
        var resultColumns: [ColumnSpec] = []
        if version >= .v2 {
            resultColumns = try Self.decodeMetadata(from: &body, version: version, isBindMetadata: false).columns
        }
        return PreparedStatement(
            id: id,
            resultMetadataId: resultMetadataID,
            bindMarkers: bind.columns,
            partitionKeyIndexes: bind.partitionKeyIndexes,
            resultColumns: resultColumns,
            query: query
        )
    }
}
