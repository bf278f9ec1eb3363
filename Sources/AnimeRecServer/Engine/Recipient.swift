import AnimeRecCore

/// Whom a per-user route answers: a user with an id, whose partitions are read, or a visitor
/// without an account, the titles they looked at in this session (oldest first) standing in for
/// a history (``UserPartitions/session(_:now:)``).
public enum Recipient: Sendable, Equatable {
    case user(UserID)
    case session([AnimeID])
}
