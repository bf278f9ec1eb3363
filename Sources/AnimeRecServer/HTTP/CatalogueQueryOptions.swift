import AnimeRecCore
import Hummingbird

/// The query string of `GET /anime`, validated into a ``CatalogueQuery``:
/// `query` (at most 200 characters), `genre` (repeatable, at most 20), `type`, `sort`
/// (`members`, `rating` or `name`), `limit` (1–100, default 20), `offset` (0–100,000) and
/// `include_adult`.
struct CatalogueQueryOptions {
    static let accepted: Set<String> = ["query", "genre", "type", "sort", "limit", "offset", "include_adult"]
    static let maximumOffset = 100_000

    var query: CatalogueQuery

    init(_ request: Request) throws(APIError) {
        let parameters = request.uri.queryParameters
        var query = CatalogueQuery()
        var seen: Set<String> = []
        for (key, value) in parameters {
            let name = String(key)
            guard Self.accepted.contains(name) else {
                throw .invalidParameter(name, "is unknown (accepted: \(Self.accepted.sorted().joined(separator: ", ")))")
            }
            if name == "genre" {
                guard !value.isEmpty, value.count <= 100 else { throw .invalidParameter("genre", "must be a genre name of 1 to 100 characters") }
                query.genres.append(String(value))
                guard query.genres.count <= 20 else { throw .invalidParameter("genre", "is given more than 20 times") }
                continue
            }
            guard seen.insert(name).inserted else { throw .invalidParameter(name, "is given more than once") }
            switch name {
            case "query":
                guard value.count <= 200 else { throw .invalidParameter("query", "must be at most 200 characters") }
                query.text = String(value)
            case "type":
                guard !value.isEmpty, value.count <= 50 else { throw .invalidParameter("type", "must be a type name of 1 to 50 characters") }
                query.type = String(value)
            case "sort":
                guard let sort = CatalogueSort(rawValue: String(value)) else {
                    throw .invalidParameter("sort", "must be one of \(CatalogueSort.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.sort = sort
            case "limit":
                query.limit = try QueryOptions.limit(value, maximum: 100)
            case "offset":
                guard case .success(let offset) = IdentifierParser.parse(value, maximum: Int64(Self.maximumOffset)) else {
                    throw .invalidParameter("offset", "must be an integer from 0 to \(Self.maximumOffset)")
                }
                query.offset = Int(offset)
            default:  // include_adult
                query.includeAdult = try QueryOptions.flag("include_adult", value)
            }
        }
        self.query = query
    }
}
