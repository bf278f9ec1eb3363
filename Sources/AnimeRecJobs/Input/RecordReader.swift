#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into CSV records, streaming, with the line number each record starts on.
///
/// A record ends at a line feed outside double quotes (so quoted fields may span lines); a carriage
/// return before the line feed is dropped (CRLF files); a UTF-8 byte order mark at the very start is
/// skipped; blank lines are skipped (but counted). The last record needs no final line feed.
struct RecordReader {
    private let input: InputFile
    private var buffer: [UInt8]
    private var filled = 0
    private var recordStart = 0
    private var scanPosition = 0
    private var inQuotes = false
    private var newlinesInRecord = 0
    private var line = 1
    private var atStart = true
    private var exhausted = false

    /// Decoded bytes consumed so far.
    private(set) var bytesRead = 0

    init(input: InputFile, bufferSize: Int = 1 << 20) {
        self.input = input
        buffer = [UInt8](repeating: 0, count: max(16, bufferSize))
    }

    /// Bytes read from disk so far (compressed bytes for gzip).
    var fileBytesRead: Int { input.fileBytesRead }

    /// Calls `body` with up to `limit` records (bytes without the line break, and 1-based line number);
    /// returns `false` once the input is exhausted. The bytes are only valid during the call.
    mutating func next(
        limit: Int, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void
    ) throws -> Bool {
        var delivered = 0
        while delivered < limit {
            if scanPosition == filled {
                if exhausted {
                    if recordStart < filled {
                        try deliver(end: filled, body)
                        delivered += 1
                        recordStart = filled
                    }
                    return false
                }
                try refill()
                continue
            }
            let (end, found) = buffer.withUnsafeBufferPointer { bytes in
                var position = scanPosition
                while position < filled {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") {
                        inQuotes.toggle()
                    } else if byte == UInt8(ascii: "\n") {
                        if !inQuotes { return (position, true) }
                        newlinesInRecord += 1
                    }
                    position += 1
                }
                return (position, false)
            }
            scanPosition = end
            guard found else { continue }
            try deliver(end: end, body)
            delivered += 1
            line += 1 + newlinesInRecord
            newlinesInRecord = 0
            recordStart = end + 1
            scanPosition = recordStart
        }
        return true
    }

    private mutating func deliver(end: Int, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        var start = recordStart
        var stop = end
        if atStart {
            atStart = false
            if stop - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
                start += 3
            }
        }
        if stop > start && buffer[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
        guard stop > start else { return }
        let recordLine = line
        try buffer.withUnsafeBufferPointer { bytes in
            try body(UnsafeBufferPointer(rebasing: bytes[start..<stop]), recordLine)
        }
    }

    /// Moves the unfinished record to the front (growing the buffer if it fills it) and reads more.
    private mutating func refill() throws {
        if recordStart > 0 {
            let carried = filled - recordStart
            if carried > 0 {
                let from = recordStart
                buffer.withUnsafeMutableBytes { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + from, carried)
                }
            }
            scanPosition -= recordStart
            filled = carried
            recordStart = 0
        }
        if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
        let count = try buffer.withUnsafeMutableBufferPointer { bytes in
            try input.read(into: UnsafeMutableBufferPointer(rebasing: bytes[filled...]))
        }
        bytesRead += count
        filled += count
        if count == 0 { exhausted = true }
    }
}
