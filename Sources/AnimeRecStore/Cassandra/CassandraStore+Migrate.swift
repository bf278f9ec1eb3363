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
                return MigrationReport(dryRun: true, applying: shipped, notes: notes)
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
        var report = MigrationReport(dryRun: dryRun, applying: plan.pending, notes: notes)
        if dryRun {
            for migration in plan.pending {
                report.notes.append(
                    "after applying \(migration.name) by hand: INSERT INTO \(location.keyspace).schema_migrations (name, checksum, applied_at) "
                        + "VALUES ('\(migration.name)', '\(migration.checksum)', <ms since 1970>)")
                if let step = Self.dataSteps[migration.name] {
                    report.notes.append("\(migration.name) also moves data (\(step)): run `animerec migrate` after applying it by hand")
                }
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
                do {
                    try await moveData(after: migration.name)
                } catch {
                    throw MigrationError.failed(name: migration.name, statement: migration.statements.count, reason: "moving data: \(error)")
                }
            }
            try await client.execute(
                statements.recordMigration, [.text(migration.name), .text(migration.checksum), .bigint(WallClock.nowMilliseconds)],
                options: .idempotent())
        }
        if !dryRun, !plan.pending.isEmpty, await !client.awaitSchemaAgreement(within: .seconds(60), logger: logger) {
            logger.warning("migrate: the nodes do not agree on the schema after 60 s; a replica started now may meet a node without the new columns")
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

    func keyspaceExists() async throws -> Bool {
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
        // Words with their positions in the original text, which is otherwise kept as written.
        var words: [(text: Substring, start: String.Index)] = []
        var index = statement.startIndex
        while index < statement.endIndex {
            if statement[index].isWhitespace {
                index = statement.index(after: index)
                continue
            }
            let start = index
            while index < statement.endIndex, !statement[index].isWhitespace, statement[index] != "(" {
                index = statement.index(after: index)
            }
            if start == index { index = statement.index(after: index) }  // a lone "("
            words.append((statement[start..<index], start))
        }
        guard words.count >= 3 else { return statement }
        let verb = words[0].text.uppercased()
        let object = words[1].text.uppercased()
        var target: Int?
        switch (verb, object) {
        case ("CREATE", "TABLE"), ("ALTER", "TABLE"), ("DROP", "TABLE"), ("CREATE", "COLUMNFAMILY"), ("DROP", "INDEX"):
            target = 2
        case ("CREATE", "INDEX"):
            target = words.firstIndex { $0.text.uppercased() == "ON" }.map { $0 + 1 }
        case ("TRUNCATE", _):
            target = 1
        default:
            break
        }
        guard let target, words.indices.contains(target), !words[target].text.contains(".") else { return statement }
        var qualified = statement
        qualified.insert(contentsOf: "\(keyspace).", at: words[target].start)
        return qualified
    }
}

extension CassandraStore {
    /// Drops the store's keyspace with all its data (tests and throw-away rings only).
    public func dropKeyspace() async throws {
        try await client.query("DROP KEYSPACE \(configuration.location.keyspace)", options: .init(timeout: .seconds(30)))
    }
}
