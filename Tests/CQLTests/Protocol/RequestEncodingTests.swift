import AnimeRecTestSupport
import NIOCore
import Testing

@testable import CQL

@Suite("Request bodies per version (brief §1.6)")
struct RequestEncodingTests {
    private func body(_ request: CQLRequest, _ version: ProtocolVersion) throws -> String {
        var out = ByteBuffer()
        try request.encodeBody(into: &out, version: version)
        return out.hex
    }

    @Test("STARTUP, OPTIONS, REGISTER")
    func simpleMessages() throws {
        #expect(
            try self.body(.startup(options: ["CQL_VERSION": "3.0.0"]), .v1) == "0001" + str("CQL_VERSION")
                + str("3.0.0")
        )
        #expect(try self.body(.options, .v5) == "")
        #expect(
            try self.body(.register([.topologyChange, .statusChange, .schemaChange]), .v3)
                == "0003" + str("TOPOLOGY_CHANGE") + str("STATUS_CHANGE") + str("SCHEMA_CHANGE")
        )
    }

    @Test("v1 CREDENTIALS and v2+ AUTH_RESPONSE")
    func authentication() throws {
        #expect(
            try self.body(.credentials(["username": "u", "password": "p"]), .v1)
                == "0002" + str("password") + str("p") + str("username") + str("u")
        )
        expectCQLError(.unsupportedFeature) { try self.body(.credentials(["username": "u"]), .v2) }
        #expect(try self.body(.authResponse(token: [0, 0x75, 0, 0x70]), .v2) == "00000004" + "00750070")
        #expect(try self.body(.authResponse(token: nil), .v5) == "ffffffff")
        expectCQLError(.unsupportedFeature) { try self.body(.authResponse(token: []), .v1) }
    }

    @Test("QUERY v1 is the query and a consistency; bind values are a typed error")
    func queryV1() throws {
        #expect(try self.body(.query("SELECT 1", values: [], parameters: .init()), .v1) == lstr("SELECT 1") + "0001")
        // Paging is ignored on v1 (it has none).
        #expect(
            try self.body(.query("q", values: [], parameters: .init(consistency: .quorum, pageSize: 10)), .v1)
                == lstr("q") + "0004"
        )
        expectCQLError(.unsupportedFeature) { try self.body(.query("q", values: [.int(1)], parameters: .init()), .v1) }
    }

    @Test("QUERY v2: byte flags, values as [bytes], paging and serial consistency")
    func queryV2() throws {
        let parameters = QueryParameters(
            consistency: .quorum,
            serialConsistency: .localSerial,
            pageSize: 100,
            pagingState: [0xAB]
        )
        #expect(
            try self.body(.query("q", values: [.int(1)], parameters: parameters), .v2)
                == lstr("q") + "0004" + "1d" + "0001" + "00000004" + "00000001" + "00000064" + "00000001ab" + "0009"
        )
        expectCQLError(.unsupportedFeature) {
            try self.body(.query("q", values: [], parameters: .init(defaultTimestamp: 1)), .v2)
        }
    }

    @Test("QUERY v4: unset values, skip_metadata and default timestamp")
    func queryV4() throws {
        let parameters = QueryParameters(consistency: .one, defaultTimestamp: 16, skipMetadata: true)
        #expect(
            try self.body(.query("q", values: [.unset, .null], parameters: parameters), .v4)
                == lstr("q") + "0001" + "23" + "0002" + "fffffffe" + "ffffffff" + "0000000000000010"
        )
        expectCQLError(.unsupportedFeature) {
            try self.body(.query("q", values: [], parameters: .init(keyspace: "ks")), .v4)
        }
    }

    @Test("QUERY v5: [int] flags and a per-query keyspace")
    func queryV5() throws {
        #expect(
            try self.body(.query("q", values: [], parameters: .init(consistency: .localOne, keyspace: "ks")), .v5)
                == lstr("q") + "000a" + "00000080" + str("ks")
        )
        #expect(try self.body(.query("q", values: [], parameters: .init()), .v5) == lstr("q") + "0001" + "00000000")
    }

    @Test("PREPARE: v1-v4 the query, v5 adds [int] flags and an optional keyspace")
    func prepare() throws {
        #expect(try self.body(.prepare("q", keyspace: nil), .v4) == lstr("q"))
        #expect(try self.body(.prepare("q", keyspace: nil), .v5) == lstr("q") + "00000000")
        #expect(try self.body(.prepare("q", keyspace: "ks"), .v5) == lstr("q") + "00000001" + str("ks"))
        expectCQLError(.unsupportedFeature) { try self.body(.prepare("q", keyspace: "ks"), .v3) }
    }

    @Test("EXECUTE: v1 layout, v2-v4 query parameters, v5 result metadata id")
    func execute() throws {
        let statement = PreparedStatement(id: [1, 2], resultMetadataId: [0xAA], bindMarkers: [], query: "q")
        #expect(
            try self.body(.execute(statement, values: [.int(5)], parameters: .init()), .v1)
                == "0002" + "0102" + "0001" + "00000004" + "00000005" + "0001"
        )
        #expect(
            try self.body(.execute(statement, values: [.int(5)], parameters: .init()), .v4)
                == "0002" + "0102" + "0001" + "01" + "0001" + "00000004" + "00000005"
        )
        #expect(
            try self.body(.execute(statement, values: [.int(5)], parameters: .init()), .v5)
                == "0002" + "0102" + "0001" + "aa" + "0001" + "00000001" + "0001" + "00000004" + "00000005"
        )
        expectCQLError(.unsupportedFeature) {
            try self.body(.execute(statement, values: [.unset], parameters: .init()), .v1)
        }
    }

    @Test("BATCH v2, v3 and v5 layouts")
    func batch() throws {
        let statement = PreparedStatement(id: [1, 2], bindMarkers: [], query: "q")
        var batch = CQLBatch(kind: .unlogged)
        batch.add("a")
        batch.add(statement, values: [.int(1)])
        let statements =
            "01" + "0002" + "00" + lstr("a") + "0000" + "01" + "0002" + "0102" + "0001" + "00000004" + "00000001"
        #expect(try self.body(.batch(batch, parameters: .init(consistency: .quorum)), .v2) == statements + "0004")
        #expect(
            try self.body(.batch(batch, parameters: .init(serialConsistency: .serial, defaultTimestamp: 1)), .v3)
                == statements + "0001" + "30" + "0008" + "0000000000000001"
        )
        #expect(try self.body(.batch(batch, parameters: .init()), .v5) == statements + "0001" + "00000000")
        expectCQLError(.unsupportedFeature) {
            try self.body(.batch(batch, parameters: .init(defaultTimestamp: 1)), .v2)
        }
        #expect(CQLRequest.batch(batch, parameters: .init()).opcode(version: .v2) == .batch)
    }

    @Test("v1 batches become a BEGIN … APPLY BATCH QUERY of value-free text statements")
    func batchV1() throws {
        var batch = CQLBatch(kind: .counter)
        batch.add("UPDATE c SET n = n + 1 WHERE k = 1")
        batch.add("UPDATE c SET n = n + 1 WHERE k = 2")
        let text =
            "BEGIN COUNTER BATCH\nUPDATE c SET n = n + 1 WHERE k = 1;\nUPDATE c SET n = n + 1 WHERE k = 2;\nAPPLY BATCH"
        #expect(try self.body(.batch(batch, parameters: .init()), .v1) == lstr(text) + "0001")
        #expect(CQLRequest.batch(batch, parameters: .init()).opcode(version: .v1) == .query)
        #expect(try CQLBatch(kind: .logged).v1BatchText() == "BEGIN BATCH\nAPPLY BATCH")

        var withValues = CQLBatch(kind: .unlogged)
        withValues.add("INSERT INTO t (k) VALUES (?)", values: [.int(1)])
        expectCQLError(.unsupportedFeature) { try self.body(.batch(withValues, parameters: .init()), .v1) }
        var withPrepared = CQLBatch()
        withPrepared.add(PreparedStatement(id: [1], bindMarkers: [], query: "q"))
        expectCQLError(.unsupportedFeature) { try self.body(.batch(withPrepared, parameters: .init()), .v1) }
    }

    @Test("A full request envelope on v1 and v4")
    func fullEnvelope() throws {
        var out = ByteBuffer()
        try CQLRequest.options.envelope(streamID: 1, version: .v1).encode(into: &out)
        #expect(out.hex == "0100010500000000")
        out.clear()
        try CQLRequest.query("q", values: [], parameters: .init()).envelope(streamID: 2, version: .v4).encode(
            into: &out
        )
        #expect(out.hex == "040000020700000008" + lstr("q") + "0001" + "00")
    }
}
