/// A run's list stored as one value: a neighbour list, a ranked list or a user's candidates, each
/// always read whole, so a store writes it as one row (DESIGN §3.2).
///
/// Layout, big-endian:
/// - byte 0: format version (1);
/// - byte 1: what the entries hold: 1 scored (anime, score), 2 candidates (anime, score, reason,
///   source ranks), 3 catalogue entries;
/// - bytes 2–5: the entry count;
/// - candidates only, byte 6: bytes of per-source places per entry (`S`);
/// - per entry: anime id (Int32), score (IEEE-754 double), and for candidates the reason's
///   ``Reason/storageText`` as UInt16 length plus UTF-8, then `S` bytes of places
///   (``placeBytes``: 5 per model, the item model's then the factor model's, each a rank byte, 255
///   when not listed, and the score as a Float32); for catalogue entries: id (Int32), members (Int64), episodes (Int32, −1
///   unknown), rating (double, NaN unknown), name, a type flag byte (0 none, 1 present) and the
///   type, a genre count byte and the genres, each text as UInt16 length plus UTF-8.
///
/// A reader takes the places it knows of the `S` bytes and skips the rest, so adding a recall
/// source changes no schema; a value written with `S` = 0 (before places) reads without places.
public enum PackedList {
    /// The format version written.
    public static let version: UInt8 = 1
    static let scoredKind: UInt8 = 1
    static let candidatesKind: UInt8 = 2
    static let catalogueKind: UInt8 = 3

    /// A scored list's bytes.
    public static func encode(_ items: [ScoredAnime]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6 + items.count * 12)
        bytes.append(version)
        bytes.append(scoredKind)
        BigEndianBytes.append(UInt32(items.count), to: &bytes)
        for item in items {
            BigEndianBytes.append(UInt32(bitPattern: item.anime.rawValue), to: &bytes)
            BigEndianBytes.append(item.score.bitPattern, to: &bytes)
        }
        return bytes
    }

    /// A candidate list's bytes.
    public static func encode(_ candidates: [Candidate]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(7 + candidates.count * 30)
        bytes.append(version)
        bytes.append(candidatesKind)
        BigEndianBytes.append(UInt32(candidates.count), to: &bytes)
        bytes.append(UInt8(placeBytes))
        for candidate in candidates {
            BigEndianBytes.append(UInt32(bitPattern: candidate.anime.rawValue), to: &bytes)
            BigEndianBytes.append(candidate.score.bitPattern, to: &bytes)
            let reason = Array(candidate.reason.storageText.utf8.prefix(Int(UInt16.max)))
            BigEndianBytes.append(UInt16(reason.count), to: &bytes)
            bytes += reason
            appendPlaces(of: candidate, to: &bytes)
        }
        return bytes
    }

    /// Bytes of one candidate's places: the item model's and the factor model's, 5 each.
    public static let placeBytes = 10

    /// Appends `candidate`'s places (``placeBytes`` of them; the embedded store keeps them in a
    /// column of their own).
    public static func appendPlaces(of candidate: Candidate, to bytes: inout [UInt8]) {
        func append(_ place: ListPlace) {
            bytes.append(place.isListed ? UInt8(clamping: min(Int(place.rank), 254)) : 255)
            BigEndianBytes.append(place.score.bitPattern, to: &bytes)
        }
        append(candidate.itemModel)
        append(candidate.factorModel)
    }

    /// Sets `candidate`'s places from `bytes` as ``appendPlaces(of:to:)`` wrote them (the embedded
    /// store's column): the whole places it knows (a place cut short, or one of a model added
    /// later, is not read); a place missing from a shorter value stays absent.
    public static func readPlaces(_ bytes: [UInt8], into candidate: inout Candidate) {
        bytes.withUnsafeBytes { readPlaces($0, into: &candidate) }
    }

    /// ``readPlaces(_:into:)`` over bytes in place (no copy: the embedded store's request path).
    public static func readPlaces(_ bytes: UnsafeRawBufferPointer, into candidate: inout Candidate) {
        func place(at offset: Int) -> ListPlace? {
            guard offset + 5 <= bytes.count else { return nil }
            var score: UInt32 = 0
            for index in 1...4 { score = score << 8 | UInt32(bytes[offset + index]) }
            return bytes[offset] == 255 ? .absent : ListPlace(rank: Int32(bytes[offset]), score: Float(bitPattern: score))
        }
        if let item = place(at: 0) { candidate.itemModel = item }
        if let factor = place(at: 5) { candidate.factorModel = factor }
    }

    /// Reads `count` bytes of places from `reader` into `candidate` with ``readPlaces(_:into:)``
    /// (the bytes lent, not copied), the rest skipped. `false` when fewer than `count` bytes are left.
    static func readPlaces(from reader: inout BigEndianBytes.Reader, count: Int, into candidate: inout Candidate) -> Bool {
        reader.withBytes(count) { readPlaces($0, into: &candidate) } != nil
    }

    /// The scored list in `bytes`, at most `limit` entries; `nil` when they are not one.
    public static func scored(_ bytes: some Collection<UInt8>, limit: Int = .max) -> [ScoredAnime]? {
        var reader = BigEndianBytes.Reader(Array(bytes))
        guard reader.byte() == version, reader.byte() == scoredKind, let count = reader.integer(UInt32.self) else { return nil }
        var items: [ScoredAnime] = []
        items.reserveCapacity(min(Int(count), limit, 4096))
        for _ in 0..<min(Int(count), limit) {
            guard let anime = reader.integer(UInt32.self), let score = reader.integer(UInt64.self) else { return nil }
            items.append(ScoredAnime(anime: AnimeID(Int32(bitPattern: anime)), score: Double(bitPattern: score)))
        }
        return items
    }

    /// The candidate list in `bytes`, at most `limit` entries; `nil` when they are not one.
    public static func candidates(_ bytes: some Collection<UInt8>, limit: Int = .max) -> [Candidate]? {
        var reader = BigEndianBytes.Reader(Array(bytes))
        guard reader.byte() == version, reader.byte() == candidatesKind, let count = reader.integer(UInt32.self),
            let sources = reader.byte()
        else { return nil }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(min(Int(count), limit, 4096))
        for _ in 0..<min(Int(count), limit) {
            guard let anime = reader.integer(UInt32.self), let score = reader.integer(UInt64.self), let length = reader.integer(UInt16.self),
                let reason = reader.bytes(Int(length)).flatMap({ text in
                    text.withUnsafeBufferPointer { Reason(storageUTF8: $0) }
                })
            else { return nil }
            var candidate = Candidate(anime: AnimeID(Int32(bitPattern: anime)), score: Double(bitPattern: score), reason: reason)
            guard readPlaces(from: &reader, count: Int(sources), into: &candidate) else { return nil }
            candidates.append(candidate)
        }
        return candidates
    }

    /// Catalogue entries' bytes (a run's copy of the catalogue, one value per bucket).
    public static func encode(_ catalogue: [Anime]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6 + catalogue.count * 80)
        bytes.append(version)
        bytes.append(catalogueKind)
        BigEndianBytes.append(UInt32(catalogue.count), to: &bytes)
        for anime in catalogue {
            BigEndianBytes.append(UInt32(bitPattern: anime.id.rawValue), to: &bytes)
            BigEndianBytes.append(Int64(anime.members), to: &bytes)
            BigEndianBytes.append(Int32(clamping: anime.episodes ?? -1), to: &bytes)
            BigEndianBytes.append((anime.rating ?? .nan).bitPattern, to: &bytes)
            appendText(anime.name, to: &bytes)
            if let type = anime.type {
                bytes.append(1)
                appendText(type, to: &bytes)
            } else {
                bytes.append(0)
            }
            let genres = anime.genres.prefix(Int(UInt8.max))
            bytes.append(UInt8(genres.count))
            for genre in genres { appendText(genre, to: &bytes) }
        }
        return bytes
    }

    /// The catalogue entries in `bytes`; `nil` when they are not catalogue entries.
    public static func catalogue(_ bytes: some Collection<UInt8>) -> [Anime]? {
        var reader = BigEndianBytes.Reader(Array(bytes))
        guard reader.byte() == version, reader.byte() == catalogueKind, let count = reader.integer(UInt32.self) else { return nil }
        var catalogue: [Anime] = []
        catalogue.reserveCapacity(min(Int(count), 1 << 16))
        for _ in 0..<count {
            guard let id = reader.integer(UInt32.self), let members = reader.integer(UInt64.self), let episodes = reader.integer(UInt32.self),
                let rating = reader.integer(UInt64.self), let name = reader.text(), let hasType = reader.byte()
            else { return nil }
            var type: String?
            if hasType == 1 {
                guard let text = reader.text() else { return nil }
                type = text
            }
            guard let genreCount = reader.byte() else { return nil }
            var genres: [String] = []
            for _ in 0..<genreCount {
                guard let genre = reader.text() else { return nil }
                genres.append(genre)
            }
            let episodeCount = Int32(bitPattern: episodes)
            let score = Double(bitPattern: rating)
            catalogue.append(Anime(
                id: AnimeID(Int32(bitPattern: id)), name: name, genres: genres, type: type,
                episodes: episodeCount >= 0 ? Int(episodeCount) : nil, rating: score.isNaN ? nil : score,
                members: Int(Int64(bitPattern: members))))
        }
        return catalogue
    }

    private static func appendText(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8.prefix(Int(UInt16.max)))
        BigEndianBytes.append(UInt16(utf8.count), to: &bytes)
        bytes += utf8
    }
}
