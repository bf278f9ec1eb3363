/// The calls of a store's roles, one each (the two `anime` reads apart), as metrics label them.
public enum StoreOperation: Int, CaseIterable, Sendable {
    case migrate, ping, close, upsertAnime, anime, animeBatch, allAnime, hasCatalogue, record, withdrawDislike, recordImpressions, recentEvents
    case interactions, userReads, importRatings, scanHistories, interactionCount, trending, createRun, writeNeighbors
    case writeCandidates, writeList, writeCatalogue, catalogue, activate, liveRun, liveRunID, neighbors, candidates, list
    case run, recordProgress, progress, loadSnapshot

    /// The metric label: `upsertAnime` → `upsert_anime`.
    public var label: String {
        switch self {
        case .animeBatch: return "anime_batch"
        case .liveRunID: return "live_run_id"
        default:
            var result = ""
            for character in String(describing: self) {
                if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
            }
            return result
        }
    }
}
