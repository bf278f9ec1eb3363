import AnimeRecCore
import Hummingbird

import Foundation



/// A JSON value where the API accepts "a string of digits or an integer".
enum LooseScalar: Decodable, Equatable {
    case integer(Int64)
    case string(String)
    /// A number that is not an integer or does not fit 64 bits.
    case otherNumber
    /// `true`/`false`, arrays, objects.
    case other
    /// An explicit JSON `null`.
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if (try? container.decode(Double.self)) != nil {
            self = .otherNumber
        } else {
            self = .other
        }
    }
}

extension KeyedDecodingContainer {
    /// The field at `key` as a ``LooseScalar``; `nil` when the body does not have it.
    func looseScalar(forKey key: Key) throws -> LooseScalar? {
        contains(key) ? try decode(LooseScalar.self, forKey: key) : nil
    }
}

/// The body of `POST /clicks`, `/views` and `/dislikes`, validated field by field so that every mistake
/// gets a precise message.
struct EventRequest: Equatable, Sendable {
    var user: UserID
    var anime: AnimeID
    /// ms since 1970, when given.
    var at: Int64?
    var eventID: EventID?
    /// The recommendation the event came from, when the client says (`recommendation_id`).
    var recommendationID: RecommendationID?

    /// The body's fields; `nil` means absent, `.null` an explicit `null`.
    private struct Raw: Decodable {
        var user_id: LooseScalar?
        var anime_id: LooseScalar?
        var at: LooseScalar?
        var event_id: LooseScalar?
        var recommendation_id: LooseScalar?

        enum CodingKeys: String, CodingKey { case user_id, anime_id, at, event_id, recommendation_id }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            user_id = try container.looseScalar(forKey: .user_id)
            anime_id = try container.looseScalar(forKey: .anime_id)
            at = try container.looseScalar(forKey: .at)
            event_id = try container.looseScalar(forKey: .event_id)
            recommendation_id = try container.looseScalar(forKey: .recommendation_id)
        }
    }

    /// Parses and validates a JSON body.
    static func parse(_ bytes: [UInt8], now: Int64) throws(APIError) -> EventRequest {
        let raw: Raw = try decodeObject(bytes)
        let user = try identifier(raw.user_id, field: "user_id", parse: IdentifierParser.userID)
        let anime = try identifier(raw.anime_id, field: "anime_id", parse: IdentifierParser.animeID)
        return EventRequest(
            user: user, anime: anime, at: try time(raw.at, now: now), eventID: try eventID(raw.event_id),
            recommendationID: try recommendationID(raw.recommendation_id, field: "recommendation_id"))
    }

    /// A `recommendation_id` (a UUID string, as `/recommends` gives it); `nil` when absent.
    static func recommendationID(_ raw: LooseScalar?, field: String) throws(APIError) -> RecommendationID? {
        switch raw {
        case nil: return nil
        case .string(let text):
            guard let parsed = EventID(uuidString: text) else { fallthrough }
            return RecommendationID(uuid: parsed)
        default:
            throw .invalidBody("\(field) must be the UUID string a /recommends answer gave")
        }
    }

    /// A strict JSON object body decoded as `Body`.
    static func decodeObject<Body: Decodable>(_ bytes: [UInt8]) throws(APIError) -> Body {
        do {
            try StrictJSON.validate(bytes)
        } catch {
            throw .invalidBody("request body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch DecodingError.typeMismatch {
            throw .invalidBody("request body must be a JSON object")
        } catch {
            throw .invalidBody("request body is not valid JSON")
        }
    }

    /// The `at` field: epoch ms or RFC 3339, from 2000 to a day past `now`; `nil` when absent.
    static func time(_ raw: LooseScalar?, now: Int64) throws(APIError) -> Int64? {
        var at: Int64?
        switch raw {
        case nil: break
        case .integer(let ms): at = ms
        case .string(let text):
            guard let ms = RFC3339.parse(text) else {
                throw .invalidBody("at must be epoch milliseconds or an RFC 3339 time like 2026-11-28T10:00:00Z")
            }
            at = ms
        case .otherNumber, .other, .null:
            throw .invalidBody("at must be epoch milliseconds (an integer) or an RFC 3339 time string; leave it out for now")
        }
        if let ms = at {
            guard ms >= APIContract.earliestEventAt else {
                throw .invalidBody("at must not be before 2000-01-01: give epoch milliseconds (e.g. 1764324000000), not seconds")
            }
            guard ms <= now + APIContract.eventAtLeeway else { throw .invalidBody("at must not be more than a day in the future") }
        }
        return at
    }

    /// The `event_id` field: a UUID string; `nil` when absent.
    static func eventID(_ raw: LooseScalar?) throws(APIError) -> EventID? {
        switch raw {
        case nil: return nil
        case .string(let text):
            guard let parsed = EventID(uuidString: text) else { fallthrough }
            return parsed
        default:
            throw .invalidBody("event_id must be a UUID string like 123e4567-e89b-12d3-a456-426614174000")
        }
    }

    static func identifier<ID>(
        _ raw: LooseScalar?, field: String, parse: (Substring) -> Result<ID, IdentifierParser.Failure>
    ) throws(APIError) -> ID {
        let text: String
        switch raw {
        case nil, .null: throw .invalidBody("\(field) is required")
        case .string(let string): text = string
        case .integer(let value):
            guard value >= 0 else { throw .invalidBody("\(field) must not be negative") }
            text = String(value)
        case .otherNumber: throw .invalidBody("\(field) must be an integer that fits 64 bits")
        case .other: throw .invalidBody("\(field) must be a string of digits or an integer")
        }
        switch parse(Substring(text)) {
        case .success(let id): return id
        case .failure(.empty): throw .invalidBody("\(field) must not be empty")
        case .failure(.notDigits): throw .invalidBody("\(field) must contain only digits (no sign, no spaces)")
        case .failure(.outOfRange): throw .invalidBody("\(field) is out of range")
        }
    }
}

/// RFC 3339 timestamps (`2026-11-28T10:00:00Z`, `…00.123+02:00`) to epoch milliseconds.
enum RFC3339 {
    static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }
}


/// `POST /impressions`'s answer: how many of the titles were stored (those the catalogue knows).
struct ImpressionsPayload: Encodable, Equatable, Sendable {
    var status: String
    var eventID: String
    var count: Int

    enum CodingKeys: String, CodingKey {
        case status, count
        case eventID = "event_id"
    }
}

/// `GET /facets`: the genres and types to browse by, with their title counts.
struct FacetsPayload: Codable, Equatable, Sendable {
    var genres: [FacetPayload]
    var types: [FacetPayload]
}

/// `{"name": "Action", "count": 2845}`.
struct FacetPayload: Codable, Equatable, Sendable {
    var name: String
    var count: Int

    init(_ facet: FacetCount) {
        name = facet.name
        count = facet.count
    }
}
