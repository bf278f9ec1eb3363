/// Hands out stream ids 0..<capacity and takes them back.
///
/// Fresh ids are handed out in increasing order; released ids are reused first (most recent first).
/// The allocator itself never reuses an id that has not been released, which is what keeps a
/// timed-out (orphaned) request's id reserved until its late response or the connection's end.
struct StreamIDAllocator {
    /// How many ids exist (128 on v1/v2, 32 768 on v3+).
    let capacity: Int
    private var released: [Int16] = []
    private var nextFresh: Int = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Ids currently handed out.
    var inUse: Int { self.nextFresh - self.released.count }

    /// Whether every id is in use.
    var isExhausted: Bool { self.released.isEmpty && self.nextFresh >= self.capacity }

    /// A free id, or `nil` when all are in use.
    mutating func allocate() -> Int16? {
        if let id = self.released.popLast() { return id }
        guard self.nextFresh < self.capacity, let id = Int16(exactly: self.nextFresh) else { return nil }
        self.nextFresh += 1
        return id
    }

    /// Returns `id` to the pool. Callers release only ids they allocated and have not yet released.
    mutating func release(_ id: Int16) {
        self.released.append(id)
        if self.released.count == self.nextFresh {
            // Everything is free again: start over so ids stay small and the free list stays short.
            self.released.removeAll(keepingCapacity: true)
            self.nextFresh = 0
        }
    }
}
