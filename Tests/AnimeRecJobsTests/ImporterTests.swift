import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import Foundation
import Synchronization
import Testing

@Suite("Importer into SQLite")
struct ImporterTests {
    private let importer: Importer = {
        var options = Importer.Options()
        options.batchSize = 3
        return Importer(options: options, progress: .silent)
    }()

    @Test func kaggleRatingsWithBadRowsReportedByLine() async throws {
        try await withSQLiteStore { store, directory in
            let text =
                "\u{FEFF}user_id,anime_id,rating\r\n1,20,-1\r\n1,24,9\r\n1,79\r\n2,20,7\r\nx,1,5\r\n2,30,11\r\n\r\n3,20,10"
            let path = directory + "/rating.csv"
            try writeFile(path, Array(text.utf8))
            let report = try await importer.importRatings(from: path, into: store)
            #expect(report.format == "ratings")
            #expect(!report.compressed)
            #expect(report.rows == 7)
            #expect(report.imported == 4)
            #expect(report.bad == 3)
            #expect(report.firstBadRows.map(\.line) == [4, 6, 7])
            #expect(
                report.firstBadRows.map(\.reason) == [
                    "expected 3 fields, found 2", "user_id: not a number: \"x\"", "rating: out of range: \"11\"",
                ])
            #expect(report.firstBadRows.first?.text == "1,79")
            #expect(try await store.interactionCount() == 4)
            let user1 = try await store.interactions(of: UserID(1)).sorted { $0.anime < $1.anime }
            #expect(user1.map(\.anime) == [AnimeID(20), AnimeID(24)])
            #expect(user1[0].rating == nil && user1[0].liked == nil)
            #expect(user1[1].rating == 9 && user1[1].liked == true)
            #expect(try await store.interactions(of: UserID(3)).first?.rating == 10)
        }
    }

    @Test func progressAndBadRowsGoToTheProgressOutput() async throws {
        try await withSQLiteStore { store, directory in
            let path = directory + "/rating.csv"
            try writeFile(path, Array("user_id,anime_id,rating\n1,2,3\n1,x,3\n2,2,-1\n".utf8))
            let lines = Mutex<[String]>([])
            let output = ProgressOutput { line in lines.withLock { $0.append(line) } }
            _ = try await Importer(progress: output).importRatings(from: path, into: store)
            let printed = lines.withLock { $0 }
            #expect(printed.contains("import ratings: bad row line 3: anime_id: not a number: \"x\": 1,x,3"))
            #expect(printed.last?.hasPrefix("import ratings: done, 3 rows in ") == true)
            #expect(printed.last?.hasSuffix("2 imported, 1 bad") == true)
        }
    }

    @Test func gzipLikesAndReimportIsSafe() async throws {
        try await withSQLiteStore { store, directory in
            let path = directory + "/likes.data"
            try writeFile(path, gzip("user_id,anime_id,liked\n5,1,1\n5,2,0\n6,1,1\n"))
            let first = try await importer.importRatings(from: path, into: store)
            #expect(first.compressed)
            #expect(first.format == "likes")
            #expect(first.imported == 3 && first.bad == 0)
            let again = try await importer.importRatings(from: path, into: store)
            #expect(again.imported == 3)
            #expect(try await store.interactionCount() == 3)
            let changed = directory + "/changed.csv"
            try writeFile(changed, Array("user_id,anime_id,liked\n5,2,1\n".utf8))
            _ = try await importer.importRatings(from: changed, into: store)
            #expect(try await store.interactionCount() == 3)
            let user5 = try await store.interactions(of: UserID(5)).sorted { $0.anime < $1.anime }
            #expect(user5.map(\.liked) == [true, true], "the last import wins")
        }
    }

    @Test func headerlessFilesUseTheConfiguredLayoutAndUnknownHeadersStop() async throws {
        try await withSQLiteStore { store, directory in
            let path = directory + "/headerless.csv"
            try writeFile(path, Array("9,1,8\n9,2,-1\n".utf8))
            let report = try await importer.importRatings(from: path, into: store)
            #expect(report.format == "ratings")
            #expect(report.rows == 2 && report.imported == 2)
            let wrong = directory + "/wrong.csv"
            try writeFile(wrong, Array("uid,item,score\n1,2,3\n".utf8))
            await #expect(throws: ImportError.self) { try await importer.importRatings(from: wrong, into: store) }
        }
    }

    @Test func catalogueWithEveryQuirk() async throws {
        try await withSQLiteStore { store, directory in
            let text = """
                anime_id,name,genre,type,episodes,rating,members
                9969,Gintama&#039;,"Action, Comedy, Historical, Parody, Samurai, Sci-Fi, Shounen",TV,51,9.16,151266
                4059,"Clannad: Mou Hitotsu no Sekai, Tomoyo-hen","Drama, Romance",Special,1,8.14,160423
                21,One Piece,"Action, Adventure",TV,Unknown,8.58,504862
                33242,IS: Infinite Stratos 2 - Infinite Wedding,,Special,1,7.15,6604
                30484,Steins;Gate 0,"Sci-Fi, Thriller",,Unknown,,60999
                1,&quot;Tom &amp; Jerry&quot; &#x27;99,"Hentai, Comedy",OVA,2,6.00,12
                bad,row
                2,Broken,Action,TV,twelve,7.0,5

                """
            let path = directory + "/anime.csv"
            try writeFile(path, Array(text.utf8))
            let report = try await importer.importAnime(from: path, into: store)
            #expect(report.rows == 8)
            #expect(report.imported == 6)
            #expect(report.bad == 2)
            #expect(report.firstBadRows.map(\.line) == [8, 9])
            #expect(report.firstBadRows.last?.reason == "episodes: not a number: \"twelve\"")
            #expect(try await store.animeCount() == 6)
            #expect(try await store.anime(AnimeID(9969))?.name == "Gintama'")
            #expect(
                try await store.anime(AnimeID(4059))
                    == Anime(
                        id: AnimeID(4059), name: "Clannad: Mou Hitotsu no Sekai, Tomoyo-hen",
                        genres: ["Drama", "Romance"],
                        type: "Special", episodes: 1, rating: 8.14, members: 160_423))
            #expect(try await store.anime(AnimeID(21))?.episodes == nil)
            #expect(try await store.anime(AnimeID(33242))?.genres == [])
            #expect(
                try await store.anime(AnimeID(30484))
                    == Anime(
                        id: AnimeID(30484), name: "Steins;Gate 0", genres: ["Sci-Fi", "Thriller"], type: nil,
                        episodes: nil,
                        rating: nil, members: 60999))
            let adult = try #require(try await store.anime(AnimeID(1)))
            #expect(adult.name == "\"Tom & Jerry\" '99")
            #expect(adult.isAdult)
            // Re-import replaces, never duplicates.
            _ = try await importer.importAnime(from: path, into: store)
            #expect(try await store.animeCount() == 6)
        }
    }

    @Test func generatedDataImportsCleanly() async throws {
        try await withSQLiteStore { store, directory in
            var options = SyntheticDataGenerator.Options(users: 120, anime: 200, ratings: 6000, seed: 4)
            options.adultShare = 0.1
            let generated = try DataGenerator(options: options, progress: .silent).write(to: directory + "/data")
            #expect(generated.anime == 200 && generated.ratings == 6000)
            // Missing parent directories are created, as with mkdir -p.
            let again = try DataGenerator(options: options, progress: .silent).write(to: directory + "/nested/again")
            #expect(try readBytes(again.ratingsPath) == readBytes(generated.ratingsPath))
            let animeReport = try await Importer(progress: .silent).importAnime(from: generated.animePath, into: store)
            #expect(animeReport.rows == 200 && animeReport.bad == 0)
            let ratingReport = try await Importer(progress: .silent).importRatings(
                from: generated.ratingsPath, into: store)
            #expect(ratingReport.rows == 6000 && ratingReport.bad == 0 && ratingReport.imported == 6000)
            #expect(try await store.interactionCount() == 6000)
        }
    }
}

private func readBytes(_ path: String) throws -> [UInt8] {
    Array(try #require(FileManager.default.contents(atPath: path)))
}
