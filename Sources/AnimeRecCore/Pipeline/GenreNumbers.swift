/// One title's genres, in catalogue order, as numbers of a ``GenreNumbering``: held inline (16
/// bytes of numbers and the count), copied without reference counting. An entry without a number (its name is not numbered, or it is
/// past the first ``inlineCapacity``) reads as `nil`: callers take that genre by name, from the
/// same position of the title's genre list.
public struct GenreNumbers: Sendable, Hashable {
    /// Entries kept as numbers; later ones go by name.
    public static let inlineCapacity = 15

    private static let unnumbered: UInt8 = .max
    /// The numbers, ``unnumbered`` where there is none; byte 15 is unused.
    private var bytes = SIMD16<UInt8>(repeating: GenreNumbers.unnumbered)
    /// How many genres the title has (every one, numbered or not).
    public let count: Int

    /// `count` genres, none numbered yet.
    init(count: Int) { self.count = count }

    mutating func set(_ index: Int, _ number: UInt8) {
        precondition(index < Self.inlineCapacity && number != Self.unnumbered)
        bytes[index] = number
    }

    /// The number of the genre at `index` (in `0..<count`), `nil` when it goes by name.
    @inline(__always)
    public subscript(index: Int) -> UInt8? {
        guard index < Self.inlineCapacity else { return nil }
        let number = bytes[index]
        return number == Self.unnumbered ? nil : number
    }
}
