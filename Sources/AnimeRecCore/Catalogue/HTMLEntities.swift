/// Decodes the HTML character references found in catalogue names (`Gintama&#039;`, `&quot;`, `&amp;`).
///
/// One pass, as a browser would: `&amp;#039;` becomes `&#039;`, not `'`. Numeric references
/// (`&#39;`, `&#x27;`) and the named ones that appear in scraped titles (`amp`, `lt`, `gt`, `quot`,
/// `apos`, `nbsp`) are decoded; anything else (an unknown name, a missing `;`, an invalid code point)
/// is kept as written.
public enum HTMLEntities {
    /// The decoded text; returns `text` itself when it holds no `&`.
    public static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var output = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "&", let (decoded, length) = reference(in: scalars, at: index) {
                output.append(decoded)
                index += length
            } else {
                output.append(scalar)
                index += 1
            }
        }
        return String(output)
    }

    /// Longest reference we try to read, `&` and `;` included (`&#x10FFFF;` is 10).
    private static let maximumLength = 12

    private static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
    ]

    /// The scalar a reference starting at `start` (an `&`) stands for, and its length in scalars.
    private static func reference(in scalars: [Unicode.Scalar], at start: Int) -> (Unicode.Scalar, Int)? {
        let end = min(scalars.count, start + maximumLength)
        guard let semicolon = (start + 1..<end).first(where: { scalars[$0] == ";" }), semicolon > start + 1 else {
            return nil
        }
        let body = String(String.UnicodeScalarView(scalars[(start + 1)..<semicolon]))
        let length = semicolon - start + 1
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                let hex = digits.dropFirst()
                value = !hex.isEmpty && hex.allSatisfy(\.isHexDigit) ? UInt32(hex, radix: 16) : nil
            } else {
                value = !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isWholeNumber } ? UInt32(digits) : nil
            }
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, length)
        }
        guard let scalar = named[body] else { return nil }
        return (scalar, length)
    }
}
