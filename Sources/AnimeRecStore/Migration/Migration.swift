import AnimeRecSchema

/// A numbered schema migration file: applied once, in order, and recorded in `schema_migrations`
/// with its checksum.
public struct Migration: Sendable, Hashable {
    /// Sortable unique name, e.g. `0001_init`.
    public var name: String
    /// The file's text as shipped.
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// The file's statements in order: `--` comments removed, split at `;` outside quotes, blank
    /// statements dropped.
    public var statements: [String] { Self.statements(in: text) }

    /// FNV-1a 64 of the file's UTF-8 bytes as 16 hex digits: a change detector, not a signature.
    public var checksum: String { Self.checksum(of: text) }

    /// The shipped migrations of one store.
    public static func shipped(_ dialect: SchemaFiles.Dialect) throws -> [Migration] {
        try SchemaFiles.migrations(dialect).map { Migration(name: $0.name, text: $0.text) }
    }

    static func checksum(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func statements(in text: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                current.append(character)
            case "-" where characters.first == "-":
                while let next = characters.first, next != "\n" { characters.removeFirst() }
            case ";":
                statements.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

/// What `migrate` has to do, given the shipped files and what `schema_migrations` records.
public struct MigrationPlan: Sendable, Equatable {
    /// One row of `schema_migrations`.
    public struct Applied: Sendable, Hashable {
        public var name: String
        /// `nil` for rows written before checksums were recorded.
        public var checksum: String?
        public init(name: String, checksum: String?) {
            self.name = name
            self.checksum = checksum
        }
    }

    /// Files not applied yet, in order.
    public var pending: [Migration]
    /// Applied files recorded without a checksum: the runner records the shipped file's.
    public var unrecordedChecksums: [Migration]

    /// Compares shipped files with applied rows; throws when an applied file changed since.
    public init(shipped: [Migration], applied: [Applied]) throws(MigrationError) {
        let byName = Dictionary(applied.map { ($0.name, $0) }) { first, _ in first }
        var pending: [Migration] = []
        var unrecorded: [Migration] = []
        for migration in shipped.sorted(by: { $0.name < $1.name }) {
            guard let row = byName[migration.name] else {
                pending.append(migration)
                continue
            }
            guard let checksum = row.checksum else {
                unrecorded.append(migration)
                continue
            }
            if checksum != migration.checksum {
                throw .changedSinceApplied(name: migration.name, recorded: checksum, shipped: migration.checksum)
            }
        }
        self.pending = pending
        self.unrecordedChecksums = unrecorded
    }
}

/// Why migrations cannot run.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case changedSinceApplied(name: String, recorded: String, shipped: String)
    case failed(name: String, statement: Int, reason: String)

    public var description: String {
        switch self {
        case .changedSinceApplied(let name, let recorded, let shipped):
            "migration \(name) was applied with checksum \(recorded) but the shipped file has \(shipped): "
                + "applied files must never change; add a new numbered file instead"
        case .failed(let name, let statement, let reason):
            "migration \(name) failed at statement \(statement): \(reason)"
        }
    }
}

/// What a `migrate` call did or, with `dryRun`, would do.
public struct MigrationReport: Sendable, Equatable, CustomStringConvertible {
    /// Whether nothing was changed.
    public var dryRun: Bool
    /// The files applied (or to apply), in order.
    public var applied: [String]
    /// Each file's checksum, for the `schema_migrations` rows.
    public var checksums: [String: String]
    /// Extra lines (keyspace created, checksums recorded).
    public var notes: [String]

    public init(dryRun: Bool, applied: [String], checksums: [String: String], notes: [String] = []) {
        self.dryRun = dryRun
        self.applied = applied
        self.checksums = checksums
        self.notes = notes
    }

    /// The report of applying (or, with `dryRun`, of listing) `migrations`, their checksums included.
    public init(dryRun: Bool, applying migrations: [Migration], notes: [String] = []) {
        self.init(
            dryRun: dryRun, applied: migrations.map(\.name),
            checksums: Dictionary(migrations.map { ($0.name, $0.checksum) }) { first, _ in first }, notes: notes)
    }

    public var description: String {
        var lines = notes
        if applied.isEmpty {
            lines.append("schema is up to date")
        } else {
            for name in applied {
                lines.append("\(dryRun ? "would apply" : "applied") \(name) (checksum \(checksums[name] ?? "?"))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
