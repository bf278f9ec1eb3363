import AnimeRecCore

/// A run's catalogue with every entry already written as its JSON object (by ``JSONBodyWriter``
/// itself, once, when the run's snapshot loads), so that list bodies (`/sim`, `/recommends`,
/// `/trending`) copy each item's bytes instead of reading and writing its fields again: every
/// field read of an entry is a reference count on storage that all requests share, and those
/// counts were the largest cost of `/sim` after the socket.
///
/// An entry's bytes are served only for that very entry (the same storage, ``Anime/storageIdentity``),
/// never for another one with the same id, such as an entry of another run or one imported since.
final class EncodedCatalogue: Sendable {
    /// Where one entry's object lies in ``bytes``: `start..<split` is everything before `"type"`,
    /// `split..<end` the rest, so a recommendation's keys (`reason`, `score`) go in between.
    struct Span {
        var identity: ObjectIdentifier
        var start: Int32
        var split: Int32
        var end: Int32
    }

    private let bytes: [UInt8]
    /// By anime id, for ids from 0 to the largest (anime ids are small and dense); others by hash.
    private let dense: [Span?]
    private let sparse: [AnimeID: Span]
    /// Keeps every entry (and so every identity in the spans) alive as long as this is.
    private let catalogue: CatalogueIndex

    /// Ids above this are kept by hash.
    static let largestDenseID: Int32 = 1 << 22

    /// Writes every entry of `catalogue`; an entry that cannot be written (a rating JSON cannot
    /// carry) is left out, so a request showing it writes it itself and fails as it would have.
    init(_ catalogue: CatalogueIndex) {
        var writer = JSONBodyWriter(capacity: catalogue.count * 220)
        let largest: Int32 = catalogue.byID.keys.lazy.map(\.rawValue).filter { $0 >= 0 && $0 <= Self.largestDenseID }.max() ?? -1
        var dense = [Span?](repeating: nil, count: Int(largest) + 1)
        var sparse: [AnimeID: Span] = [:]
        for (id, anime) in catalogue.byID {
            let start = writer.count
            var split = start
            do {
                try writer.anime(anime) { writer in split = writer.count }
            } catch {
                writer.truncate(to: start)
                continue
            }
            let span = Span(identity: anime.storageIdentity, start: Int32(start), split: Int32(split), end: Int32(writer.count))
            if id.rawValue >= 0 && id.rawValue <= largest { dense[Int(id.rawValue)] = span } else { sparse[id] = span }
        }
        bytes = writer.written
        self.dense = dense
        self.sparse = sparse
        self.catalogue = catalogue
    }

    /// The span of `anime` when it is this catalogue's entry for its id.
    func span(of anime: Anime) -> Span? {
        let index = Int(anime.id.rawValue)
        let span = index >= 0 && index < dense.count ? dense[index] : sparse[anime.id]
        guard let span, span.identity == anime.storageIdentity else { return nil }
        return span
    }

    /// Calls `body` with the bytes of `range` (no copy).
    func withBytes<Result>(_ range: Range<Int32>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[Int(range.lowerBound)..<Int(range.upperBound)])) }
    }
}
