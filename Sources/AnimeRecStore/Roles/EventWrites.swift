import AnimeRecCore

/// The request path's writes: behaviour events and "not interested" verdicts.
public protocol EventWrites: Sendable {
    /// Stores events idempotently by event id, as ``EventIdentity`` decides: a new click or view
    /// also updates the user's row of its anime and the trending hour it belongs to
    /// (``TrendingBuckets/bucket(of:receivedAt:)``); a new dislike sets the verdict on the user's
    /// row of its anime (``Interaction/dislikedAt``) and nothing else. Outcomes are in input order.
    /// A retry, also one racing the first copy, is a `duplicate` and counted once, and a dislike
    /// retried after it was taken back stays taken back.
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome]
    /// Takes back the user's "not interested" in `anime` (nothing happens when there is none): the
    /// title is a candidate again, and a title the user has no other relation to leaves no row.
    func withdrawDislike(user: UserID, anime: AnimeID) async throws
    /// Records that a page showed `anime` (at most 100 titles) to `user` at `at`: one ``Exposure``
    /// per title and hour, kept ``Exposure/lifetimeMilliseconds``. Writing the same batch again
    /// changes nothing. Bounded: one statement on Cassandra, one transaction on SQLite.
    func recordImpressions(user: UserID, anime: [AnimeID], at: Int64) async throws
}
