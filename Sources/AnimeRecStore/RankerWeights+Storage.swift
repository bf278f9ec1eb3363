import AnimeRecCore

extension RankerWeights {
    /// A weight or threshold that JSON cannot hold.
    struct NonFiniteParameter: Error {}

    /// The JSON text both stores keep in `model_runs.ranker`: `{"bias":…,"weights":[…]}`, followed
    /// for a ranker with trees by `"tree_depth":d,"trees":[…]` (``TreeEnsemble/parameters``).
    /// Numbers are written in Swift's shortest form that reads back to the same `Double`.
    func storageText() throws -> String {
        var text = "{\"bias\":"
        try Self.append(bias, to: &text)
        text += ",\"weights\":"
        try Self.append(weights, to: &text)
        if trees.depth > 0 {
            text += ",\"tree_depth\":\(trees.depth),\"trees\":"
            try Self.append(trees.parameters, to: &text)
        }
        return text + "}"
    }

    private static func append(_ value: Double, to text: inout String) throws {
        guard value.isFinite else { throw NonFiniteParameter() }
        text += value.description
    }

    private static func append(_ values: [Double], to text: inout String) throws {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            try append(value, to: &text)
        }
        text += "]"
    }

    /// Parses ``storageText()``; `nil` for text that is not a ranker.
    ///
    /// Reads the one object shape the stores write (the keys in any order, whitespace allowed)
    /// straight from the UTF-8 bytes instead of through `JSONDecoder`, which cost a tenth of a
    /// `/sim` request when every request read the run's row. Text written before
    /// trees existed (no tree keys) reads as a linear ranker.
    init?(storageText: String) {
        var text = storageText
        guard let parsed = text.withUTF8({ bytes -> RankerWeights? in
            var reader = RankerTextReader(bytes: bytes)
            return reader.ranker()
        }) else { return nil }
        self = parsed
    }
}

/// A reader of exactly the JSON object ``RankerWeights/storageText()`` writes.
private struct RankerTextReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    mutating func ranker() -> RankerWeights? {
        var bias: Double?
        var weights: [Double]?
        var depth: Double?
        var trees: [Double]?
        guard consume(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")) else { return nil }
            switch key {
            case "bias" where bias == nil:
                guard let value = number() else { return nil }
                bias = value
            case "weights" where weights == nil:
                guard let values = numbers() else { return nil }
                weights = values
            case "tree_depth" where depth == nil:
                guard let value = number() else { return nil }
                depth = value
            case "trees" where trees == nil:
                guard let values = numbers() else { return nil }
                trees = values
            default:
                return nil
            }
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")), atEnd(), let bias, let weights else { return nil }
        guard bias.isFinite, weights.allSatisfy(\.isFinite) else { return nil }
        switch (depth, trees) {
        case (nil, nil):
            return RankerWeights(bias: bias, weights: weights)
        case let (depth?, trees?):
            guard depth == depth.rounded(), abs(depth) <= Double(TreeEnsemble.maximumDepth),
                let ensemble = TreeEnsemble(depth: Int(depth), parameters: trees)
            else { return nil }
            return RankerWeights(bias: bias, weights: weights, trees: ensemble)
        default:
            return nil
        }
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func atEnd() -> Bool {
        skipSpace()
        return position == bytes.count
    }

    /// A key: a string without escapes (both keys are plain ASCII).
    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            guard bytes[position] != UInt8(ascii: "\\") else { return nil }
            position += 1
        }
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A JSON number (digits, sign, point, exponent), as `Double` reads it.
    private mutating func number() -> Double? {
        skipSpace()
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard position > start else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    private mutating func numbers() -> [Double]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var values: [Double] = []
        if consume(UInt8(ascii: "]")) { return values }
        repeat {
            guard let value = number() else { return nil }
            values.append(value)
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? values : nil
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}
