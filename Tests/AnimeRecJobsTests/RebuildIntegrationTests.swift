import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import AnimeRecTestSupport
import Testing

/// Imports the shared sample (2,000 real users) and the real catalogue into a SQLite file, rebuilds and
/// evaluates. Reported as skipped when `../shared/data` is missing, a failure when `CI=true`.
@Suite("Import, rebuild and evaluate on the shared sample", .serialized, SharedData.enabled)
struct RebuildIntegrationTests {
    @Test func importRebuildAndSwitchTheLiveRun() async throws {
        let data = try SharedData.requireDirectory()
        try await withSQLiteStore { store, _ in
            let importer = Importer(progress: .silent)
            let animeReport = try await importer.importAnime(from: data + "/anime.csv", into: store)
            #expect(animeReport.rows == 12_294)
            #expect(animeReport.bad == 0)
            #expect(try await store.animeCount() == 12_294)
            #expect(try await store.anime(AnimeID(9969))?.name == "Gintama'")
            let likes = try await importer.importRatings(from: data + "/likes_sample.csv", into: store)
            #expect(likes.rows == 167_586 && likes.bad == 0 && likes.format == "likes")
            #expect(try await store.interactionCount() == 167_586)

            var options = Rebuilder.Options()
            options.training.users = 400
            options.runID = "first"
            let first = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
            print("import \(animeReport.seconds) s + \(likes.seconds) s; \(first)")
            #expect(first.users == 2000)
            #expect(first.interactions == 167_586)
            #expect(first.neighborLists == 12_294, "every catalogue anime has neighbours")
            #expect(try await store.liveRun()?.id == "first")
            let ranker = try #require(first.ranker)
            #expect(ranker.positives > 0)
            #expect(ranker.weights.weights[1] > 0, "the collaborative (EASE) score predicts held-out interactions")
            #expect(try await store.liveRun()?.ranker == ranker.weights)

            // Fullmetal Alchemist: Brotherhood's neighbours are collaborative, never itself, best first.
            let neighbours = try await store.neighbors(of: AnimeID(5114), run: "first", limit: 50)
            #expect(neighbours.count == 50)
            #expect(!neighbours.contains { $0.anime == AnimeID(5114) })
            #expect(zip(neighbours, neighbours.dropFirst()).allSatisfy { $0.score >= $1.score })
            // An anime nobody in the sample rated still has (genre) neighbours.
            let unrated = try #require(try await store.allAnime().last)
            #expect(try await !store.neighbors(of: unrated.id, run: "first", limit: 10).isEmpty)

            let seen = Set(try await store.interactions(of: UserID(1)).map(\.anime))
            let candidates = try await store.candidates(for: UserID(1), run: "first", limit: 200)
            // The union of EASE's 50 and iALS's 50, each entry with its place in either list.
            let fromEASE = candidates.filter(\.itemModel.isListed)
            let fromFactors = candidates.filter(\.factorModel.isListed)
            #expect(fromEASE.count == 50 && fromFactors.count == 50)
            #expect(candidates.count > 50 && candidates.count <= 100 && candidates.allSatisfy(\.hasPlaces))
            #expect(fromEASE.map(\.itemModel.rank).sorted() == Array(0..<50) && fromFactors.map(\.factorModel.rank).sorted() == Array(0..<50))
            #expect(zip(candidates, candidates.dropFirst()).allSatisfy { $0.score >= $1.score })
            #expect(first.neighborLists == 12_294)
            #expect(candidates.allSatisfy { !seen.contains($0.anime) })
            #expect(candidates.first?.score == 1)
            let popular = try await store.list(key: ListKey.popular, run: "first", limit: 10)
            #expect(popular.count == 10)
            #expect(try await !store.list(key: ListKey.genre("Mecha"), run: "first", limit: 10).isEmpty)

            options.runID = "second"
            options.trainRanker = false
            _ = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
            #expect(try await store.liveRun()?.id == "second")
            #expect(try await store.liveRun()?.ranker == RankerWeights.fallback)
            #expect(try await store.neighbors(of: AnimeID(5114), run: "second", limit: 50).count == 50)
        }
    }

    @Test func evaluationBeatsTheBaselinesOnRealLikes() async throws {
        let data = try SharedData.requireDirectory()
        try await withSQLiteStore { store, _ in
            let importer = Importer(progress: .silent)
            _ = try await importer.importAnime(from: data + "/anime.csv", into: store)
            _ = try await importer.importRatings(from: data + "/likes_sample.csv", into: store)
            var options = OfflineEvaluation.Options()
            options.users = 600
            options.validationUsers = 400
            options.easeLambdas = [100, 1000]
            options.cosineNeighbors = [20, 100]
            options.factorRegularizations = [0.01]
            options.factorUnobservedWeights = [0.03]
            options.rankerWeakHitGains = []  // the ranker as rebuild trains it (the grid is tested on generated data)
            let report = try await Evaluator(options: options, progress: .silent).evaluate(store: store)
            print(report.table)
            #expect(report.rows.count == 11 && report.rows.allSatisfy { $0.users == 600 })
            #expect(report.relevantItems > 600)
            let (popularity, knn, ease, factors) = (report.rows[0], report.rows[1], report.rows[2], report.rows[3])
            #expect(popularity.method == "popularity" && knn.method.hasPrefix("item-knn") && ease.method.hasPrefix("ease"))
            #expect(factors.method.hasPrefix("ials") && factors.ndcgAt10 > popularity.ndcgAt10, "iALS learns the sample's tastes")
            let served = report.rows.last!
            #expect(served.method == "served /recommends")
            for row in report.rows {
                #expect((0...1).contains(row.ndcgAt10) && (0...1).contains(row.recallAt20) && row.recallAt20 >= row.recallAt10)
            }
            #expect(ease.ndcgAt10 > knn.ndcgAt10 && knn.ndcgAt10 > popularity.ndcgAt10)
            #expect(served.ndcgAt10 > 1.15 * knn.ndcgAt10, "the served pipeline beats tuned item-kNN by 15 %")
            // Personalised lists cover far more of the catalogue than one popular list does.
            #expect(served.coverageAt10 > 5 * popularity.coverageAt10)
        }
    }
}
