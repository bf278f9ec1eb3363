import AnimeRecCore
import Testing

@Suite("Trending hour buckets")
struct TrendingBucketsTests {
    @Test("a bucket is the newest closed one from a settle time after its hour until the next one closes")
    func newestClosedAndSuperseded() {
        let hour: Int64 = 3_600_000
        let settle = TrendingBuckets.settleMilliseconds
        let now = 490_000 * hour + 1_234_567
        let newest = TrendingBuckets.newestClosed(now: now)
        #expect(newest == 489_999)
        let superseded = TrendingBuckets.supersededMilliseconds(newest: newest)
        #expect(superseded == 490_001 * hour + settle)
        #expect(TrendingBuckets.newestClosed(now: superseded - 1) == newest)
        #expect(TrendingBuckets.newestClosed(now: superseded) == newest + 1)
        // The hour just ended is not closed until its writes in flight have settled.
        #expect(TrendingBuckets.newestClosed(now: 490_000 * hour + settle - 1) == 489_998)
        #expect(TrendingBuckets.window(newest: newest, hours: 3) == [489_999, 489_998, 489_997])
    }
}

@Suite("EventMark: an event's kind and time in one stored value")
struct EventMarkTests {
    @Test(arguments: [Int64(0), 1, 1_733_400_000_123, -5, Int64(1) << 58, -(Int64(1) << 58)])
    func roundTrips(at: Int64) {
        for kind in EventKind.allCases {
            let mark = EventMark(kind: kind, at: at)
            #expect(EventMark(packed: mark.packed) == mark)
        }
    }

    @Test func unknownKindCodesAreRefused() {
        #expect(EventMark(packed: 1_000 << 4) == nil)
        #expect(EventMark(packed: (1_000 << 4) | 0xF) == nil)
        #expect(EventMark(packed: (1_000 << 4) | 1)?.kind == .click)
        #expect(EventMark(packed: (1_000 << 4) | 2) == EventMark(kind: .view, at: 1_000))
    }
}
