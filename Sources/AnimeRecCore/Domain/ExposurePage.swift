/// One `POST /impressions` batch as the ring stores it (`user_impressions`, DESIGN §3.2): the titles
/// shown, packed 4 bytes each, under a key of their own within the user and hour. A page is a
/// handful of cells however many titles it shows, and the request path reads the newest pages
/// only, so a user shown thousands of titles costs a bounded read.
public enum ExposurePage {
    /// The pages one request reads at most, newest hour first: with ``Exposure/readLimit`` this
    /// bounds the cells a heavy user's read touches, whatever the page sizes.
    public static let readLimit = 256

    /// The titles, 4 bytes each, most significant first.
    public static func encode(_ anime: [AnimeID]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(anime.count * 4)
        for title in anime { BigEndianBytes.append(title.rawValue, to: &bytes) }
        return bytes
    }

    /// The titles of ``encode(_:)``; `nil` for bytes that are not whole ids.
    public static func decode(_ bytes: [UInt8]) -> [AnimeID]? {
        guard bytes.count % 4 == 0 else { return nil }
        var reader = BigEndianBytes.Reader(bytes)
        var anime: [AnimeID] = []
        anime.reserveCapacity(bytes.count / 4)
        while let raw = reader.integer(Int32.self) { anime.append(AnimeID(raw)) }
        return anime
    }

    /// The page's key within its user and hour: the same titles give the same key (FNV-1a over the
    /// sorted ids), so a retried or reloaded page in the same hour writes the same cells, with the
    /// newer time.
    public static func key(of anime: [AnimeID]) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for title in anime.map(\.rawValue).sorted() {
            for shift in stride(from: 24, through: 0, by: -8) {
                hash ^= UInt64(UInt8(truncatingIfNeeded: title >> shift))
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        return Int64(bitPattern: hash)
    }
}
