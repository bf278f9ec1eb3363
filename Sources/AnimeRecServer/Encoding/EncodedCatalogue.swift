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
    private let spans: [AnimeID: Span]
    /// Keeps every entry (and so every identity in the spans) alive as long as this is.
    private let catalogue: CatalogueIndex

    /// Writes every entry of `catalogue`; an entry that cannot be written (a rating JSON cannot
    /// carry) is left out, so a request showing it writes it itself and fails as it would have.
    init(_ catalogue: CatalogueIndex) {
        var writer = JSONBodyWriter(capacity: catalogue.count * 220)
        var spans: [AnimeID: Span] = [:]
        spans.reserveCapacity(catalogue.count)
        for (id, anime) in catalogue.byID {
            let start = writer.count
            var split = start
            do {
                try writer.anime(anime) { writer in split = writer.count }
            } catch {
                writer.truncate(to: start)
                continue
            }
            spans[id] = Span(identity: anime.storageIdentity, start: Int32(start), split: Int32(split), end: Int32(writer.count))
        }
        bytes = writer.written
        self.spans = spans
        self.catalogue = catalogue
    }

    /// The span of `anime` when it is this catalogue's entry for its id.
    func span(of anime: Anime) -> Span? {
        guard let span = spans[anime.id], span.identity == anime.storageIdentity else { return nil }
        return span
    }

    /// Calls `body` with the bytes of `range` (no copy).
    func withBytes<Result>(_ range: Range<Int32>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[Int(range.lowerBound)..<Int(range.upperBound)])) }
    }
}
