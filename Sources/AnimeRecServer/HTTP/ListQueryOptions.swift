import AnimeRecCore
import Hummingbird

/// The query parameters of `/rank` and `/recommends`: `limit`, `include_adult`, and the list
/// options `genre` and `exclude_genre` (repeatable), `type`, `min_rating`, `exclude` (anime ids,
/// comma-separated and/or repeated) and `diversity`, each within what ``APIContract`` declares.
/// Each bad value is a 400 `invalid_parameter` naming the parameter.
struct ListQueryOptions {
    var limit: Int
    var includeAdult = false
    var filter = ListFilter()
    /// `nil` when not given: the engine's default applies (the one the contract documents).
    var diversity: Double?

    init(_ request: Request, _ operation: Endpoint.Operation) throws(APIError) {
        let endpoint = APIContract.endpoint(operation)
        let limitRange = endpoint.parameter("limit").integer
        limit = limitRange.default
        var seen: Set<String> = []
        var genres: [String] = []
        var excludedGenres: [String] = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard let parameter = endpoint.query.first(where: { $0.name == name }) else {
                throw .invalidParameter(name, "is unknown (accepted: \(endpoint.parameterNames.sorted().joined(separator: ", ")))")
            }
            guard parameter.isRepeatable || seen.insert(name).inserted else {
                throw .invalidParameter(name, "is given more than once")
            }
            switch name {
            case "limit":
                limit = try QueryOptions.integer("limit", value, in: limitRange.range)
            case "include_adult":
                includeAdult = try QueryOptions.flag("include_adult", value)
            case "genre", "exclude_genre":
                let (length, maxItems) = parameter.text
                let genre = try QueryOptions.text(name, value, length: length, what: "a genre name")
                if name == "genre" { genres.append(genre) } else { excludedGenres.append(genre) }
                guard genres.count <= maxItems, excludedGenres.count <= maxItems else {
                    throw .invalidParameter(name, "is given more than \(maxItems) times")
                }
            case "type":
                filter.type = try QueryOptions.text("type", value, length: parameter.text.length, what: "a type name")
            case "min_rating":
                filter.minimumRating = try Self.number("min_rating", value, in: parameter.number.range)
            case "exclude":
                for id in try QueryOptions.animeIDs("exclude", value) {
                    filter.excluded.insert(id)
                    guard filter.excluded.count <= parameter.maxItems else {
                        throw .invalidParameter("exclude", "names more than \(parameter.maxItems) anime")
                    }
                }
            case SessionItems.name:
                continue  // the session routes' titles: SessionItems reads them
            default:  // diversity
                diversity = try Self.number("diversity", value, in: parameter.number.range)
            }
        }
        filter.genres = genres
        filter.excludedGenres = excludedGenres
    }

    /// A number parameter in `range`.
    static func number(_ name: String, _ raw: Substring, in range: ClosedRange<Double>) throws(APIError) -> Double {
        guard let value = number(raw), range.contains(value) else {
            throw .invalidParameter(name, "must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return value
    }

    /// `10` rather than `10.0` in messages.
    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A finite decimal number (`7`, `7.5`, `.5`, `1e-3`) of at most 32 characters: no hex, `inf` or `nan`.
    static func number(_ raw: Substring) -> Double? {
        guard !raw.isEmpty, raw.count <= 32, raw.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }),
            let value = Double(raw), value.isFinite
        else { return nil }
        return value
    }
}
