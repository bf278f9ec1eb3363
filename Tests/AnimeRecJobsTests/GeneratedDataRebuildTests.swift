import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import Testing

/// The whole offline chain on generated data, so it runs even where `../shared/data` is missing.
@Suite("Generate, import, rebuild and evaluate synthetic data")
struct GeneratedDataRebuildTests {
    @Test func chainOnGeneratedData() async throws {
        try await withSQLiteStore { store, directory in
            let generated = try DataGenerator(
                options: .init(users: 300, anime: 250, ratings: 15_000, seed: 21), progress: .silent
            ).write(to: directory + "/data")
            let importer = Importer(progress: .silent)
            _ = try await importer.importAnime(from: generated.animePath, into: store)
            _ = try await importer.importRatings(from: generated.ratingsPath, into: store)

            var options = Rebuilder.Options()
            options.training.users = 150
            options.runID = "synthetic"
            let report = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
            #expect(report.users == 300)
            #expect(report.interactions == 15_000)
            #expect(report.neighborLists == 250)
            #expect(report.candidateLists > 250)
            #expect(try await store.liveRun()?.id == "synthetic")
            let ranker = try #require(report.ranker)
            #expect(ranker.untrainedFeatures == ["trending", "recency"])
            #expect(try await store.liveRun()?.ranker == ranker.weights)

            let catalogue = try await store.allAnime()
            let adult = Set(catalogue.filter(\.isAdult).map(\.id))
            let firstUser = try await store.candidates(for: UserID(1), run: "synthetic", limit: 100)
            let seen = Set(try await store.interactions(of: UserID(1)).map(\.anime))
            #expect(!firstUser.isEmpty)
            #expect(firstUser.allSatisfy { !seen.contains($0.anime) })
            #expect(zip(firstUser, firstUser.dropFirst()).allSatisfy { $0.score >= $1.score })
            let popular = try await store.list(key: ListKey.popular, run: "synthetic", limit: 500)
            #expect(popular.count == 200, "the popular list is capped at its configured length")
            for genre in Set(catalogue.flatMap(\.genres)) {
                let list = try await store.list(key: ListKey.genre(genre), run: "synthetic", limit: 200)
                #expect(!list.isEmpty)
                #expect(list.allSatisfy { id in catalogue.first { $0.id == id.anime }?.genres.contains(genre) == true })
            }
            #expect(!adult.isEmpty)

            var evaluation = OfflineEvaluation.Options()
            evaluation.users = 100
            evaluation.validationUsers = 100
            evaluation.easeLambdas = [10, 100]
            evaluation.easeDropouts = [0.2]
            evaluation.dropoutLambdas = [10, 100]
            evaluation.easePreferencePowers = [1, 0]
            evaluation.easeActivityDiscounts = [0.5]
            evaluation.cosineNeighbors = [10, 50]
            evaluation.factorRegularizations = [0.003, 0.01]
            evaluation.factorUnobservedWeights = [0.03]
            evaluation.rankerWeakHitGains = [1, 0.25]
            evaluation.rankerTrees = [.init(rounds: 10, depth: 3)]
            let result = try await Evaluator(options: evaluation, progress: .silent).evaluate(store: store)
            let factorsRow = "ials (λ=\(result.factorRegularization), α₀=\(result.factorUnobservedWeight))"
            let easeRow = OfflineEvaluation.easeMethod(lambda: result.easeLambda, preferencePower: result.easePreferencePower)
            #expect(result.rows.map(\.method) == [
                "popularity", "item-knn (k=\(result.cosineNeighbors))", easeRow, factorsRow,
                "source: item-sim", "source: collaborative", "source: ials", "source: genre", "source: popular", "served, no diversity",
                "served /recommends",
            ])
            #expect(result.testUsers == 100 && result.rows.allSatisfy { $0.users == 100 })
            #expect([10.0, 100].contains(result.easeLambda) && [10, 50].contains(result.cosineNeighbors))
            #expect(result.validation["ease"]?.count == 4 && result.validation["item-knn"]?.count == 2 && result.validation["ials"]?.count == 2)
            #expect([0.003, 0.01].contains(result.factorRegularization) && result.factorUnobservedWeight == 0.03)
            // The baseline: the best on validation of EASE's λ and input; the served collaborative
            // model: the best of those and EDLAE's.
            let plain = try #require(result.validation["ease"])
            #expect(plain["λ=\(result.easeLambda) power=\(result.easePreferencePower)"] == plain.values.max())
            let dropout = try #require(result.validation["ease-dropout"])
            #expect(Set(dropout.keys) == Set(["λ=10.0", "λ=100.0"].flatMap { lambda in
                ["power=1.0", "power=0.0"].map { "\(lambda) p=0.2 \($0) discount=0.5" }
            }))
            let chosenKey = "λ=\(result.collaborativeLambda)" + (result.collaborativeDropout > 0 ? " p=\(result.collaborativeDropout)" : "")
                + " power=\(result.collaborativePreferencePower)"
                + (result.collaborativeActivityDiscount > 0 ? " discount=\(result.collaborativeActivityDiscount)" : "")
            let chosen = result.collaborativeDropout == 0 ? plain[chosenKey] : dropout[chosenKey]
            #expect(chosen == max(plain.values.max()!, dropout.values.max()!))
            // The ranker's settings, each scored by the served list on the validation users.
            let rankerScores = try #require(result.validation["ranker"])
            #expect(Set(rankerScores.keys) == ["gain 1.0, 10 trees of depth 3", "gain 0.25, 10 trees of depth 3"])
            #expect(rankerScores.values.allSatisfy { (0...1).contains($0) && $0 > 0 })
            #expect(rankerScores["gain \(result.rankerWeakHitGain), \(result.rankerTrees)"] == rankerScores.values.max())
            let ndcg = Dictionary(uniqueKeysWithValues: result.rows.map { ($0.method, $0.ndcgAt10) })
            #expect(ndcg[easeRow]! > ndcg["popularity"]!, "EASE learns the generated tastes")
            #expect(ndcg["served /recommends"]! > ndcg["popularity"]!)
            #expect(result.table.split(separator: "\n").count == result.rows.count + 3)
            // The served list against the best baseline, user by user.
            let baselines = ["popularity", "item-knn (k=\(result.cosineNeighbors))", easeRow, factorsRow]
            #expect(result.bestBaseline == baselines.max { ndcg[$0]! < ndcg[$1]! })
            #expect(result.servedAgainstBest.users == 100)
            #expect(abs(result.servedAgainstBest.candidateMean - ndcg["served /recommends"]!) < 1e-12)
            #expect(abs(result.servedAgainstBest.baselineMean - ndcg[result.bestBaseline]!) < 1e-12)

            // Two seeds: two holdouts of the same data, each method's mean over them.
            let seeded = try await Evaluator(options: evaluation, progress: .silent).evaluate(store: store, seeds: [7, 8])
            #expect(seeded.map(\.seed) == [7, 8])
            #expect(seeded[0].rows == result.rows, "seed 7 again gives the same figures")
            let summary = SeedSummary(seeded)
            let served = try #require(summary.methods.first { $0.method == "served /recommends" })
            #expect(served.ndcgAt10 == seeded.map { $0.rows.last!.ndcgAt10 })
            #expect(abs(served.ndcgAt10Mean - (served.ndcgAt10[0] + served.ndcgAt10[1]) / 2) < 1e-12)
            #expect(summary.pairedTests.count == 2 && summary.servedOverBest.count == 2)
        }
    }

    @Test func catalogueWithoutRatingsStillGetsARun() async throws {
        try await withSQLiteStore { store, _ in
            let catalogue = (1...30).map { id in
                Anime(
                    id: AnimeID(Int32(id)), name: "Title \(id)", genres: id % 3 == 0 ? ["Mecha"] : ["Drama", "School"],
                    type: "TV", episodes: 12, rating: 7, members: id * 100)
            }
            try await store.upsertAnime(catalogue)
            var options = Rebuilder.Options()
            options.runID = "cold"
            options.model.similarity.neighbors = 5
            options.model.ease.neighbors = 5
            let report = try await Rebuilder(options: options, progress: .silent).rebuild(store: store)
            #expect(report.ranker == nil)
            #expect(report.candidateLists == 0)
            #expect(try await store.liveRun()?.ranker == RankerWeights.fallback)
            let mecha = try await store.neighbors(of: AnimeID(3), run: "cold", limit: 10)
            // Same genres first (Jaccard 1), the most popular of them leading.
            #expect(mecha.map(\.anime) == [30, 27, 24, 21, 18].map { AnimeID(Int32($0)) })
            let popular = try await store.list(key: ListKey.popular, run: "cold", limit: 3)
            #expect(popular.map(\.anime) == [AnimeID(30), AnimeID(29), AnimeID(28)], "by community size")
        }
    }
}
