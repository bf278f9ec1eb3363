/// Where a node sits in the cluster's topology, as needed for replica placement.
public struct CQLNodePlacement: Hashable, Sendable {
    /// The node's data center (`data_center` in `system.local` / `system.peers`).
    public var dataCenter: String
    /// The node's rack.
    public var rack: String
    /// The tokens the node owns.
    public var tokens: [CQLToken]

    /// Creates a placement.
    public init(dataCenter: String, rack: String, tokens: [CQLToken]) {
        self.dataCenter = dataCenter
        self.rack = rack
        self.tokens = tokens
    }
}

/// The ring: every token with its owning node, and replica placement for keyspace strategies.
///
/// A token range `(previous, t]` belongs to the node owning `t`; a key goes to the first ring
/// token greater than or equal to its own token, wrapping around after the largest.
public struct CQLTokenMap<Node: Hashable & Sendable>: Sendable {
    /// Ring tokens in ascending order.
    public let tokens: [CQLToken]
    /// `owners[i]` owns `tokens[i]`.
    public let owners: [Node]
    /// The placement of every node on the ring.
    public let placements: [Node: CQLNodePlacement]

    /// Builds the ring from each node's placement. Nodes without tokens are not on the ring.
    public init(_ placements: [Node: CQLNodePlacement]) {
        var pairs: [(CQLToken, Node)] = []
        for (node, placement) in placements {
            for token in placement.tokens { pairs.append((token, node)) }
        }
        pairs.sort { $0.0 < $1.0 }
        self.tokens = pairs.map(\.0)
        self.owners = pairs.map(\.1)
        self.placements = placements
    }

    /// Whether the ring has no tokens (routing is then impossible).
    public var isEmpty: Bool { self.tokens.isEmpty }

    /// Index in ``tokens`` of the first token `>= token`, wrapping to 0.
    public func ringIndex(for token: CQLToken) -> Int {
        var low = 0
        var high = self.tokens.count
        while low < high {
            let mid = (low + high) / 2
            if self.tokens[mid] < token { low = mid + 1 } else { high = mid }
        }
        return low == self.tokens.count ? 0 : low
    }

    /// The node owning the range that contains `token` (its first replica), or `nil` for an empty ring.
    public func primaryOwner(of token: CQLToken) -> Node? {
        self.isEmpty ? nil : self.owners[self.ringIndex(for: token)]
    }

    /// The replicas of `token` for `strategy`, primary owner first.
    public func replicas(for token: CQLToken, strategy: CQLReplicationStrategy) -> [Node] {
        guard !self.isEmpty else { return [] }
        return self.replicas(startingAt: self.ringIndex(for: token), strategy: strategy)
    }

    /// Precomputes the replicas of every ring range for `strategy`, for fast lookups per request.
    public func replicaMap(for strategy: CQLReplicationStrategy) -> CQLReplicaMap<Node> {
        CQLReplicaMap(
            tokens: self.tokens,
            replicas: self.tokens.indices.map { self.replicas(startingAt: $0, strategy: strategy) }
        )
    }

    private func replicas(startingAt start: Int, strategy: CQLReplicationStrategy) -> [Node] {
        switch strategy {
        case .simple(let factor):
            return self.simpleReplicas(startingAt: start, factor: factor)
        case .networkTopology(let factors):
            return self.networkTopologyReplicas(startingAt: start, factors: factors)
        case .local, .unknown:
            return [self.owners[start]]
        }
    }

    private func simpleReplicas(startingAt start: Int, factor: Int) -> [Node] {
        let wanted = min(max(factor, 1), self.placements.count)
        var result: [Node] = []
        var seen = Set<Node>()
        var i = start
        for _ in 0..<self.tokens.count where result.count < wanted {
            let node = self.owners[i]
            if seen.insert(node).inserted { result.append(node) }
            i = i + 1 == self.tokens.count ? 0 : i + 1
        }
        return result
    }

    /// Cassandra's `NetworkTopologyStrategy`: walk the ring once, taking per data center up to its
    /// replication factor of distinct nodes, preferring racks not used yet in that data center; nodes
    /// on already-used racks are kept aside and used once every rack of the data center has a replica.
    private func networkTopologyReplicas(startingAt start: Int, factors: [String: Int]) -> [Node] {
        var nodesPerDC: [String: Int] = [:]
        var racksPerDC: [String: Set<String>] = [:]
        for placement in self.placements.values where !placement.tokens.isEmpty {
            nodesPerDC[placement.dataCenter, default: 0] += 1
            racksPerDC[placement.dataCenter, default: []].insert(placement.rack)
        }
        var wanted: [String: Int] = [:]
        for (dc, factor) in factors where factor > 0 {
            wanted[dc] = min(factor, nodesPerDC[dc] ?? 0)
        }
        var chosen: [String: [Node]] = [:]
        var seenRacks: [String: Set<String>] = [:]
        var skipped: [String: [Node]] = [:]
        var result: [Node] = []
        var i = start
        func satisfied() -> Bool { wanted.allSatisfy { dc, count in (chosen[dc]?.count ?? 0) >= count } }
        for _ in 0..<self.tokens.count {
            if satisfied() { break }
            defer { i = i + 1 == self.tokens.count ? 0 : i + 1 }
            let node = self.owners[i]
            guard let placement = self.placements[node], let want = wanted[placement.dataCenter] else { continue }
            let dc = placement.dataCenter
            var dcChosen = chosen[dc] ?? []
            guard dcChosen.count < want, !dcChosen.contains(node) else { continue }
            let totalRacks = racksPerDC[dc]?.count ?? 0
            var racks = seenRacks[dc] ?? []
            if racks.count == totalRacks {
                dcChosen.append(node)
                result.append(node)
            } else if racks.contains(placement.rack) {
                if !(skipped[dc] ?? []).contains(node) { skipped[dc, default: []].append(node) }
            } else {
                dcChosen.append(node)
                result.append(node)
                racks.insert(placement.rack)
                seenRacks[dc] = racks
                if racks.count == totalRacks {
                    var pending = skipped[dc] ?? []
                    while !pending.isEmpty && dcChosen.count < want {
                        let next = pending.removeFirst()
                        dcChosen.append(next)
                        result.append(next)
                    }
                    skipped[dc] = pending
                }
            }
            chosen[dc] = dcChosen
        }
        return result
    }
}

/// Replicas of every ring range for one keyspace's strategy, precomputed by ``CQLTokenMap/replicaMap(for:)``.
public struct CQLReplicaMap<Node: Hashable & Sendable>: Sendable {
    let tokens: [CQLToken]
    let replicas: [[Node]]

    /// The replicas of the partition whose token is `token`, primary owner first.
    public func replicas(for token: CQLToken) -> [Node] {
        guard !self.tokens.isEmpty else { return [] }
        var low = 0
        var high = self.tokens.count
        while low < high {
            let mid = (low + high) / 2
            if self.tokens[mid] < token { low = mid + 1 } else { high = mid }
        }
        return self.replicas[low == self.tokens.count ? 0 : low]
    }
}
