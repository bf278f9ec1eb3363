import AnimeRecCore
import Hummingbird

/// The query string of `GET /anime`, validated into a ``CatalogueQuery`` within what
/// ``APIContract`` declares: `query`, `genre` (repeatable), `type`, `sort`, `limit`, `offset` and
/// `include_adult`.
struct CatalogueQueryOptions {
    var query: CatalogueQuery

    init(_ request: Request) throws(APIError) {
        let endpoint = APIContract.endpoint(.searchCatalogue)
        var query = CatalogueQuery()  // the defaults the contract documents
        var seen: Set<String> = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard let parameter = endpoint.query.first(where: { $0.name == name }) else {
                throw .invalidParameter(name, "is unknown (accepted: \(endpoint.parameterNames.sorted().joined(separator: ", ")))")
            }
            guard parameter.isRepeatable || seen.insert(name).inserted else { throw .invalidParameter(name, "is given more than once") }
            switch name {
            case "genre":
                let (length, maxItems) = parameter.text
                query.genres.append(try QueryOptions.text("genre", value, length: length, what: "a genre name"))
                guard query.genres.count <= maxItems else { throw .invalidParameter("genre", "is given more than \(maxItems) times") }
            case "query":
                query.text = try QueryOptions.text("query", value, length: parameter.text.length, what: "text")
            case "type":
                query.type = try QueryOptions.text("type", value, length: parameter.text.length, what: "a type name")
            case "sort":
                guard let sort = CatalogueSort(rawValue: String(value)) else {
                    throw .invalidParameter("sort", "must be one of \(CatalogueSort.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.sort = sort
            case "limit", "offset":
                let value = try QueryOptions.integer(name, value, in: parameter.integer.range)
                if name == "limit" { query.limit = value } else { query.offset = value }
            default:  // include_adult
                query.includeAdult = try QueryOptions.flag("include_adult", value)
            }
        }
        self.query = query
    }
}
