/// A map from anime id to a small integer for the few hundred ids one request touches: open
/// addressing with linear probing and a multiplicative hash, in one flat buffer. Recall asks it
/// once per list entry, where `Dictionary`'s seeded SipHash dominated the merge.
struct AnimeSlots {
    private struct Entry {
        var key: Int32
        /// `Int32.min` marks an empty entry (never a stored value).
        var value: Int32
    }

    private static let empty = Entry(key: 0, value: .min)

    private var entries: [Entry]
    private var shift: Int
    private(set) var count = 0

    /// Room for `expected` ids without growing.
    init(expected: Int) {
        var bits = 4
        while (1 << bits) < expected * 2 { bits += 1 }
        entries = Array(repeating: Self.empty, count: 1 << bits)
        shift = 32 - bits
    }

    @inline(__always)
    private func home(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt32(bitPattern: key) &* 0x9E37_79B1) >> UInt32(shift))
    }

    /// The value stored for `id`, or `nil`.
    @inline(__always)
    func value(for id: AnimeID) -> Int32? {
        let mask = entries.count - 1
        var index = home(id.rawValue)
        while true {
            let entry = entries[index]
            if entry.value == .min { return nil }
            if entry.key == id.rawValue { return entry.value }
            index = (index + 1) & mask
        }
    }

    /// Stores `value` (not `Int32.min`) for `id` unless it has one; returns the value it keeps.
    @discardableResult
    mutating func insert(_ id: AnimeID, _ value: Int32) -> Int32 {
        precondition(value != .min, "Int32.min marks an empty slot")
        if (count + 1) * 2 > entries.count { grow() }
        let mask = entries.count - 1
        var index = home(id.rawValue)
        while true {
            let entry = entries[index]
            if entry.value == .min {
                entries[index] = Entry(key: id.rawValue, value: value)
                count += 1
                return value
            }
            if entry.key == id.rawValue { return entry.value }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Self.empty, count: old.count * 2)
        shift -= 1
        count = 0
        for entry in old where entry.value != .min { insert(AnimeID(entry.key), entry.value) }
    }
}
