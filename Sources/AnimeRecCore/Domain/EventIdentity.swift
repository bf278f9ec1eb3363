/// The event a store already holds under an event id: what decides whether another event under
/// that id is the same one again.
public struct StoredEvent: Sendable, Hashable {
    public var user: UserID
    public var anime: AnimeID
    public var kind: EventKind

    public init(user: UserID, anime: AnimeID, kind: EventKind) {
        self.user = user
        self.anime = anime
        self.kind = kind
    }

    public init(_ event: UserEvent) {
        self.init(user: event.user, anime: event.anime, kind: event.kind)
    }
}

/// What a store does with one event of a `record` call, as ``EventIdentity/decide(_:registered:)``
/// says.
public enum EventDecision: Sendable, Hashable {
    /// The first event under an id nobody holds: the store writes it, and it is `recorded` unless
    /// the write itself finds an earlier copy (``EventIdentity/outcome(of:stored:)``).
    case write
    /// Settled without a write: the id is held already.
    case settled(RecordOutcome)
}

/// The one rule of event identity, for both stores: the first event under an id claims it; the
/// same user, anime and kind again under that id is a retry (`duplicate`); anything else under it is
/// a `conflict`. Stores only look up what they hold and write what this decides.
public enum EventIdentity {
    /// One decision per event, in input order. `registered` is what the store holds under the
    /// events' ids: absent, nothing (or expired); `nil`, an event this build cannot read (a kind it
    /// does not know), which is never overwritten. An id the store holds decides for every event
    /// under it; within `events` the first event under a free id claims it for the rest.
    public static func decide(_ events: [UserEvent], registered: [EventID: StoredEvent?]) -> [EventDecision] {
        var claimed: [EventID: StoredEvent] = [:]
        return events.map { event in
            if let held = registered[event.id] { return .settled(outcome(of: event, stored: held)) }
            if let earlier = claimed[event.id] { return .settled(outcome(of: event, stored: earlier)) }
            claimed[event.id] = StoredEvent(event)
            return .write
        }
    }

    /// The outcome for `event` when its id is in use by `stored` (`nil`: in use by an event this
    /// build cannot read, taken as the same one, so nothing is written over it).
    public static func outcome(of event: UserEvent, stored: StoredEvent?) -> RecordOutcome {
        guard let stored else { return .duplicate }
        return stored == StoredEvent(event) ? .duplicate : .conflict
    }
}
