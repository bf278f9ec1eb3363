/// Genre names numbered once per catalogue snapshot, so that the per-request genre arithmetic
/// (taste, genre match, diversification) indexes small arrays instead of hashing names. Numbers
/// are 0..<``count``, at most ``capacity`` of them; a genre without a number (one beyond the
/// capacity, or one a catalogue added later) is still handled, by name (``GenreNumbers``).
public struct GenreNumbering: Sendable, Equatable {
    /// The most genres numbered; the rest go by name.
    public static let capacity = 255

    /// Names by number.
    public let names: [String]
    private let numbers: [String: UInt8]
    /// The number of ``Anime/adultGenre``, which taste leaves out, if numbered.
    let adultNumber: UInt8?

    /// No numbers: every genre goes by name.
    public static let empty = GenreNumbering([])

    /// Numbers the distinct names of `names` in order of first appearance, up to ``capacity``.
    public init(_ names: some Sequence<String>) {
        var numbered: [String] = []
        var numbers: [String: UInt8] = [:]
        for name in names where numbered.count < Self.capacity && numbers[name] == nil {
            numbers[name] = UInt8(numbered.count)
            numbered.append(name)
        }
        self.names = numbered
        self.numbers = numbers
        adultNumber = numbers[Anime.adultGenre]
    }

    /// Genres numbered.
    public var count: Int { names.count }

    /// The number of `name`, `nil` when it has none.
    public func number(of name: String) -> UInt8? { numbers[name] }

    /// `genres` (one title's, in catalogue order) as numbers.
    public func numbers(of genres: [String]) -> GenreNumbers {
        var result = GenreNumbers(count: genres.count)
        for (index, genre) in genres.prefix(GenreNumbers.inlineCapacity).enumerated() {
            if let number = numbers[genre] { result.set(index, number) }
        }
        return result
    }

    public static func == (lhs: GenreNumbering, rhs: GenreNumbering) -> Bool { lhs.names == rhs.names }

    /// One genre of a title: its number, or its name when this numbering has none for it.
    public enum Genre {
        case number(UInt8)
        case name(String)
    }

    /// Calls `body` with each genre of one title, in order: by number where `genres` (from this
    /// numbering) has one, else by the name at the same position of `names`, the title's genre
    /// list, as a number when this numbering has one for it. `names` is read once, and only for an
    /// entry without a number; an entry past its end is skipped. Taste, genre match and
    /// diversification all read a title's genres through this one rule.
    @inline(__always)
    public func forEachGenre(_ genres: GenreNumbers, names: () -> [String], _ body: (Genre) -> Void) {
        var nameList: [String]?
        for index in 0..<genres.count {
            if let number = genres[index] {
                body(.number(number))
                continue
            }
            if nameList == nil { nameList = names() }
            guard let list = nameList, index < list.count else { continue }
            if let number = numbers[list[index]] { body(.number(number)) } else { body(.name(list[index])) }
        }
    }
}
