/// A store's administration: its schema and its connections.
public protocol StoreLifecycle: Sendable {
    /// Applies (or, with `dryRun`, lists) the pending numbered files of `Schema/`, recording each in
    /// `schema_migrations`; throws ``MigrationError/changedSinceApplied(name:recorded:shipped:)`` when an
    /// applied file has changed since.
    func migrate(dryRun: Bool) async throws -> MigrationReport
    /// Releases connections. No other call may follow.
    func close() async throws
}

extension StoreLifecycle {
    /// Applies pending migrations.
    public func migrate() async throws -> MigrationReport { try await migrate(dryRun: false) }
}
