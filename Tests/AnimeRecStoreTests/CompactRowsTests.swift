import AnimeRecCore
@testable import AnimeRecStore
import Testing

@Suite("Compact rows: the SQLite read's text encoding of interactions and candidates")
struct CompactRowsTests {
    @Test func interactionsWithAbsentFields() throws {
        let parsed = try CompactRows.interactions("5,8,1,0,;7,,,2,1700000000123;-3,10,0,0,")
        #expect(parsed == [
            Interaction(anime: AnimeID(5), rating: 8, liked: true, events: 0, lastAt: nil),
            Interaction(anime: AnimeID(7), rating: nil, liked: nil, events: 2, lastAt: 1_700_000_000_123),
            Interaction(anime: AnimeID(-3), rating: 10, liked: false, events: 0, lastAt: nil),
        ])
        #expect(try CompactRows.interactions("").isEmpty)
    }

    @Test func candidatesKeepTheScoreExactlyAndTheReasonWhole() throws {
        let rs = String(UnicodeScalar(CompactRows.candidateSeparator))
        let parsed = try CompactRows.candidates(
            "1,12,0.33333333333333331,genre:Slice of Life" + rs + "0,9,1e-05,similar_to:4" + rs + "2,3,-2.5,for_you")
        #expect(parsed.map(\.rank) == [1, 0, 2])
        #expect(parsed.map(\.candidate) == [
            Candidate(anime: AnimeID(12), score: 1.0 / 3.0, reason: .genre("Slice of Life")),
            Candidate(anime: AnimeID(9), score: 0.00001, reason: .similarTo(AnimeID(4))),
            Candidate(anime: AnimeID(3), score: -2.5, reason: .forYou),
        ])
    }

    @Test func malformedValuesAreErrorsNotGuesses() {
        for bad in ["x,1,1,0,", "5,8,1,0,,9", "99999999999,1,1,0,", "5,8a,1,0,", "-,1,1,0,"] {
            #expect(throws: CompactRows.Malformed.self, "\(bad)") { try CompactRows.interactions(bad) }
        }
        for bad in ["1,2,abc,for_you", "1,2,0.5,unknown_reason", "1,,0.5,for_you"] {
            #expect(throws: CompactRows.Malformed.self, "\(bad)") { try CompactRows.candidates(bad) }
        }
    }
}
