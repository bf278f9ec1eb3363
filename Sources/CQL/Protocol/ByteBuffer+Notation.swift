import NIOCore

// Readers and writers for the notation types of brief §1.1. Every reader throws a typed
// `protocolViolation` on truncated or invalid input instead of trapping.

extension ByteBuffer {
    // MARK: Readers

    mutating func readCQLByte() throws -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else { throw CQLError.protocolViolation("truncated [byte]") }
        return value
    }

    mutating func readCQLShort() throws -> UInt16 {
        guard let value = self.readInteger(as: UInt16.self) else {
            throw CQLError.protocolViolation("truncated [short]")
        }
        return value
    }

    mutating func readCQLInt() throws -> Int32 {
        guard let value = self.readInteger(as: Int32.self) else { throw CQLError.protocolViolation("truncated [int]") }
        return value
    }

    mutating func readCQLLong() throws -> Int64 {
        guard let value = self.readInteger(as: Int64.self) else { throw CQLError.protocolViolation("truncated [long]") }
        return value
    }

    mutating func readCQLString() throws -> String {
        let length = Int(try self.readCQLShort())
        guard let value = self.readString(length: length) else {
            throw CQLError.protocolViolation("truncated [string]")
        }
        return value
    }

    mutating func readCQLLongString() throws -> String {
        let length = Int(try self.readCQLInt())
        guard length >= 0 else { throw CQLError.protocolViolation("negative [long string] length") }
        guard let value = self.readString(length: length) else {
            throw CQLError.protocolViolation("truncated [long string]")
        }
        return value
    }

    mutating func readCQLStringList() throws -> [String] {
        let count = Int(try self.readCQLShort())
        var result: [String] = []
        result.reserveCapacity(Swift.min(count, self.readableBytes / 2))
        for _ in 0..<count { result.append(try self.readCQLString()) }
        return result
    }

    /// `[bytes]`: returns `nil` for a negative length (null).
    mutating func readCQLBytes() throws -> ByteBuffer? {
        let length = Int(try self.readCQLInt())
        guard length >= 0 else { return nil }
        guard let slice = self.readSlice(length: length) else { throw CQLError.protocolViolation("truncated [bytes]") }
        return slice
    }

    mutating func readCQLShortBytes() throws -> [UInt8] {
        let length = Int(try self.readCQLShort())
        guard let bytes = self.readBytes(length: length) else {
            throw CQLError.protocolViolation("truncated [short bytes]")
        }
        return bytes
    }

    mutating func readCQLUUIDBytes() throws -> [UInt8] {
        guard let bytes = self.readBytes(length: 16) else { throw CQLError.protocolViolation("truncated [uuid]") }
        return bytes
    }

    mutating func readCQLStringMap() throws -> [String: String] {
        let count = Int(try self.readCQLShort())
        var result: [String: String] = [:]
        for _ in 0..<count {
            let key = try self.readCQLString()
            result[key] = try self.readCQLString()
        }
        return result
    }

    mutating func readCQLStringMultimap() throws -> [String: [String]] {
        let count = Int(try self.readCQLShort())
        var result: [String: [String]] = [:]
        for _ in 0..<count {
            let key = try self.readCQLString()
            result[key] = try self.readCQLStringList()
        }
        return result
    }

    mutating func readCQLBytesMap() throws -> [String: [UInt8]?] {
        let count = Int(try self.readCQLShort())
        var result: [String: [UInt8]?] = [:]
        for _ in 0..<count {
            let key = try self.readCQLString()
            let value = try self.readCQLBytes()
            result[key] = value.map { Array($0.readableBytesView) }
        }
        return result
    }

    mutating func readCQLConsistency() throws -> Consistency {
        Consistency(rawValue: try self.readCQLShort())
    }

    /// `[inet]`: address bytes and port.
    mutating func readCQLInet() throws -> CQLInetAddress {
        let address = try self.readCQLInetAddr()
        let port = try self.readCQLInt()
        return CQLInetAddress(address: address, port: port)
    }

    /// `[inetaddr]`: size byte then 4 or 16 address bytes.
    mutating func readCQLInetAddr() throws -> [UInt8] {
        let size = Int(try self.readCQLByte())
        guard size == 4 || size == 16 else { throw CQLError.protocolViolation("invalid [inet] size \(size)") }
        guard let bytes = self.readBytes(length: size) else { throw CQLError.protocolViolation("truncated [inet]") }
        return bytes
    }

    // MARK: Writers

    mutating func writeCQLShort(_ value: UInt16) {
        self.writeInteger(value)
    }

    mutating func writeCQLInt(_ value: Int32) {
        self.writeInteger(value)
    }

    mutating func writeCQLLong(_ value: Int64) {
        self.writeInteger(value)
    }

    mutating func writeCQLString(_ value: String) throws {
        let utf8 = value.utf8
        guard utf8.count <= Int(UInt16.max) else { throw CQLError(.invalidValue, "[string] longer than 65535 bytes") }
        self.writeInteger(UInt16(utf8.count))
        self.writeBytes(utf8)
    }

    mutating func writeCQLLongString(_ value: String) throws {
        let utf8 = value.utf8
        guard utf8.count <= Int(Int32.max) else { throw CQLError(.invalidValue, "[long string] too long") }
        self.writeInteger(Int32(utf8.count))
        self.writeBytes(utf8)
    }

    mutating func writeCQLStringList(_ values: [String]) throws {
        guard values.count <= Int(UInt16.max) else { throw CQLError(.invalidValue, "[string list] too long") }
        self.writeInteger(UInt16(values.count))
        for value in values { try self.writeCQLString(value) }
    }

    mutating func writeCQLStringMap(_ map: [String: String]) throws {
        guard map.count <= Int(UInt16.max) else { throw CQLError(.invalidValue, "[string map] too long") }
        self.writeInteger(UInt16(map.count))
        // Sorted so the encoding is deterministic (tests compare bytes).
        for key in map.keys.sorted() {
            try self.writeCQLString(key)
            try self.writeCQLString(map[key] ?? "")
        }
    }

    mutating func writeCQLShortBytes(_ bytes: [UInt8]) throws {
        guard bytes.count <= Int(UInt16.max) else { throw CQLError(.invalidValue, "[short bytes] too long") }
        self.writeInteger(UInt16(bytes.count))
        self.writeBytes(bytes)
    }

    /// `[bytes]` with `nil` written as length -1.
    mutating func writeCQLBytes(_ bytes: [UInt8]?) throws {
        guard let bytes else {
            self.writeInteger(Int32(-1))
            return
        }
        guard bytes.count <= Int(Int32.max) else { throw CQLError(.invalidValue, "[bytes] too long") }
        self.writeInteger(Int32(bytes.count))
        self.writeBytes(bytes)
    }

    mutating func writeCQLConsistency(_ consistency: Consistency) {
        self.writeInteger(consistency.rawValue)
    }
}

/// An IP address with a port, as carried by `[inet]` (events and peers).
public struct CQLInetAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 (IPv4) or 16 (IPv6) address bytes.
    public var address: [UInt8]
    /// The port.
    public var port: Int32

    /// Creates an address.
    public init(address: [UInt8], port: Int32) {
        self.address = address
        self.port = port
    }

    /// Dotted IPv4 or colon-separated IPv6 text (without the port).
    public var host: String {
        if self.address.count == 4 {
            return self.address.map(String.init).joined(separator: ".")
        }
        var groups: [String] = []
        var index = 0
        while index + 1 < self.address.count {
            groups.append(String(UInt16(self.address[index]) << 8 | UInt16(self.address[index + 1]), radix: 16))
            index += 2
        }
        return groups.joined(separator: ":")
    }

    /// "host:port".
    public var description: String { "\(self.host):\(self.port)" }
}
