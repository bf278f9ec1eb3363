/// What one request reads of one user: the user's partitions.
public struct UserPartitions: Sendable {
    /// What the user interacted with (the seen filter, seeds and taste).
    public var interactions: [Interaction]
    /// The user's recent clicks and views, newest first.
    public var recentEvents: [UserEvent]
    /// The user's precomputed candidates from the live run, best first.
    public var precomputed: [Candidate]

    public init(interactions: [Interaction] = [], recentEvents: [UserEvent] = [], precomputed: [Candidate] = []) {
        self.interactions = interactions
        self.recentEvents = recentEvents
        self.precomputed = precomputed
    }
}
