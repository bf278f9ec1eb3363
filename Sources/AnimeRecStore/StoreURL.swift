import CQL

/// Where the system of record lives, as every subcommand takes it (`--store`, `ANIMEREC_STORE`).
///
/// - `sqlite:PATH` — the embedded store in one file (the default, `sqlite:./animerec.sqlite`).
/// - `cassandra://HOST[:PORT][,HOST[:PORT]…]/KEYSPACE?consistency=quorum&dc=NAME&replication=…` —
///   a Cassandra cluster. `consistency` is one of `one`, `two`, `three`, `quorum` (the default),
///   `all`, `local_quorum` (the default with `dc`), `each_quorum`, `local_one`. `dc` names the local
///   data centre (routing stays there). `replication` is used when `migrate` creates the keyspace:
///   a number N for `SimpleStrategy` with factor N (default 1), or `DC:N[,DC:N…]` for
///   `NetworkTopologyStrategy`.
public enum StoreURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case cassandra(CassandraLocation)

    /// The default store.
    public static let defaultValue = StoreURL.sqlite(path: "./animerec.sqlite")

    /// Parses a store URL; the error names the part that is wrong.
    public init(parsing text: String) throws(StoreURLError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw .invalid("sqlite: needs a file path, e.g. sqlite:./animerec.sqlite") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("cassandra://") {
            self = .cassandra(try CassandraLocation(parsing: String(text.dropFirst("cassandra://".count))))
        } else {
            throw .invalid("store URL '\(text)' must start with sqlite: or cassandra://")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .cassandra(let location): location.description
        }
    }

    /// `sqlite` or `cassandra`, for logs, metrics and `/ready`.
    public var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .cassandra: "cassandra"
        }
    }
}

/// The Cassandra part of a ``StoreURL``.
public struct CassandraLocation: Sendable, Equatable, CustomStringConvertible {
    /// Contact points, `host` or `host:port`.
    public var hosts: [(host: String, port: Int)]
    /// The keyspace of every table.
    public var keyspace: String
    /// Consistency of every read and write.
    public var consistency: Consistency
    /// The local data centre, if any.
    public var dataCenter: String?
    /// How `migrate` creates the keyspace.
    public var replication: Replication

    /// Keyspace replication for `CREATE KEYSPACE`.
    public enum Replication: Sendable, Equatable, CustomStringConvertible {
        case simple(factor: Int)
        case networkTopology([(dataCenter: String, factor: Int)])

        public static func == (lhs: Replication, rhs: Replication) -> Bool { lhs.description == rhs.description }

        /// The CQL map literal, e.g. `{'class': 'SimpleStrategy', 'replication_factor': 3}`.
        public var cql: String {
            switch self {
            case .simple(let factor):
                "{'class': 'SimpleStrategy', 'replication_factor': \(factor)}"
            case .networkTopology(let factors):
                "{'class': 'NetworkTopologyStrategy'"
                    + factors.map { ", '\($0.dataCenter)': \($0.factor)" }.joined() + "}"
            }
        }

        public var description: String {
            switch self {
            case .simple(let factor): "\(factor)"
            case .networkTopology(let factors): factors.map { "\($0.dataCenter):\($0.factor)" }.joined(separator: ",")
            }
        }

        /// Parses `N` or `DC:N[,DC:N…]`.
        public init(parsing text: String) throws(StoreURLError) {
            if let factor = Int(text) {
                guard (1...99).contains(factor) else { throw .invalid("replication factor \(text) must be from 1 to 99") }
                self = .simple(factor: factor)
                return
            }
            var factors: [(String, Int)] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                let pair = part.split(separator: ":", omittingEmptySubsequences: false)
                guard pair.count == 2, CassandraLocation.isIdentifierLike(pair[0]), let factor = Int(pair[1]), (1...99).contains(factor) else {
                    throw .invalid("replication '\(text)' must be a factor N or DC:N[,DC:N…] with N from 1 to 99")
                }
                factors.append((String(pair[0]), factor))
            }
            self = .networkTopology(factors)
        }
    }

    public static func == (lhs: CassandraLocation, rhs: CassandraLocation) -> Bool { lhs.description == rhs.description }

    init(parsing rest: String) throws(StoreURLError) {
        let (beforeQuery, query) = rest.firstIndex(of: "?").map { (String(rest[..<$0]), String(rest[rest.index(after: $0)...])) }
            ?? (rest, "")
        guard let slash = beforeQuery.firstIndex(of: "/") else {
            throw .invalid("cassandra:// URL needs /KEYSPACE after the hosts, e.g. cassandra://127.0.0.1/animerec")
        }
        let hostList = beforeQuery[..<slash]
        let keyspace = String(beforeQuery[beforeQuery.index(after: slash)...])
        guard !hostList.isEmpty else { throw .invalid("cassandra:// URL needs at least one host") }
        var hosts: [(String, Int)] = []
        for entry in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty, parts.count <= 2,
                name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" })
            else {
                throw .invalid("host '\(entry)' in the cassandra:// URL is not HOST or HOST:PORT")
            }
            var port = 9042
            if parts.count == 2 {
                guard let value = Int(parts[1]), (1...65535).contains(value) else {
                    throw .invalid("port '\(parts[1])' of host \(name) must be from 1 to 65535")
                }
                port = value
            }
            hosts.append((String(name), port))
        }
        guard Self.isIdentifierLike(Substring(keyspace)), keyspace.count <= 48, keyspace.first?.isLetter == true else {
            throw .invalid("keyspace '\(keyspace)' must be a plain name: a letter, then letters, digits or _ (at most 48)")
        }
        self.hosts = hosts
        self.keyspace = keyspace
        self.dataCenter = nil
        self.replication = .simple(factor: 1)
        var consistency: Consistency?
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = pair.count == 2 ? String(pair[1]) : ""
            switch pair[0] {
            case "consistency":
                guard let level = Self.consistencies[value.lowercased()] else {
                    throw .invalid("consistency '\(value)' must be one of \(Self.consistencies.keys.sorted().joined(separator: ", "))")
                }
                consistency = level
            case "dc":
                guard Self.isIdentifierLike(Substring(value)) || value.contains("-") && !value.isEmpty else {
                    throw .invalid("dc '\(value)' must be a data-centre name")
                }
                dataCenter = value
            case "replication":
                replication = try Replication(parsing: value)
            default:
                throw .invalid("unknown cassandra:// URL parameter '\(pair[0])' (known: consistency, dc, replication)")
            }
        }
        self.consistency = consistency ?? (dataCenter == nil ? .quorum : .localQuorum)
    }

    static let consistencies: [String: Consistency] = [
        "one": .one, "two": .two, "three": .three, "quorum": .quorum, "all": .all,
        "local_quorum": .localQuorum, "each_quorum": .eachQuorum, "local_one": .localOne,
    ]

    static func isIdentifierLike(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }

    public var description: String {
        let level = Self.consistencies.first { $0.value == consistency }?.key ?? "\(consistency)"
        var text = "cassandra://" + hosts.map { $0.port == 9042 ? $0.host : "\($0.host):\($0.port)" }.joined(separator: ",")
            + "/\(keyspace)?consistency=\(level)"
        if let dataCenter { text += "&dc=\(dataCenter)" }
        return text + "&replication=\(replication)"
    }
}

/// A store URL that cannot be used.
public enum StoreURLError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let message): message }
    }
}
