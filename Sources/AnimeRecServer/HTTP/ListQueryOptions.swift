import AnimeRecCore
import Hummingbird

/// The query parameters of `/rank` and `/recommends`: `limit`, `include_adult`, and the list
/// options `genre` and `exclude_genre` (each repeatable, up to 20), `type`, `min_rating` (0–10),
/// `exclude` (anime ids, comma-separated and/or repeated, up to 100) and `diversity` (0–1). Each bad
/// value is a 400 `invalid_parameter` naming the parameter.
struct ListQueryOptions {
    static let accepted: Set<String> = ["limit", "include_adult", "genre", "exclude_genre", "type", "min_rating", "exclude", "diversity"]
    static let repeatable: Set<String> = ["genre", "exclude_genre", "exclude"]
    /// Ids `exclude` may name at most.
    static let maximumExcluded = 100

    var limit: Int
    var includeAdult = false
    var filter = ListFilter()
    var diversity: Double?

    init(_ request: Request, defaultLimit: Int, maximumLimit: Int) throws(APIError) {
        limit = defaultLimit
        var seen: Set<String> = []
        var genres: [String] = []
        var excludedGenres: [String] = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard Self.accepted.contains(name) else {
                throw .invalidParameter(name, "is unknown (accepted: \(Self.accepted.sorted().joined(separator: ", ")))")
            }
            guard Self.repeatable.contains(name) || seen.insert(name).inserted else {
                throw .invalidParameter(name, "is given more than once")
            }
            switch name {
            case "limit":
                limit = try QueryOptions.limit(value, maximum: maximumLimit)
            case "include_adult":
                includeAdult = try QueryOptions.flag("include_adult", value)
            case "genre", "exclude_genre":
                guard !value.isEmpty, value.count <= 100 else { throw .invalidParameter(name, "must be a genre name of 1 to 100 characters") }
                if name == "genre" { genres.append(String(value)) } else { excludedGenres.append(String(value)) }
                guard genres.count <= 20, excludedGenres.count <= 20 else { throw .invalidParameter(name, "is given more than 20 times") }
            case "type":
                guard !value.isEmpty, value.count <= 50 else { throw .invalidParameter("type", "must be a type name of 1 to 50 characters") }
                filter.type = String(value)
            case "min_rating":
                guard let rating = Self.number(value), (0...10).contains(rating) else {
                    throw .invalidParameter("min_rating", "must be a number from 0 to 10")
                }
                filter.minimumRating = rating
            case "exclude":
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard case .success(let id) = IdentifierParser.parse(part, maximum: Int64(Int32.max)) else {
                        throw .invalidParameter("exclude", "must be anime ids (integers from 0 to \(Int32.max)), comma-separated")
                    }
                    filter.excluded.insert(AnimeID(Int32(id)))
                    guard filter.excluded.count <= Self.maximumExcluded else {
                        throw .invalidParameter("exclude", "names more than \(Self.maximumExcluded) anime")
                    }
                }
            default:  // diversity
                guard let value = Self.number(value), (0...1).contains(value) else {
                    throw .invalidParameter("diversity", "must be a number from 0 to 1")
                }
                diversity = value
            }
        }
        filter.genres = genres
        filter.excludedGenres = excludedGenres
    }

    /// A finite decimal number (`7`, `7.5`, `.5`, `1e-3`) of at most 32 characters: no hex, `inf` or `nan`.
    static func number(_ raw: Substring) -> Double? {
        guard !raw.isEmpty, raw.count <= 32, raw.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }),
            let value = Double(raw), value.isFinite
        else { return nil }
        return value
    }
}
