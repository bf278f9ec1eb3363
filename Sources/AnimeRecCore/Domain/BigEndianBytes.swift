/// Fixed-width big-endian fields in a byte array: the encoding of every value this project packs
/// (``PackedList``, the rebuild's input checkpoint).
public enum BigEndianBytes {
    /// Appends `value`'s bytes, most significant first.
    public static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Reads fields from the front of a byte array; `nil` past its end.
    public struct Reader {
        let bytes: [UInt8]
        var offset = 0

        public init(_ bytes: [UInt8]) { self.bytes = bytes }

        /// The next `T`, most significant byte first.
        public mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
            let size = MemoryLayout<T>.size
            guard bytes.count - offset >= size else { return nil }
            var value: T = 0
            for index in offset..<offset + size { value = value << 8 | T(truncatingIfNeeded: bytes[index]) }
            offset += size
            return value
        }

        public mutating func byte() -> UInt8? { integer(UInt8.self) }

        /// The next `count` bytes.
        public mutating func bytes(_ count: Int) -> [UInt8]? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        /// Lends the next `count` bytes to `body` without copying them and moves past them; `nil`
        /// (and nothing read) when fewer are left.
        public mutating func withBytes<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
        }

        /// Moves past the next `count` bytes; `false` when fewer are left.
        public mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, bytes.count - offset >= count else { return false }
            offset += count
            return true
        }

        /// A UInt16 length and that many bytes of UTF-8.
        public mutating func text() -> String? {
            guard let length = integer(UInt16.self), let utf8 = bytes(Int(length)) else { return nil }
            return String(decoding: utf8, as: UTF8.self)
        }
    }
}
