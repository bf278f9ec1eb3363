/// An anime with a score, as lists (neighbours, popular, trending) hold them.
public struct ScoredAnime: Hashable, Sendable {
    public var anime: AnimeID
    public var score: Double

    public init(anime: AnimeID, score: Double) {
        self.anime = anime
        self.score = score
    }
}

/// Why an item is recommended; serialised as `{"kind": …}` in the API.
public enum Reason: Hashable, Sendable {
    /// Similar to an anime the user interacted with.
    case similarTo(AnimeID)
    /// Matches a genre the user likes.
    case genre(String)
    /// Picked for this user by the offline collaborative model.
    case forYou
    /// Trending right now (recent clicks and views).
    case trending
    /// Popular overall.
    case popular

    /// A compact text form for storage: `similar_to:5114`, `genre:Mecha`, `for_you`, `trending`, `popular`.
    public var storageText: String {
        switch self {
        case .similarTo(let id): "similar_to:\(id.rawValue)"
        case .genre(let genre): "genre:\(genre)"
        case .forYou: "for_you"
        case .trending: "trending"
        case .popular: "popular"
        }
    }

    /// Parses ``storageText``.
    public init?(storageText: String) {
        var text = storageText
        guard let reason = text.withUTF8({ Reason(storageUTF8: $0) }) else { return nil }
        self = reason
    }

    /// Parses ``storageText`` from its UTF-8 bytes: a store reads a reason per precomputed
    /// candidate, and only a genre's name becomes a `String`.
    public init?(storageUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if let digits = Self.suffix(of: bytes, after: Self.similarToPrefix) {
            guard let id = Self.int32(digits) else { return nil }
            self = .similarTo(AnimeID(id))
        } else if let name = Self.suffix(of: bytes, after: Self.genrePrefix) {
            self = .genre(String(decoding: name, as: UTF8.self))
        } else if bytes.elementsEqual("for_you".utf8) {
            self = .forYou
        } else if bytes.elementsEqual("trending".utf8) {
            self = .trending
        } else if bytes.elementsEqual("popular".utf8) {
            self = .popular
        } else {
            return nil
        }
    }

    private static let similarToPrefix = Array("similar_to:".utf8)
    private static let genrePrefix = Array("genre:".utf8)

    /// The bytes after `prefix`, or `nil` when `bytes` does not start with it.
    private static func suffix(of bytes: UnsafeBufferPointer<UInt8>, after prefix: [UInt8]) -> Slice<UnsafeBufferPointer<UInt8>>? {
        guard bytes.count >= prefix.count, bytes.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        return bytes[prefix.count...]
    }

    /// A decimal `Int32` as `Int32(_: String)` reads it: an optional sign, then at least one digit,
    /// nothing else, within range.
    private static func int32(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int32? {
        var digits = text[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var magnitude: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0"))
            guard magnitude <= Int64(Int32.max) + 1 else { return nil }
        }
        return Int32(exactly: negative ? -magnitude : magnitude)
    }
}

/// A precomputed per-user candidate (written by `rebuild`): the union of the item model's list
/// (EASE) and the factor model's (iALS), with its place in each.
public struct Candidate: Hashable, Sendable {
    public var anime: AnimeID
    /// The better of its two places' scores: what orders the stored list.
    public var score: Double
    public var reason: Reason
    /// Its place in the user's list from the item model (EASE's exact scores).
    public var itemModel: ListPlace
    /// Its place in the user's list from the factor model (iALS).
    public var factorModel: ListPlace

    /// A candidate; without places (a list stored before they were, or one made by hand) recall
    /// takes it as the item model's at its position in the list (``Recall``).
    public init(anime: AnimeID, score: Double, reason: Reason, itemModel: ListPlace = .absent, factorModel: ListPlace = .absent) {
        self.anime = anime
        self.score = score
        self.reason = reason
        self.itemModel = itemModel
        self.factorModel = factorModel
    }

    /// Whether either place is known.
    public var hasPlaces: Bool { itemModel.isListed || factorModel.isListed }
}

/// A candidate's place in one model's list for one user: its rank (0 the first) and its score over
/// the list's best (so in (0, 1]).
public struct ListPlace: Hashable, Sendable {
    /// 0 for the first; −1 when the model did not list it.
    public var rank: Int32
    public var score: Float

    public init(rank: Int32, score: Float) {
        self.rank = rank
        self.score = score
    }

    /// Not listed by that model.
    public static let absent = ListPlace(rank: -1, score: 0)

    /// Whether the model listed the candidate.
    public var isListed: Bool { rank >= 0 }
}

/// Well-known names of ranked lists a run writes.
public enum ListKey {
    /// Most popular overall (members, ratings).
    public static let popular = "popular"
    /// Most popular within one genre.
    public static func genre(_ genre: String) -> String { "genre:\(genre)" }
}
