import AnimeRecCore
import Testing

@Suite("PackedList: a run's list as one stored value")
struct PackedListTests {
    @Test func scoredListsRoundTripBitForBit() throws {
        let list = [
            ScoredAnime(anime: AnimeID(5114), score: 0.8341234567891234),
            ScoredAnime(anime: AnimeID(Int32.max), score: -0.0),
            ScoredAnime(anime: AnimeID(-7), score: .leastNonzeroMagnitude),
            ScoredAnime(anime: AnimeID(0), score: 1e300),
        ]
        let bytes = PackedList.encode(list)
        #expect(bytes.count == 6 + 12 * list.count)
        let decoded = try #require(PackedList.scored(bytes))
        #expect(decoded.map(\.anime) == list.map(\.anime))
        #expect(decoded.map(\.score.bitPattern) == list.map(\.score.bitPattern))
        #expect(PackedList.scored(bytes, limit: 2)?.map(\.anime) == [AnimeID(5114), AnimeID(Int32.max)])
        #expect(PackedList.scored(PackedList.encode([ScoredAnime]())) == [])
    }

    @Test func candidatesKeepTheirReasons() throws {
        let candidates = [
            Candidate(anime: AnimeID(1), score: 3.5, reason: .similarTo(AnimeID(5114))),
            Candidate(anime: AnimeID(2), score: 2.5, reason: .genre("Slice of Life")),
            Candidate(anime: AnimeID(3), score: 1.5, reason: .forYou),
            Candidate(anime: AnimeID(4), score: 0.5, reason: .genre("Séries, \"quoted\" ✓")),
            Candidate(anime: AnimeID(5), score: 0.25, reason: .popular),
        ]
        let bytes = PackedList.encode(candidates)
        #expect(PackedList.candidates(bytes) == candidates)
        #expect(PackedList.candidates(bytes, limit: 3) == Array(candidates.prefix(3)))
    }

    @Test func malformedBytesAreRefusedNotMisread() {
        let scored = PackedList.encode([ScoredAnime(anime: AnimeID(1), score: 1)])
        let candidates = PackedList.encode([Candidate(anime: AnimeID(1), score: 1, reason: .forYou)])
        #expect(PackedList.scored([]) == nil)
        #expect(PackedList.scored(scored.dropLast()) == nil, "a cut entry")
        #expect(PackedList.scored([2] + scored.dropFirst()) == nil, "a newer format version")
        #expect(PackedList.scored(candidates) == nil, "candidates are not a scored list")
        #expect(PackedList.candidates(scored) == nil, "a scored list is not candidates")
        #expect(PackedList.candidates(candidates.dropLast(2)) == nil, "a cut reason")
    }

    @Test func candidatesKeepTheirPlacesInBothModelsLists() throws {
        let candidates = [
            Candidate(
                anime: AnimeID(1), score: 1, reason: .similarTo(AnimeID(9)), itemModel: ListPlace(rank: 0, score: 1),
                factorModel: ListPlace(rank: 7, score: 0.123456789)),
            Candidate(anime: AnimeID(2), score: 0.5, reason: .forYou, factorModel: ListPlace(rank: 0, score: 1)),
            Candidate(anime: AnimeID(3), score: 0.25, reason: .forYou, itemModel: ListPlace(rank: 254, score: 0.25)),
        ]
        let bytes = PackedList.encode(candidates)
        #expect(bytes[6] == UInt8(PackedList.placeBytes))
        #expect(PackedList.candidates(bytes) == candidates)
        // The embedded store's column holds the same bytes.
        var column: [UInt8] = []
        PackedList.appendPlaces(of: candidates[0], to: &column)
        var read = Candidate(anime: AnimeID(1), score: 1, reason: .similarTo(AnimeID(9)))
        PackedList.readPlaces(column, into: &read)
        #expect(read == candidates[0])
        // A rank past 254 is stored as 254 (255 means "not listed").
        let deep = Candidate(anime: AnimeID(4), score: 0.1, reason: .forYou, factorModel: ListPlace(rank: 900, score: 0.1))
        #expect(PackedList.candidates(PackedList.encode([deep]))?.first?.factorModel == ListPlace(rank: 254, score: 0.1))
    }

    @Test func aListWithoutPlacesReadsWithoutPlaces() throws {
        // As written before places existed: no per-entry bytes.
        var bytes: [UInt8] = [1, 2, 0, 0, 0, 1, 0]
        bytes += withUnsafeBytes(of: UInt32(10).bigEndian, Array.init)
        bytes += withUnsafeBytes(of: (0.5).bitPattern.bigEndian, Array.init)
        bytes += [0, 7] + Array("for_you".utf8)
        let decoded = try #require(PackedList.candidates(bytes))
        #expect(decoded == [Candidate(anime: AnimeID(10), score: 0.5, reason: .forYou)])
        #expect(!decoded[0].hasPlaces)
    }

    @Test func placesOfModelsAddedLaterAreSkipped() throws {
        // A newer writer with a third model: 15 bytes per entry; this reader takes the first two places.
        var bytes: [UInt8] = [1, 2, 0, 0, 0, 1, 15]
        bytes += withUnsafeBytes(of: UInt32(10).bigEndian, Array.init)
        bytes += withUnsafeBytes(of: (1.0).bitPattern.bigEndian, Array.init)
        bytes += [0, 7] + Array("for_you".utf8)
        bytes += [2] + withUnsafeBytes(of: Float(0.5).bitPattern.bigEndian, Array.init)
        bytes += [255, 0, 0, 0, 0]
        bytes += [0] + withUnsafeBytes(of: Float(1).bitPattern.bigEndian, Array.init)
        let decoded = try #require(PackedList.candidates(bytes))
        #expect(decoded.first?.itemModel == ListPlace(rank: 2, score: 0.5))
        #expect(decoded.first?.factorModel == .absent)
        #expect(PackedList.candidates(bytes.dropLast()) == nil, "a cut entry")
    }

    @Test func sourceRanksOfANewerWriterAreSkipped() throws {
        // Written as a writer with two per-source rank bytes per entry would write it (no whole place).
        var bytes: [UInt8] = [1, 2, 0, 0, 0, 2, 2]
        for (anime, reason) in [(Int32(10), "for_you"), (Int32(11), "popular")] {
            bytes += withUnsafeBytes(of: UInt32(bitPattern: anime).bigEndian, Array.init)
            bytes += withUnsafeBytes(of: (1.0).bitPattern.bigEndian, Array.init)
            bytes += [0, UInt8(reason.utf8.count)] + Array(reason.utf8) + [3, 255]
        }
        let decoded = try #require(PackedList.candidates(bytes))
        #expect(decoded.map(\.anime) == [AnimeID(10), AnimeID(11)])
        #expect(decoded.map(\.reason) == [.forYou, .popular])
    }
}

@Suite("RunProgress: a run is whole when every part of every stage is recorded")
struct RunProgressTests {
    @Test func stagesAreWholeOnlyWithEveryPartOfOneCut() {
        var progress = RunProgress()
        #expect(progress.missingStages == [.catalogue, .neighbours, .candidates, .lists])
        progress.insert(.init(stage: .catalogue, part: 0, total: 1))
        progress.insert(.init(stage: .neighbours, part: 0, total: 3))
        progress.insert(.init(stage: .neighbours, part: 2, total: 3))
        #expect(progress.isWhole(.catalogue))
        #expect(!progress.isWhole(.neighbours))
        #expect(progress.isDone(.neighbours, part: 2, of: 3))
        #expect(!progress.isDone(.neighbours, part: 2, of: 4), "a record for another cut does not count")
        progress.insert(.init(stage: .neighbours, part: 1, total: 3))
        #expect(progress.isWhole(.neighbours))
        for shard in 0..<3 { progress.insert(.init(stage: .candidates, part: shard, total: 3)) }
        progress.insert(.init(stage: .lists, part: 0, total: 1))
        #expect(progress.missingStages.isEmpty)
        #expect(!progress.isComplete)
        progress.insert(.init(stage: .complete, part: 0, total: 1))
        #expect(progress.isComplete)
        #expect(progress.contentParts == 8)
    }
}

@Suite("PackedList: a run's catalogue copy as one value per bucket")
struct PackedCatalogueTests {
    @Test func entriesRoundTripWithTheirUnknowns() throws {
        let catalogue = [
            Anime(id: AnimeID(32281), name: "Kimi no Na wa.", genres: ["Drama", "Romance", "School", "Supernatural"], type: "Movie",
                  episodes: 1, rating: 9.37, members: 200_630),
            Anime(id: AnimeID(9969), name: "Gintama'", genres: [], type: nil, episodes: nil, rating: nil, members: 0),
            Anime(id: AnimeID(-3), name: "Ünïcödé \"quoted\" ✓", genres: ["Hentai"], type: "", episodes: 0, rating: 0,
                  members: Int(Int32.max) + 7),
        ]
        #expect(PackedList.catalogue(PackedList.encode(catalogue)) == catalogue)
        #expect(PackedList.catalogue(PackedList.encode([Anime]())) == [])
        let bytes = PackedList.encode(catalogue)
        #expect(PackedList.catalogue(bytes.dropLast()) == nil)
        #expect(PackedList.scored(bytes) == nil && PackedList.candidates(bytes) == nil)
    }
}
