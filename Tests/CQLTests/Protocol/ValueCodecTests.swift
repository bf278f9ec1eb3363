import AnimeRecTestSupport
import Foundation
import NIOCore
import Testing

@testable import CQL

@Suite("Value codecs (brief §2)")
struct ValueCodecTests {
    private func hex(_ value: CQLValue, _ version: ProtocolVersion = .v4) throws -> String {
        var out = ByteBuffer()
        try value.serialize(into: &out, version: version)
        return out.hex
    }

    @Test("Fixed-width types serialize big-endian")
    func fixedWidth() throws {
        #expect(try self.hex(.int(1)) == "00000001")
        #expect(try self.hex(.int(-2)) == "fffffffe")
        #expect(try self.hex(.bigint(-2)) == "fffffffffffffffe")
        #expect(try self.hex(.counter(5)) == "0000000000000005")
        #expect(try self.hex(.timestamp(1_700_000_000_000)) == "0000018bcfe56800")
        #expect(try self.hex(.time(86_399_999_999_999)) == "00004e94914effff")
        #expect(try self.hex(.smallint(258)) == "0102")
        #expect(try self.hex(.tinyint(-1)) == "ff")
        #expect(try self.hex(.boolean(true)) == "01")
        #expect(try self.hex(.boolean(false)) == "00")
        #expect(try self.hex(.float(1.5)) == "3fc00000")
        #expect(try self.hex(.double(1.0)) == "3ff0000000000000")
        #expect(try self.hex(.date(1 << 31)) == "80000000")
    }

    @Test("Strings, blobs, uuids, inet and custom are raw bytes")
    func rawTypes() throws {
        #expect(try self.hex(.text("hé")) == "68c3a9")
        #expect(try self.hex(.ascii("A~")) == "417e")
        expectCQLError(.invalidValue) { try self.hex(.ascii("é")) }
        #expect(try self.hex(.blob([0xCA, 0xFE])) == "cafe")
        #expect(try self.hex(.custom([0x01])) == "01")
        let uuid = try #require(UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF"))
        #expect(try self.hex(.uuid(uuid)) == "00112233445566778899aabbccddeeff")
        #expect(try self.hex(.timeuuid(uuid)) == "00112233445566778899aabbccddeeff")
        #expect(try self.hex(.inet([127, 0, 0, 1])) == "7f000001")
        expectCQLError(.invalidValue) { try self.hex(.inet([1, 2, 3])) }
    }

    @Test("varint is minimal two's complement; decimal is scale plus varint")
    func varintAndDecimal() throws {
        #expect(try self.hex(.varint(CQLVarint(0))) == "00")
        #expect(try self.hex(.varint(CQLVarint(127))) == "7f")
        #expect(try self.hex(.varint(CQLVarint(128))) == "0080")
        #expect(try self.hex(.varint(CQLVarint(-1))) == "ff")
        #expect(try self.hex(.varint(CQLVarint(-128))) == "80")
        #expect(try self.hex(.varint(CQLVarint(-129))) == "ff7f")
        #expect(try self.hex(.varint(CQLVarint(Int64.min))) == "8000000000000000")
        #expect(CQLVarint(bytes: [0x00, 0x80]).int64Value == 128)
        #expect(CQLVarint(bytes: [0xFF, 0x7F]).int64Value == -129)
        #expect(CQLVarint(bytes: [0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).int64Value == nil)
        #expect(CQLVarint(bytes: [0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]).int64Value == Int64.min)
        #expect(CQLVarint(bytes: []).int64Value == nil)
        #expect(try self.hex(.decimal(CQLDecimal(unscaled: CQLVarint(12345), scale: 2))) == "000000023039")
    }

    @Test("duration is three zig-zag vints")
    func duration() throws {
        #expect(try self.hex(.duration(CQLDuration(months: 1, days: 2, nanoseconds: 3)), .v5) == "020406")
        #expect(
            try self.hex(.duration(CQLDuration(months: -1, days: 150, nanoseconds: 1_000_000_000)), .v5)
                == "01812cf077359400"
        )
        #expect(
            try self.hex(.duration(CQLDuration(months: 0, days: 0, nanoseconds: Int64.max)), .v5)
                == "0000fffffffffffffffffe"
        )
        for duration in [
            CQLDuration(months: 0, days: 0, nanoseconds: 0),
            CQLDuration(months: -1, days: 150, nanoseconds: 1_000_000_000),
            CQLDuration(months: Int32.max, days: Int32.min, nanoseconds: Int64.min),
        ] {
            let bytes = try CQLValue.duration(duration).serializedBytes(version: .v5)
            #expect(try CQLValue.decode(bytes, as: .duration, version: .v5) == .duration(duration))
        }
    }

    @Test("Collections use [short] lengths on v1/v2 and [int] on v3+")
    func collections() throws {
        let list = CQLValue.list([.int(1), .int(2)])
        #expect(try self.hex(list, .v1) == "0002" + "0004" + "00000001" + "0004" + "00000002")
        #expect(try self.hex(list, .v2) == "0002" + "0004" + "00000001" + "0004" + "00000002")
        #expect(try self.hex(list, .v3) == "00000002" + "00000004" + "00000001" + "00000004" + "00000002")
        #expect(try self.hex(.set([.text("a")]), .v2) == "0001" + "0001" + "61")
        let map = CQLValue.map([CQLMapEntry(key: .text("a"), value: .int(1))])
        #expect(try self.hex(map, .v2) == "0001" + "0001" + "61" + "0004" + "00000001")
        #expect(try self.hex(map, .v4) == "00000001" + "00000001" + "61" + "00000004" + "00000001")
        expectCQLError(.invalidValue) { try self.hex(.list([.int(1), .null]), .v4) }
        expectCQLError(.invalidValue) { try self.hex(.set([.unset]), .v4) }
        expectCQLError(.invalidValue) { try self.hex(.list([.blob([UInt8](repeating: 0, count: 70_000))]), .v2) }
    }

    @Test("Tuples and UDTs are [bytes] per component, nulls allowed")
    func tuplesAndUDTs() throws {
        #expect(
            try self.hex(.tuple([.int(1), .null, .text("x")]))
                == "00000004" + "00000001" + "ffffffff" + "00000001" + "78"
        )
        let udt = CQLValue.udt([CQLUDTField(name: "a", value: .int(1)), CQLUDTField(name: "b", value: .text("ab"))])
        #expect(try self.hex(udt) == "00000004" + "00000001" + "00000002" + "6162")
    }

    @Test("Bound values: null is -1, unset is -2 on v4+ and a typed error before")
    func boundValues() throws {
        var out = ByteBuffer()
        try CQLValue.null.writeBoundValue(into: &out, version: .v1)
        try CQLValue.unset.writeBoundValue(into: &out, version: .v4)
        try CQLValue.int(7).writeBoundValue(into: &out, version: .v4)
        #expect(out.hex == "ffffffff" + "fffffffe" + "00000004" + "00000007")
        expectCQLError(.unsupportedFeature) {
            var other = ByteBuffer()
            try CQLValue.unset.writeBoundValue(into: &other, version: .v3)
        }
        #expect(try CQLValue.null.serializedBytes(version: .v4) == nil)
        expectCQLError(.invalidValue) {
            var other = ByteBuffer()
            try CQLValue.null.serialize(into: &other, version: .v4)
        }
    }

    @Test(
        "Every type decodes what it encodes",
        arguments: [ProtocolVersion.v1, .v2, .v3, .v4, .v5]
    )
    func roundTrip(version: ProtocolVersion) throws {
        let uuid = try #require(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F"))
        let cases: [(CQLValue, CQLDataType)] = [
            (.int(-5), .int), (.bigint(Int64.max), .bigint), (.smallint(-300), .smallint), (.tinyint(-7), .tinyint),
            (.boolean(true), .boolean), (.float(-0.25), .float), (.double(3.5), .double), (.text("héllo"), .text),
            (.text("v"), .varchar), (.ascii("abc"), .ascii), (.blob([0, 1, 255]), .blob), (.uuid(uuid), .uuid),
            (.timeuuid(uuid), .timeuuid), (.timestamp(-1), .timestamp), (.date(12345), .date), (.time(42), .time),
            (.inet([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), .inet), (.varint(CQLVarint(-129)), .varint),
            (.decimal(CQLDecimal(unscaled: CQLVarint(-5), scale: 3)), .decimal), (.counter(9), .counter),
            (.custom([9, 9]), .custom("org.example.Type")),
            (.list([.int(1), .int(2)]), .list(.int)), (.set([.text("a"), .text("b")]), .set(.text)),
            (.map([CQLMapEntry(key: .text("k"), value: .list([.bigint(1)]))]), .map(key: .text, value: .list(.bigint))),
            (.tuple([.int(1), .null]), .tuple([.int, .text])),
            (
                .udt([CQLUDTField(name: "x", value: .int(3)), CQLUDTField(name: "y", value: .null)]),
                .udt(
                    CQLUserType(
                        keyspace: "ks",
                        name: "pt",
                        fields: [.init(name: "x", type: .int), .init(name: "y", type: .text)]
                    )
                )
            ),
        ]
        for (value, type) in cases {
            let bytes = try value.serializedBytes(version: version)
            #expect(try CQLValue.decode(bytes, as: type, version: version) == value, "\(type)")
        }
    }

    @Test("Decoding edge cases: null, empty, wrong lengths, truncated collections")
    func decodingEdgeCases() throws {
        #expect(try CQLValue.decode(nil, as: .int, version: .v4) == .null)
        #expect(try CQLValue.decode(ByteBuffer(), as: .int, version: .v4) == .null)
        #expect(try CQLValue.decode(ByteBuffer(), as: .text, version: .v4) == .text(""))
        expectCQLError(.decodingFailed) { try CQLValue.decode(buffer("000001"), as: .int, version: .v4) }
        expectCQLError(.decodingFailed) {
            try CQLValue.decode(buffer("00000002 00000004 00000001"), as: .list(.int), version: .v4)
        }
        expectCQLError(.decodingFailed) {
            try CQLValue.decode(buffer("0001 0004 00000001 ff"), as: .list(.int), version: .v2)
        }
        expectCQLError(.decodingFailed) { try CQLValue.decode(buffer("000002"), as: .decimal, version: .v4) }
        expectCQLError(.decodingFailed) { try CQLValue.decode(buffer("f0"), as: .duration, version: .v5) }
        // A UDT value may be shorter than its type: the missing fields are null.
        let type = CQLDataType.udt(
            CQLUserType(keyspace: "k", name: "u", fields: [.init(name: "a", type: .int), .init(name: "b", type: .int)])
        )
        #expect(
            try CQLValue.decode(buffer("00000004 00000001"), as: type, version: .v4)
                == .udt([CQLUDTField(name: "a", value: .int(1)), CQLUDTField(name: "b", value: .null)])
        )
    }

    @Test("[option] type descriptors decode and encode byte for byte")
    func typeOptions() throws {
        let wire =
            "0021" + "000d" + "0020" + "0009"  // map<varchar, list<int>>
            + "0031" + "0002" + "0009" + "000a"  // tuple<int, text>
            + "0030" + "0002" + "6b73" + "0002" + "7074" + "0001" + "0001" + "78" + "0011"  // udt ks.pt {x date}
            + "0000" + "0003" + "612e42"  // custom 'a.B'
            + "0015"  // duration
        var input = buffer(wire)
        let expected: [CQLDataType] = [
            .map(key: .varchar, value: .list(.int)),
            .tuple([.int, .text]),
            .udt(CQLUserType(keyspace: "ks", name: "pt", fields: [.init(name: "x", type: .date)])),
            .custom("a.B"),
            .duration,
        ]
        var output = ByteBuffer()
        for type in expected {
            #expect(try CQLDataType.decode(from: &input) == type)
            try type.encode(into: &output)
        }
        #expect(input.readableBytes == 0)
        #expect(output.hex == wire)
        var unknown = buffer("0099")
        expectCQLError(.protocolViolation) { try CQLDataType.decode(from: &unknown) }
        var truncated = buffer("0020")
        expectCQLError(.protocolViolation) { try CQLDataType.decode(from: &truncated) }
    }

    @Test("Rows decode to Swift types by index and by name")
    func rowDecoding() throws {
        var body = try ResponseBody.rows(
            columns: [("id", .int), ("name", .varchar), ("tags", .set(.varchar)), ("score", .double), ("n", .bigint)],
            rows: [[.int(7), .text("Kimi"), .set([.text("a"), .text("b")]), .double(9.5), .null]],
            version: .v4
        )
        body.moveReaderIndex(forwardBy: 4)
        let rows = try CQLResponse.decodeRows(from: &body, version: .v4)
        let row = try #require(rows.rows.first)
        #expect(try row.decode(Int32.self, at: 0) == 7)
        #expect(try row.decode(Int.self, named: "id") == 7)
        #expect(try row.decode(String.self, named: "name") == "Kimi")
        #expect(try row.decode([String].self, named: "tags") == ["a", "b"])
        #expect(try row.decode(Set<String>.self, named: "tags") == ["a", "b"])
        #expect(try row.decode(Double.self, at: 3) == 9.5)
        #expect(try row.decode(Int64?.self, named: "n") == nil)
        #expect(row["name"] == .text("Kimi"))
        #expect(row["missing"] == nil)
        expectCQLError(.decodingFailed) { try row.decode(String.self, at: 0) }
        expectCQLError(.decodingFailed) { try row.decode(Int64.self, named: "n") }
        expectCQLError(.decodingFailed) { try row.value(at: 9) }
    }
}
