/// What one request reads of one user: the user's partitions.
public struct UserPartitions: Sendable {
    /// What the user interacted with (the seen filter, seeds and taste).
    public var interactions: [Interaction]
    /// The user's recent clicks and views, newest first.
    public var recentEvents: [UserEvent]
    /// The user's precomputed candidates from the live run, best first.
    public var precomputed: [Candidate]
    /// The hours in which pages showed titles to the user, within ``Exposure/lifetimeMilliseconds``
    /// (``Fatigue``).
    public var exposures: [Exposure]

    public init(
        interactions: [Interaction] = [], recentEvents: [UserEvent] = [], precomputed: [Candidate] = [],
        exposures: [Exposure] = []
    ) {
        self.interactions = interactions
        self.recentEvents = recentEvents
        self.precomputed = precomputed
        self.exposures = exposures
    }
}

extension UserPartitions {
    /// A visitor's session as the pipeline sees a user: each title they looked at (`items`, oldest
    /// first) is a recent view, the last one at `now` and each earlier one a second before the
    /// next; no interactions, no precomputed candidates. Recall expands from them as from a user's
    /// fresh events, the ranker takes them as the history, and they are never in the answer. The
    /// events are the pipeline's input only, never stored (their ids and user are zero).
    public static func session(_ items: [AnimeID], now: Int64) -> UserPartitions {
        let events = items.reversed().enumerated().map { age, anime in
            UserEvent(id: EventID(high: 0, low: 0), user: UserID(0), anime: anime, kind: .view, at: now - Int64(age) * 1000)
        }
        return UserPartitions(recentEvents: events)
    }
}
