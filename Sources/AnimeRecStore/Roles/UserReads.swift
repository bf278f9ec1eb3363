import AnimeRecCore

/// What ``RequestReads/userReads(of:sinceDay:eventLimit:interactionLimit:candidateLimit:knownLiveRun:)`` returns.
public struct UserReads: Sendable, Equatable {
    /// The live run's id, or `nil` before the first rebuild.
    public var liveRunID: String?
    public var interactions: [Interaction]
    public var recentEvents: [UserEvent]
    /// The user's candidates in the live run.
    public var candidates: [Candidate]
    /// The hours in which pages showed titles to the user, within ``Exposure/lifetimeMilliseconds``.
    public var exposures: [Exposure]

    public init(
        liveRunID: String? = nil, interactions: [Interaction] = [], recentEvents: [UserEvent] = [], candidates: [Candidate] = [],
        exposures: [Exposure] = []
    ) {
        self.liveRunID = liveRunID
        self.interactions = interactions
        self.recentEvents = recentEvents
        self.candidates = candidates
        self.exposures = exposures
    }
}
