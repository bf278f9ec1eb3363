import AnimeRecCore
import HTTPTypes
import Hummingbird

/// The `items` of a session route (`/recommends?items=5114,9253`): the anime ids a visitor looked
/// at in this session, oldest first, comma-separated and/or repeated, as many as
/// ``APIContract/sessionItems`` allows. A title given twice counts once, at its later place.
/// Missing, empty or malformed is a 400 `invalid_parameter` naming `items`.
struct SessionItems {
    static let name = "items"

    /// The titles, oldest first, each once.
    var ids: [AnimeID]

    init(_ request: Request) throws(APIError) {
        let maxItems = APIContract.sessionItems.maxItems
        var given: [AnimeID] = []
        for (key, value) in request.uri.queryParameters where key == Self.name {
            given += try QueryOptions.animeIDs(Self.name, value)
            guard given.count <= maxItems else { throw .invalidParameter(Self.name, "names more than \(maxItems) anime") }
        }
        guard !given.isEmpty else {
            throw .invalidParameter(
                Self.name,
                "is required: the anime ids the visitor looked at (1 to \(maxItems), comma-separated); for a user, put the user id in the path")
        }
        var seen: Set<AnimeID> = []
        var latestFirst: [AnimeID] = []
        for id in given.reversed() where seen.insert(id).inserted { latestFirst.append(id) }
        ids = latestFirst.reversed()
    }
}

extension HTTPField.Name {
    /// `Warning` (RFC 9111 §5.5): the session routes name the ids they ignored in it.
    static let warning = Self("Warning")!
    /// The id of a `/recommends` answer (``RecommendationID``).
    static let recommendationID = Self("Recommendation-Id")!
}
