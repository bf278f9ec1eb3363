import AnimeRecCore

/// The request path's writes: behaviour events.
public protocol EventWrites: Sendable {
    /// Stores events idempotently by event id, as ``EventIdentity`` decides: a new event also updates
    /// the user's row of its anime and the trending hour it belongs to
    /// (``TrendingBuckets/bucket(of:receivedAt:)``). Outcomes are in input order. A retry, also one
    /// racing the first copy, is a `duplicate` and counted once.
    func record(_ events: [UserEvent]) async throws -> [RecordOutcome]
}
