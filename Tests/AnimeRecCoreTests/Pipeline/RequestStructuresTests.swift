@testable import AnimeRecCore
import Testing

/// The small structures recall and ranking use per request instead of `Dictionary` and full sorts.
@Suite("Per-request structures: slot table and partial sort")
struct RequestStructuresTests {
    @Test func slotsKeepTheFirstValueAndGrow() {
        var slots = AnimeSlots(expected: 2)
        #expect(slots.value(for: AnimeID(7)) == nil)
        #expect(slots.insert(AnimeID(7), 3) == 3)
        #expect(slots.insert(AnimeID(7), 9) == 3)
        #expect(slots.insert(AnimeID(-1), -1) == -1)
        #expect(slots.insert(AnimeID(.min), 0) == 0)
        // Far past the initial room: every id keeps its value through each growth.
        for id in Int32(100)..<Int32(1100) { slots.insert(AnimeID(id * 4096), id) }
        #expect(slots.count == 1003)
        for id in Int32(100)..<Int32(1100) { #expect(slots.value(for: AnimeID(id * 4096)) == id) }
        #expect(slots.value(for: AnimeID(7)) == 3)
        #expect(slots.value(for: AnimeID(-1)) == -1)
        #expect(slots.value(for: AnimeID(.min)) == 0)
        #expect(slots.value(for: AnimeID(8)) == nil)
    }

    @Test func sortedPrefixEqualsThePrefixOfAFullSort() {
        var random = SeededRandom(seed: 11)
        for round in 0..<300 {
            let size = Int(random.next() % 700)
            // Few distinct scores, so ties (broken by id) are common.
            let keys = (0..<size).map { position in
                ScoreOrder(score: Double(random.next() % 13) / 4, id: AnimeID(Int32(position * 7 % 1009)), position: Int32(position))
            }
            let unique = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }).values.map { $0 }
            let full = unique.sorted()
            for count in [0, 1, 2, 10, 100, size / 2, size, size + 5] {
                var partial = unique
                partial.sortPrefix(count)
                let kept = min(count, unique.count)
                #expect(Array(partial.prefix(kept)) == Array(full.prefix(kept)), "round \(round), count \(count)")
                #expect(Set(partial.map(\.id)) == Set(unique.map(\.id)))
            }
        }
    }

    @Test func sortedByScoreWithALimitKeepsTheBest() {
        let scores: [Double] = [0.5, 0.9, 0.1, 0.9, 0.7, 0.3]
        let items = scores.enumerated().map { (AnimeID(Int32(10 - $0.offset)), $0.element) }
        let all = items.sortedByScore(\.1, id: \.0)
        #expect(all.map(\.0.rawValue) == [7, 9, 6, 10, 5, 8])
        #expect(items.sortedByScore(\.1, id: \.0, limit: 3).map(\.0.rawValue) == [7, 9, 6])
        #expect(items.sortedByScore(\.1, id: \.0, limit: 0).isEmpty)
    }
}
