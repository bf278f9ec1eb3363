import AnimeRecTestSupport
import NIOCore
import Testing

@testable import CQL

@Suite("Response decoding: ERROR, RESULT, EVENT and friends")
struct ResponseDecodingTests {
    private func decode(
        _ opcode: CQLOpcode,
        _ hex: String,
        version: ProtocolVersion = .v4,
        flags: CQLEnvelope.Flags = []
    ) throws -> CQLResponse.Decoded {
        try CQLResponse.decode(
            CQLEnvelope(
                version: version,
                isResponse: true,
                flags: flags,
                streamID: 1,
                opcode: opcode,
                body: buffer(hex)
            )
        )
    }

    private func error(_ hex: String, version: ProtocolVersion = .v4) throws -> CQLError {
        guard case .error(let error) = try self.decode(.error, hex, version: version).response else {
            throw CQLError(.unexpectedResponse, "not an error")
        }
        return error
    }

    private func result(_ hex: String, version: ProtocolVersion = .v4) throws -> CQLResult {
        guard case .result(let result) = try self.decode(.result, hex, version: version).response else {
            throw CQLError(.unexpectedResponse, "not a result")
        }
        return result
    }

    @Test("Errors without extra fields keep code and message; unknown codes stay representable")
    func plainErrors() throws {
        let syntax = try self.error("00002000" + str("line 1: no viable alternative"))
        #expect(syntax.code == .syntaxError)
        #expect(syntax.code.serverCode == 0x2000)
        #expect(syntax.message == "line 1: no viable alternative")
        let unknown = try self.error("00009999" + str("new"))
        #expect(unknown.code == .server(0x9999))
        #expect(unknown.code.description == "server(0x9999)")
        let serverUnsupported = try self.error(
            "00000000" + str("…ProtocolException: Invalid or unsupported protocol version: 4")
        )
        #expect(serverUnsupported.isUnsupportedProtocolVersion)
        let beta = try self.error(
            "0000000a" + str("Beta version of the protocol used (5/v5-beta), but USE_BETA flag is unset")
        )
        #expect(beta.isUnsupportedProtocolVersion)
        #expect(
            !(try self.error("00002200" + str("Invalid or unsupported protocol version"))).isUnsupportedProtocolVersion
        )
    }

    @Test("Unavailable, timeouts and CAS unknown carry consistency and replica counts")
    func replicaErrors() throws {
        let unavailable = try self.error("00001000" + str("x") + "0004" + "00000003" + "00000001")
        #expect(unavailable.code == .unavailable)
        #expect(unavailable.consistency == .quorum)
        #expect(unavailable.blockFor == 3)
        #expect(unavailable.alive == 1)

        let writeTimeout = try self.error("00001100" + str("x") + "0001" + "00000000" + "00000001" + str("BATCH_LOG"))
        #expect(writeTimeout.code == .writeTimeout)
        #expect(writeTimeout.received == 0)
        #expect(writeTimeout.blockFor == 1)
        #expect(writeTimeout.writeType == "BATCH_LOG")
        #expect(writeTimeout.contentions == nil)

        let casTimeout = try self.error(
            "00001100" + str("x") + "0008" + "00000000" + "00000002" + str("CAS") + "0003",
            version: .v5
        )
        #expect(casTimeout.consistency == .serial)
        #expect(casTimeout.contentions == 3)

        let readTimeout = try self.error("00001200" + str("x") + "0006" + "00000001" + "00000002" + "00")
        #expect(readTimeout.code == .readTimeout)
        #expect(readTimeout.consistency == .localQuorum)
        #expect(readTimeout.dataPresent == false)

        let casUnknown = try self.error("00001700" + str("x") + "0009" + "00000001" + "00000002", version: .v5)
        #expect(casUnknown.code == .casWriteUnknown)
        #expect(casUnknown.consistency == .localSerial)
        #expect(casUnknown.received == 1)
    }

    @Test("Read and write failures: v4 count vs v5 reason map")
    func failures() throws {
        let readV4 = try self.error("00001300" + str("x") + "0001" + "00000000" + "00000001" + "00000002" + "01")
        #expect(readV4.code == .readFailure)
        #expect(readV4.numFailures == 2)
        #expect(readV4.dataPresent == true)
        let readV5 = try self.error(
            "00001300" + str("x") + "0001" + "00000000" + "00000001" + "00000001" + "047f000001" + "0005" + "00",
            version: .v5
        )
        #expect(readV5.numFailures == 1)
        #expect(readV5.failureReasons == [CQLError.FailureReason(address: [127, 0, 0, 1], reasonCode: 5)])
        #expect(readV5.dataPresent == false)
        let writeV4 = try self.error(
            "00001500" + str("x") + "0001" + "00000000" + "00000001" + "00000001" + str("SIMPLE")
        )
        #expect(writeV4.code == .writeFailure)
        #expect(writeV4.writeType == "SIMPLE")
        let writeV5 = try self.error(
            "00001500" + str("x") + "0001" + "00000000" + "00000001" + "00000000" + str("COUNTER"),
            version: .v5
        )
        #expect(writeV5.numFailures == 0)
        #expect(writeV5.writeType == "COUNTER")
    }

    @Test("Function failure, already exists and unprepared")
    func schemaErrors() throws {
        let function = try self.error("00001400" + str("x") + str("ks") + str("f") + "0001" + str("int"))
        #expect(function.code == .functionFailure)
        #expect(function.keyspace == "ks")
        #expect(function.functionName == "f")
        #expect(function.argumentTypes == ["int"])
        let exists = try self.error("00002400" + str("x") + str("anime_reco") + str(""), version: .v1)
        #expect(exists.code == .alreadyExists)
        #expect(exists.keyspace == "anime_reco")
        #expect(exists.table == "")
        let unprepared = try self.error("00002500" + str("x") + "0002" + "cafe", version: .v1)
        #expect(unprepared.code == .unprepared)
        #expect(unprepared.unpreparedID == [0xCA, 0xFE])
    }

    @Test("Truncated or malformed bodies are typed protocol violations")
    func malformedBodies() throws {
        expectCQLError(.protocolViolation) { try self.error("00001000" + str("x") + "0004") }
        expectCQLError(.protocolViolation) { try self.error("0000") }
        expectCQLError(.protocolViolation) { try self.result("00000009") }
        expectCQLError(.protocolViolation) { try self.result("00000002" + "00000000" + "00000001" + "00000005") }
        // A column count far beyond the body must fail fast, not allocate or hang.
        expectCQLError(.protocolViolation) {
            try self.result("00000002" + "00000001" + "7fffffff" + str("ks") + str("t"))
        }
        expectCQLError(.protocolViolation) { try self.result("00000002" + "00000000" + "ffffffff") }
        expectCQLError(.protocolViolation) { try self.decode(.query, "") }
        expectCQLError(.protocolViolation) { try self.decode(.event, str("NEW_KIND")) }
        expectCQLError(.unsupportedFeature) { try self.decode(.ready, "", flags: .compressed) }
    }

    @Test("RESULT Void and Set_keyspace")
    func simpleResults() throws {
        guard case .void = try self.result("00000001") else {
            Issue.record("expected void")
            return
        }
        guard case .setKeyspace(let keyspace) = try self.result("00000003" + str("anime_reco")) else {
            Issue.record("expected set keyspace")
            return
        }
        #expect(keyspace == "anime_reco")
    }

    @Test("RESULT Rows with per-column specs, paging state and nulls")
    func rows() throws {
        let hex =
            "00000002" + "00000002" + "00000002" + "00000002" + "abcd"
            + str("ks") + str("t") + str("id") + "0009" + str("ks") + str("t") + str("name") + "000a"
            + "00000002" + "00000004" + "00000007" + "00000001" + "41" + "00000004" + "00000008" + "ffffffff"
        let rows = try #require(try self.result(hex, version: .v2).rows)
        #expect(rows.columns.map(\.name) == ["id", "name"])
        #expect(rows.columns.map(\.type) == [.int, .text])
        #expect(rows.pagingState == [0xAB, 0xCD])
        #expect(rows.count == 2)
        #expect(try rows.rows[0].decode(Int32.self, at: 0) == 7)
        #expect(try rows.rows[0].decode(String.self, named: "name") == "A")
        #expect(try rows.rows[1].decode(String?.self, named: "name") == nil)
    }

    @Test("RESULT Rows with No_metadata, and v5 Metadata_changed")
    func rowsWithoutMetadata() throws {
        let hex = "00000002" + "00000006" + "00000001" + "00000001" + "ee" + "00000001" + "00000004" + "00000009"
        let rows = try #require(try self.result(hex, version: .v4).rows)
        #expect(!rows.hasMetadata)
        #expect(rows.columns.isEmpty)
        #expect(rows.columnCount == 1)
        #expect(rows.pagingState == [0xEE])
        let typed = rows.withColumns([ColumnSpec(keyspace: "ks", table: "t", name: "n", type: .int)])
        #expect(try typed.rows[0].decode(Int32.self, named: "n") == 9)

        let changed =
            "00000002" + "00000009" + "00000001" + "0002" + "0102" + str("ks") + str("t") + str("n") + "0009"
            + "00000000"
        let v5Rows = try #require(try self.result(changed, version: .v5).rows)
        #expect(v5Rows.newResultMetadataId == [1, 2])
        let statement = PreparedStatement(id: [7], resultMetadataId: [0], bindMarkers: [], query: "SELECT * FROM t")
        let updated = statement.updated(from: v5Rows)
        #expect(updated.resultMetadataId == [1, 2])
        #expect(updated.resultColumns.map(\.name) == ["n"])
        #expect(statement.updated(from: rows) == statement)
        #expect(v5Rows.columns.map(\.name) == ["n"])
        #expect(v5Rows.isEmpty)
    }

    @Test("RESULT Prepared, v1 layout: id and bind metadata only")
    func preparedV1() throws {
        let hex = "00000004" + "0002" + "0102" + "00000001" + "00000001" + str("ks") + str("t") + str("k") + "0009"
        guard case .prepared(let statement) = try self.result(hex, version: .v1) else {
            Issue.record("expected prepared")
            return
        }
        #expect(statement.id == [1, 2])
        #expect(statement.resultMetadataId == nil)
        #expect(statement.bindMarkers == [ColumnSpec(keyspace: "ks", table: "t", name: "k", type: .int)])
        #expect(statement.partitionKeyIndexes.isEmpty)
        #expect(statement.resultColumns.isEmpty)
        #expect(statement.keyspace == "ks")
    }

    @Test("RESULT Prepared, v2/v3 layout: bind and result metadata")
    func preparedV3() throws {
        let hex =
            "00000004" + "0001" + "09" + "00000001" + "00000001" + str("ks") + str("t") + str("k") + "0009"
            + "00000001" + "00000001" + str("ks") + str("t") + str("v") + "000d"
        guard case .prepared(let statement) = try self.result(hex, version: .v3) else {
            Issue.record("expected prepared")
            return
        }
        #expect(statement.bindMarkers.map(\.name) == ["k"])
        #expect(statement.resultColumns == [ColumnSpec(keyspace: "ks", table: "t", name: "v", type: .varchar)])
        #expect(statement.partitionKeyIndexes.isEmpty)
    }

    @Test("RESULT Prepared, v4 adds partition-key indexes; v5 adds the result metadata id")
    func preparedV4V5() throws {
        let bind =
            "00000001" + "00000002" + "00000001" + "0001" + str("ks") + str("t") + str("a") + "0009" + str("b")
            + "000d"
        let noResultMetadata = "00000004" + "00000000"
        guard
            case .prepared(let v4) = try self.result(
                "00000004" + "0002" + "0102" + bind + noResultMetadata,
                version: .v4
            )
        else {
            Issue.record("expected prepared")
            return
        }
        #expect(v4.partitionKeyIndexes == [1])
        #expect(v4.bindMarkers.map(\.type) == [.int, .varchar])
        #expect(v4.resultColumns.isEmpty)
        #expect(v4.resultMetadataId == nil)
        guard
            case .prepared(let v5) = try self.result(
                "00000004" + "0002" + "0102" + "0001" + "ee" + bind + noResultMetadata,
                version: .v5
            )
        else {
            Issue.record("expected prepared")
            return
        }
        #expect(v5.resultMetadataId == [0xEE])
        #expect(v5.partitionKeyIndexes == [1])
        // A pk index beyond the bind markers is malformed.
        let badIndex =
            "00000004" + "0001" + "01" + "00000001" + "00000001" + "00000001" + "0005" + str("ks") + str("t")
            + str("a") + "0009" + noResultMetadata
        expectCQLError(.protocolViolation) { try self.result(badIndex, version: .v4) }
    }

    @Test("RESULT Schema_change: v1/v2 three strings, v3+ target and options")
    func schemaChange() throws {
        guard
            case .schemaChange(let keyspaceChange) = try self.result(
                "00000005" + str("CREATED") + str("ks") + str(""),
                version: .v1
            )
        else {
            Issue.record("expected schema change")
            return
        }
        #expect(keyspaceChange == SchemaChange(change: "CREATED", target: "KEYSPACE", keyspace: "ks", name: nil))
        guard
            case .schemaChange(let tableV2) = try self.result(
                "00000005" + str("DROPPED") + str("ks") + str("t"),
                version: .v2
            )
        else {
            Issue.record("expected schema change")
            return
        }
        #expect(tableV2 == SchemaChange(change: "DROPPED", target: "TABLE", keyspace: "ks", name: "t"))
        guard
            case .schemaChange(let tableV3) = try self.result(
                "00000005" + str("UPDATED") + str("TABLE") + str("ks") + str("t"),
                version: .v3
            )
        else {
            Issue.record("expected schema change")
            return
        }
        #expect(tableV3 == SchemaChange(change: "UPDATED", target: "TABLE", keyspace: "ks", name: "t"))
        guard
            case .schemaChange(let function) = try self.result(
                "00000005" + str("CREATED") + str("FUNCTION") + str("ks") + str("f") + "0002" + str("int")
                    + str("text"),
                version: .v4
            )
        else {
            Issue.record("expected schema change")
            return
        }
        #expect(function.argumentTypes == ["int", "text"])
        #expect(function.name == "f")
        guard
            case .schemaChange(let keyspaceV4) = try self.result(
                "00000005" + str("DROPPED") + str("KEYSPACE") + str("ks")
            )
        else {
            Issue.record("expected schema change")
            return
        }
        #expect(keyspaceV4.name == nil)
    }

    @Test("EVENT, SUPPORTED, AUTHENTICATE, AUTH_CHALLENGE and AUTH_SUCCESS")
    func otherMessages() throws {
        guard
            case .event(let topology) = try self.decode(
                .event,
                str("TOPOLOGY_CHANGE") + str("NEW_NODE") + "04" + "7f000002" + "00002352"
            ).response
        else {
            Issue.record("expected event")
            return
        }
        #expect(
            topology
                == .topologyChange(change: "NEW_NODE", address: CQLInetAddress(address: [127, 0, 0, 2], port: 9042))
        )
        guard
            case .event(let status) = try self.decode(
                .event,
                str("STATUS_CHANGE") + str("DOWN") + "04" + "7f000003" + "00002352"
            ).response
        else {
            Issue.record("expected event")
            return
        }
        #expect(status == .statusChange(change: "DOWN", address: CQLInetAddress(address: [127, 0, 0, 3], port: 9042)))
        guard
            case .event(.schemaChange(let change)) = try self.decode(
                .event,
                str("SCHEMA_CHANGE") + str("CREATED") + str("TYPE") + str("ks") + str("ty")
            ).response
        else {
            Issue.record("expected event")
            return
        }
        #expect(change.target == "TYPE")
        guard
            case .supported(let supported) = try self.decode(
                .supported,
                "0002" + str("COMPRESSION") + "0001" + str("snappy") + str("CQL_VERSION") + "0001" + str("3.0.0"),
                version: .v1
            ).response
        else {
            Issue.record("expected supported")
            return
        }
        #expect(supported == ["COMPRESSION": ["snappy"], "CQL_VERSION": ["3.0.0"]])
        guard
            case .authenticate(let authenticator) = try self.decode(.authenticate, str("PasswordAuthenticator"))
                .response
        else {
            Issue.record("expected authenticate")
            return
        }
        #expect(authenticator == "PasswordAuthenticator")
        guard case .authChallenge(let challenge) = try self.decode(.authChallenge, "00000001" + "01").response else {
            Issue.record("expected challenge")
            return
        }
        #expect(challenge == [1])
        guard case .authSuccess(let success) = try self.decode(.authSuccess, "ffffffff").response else {
            Issue.record("expected success")
            return
        }
        #expect(success == nil)
    }

    @Test("Tracing id, warnings and custom payload prefixes are read before the message")
    func bodyPrefixes() throws {
        let decoded = try self.decode(
            .result,
            "00112233445566778899aabbccddeeff" + "0001" + str("careful") + "0001" + str("k") + "00000001" + "ff"
                + "00000001",
            flags: [.tracing, .warning, .customPayload]
        )
        #expect(decoded.tracingID == bytes("00112233445566778899aabbccddeeff"))
        #expect(decoded.warnings == ["careful"])
        guard case .result(.void) = decoded.response else {
            Issue.record("expected void")
            return
        }
    }
}
