import AnimeRecCore

/// The body of `POST /impressions`: what a page showed one user, validated field by field.
struct ImpressionRequest: Equatable, Sendable {
    var user: UserID
    /// The titles shown, each once, in the order given.
    var anime: [AnimeID]
    /// ms since 1970, when given.
    var at: Int64?
    /// The batch's id, when given.
    var eventID: EventID?
    /// Each title's `recommendation_id`, when the page showed a `/recommends` answer (the same order
    /// and count as ``anime``).
    var recommendationIDs: [RecommendationID]?

    /// The most titles one batch may name.
    static let maxTitles = 100

    private struct Raw: Decodable {
        var user_id: LooseScalar?
        var anime_ids: [LooseScalar]?
        var anime_idsPresent = false
        var at: LooseScalar?
        var event_id: LooseScalar?
        var recommendation_ids: [LooseScalar]?
        var recommendation_idsPresent = false

        enum CodingKeys: String, CodingKey { case user_id, anime_ids, at, event_id, recommendation_ids }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            user_id = try container.looseScalar(forKey: .user_id)
            anime_idsPresent = container.contains(.anime_ids)
            anime_ids = try? container.decode([LooseScalar].self, forKey: .anime_ids)
            at = try container.looseScalar(forKey: .at)
            event_id = try container.looseScalar(forKey: .event_id)
            recommendation_idsPresent = container.contains(.recommendation_ids)
            recommendation_ids = try? container.decode([LooseScalar].self, forKey: .recommendation_ids)
        }
    }

    /// Parses and validates a JSON body.
    static func parse(_ bytes: [UInt8], now: Int64) throws(APIError) -> ImpressionRequest {
        let raw: Raw = try EventRequest.decodeObject(bytes)
        let user = try EventRequest.identifier(raw.user_id, field: "user_id", parse: IdentifierParser.userID)
        guard raw.anime_idsPresent else { throw .invalidBody("anime_ids is required: the anime ids the page showed") }
        guard let items = raw.anime_ids else { throw .invalidBody("anime_ids must be an array of anime ids") }
        guard (1...maxTitles).contains(items.count) else {
            throw .invalidBody("anime_ids must hold 1 to \(maxTitles) anime ids (it holds \(items.count))")
        }
        var given: [RecommendationID]?
        if raw.recommendation_idsPresent {
            guard let ids = raw.recommendation_ids, ids.count == items.count else {
                throw .invalidBody("recommendation_ids must be an array of as many ids as anime_ids, in the same order")
            }
            var parsed: [RecommendationID] = []
            for id in ids {
                guard let one = try EventRequest.recommendationID(id, field: "each of recommendation_ids") else {
                    throw .invalidBody("each of recommendation_ids must be the UUID string a /recommends answer gave")
                }
                parsed.append(one)
            }
            given = parsed
        }
        var anime: [AnimeID] = []
        var recommendations: [RecommendationID] = []
        anime.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let id = try EventRequest.identifier(item, field: "each of anime_ids", parse: IdentifierParser.animeID)
            guard !anime.contains(id) else { continue }
            anime.append(id)
            if let given { recommendations.append(given[index]) }
        }
        return ImpressionRequest(
            user: user, anime: anime, at: try EventRequest.time(raw.at, now: now), eventID: try EventRequest.eventID(raw.event_id),
            recommendationIDs: given == nil ? nil : recommendations)
    }
}
