import Foundation

/// The form in which catalogue names and search queries are compared: HTML entities decoded,
/// case, accents and width folded, and every run of characters that is not a letter or digit
/// turned into one space, so `Steins;Gate`, `steins gate` and `STEINS GATE` meet.
public enum SearchText {
    /// The folded text as UTF-8 bytes, words separated by single spaces, no space at either end.
    public static func fold(_ text: String) -> [UInt8] {
        let folded = HTMLEntities.decode(text)
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var words = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if pendingSpace && !words.isEmpty { words.append(" ") }
                pendingSpace = false
                words.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return Array(String(words).utf8)
    }

    /// The query's words (folded), each of which a matching name must contain.
    public static func words(_ query: String) -> [[UInt8]] {
        fold(query).split(separator: UInt8(ascii: " ")).map(Array.init)
    }

    /// Whether `haystack` contains `needle` as a contiguous run of bytes.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count && haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
