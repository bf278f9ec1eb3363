import AnimeRecCore
import AnimeRecSchema
import CQL
import Logging

extension CassandraStore {
    /// Creates the keyspace when asked to and it is missing, creates `schema_migrations`, then
    /// applies the pending `Schema/cassandra` files in order. Each statement runs on the control
    /// connection and waits for schema agreement; "already exists" counts as done, so a migration
    /// cut short is finished by the next run.
    public func migrate(dryRun: Bool) async throws -> MigrationReport {
        let location = configuration.location
        let shipped = try Migration.shipped(.cassandra)
        var notes: [String] = []
        let keyspaceExists = try await self.keyspaceExists()
        if !keyspaceExists {
            guard configuration.createKeyspace else {
                throw StoreError.schemaBehind("keyspace \(location.keyspace) does not exist; create it, or let migrate create it")
            }
            let create = "CREATE KEYSPACE \(location.keyspace) WITH replication = \(location.replication.cql)"
            notes.append(dryRun ? "would create keyspace: \(create)" : "created keyspace: \(create)")
            if dryRun {
                let checksums = Dictionary(shipped.map { ($0.name, $0.checksum) }) { first, _ in first }
                return MigrationReport(dryRun: true, applied: shipped.map(\.name), checksums: checksums, notes: notes)
            }
            try await runDDL(create)
        }
        let applied: [MigrationPlan.Applied]
        do {
            applied = try await client.select(statements.appliedMigrations, [], options: .idempotent())?.rows.compactMap { row in
                guard let name = try? row.decode(String.self, at: 0) else { return nil }
                return MigrationPlan.Applied(name: name, checksum: ((try? row.decode(String?.self, at: 1)) ?? nil).flatMap { $0.isEmpty ? nil : $0 })
            } ?? []
        } catch let error as CQLError where error.code == .invalid {
            // No schema_migrations table yet.
            if !dryRun {
                for statement in Migration.statements(in: try SchemaFiles.bookkeeping(.cassandra).text) {
                    try await runDDL(Self.qualify(statement, keyspace: location.keyspace))
                }
            }
            applied = []
        }
        let plan = try MigrationPlan(shipped: shipped, applied: applied)
        let checksums = Dictionary(shipped.map { ($0.name, $0.checksum) }) { first, _ in first }
        var report = MigrationReport(dryRun: dryRun, applied: plan.pending.map(\.name), checksums: checksums, notes: notes)
        if dryRun {
            for migration in plan.pending {
                report.notes.append(
                    "after applying \(migration.name) by hand: INSERT INTO \(location.keyspace).schema_migrations (name, checksum, applied_at) "
                        + "VALUES ('\(migration.name)', '\(migration.checksum)', <ms since 1970>)")
            }
            return report
        }
        for migration in plan.unrecordedChecksums + plan.pending {
            if plan.pending.contains(migration) {
                for (index, statement) in migration.statements.enumerated() {
                    do {
                        try await runDDL(Self.qualify(statement, keyspace: location.keyspace))
                    } catch {
                        throw MigrationError.failed(name: migration.name, statement: index + 1, reason: "\(error)")
                    }
                }
            }
            try await client.execute(
                statements.recordMigration, [.text(migration.name), .text(migration.checksum), .bigint(WallClock.nowMilliseconds)],
                options: .idempotent())
        }
        return report
    }

    /// Runs a schema statement; "already exists" means an earlier, interrupted run got that far.
    private func runDDL(_ statement: String) async throws {
        do {
            try await client.query(statement, options: .init(timeout: .seconds(30)))
        } catch let error as CQLError where error.code == .alreadyExists {
            logger.debug("schema object already exists", metadata: ["store.statement": "\(statement.prefix(60))"])
        }
    }

    private func keyspaceExists() async throws -> Bool {
        let keyspace = configuration.location.keyspace
        do {
            return try await !(client.select(
                "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", [.text(keyspace)],
                options: .idempotent(.one))?.rows.isEmpty ?? true)
        } catch let error as CQLError where error.code == .invalid {
            // Before Cassandra 3.0 the schema lives in system.schema_keyspaces.
            return try await !(client.select(
                "SELECT keyspace_name FROM system.schema_keyspaces WHERE keyspace_name = ?", [.text(keyspace)],
                options: .idempotent(.one))?.rows.isEmpty ?? true)
        }
    }

    /// Puts `keyspace.` before the table (or index) a schema statement names, so the files stay
    /// keyspace-free for DBAs (`cqlsh -k KEYSPACE -f file`).
    static func qualify(_ statement: String, keyspace: String) -> String {
        var words = statement.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count >= 3 else { return statement }
        let verb = words[0].uppercased()
        let object = words[1].uppercased()
        func qualifyWord(at index: Int) {
            guard words.indices.contains(index), !words[index].contains(".") else { return }
            // A name may run straight into "(" (`CREATE TABLE t(`).
            if let paren = words[index].firstIndex(of: "(") {
                words[index] = "\(keyspace).\(words[index][..<paren])\(words[index][paren...])"
            } else {
                words[index] = "\(keyspace).\(words[index])"
            }
        }
        switch (verb, object) {
        case ("CREATE", "TABLE"), ("ALTER", "TABLE"), ("DROP", "TABLE"), ("CREATE", "COLUMNFAMILY"), ("DROP", "INDEX"):
            qualifyWord(at: 2)
        case ("CREATE", "INDEX"):
            if let on = words.firstIndex(where: { $0.uppercased() == "ON" }) { qualifyWord(at: on + 1) }
        case ("TRUNCATE", _):
            qualifyWord(at: 1)
        default:
            break
        }
        return words.joined(separator: " ")
    }
}

extension CassandraStore {
    /// Drops the store's keyspace with all its data (tests and throw-away rings only).
    public func dropKeyspace() async throws {
        try await client.query("DROP KEYSPACE \(configuration.location.keyspace)", options: .init(timeout: .seconds(30)))
    }
}
