import Foundation

/// How a keyspace places replicas, read from the schema tables.
public enum CQLReplicationStrategy: Hashable, Sendable {
    /// `SimpleStrategy`: the next `replicationFactor` distinct nodes clockwise on the ring.
    case simple(replicationFactor: Int)
    /// `NetworkTopologyStrategy`: a replication factor per data center, spread over racks.
    case networkTopology([String: Int])
    /// `LocalStrategy` (system keyspaces): only the coordinator holds the data.
    case local
    /// A strategy this client does not model; routing falls back to the primary owner.
    case unknown(String)

    /// Builds a strategy from Cassandra 1.2–2.2's `system.schema_keyspaces` columns:
    /// `strategy_class` (a Java class name) and `strategy_options` (a JSON object of strings).
    public init(strategyClass: String, strategyOptionsJSON: String) {
        var options: [String: String] = [:]
        if let data = strategyOptionsJSON.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            for (key, value) in object { options[key] = "\(value)" }
        }
        options["class"] = strategyClass
        self.init(replication: options)
    }

    /// Builds a strategy from Cassandra 3.0+'s `system_schema.keyspaces.replication` map
    /// (`class` plus either `replication_factor` or one entry per data center).
    public init(replication: [String: String]) {
        let className = replication["class"] ?? ""
        let shortName = className.split(separator: ".").last.map(String.init) ?? className
        switch shortName {
        case "SimpleStrategy":
            self = .simple(replicationFactor: Self.factor(replication["replication_factor"]))
        case "NetworkTopologyStrategy":
            var factors: [String: Int] = [:]
            for (key, value) in replication where key != "class" && key != "replication_factor" {
                factors[key] = Self.factor(value)
            }
            self = .networkTopology(factors)
        case "LocalStrategy":
            self = .local
        default:
            self = .unknown(className)
        }
    }

    /// Parses "3" and also Cassandra 4's transient form "3/1" (full replicas first).
    private static func factor(_ text: String?) -> Int {
        guard let text else { return 1 }
        let full = text.split(separator: "/").first.map(String.init) ?? text
        return Int(full.trimmingCharacters(in: .whitespaces)) ?? 1
    }
}
