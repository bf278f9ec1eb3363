/// The id of one `/recommends` answer, and of each item in it: what a click, view or impression
/// carries back so that the service can say which source's recommendations are taken up.
///
/// A version-4 UUID. The answer's id is random but for its last byte, 0; each item's id is the
/// answer's with that byte set to the item's source, the kind of its reason (``Source``). So an id
/// names its answer (the other 120 bits) and its source without the service storing anything, and
/// any UUID a client sends is read safely: a last byte that is no source is no recommendation.
public struct RecommendationID: Hashable, Sendable, CustomStringConvertible {
    /// Where a recommended item came from: the kind of its reason.
    public enum Source: UInt8, CaseIterable, Sendable {
        case similarTo = 1, forYou, genre, trending, popular

        /// The reason kind, as the API and the metrics name it.
        public var name: String {
            switch self {
            case .similarTo: "similar_to"
            case .forYou: "for_you"
            case .genre: "genre"
            case .trending: "trending"
            case .popular: "popular"
            }
        }

        /// The source of an item shown for `reason`.
        public init(_ reason: Reason) {
            switch reason {
            case .similarTo: self = .similarTo
            case .forYou: self = .forYou
            case .genre: self = .genre
            case .trending: self = .trending
            case .popular: self = .popular
            }
        }
    }

    /// The UUID.
    public let uuid: EventID

    public init(uuid: EventID) { self.uuid = uuid }

    /// A new answer's id from `generator`.
    public static func answer(using generator: inout some RandomNumberGenerator) -> RecommendationID {
        let high = (UInt64.random(in: 0...UInt64.max, using: &generator) & ~0xF000) | 0x4000
        let low = (UInt64.random(in: 0...UInt64.max, using: &generator) & 0x3FFF_FFFF_FFFF_FF00) | 0x8000_0000_0000_0000
        return RecommendationID(uuid: EventID(high: high, low: low))
    }

    /// This answer's id for an item shown for `reason`.
    public func item(_ reason: Reason) -> RecommendationID {
        RecommendationID(uuid: EventID(high: uuid.high, low: (uuid.low & ~0xFF) | UInt64(Source(reason).rawValue)))
    }

    /// The source this id names, or `nil` (an answer's own id, or a UUID the service did not make).
    public var source: Source? { Source(rawValue: UInt8(truncatingIfNeeded: uuid.low)) }

    /// The id of the answer this id belongs to.
    public var answer: RecommendationID { RecommendationID(uuid: EventID(high: uuid.high, low: uuid.low & ~0xFF)) }

    public var description: String { uuid.description }
}
