/// A strict check of JSON text (RFC 8259) before it is decoded: Foundation's decoder accepts
/// trailing commas and lets the first of two duplicate keys win silently; request bodies may have
/// neither. It only validates, so decoding stays with `JSONDecoder`.
enum StrictJSON {
    /// Why a text is not strict JSON, with the byte offset.
    struct Violation: Error, Equatable {
        var message: String
        var offset: Int
    }

    /// Throws the first violation; nesting deeper than `maximumDepth` is one.
    static func validate(_ bytes: [UInt8], maximumDepth: Int = 32) throws(Violation) {
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.violation("unexpected text after the JSON value") }
    }

    private struct Parser {
        let bytes: [UInt8]
        let maximumDepth: Int
        var position = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        func violation(_ message: String) -> Violation { Violation(message: message, offset: position) }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: String) throws(Violation) {
            for byte in literal.utf8 {
                guard current == byte else { throw violation("invalid literal") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(Violation) {
            guard depth <= maximumDepth else { throw violation("JSON nested too deeply") }
            guard let byte = current else { throw violation("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try expect("true")
            case UInt8(ascii: "f"): try expect("false")
            case UInt8(ascii: "n"): try expect("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw violation("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(Violation) {
            position += 1
            skipWhitespace()
            var keys = Set<[UInt8]>()
            if current == UInt8(ascii: "}") {
                position += 1
                return
            }
            while true {
                guard current == UInt8(ascii: "\"") else {
                    throw violation(current == UInt8(ascii: "}") ? "trailing comma in object" : "expected a string key")
                }
                let keyStart = position
                let key = try string()
                guard keys.insert(key).inserted else {
                    position = keyStart
                    throw violation("duplicate key \"\(String(decoding: key, as: UTF8.self))\"")
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw violation("expected ':' after a key") }
                position += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    position += 1
                    return
                default:
                    throw violation("expected ',' or '}' in object")
                }
            }
        }

        mutating func array(depth: Int) throws(Violation) {
            position += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                if current == UInt8(ascii: "]") { throw violation("trailing comma in array") }
                try value(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    position += 1
                    return
                default:
                    throw violation("expected ',' or ']' in array")
                }
            }
        }

        /// A string's raw bytes between the quotes (escapes kept as written: enough to compare keys
        /// written the same way; `"a"` and `"\u0061"` count as different keys).
        mutating func string() throws(Violation) -> [UInt8] {
            position += 1
            let start = position
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    let content = Array(bytes[start..<position])
                    position += 1
                    return content
                case UInt8(ascii: "\\"):
                    position += 1
                    guard let escaped = current else { throw violation("unterminated string") }
                    if escaped == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            position += 1
                            guard let hex = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(hex)
                                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(hex | 0x20)
                            else { throw violation("invalid \\u escape") }
                        }
                    } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                        throw violation("invalid escape in string")
                    }
                    position += 1
                case 0..<0x20:
                    throw violation("control character in string")
                default:
                    position += 1
                }
            }
            throw violation("unterminated string")
        }

        mutating func number() throws(Violation) {
            if current == UInt8(ascii: "-") { position += 1 }
            func digits(_ parser: inout Parser) -> Int {
                var count = 0
                while let byte = parser.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    parser.position += 1
                    count += 1
                }
                return count
            }
            if current == UInt8(ascii: "0") {
                position += 1
            } else if digits(&self) == 0 {
                throw violation("invalid number")
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw violation("invalid number") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw violation("invalid number") }
            }
        }
    }
}
