import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an input file could not be read.
public struct InputError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// What went wrong.
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// A file read sequentially as bytes, transparently gunzipped when it starts with the gzip magic bytes
/// (`1f 8b`), whatever its name. Concatenated gzip members are read one after the other.
///
/// Owns a file descriptor and, for gzip, a zlib stream: use it from one task and let it go out of scope
/// to close it.
final class InputFile {
    let path: String
    /// Whether the content is gzip-compressed.
    let isCompressed: Bool
    /// Bytes read from disk so far (compressed bytes for gzip).
    private(set) var fileBytesRead = 0

    private let descriptor: Int32
    private var pending: [UInt8]
    private var pendingOffset = 0
    private var endOfFile = false
    private var stream: UnsafeMutablePointer<z_stream>?
    private var compressed: [UInt8] = []
    private var streamEnded = false

    static let chunkSize = 1 << 20

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw InputError(path: path, reason: String(cString: strerror(errno))) }
        self.descriptor = descriptor
        pending = []
        var head = [UInt8](repeating: 0, count: Self.chunkSize)
        let count: Int
        do {
            count = try Self.readFully(descriptor, into: &head, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        head.removeSubrange(count...)
        fileBytesRead = count
        endOfFile = count == 0
        isCompressed = count >= 2 && head[0] == 0x1F && head[1] == 0x8B
        if isCompressed {
            compressed = head
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deallocate()
                close(descriptor)
                throw InputError(path: path, reason: "zlib inflateInit2 failed (\(status))")
            }
            self.stream = stream
        } else {
            pending = head
        }
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        close(descriptor)
    }

    /// Reads up to `buffer.count` decoded bytes into `buffer`; 0 means end of input.
    func read(into buffer: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        if !isCompressed { return try readPlain(into: buffer) }
        return try inflate(into: buffer)
    }

    private func readPlain(into buffer: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        if pendingOffset < pending.count {
            let count = min(buffer.count, pending.count - pendingOffset)
            for i in 0..<count { buffer[i] = pending[pendingOffset + i] }
            pendingOffset += count
            if pendingOffset == pending.count {
                pending = []
                pendingOffset = 0
            }
            return count
        }
        if endOfFile { return 0 }
        let count = try Self.readSome(descriptor, into: UnsafeMutableRawBufferPointer(buffer), path: path)
        fileBytesRead += count
        if count == 0 { endOfFile = true }
        return count
    }

    private func inflate(into buffer: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        guard let stream else { return 0 }
        while true {
            if pendingOffset == compressed.count && !endOfFile {
                compressed = [UInt8](repeating: 0, count: Self.chunkSize)
                let count = try compressed.withUnsafeMutableBytes {
                    try Self.readSome(descriptor, into: $0, path: path)
                }
                compressed.removeSubrange(count...)
                pendingOffset = 0
                fileBytesRead += count
                if count == 0 { endOfFile = true }
            }
            let available = compressed.count - pendingOffset
            if streamEnded {
                // A further gzip member may follow (concatenated files); anything else ends the input.
                guard available > 0 else { return 0 }
                guard inflateReset(stream) == Z_OK else {
                    throw InputError(path: path, reason: "zlib inflateReset failed")
                }
                streamEnded = false
            }
            if available == 0 && endOfFile {
                throw InputError(path: path, reason: "truncated gzip data")
            }
            let (produced, consumed, status) = compressed.withUnsafeMutableBufferPointer { input in
                stream.pointee.next_in = input.baseAddress.map { $0 + pendingOffset }
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = UInt32(buffer.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = buffer.count - Int(stream.pointee.avail_out)
                let consumed = available - Int(stream.pointee.avail_in)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (produced, consumed, status)
            }
            pendingOffset += consumed
            switch status {
            case Z_STREAM_END:
                streamEnded = true
            case Z_OK, Z_BUF_ERROR:
                if produced == 0 && consumed == 0 && available > 0 {
                    throw InputError(path: path, reason: "gzip data make no progress")
                }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(status)"
                throw InputError(path: path, reason: "corrupt gzip data: \(message)")
            }
            if produced > 0 { return produced }
        }
    }

    private static func readSome(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String
    ) throws -> Int {
        while true {
            let count = posixRead(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw InputError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    private static func readFully(_ descriptor: Int32, into buffer: inout [UInt8], path: String) throws -> Int {
        var total = 0
        while total < buffer.count {
            let count = try buffer.withUnsafeMutableBytes { raw in
                try readSome(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: raw[total...]), path: path)
            }
            if count == 0 { break }
            total += count
        }
        return total
    }
}

/// `read(2)`, under a name that members called `read` do not shadow.
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
