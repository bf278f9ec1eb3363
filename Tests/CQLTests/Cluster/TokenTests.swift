import Testing

@testable import CQL

@Suite("Murmur3 token and routing key")
struct TokenTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    static func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func int64(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

    @Test("published driver vectors, including the sign-extension tail quirk")
    func publishedVectors() {
        #expect(CQLToken.murmur3(Array("123".utf8)).rawValue == -7468325962851647638)
        #expect(CQLToken.murmur3(Array(repeating: [0x00, 0xFF, 0x10, 0xFA, 0x99], count: 10).joined()).rawValue == 5837342703291459765)
        #expect(CQLToken.murmur3([UInt8](repeating: 0xFE, count: 8)).rawValue == -8927430733708461935)
        #expect(CQLToken.murmur3([UInt8](repeating: 0x10, count: 8)).rawValue == 1446172840243228796)
        #expect(CQLToken.murmur3(Array("9223372036854775807".utf8)).rawValue == 7162290910810015547)
        #expect(CQLToken.murmur3([UInt8]()) == .minimum)
    }

    static let randomVectors: [(String, Int64)] = [
("", -9223372036854775808),
("a5", 9102176746827431674),
("4dca", 7937931544219438322),
("182530", 6068479167813565288),
("bb1d6d13", -4469617531165980528),
("2cded6237b", -5181672435055343724),
("2ed91e3f721f", 4534573008782432204),
("cb1971174494d6", -6108198017939165541),
("493c9d5c3460be31", 369911734640614424),
("201e69fedaa0eee8b9", -2074272014092295086),
("997f5c7c2999fdafe593", -32003801386848725),
("253cd654af4dfad71427a0", -710262683116833875),
("aeb3fee9232f8af2211f9ee4", -7166419386614295414),
("91c5b10becb5563bfc1e6f9342", 2344439780066371560),
("7ecbc8fe2955e5cd8e46dc8ed4b7", -3889258449416575448),
("c2764d2a5a4d767706f85d8690024a", 6346434833608210718),
("d6bda3401be9c8cbccc935f6cd1f6122", 2496137534570887662),
("6ae15338ae1a34004d33ba0d246ac04c81", -5163860770097987848),
("b1baf23e3bf9eef5f79f2b4934af87f5520b", -1739369041822248009),
("69b94b0d982e85bb55b672a872637acd7466fc", -3944668422202499633),
("b60e0e8ff18463b0e4b2ba29703474f064ac68f7", -7786467646688507977),
("00f5b02b3dc666f45bdeaa2ccaedcd2b5157410e4d", 1951256186105160739),
("ee4af2b34f430a073447de636c0e806c957ba684d643", 3507963295454856628),
("1fb5ead7424d09e15d024c5848f23d1fa6f7361d7f618d", -8588892845546608172),
("1532e70e20e2a6668de7f47e8467e546d53ec8e2a1257bdb", 6707213903693155933),
("256c9b3e4fbb498146ef7030cbf9537252dcceadd764b6a32f", -8424332517172412811),
("bb09adeae109c4a997203975352b878b145c8a42d884cf4cfda7", 709345390310507954),
("2d8e1d5dd92589082d852a7122873ee805add58942167a38528619", 1395167599800584676),
("5c679f9c6994e45b8ab1098012070961f37de436ddfdc99d6e75af65", -5042908090517330491),
("47cfb11b42072482dc531c2bc3907c9617eb5e5089e40186baa8a57d11", 939714455876839797),
("9e6fb65d00abc32af38e667f022e872d49cc15c90b999b772b4fc7a6fd4c", 5489273470328774013),
("914a16db4708752b0f1544b835c0e719097dfa8701e9232f21f28126877869", -1599464230021034359),
("76ebfcc327f5931765274ba9829b4406f61ff889326ffa9492edeeee3c669f2b", 3298334995322450226),
("f20894ea27e689c66b6b262e4886b8438f39ba76fef8c90c5101fbe6cf9a48d5b0", 61584507335068422),
("c0a13da900a6adcb3d64069481be21c9c727b8db8c188f341a924c7f88dfa161bfdb", -6187028196749396894),
("0ecc682919d2e64692f8194157f1d4af90988285cf7a9af7c93d5552266afe70e7aae6", -1881742317945528931),
("da47627c2e59af2ea37abc84670ad3c4d36bc08aad1fff8eb8406e2f8a7fc4cce4dd9f0b", -8475563093048767938),
("4110d9f2fa0025c8efe57f37724f4d37ea2b14004077139b4180df3932249962c685720005", 7281067014519152240),
("9aeb8ea17cf3787e0ed29d1c0b63ffd7298374d9bd74fc11add7b9ca6503952269fd669f6376", -2022768631666123922),
("ee71879737fd5f72f8d51c4ac91b6d0c48d41a1e5ec9e6a0392854a8615eef109fc1bfa9e25637", 8997741268038150738),
("01288f29b3d73f6ac2b69edd2c19f264bee462a5baf20fd27ecf14c011ed201f836320adb98bab1686a28d9801210c", 3005941713797288701),
("7736f3eec580dcfc43fe5d049b4d78a7a3ebb92865c8517ed02111f6a652da3524872b6a31d7ffe4587744d5eb783e96", -9096479920773251696),
("968f89be828565e07e5f7d784e9060a721ca807d7633ed123402f376e5bf1496773d19616326be5be5850336b36f13bcae48166882136805a7d1be5e9f2768", 6712631376519073379),
("10fdf720d033ca4f2e53cb8ad1919dd51a9fb6d4d509ba64c8cf6803de50d83a2ecfbaeb5342071a48cb2dbd574ab29152572237c4fb659a4016f7a11bc62c52", 6762131899709249561),
("71cf64f25d6f15cc50c4b73f4c7e621513a53cc7e99cd79d7fd9c7bce4e05b0b01faee78e4ea5bf2cc362241b7dcbb2ee21414422aa0281bc1450d21386343fb93547121b38151a58ce94982f56a8679a3be12655dce528ea7c056873a18b8e73581c9be", -1331662731730015094),
    ]

    @Test("random byte strings of every tail length match the reference script", arguments: randomVectors)
    func randomBytes(hex: String, expected: Int64) {
        #expect(CQLToken.murmur3(Self.bytes(hex)).rawValue == expected)
    }

    @Test("int keys")
    func intKeys() {
        #expect(CQLToken.murmur3(Self.int32(0)).rawValue == -3485513579396041028)
        #expect(CQLToken.murmur3(Self.int32(1)).rawValue == -4069959284402364209)
        #expect(CQLToken.murmur3(Self.int32(2)).rawValue == -3248873570005575792)
        #expect(CQLToken.murmur3(Self.int32(42)).rawValue == -7160136740246525330)
        #expect(CQLToken.murmur3(Self.int32(-1)).rawValue == 7297452126230313552)
        #expect(CQLToken.murmur3(Self.int32(2147483647)).rawValue == -765994672030311617)
        #expect(CQLToken.murmur3(Self.int32(-2147483648)).rawValue == -420533958509279465)
        #expect(CQLToken.murmur3(Self.int32(5114)).rawValue == -5554668127364590087)
    }

    @Test("text keys")
    func textKeys() {
        #expect(CQLToken.murmur3(Array("".utf8)).rawValue == -9223372036854775808)
        #expect(CQLToken.murmur3(Array("a".utf8)).rawValue == -8839064797231613815)
        #expect(CQLToken.murmur3(Array("anime".utf8)).rawValue == 338339194275994094)
        #expect(CQLToken.murmur3(Array("ナルト".utf8)).rawValue == -6466548019488398624)
        #expect(CQLToken.murmur3(Array("xxxxxxxxxxxxxxx".utf8)).rawValue == 2088934356530938522)
        #expect(CQLToken.murmur3(Array("yyyyyyyyyyyyyyyy".utf8)).rawValue == 8880037273788572859)
        #expect(CQLToken.murmur3(Array("zzzzzzzzzzzzzzzzz".utf8)).rawValue == 1197921854538287573)
        #expect(CQLToken.murmur3(Array("héllo wörld, long text ≥ 16 bytes".utf8)).rawValue == -4850593658930050650)
    }

    @Test("composite routing key layout and token")
    func compositeKey() {
        let key = CQLRoutingKey.compose([Self.int32(42), Self.int32(20240501)])
        #expect(key == Self.bytes("00040000002a0000040134d87500"))
        #expect(CQLToken.murmur3(key).rawValue == -8593395005722013183)
        #expect(CQLToken.murmur3(CQLRoutingKey.compose([Self.int64(1), Self.int32(20240101)])).rawValue == 1376903759141438409)
        #expect(CQLToken.murmur3(CQLRoutingKey.compose([Self.int64(42), Self.int32(20240501)])).rawValue == -4537762366867237503)
        #expect(CQLToken.murmur3(CQLRoutingKey.compose([Self.int64(-7), Self.int32(0)])).rawValue == 5839702618742038004)
    }

    @Test("a single component is used raw")
    func singleComponent() {
        #expect(CQLRoutingKey.compose([[1, 2, 3]]) == [1, 2, 3])
    }
}
