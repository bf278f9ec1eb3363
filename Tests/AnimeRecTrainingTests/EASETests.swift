import AnimeRecCore
@testable import AnimeRecTraining
import Testing

/// Users {i0, i1}, {i0, i1, i2}, {i1, i2}, all liked (weight 1): `G = XᵀX = [[2,2,1],[2,3,2],[1,2,2]]`.
/// With λ = 1, `P = (G + I)⁻¹` gives `B = −P / diag(P)` = [[0, ½, 0], [½, 0, ½], [0, ½, 0]] (numpy).
private func chain() -> InteractionMatrix {
    var builder = InteractionMatrix.Builder(catalogue: [AnimeID(1), AnimeID(2), AnimeID(3)])
    let like = { (id: Int32) in Interaction(anime: AnimeID(id), liked: true) }
    builder.add(UserHistory(user: UserID(1), interactions: [like(1), like(2)]))
    builder.add(UserHistory(user: UserID(2), interactions: [like(1), like(2), like(3)]))
    builder.add(UserHistory(user: UserID(3), interactions: [like(2), like(3)]))
    return builder.build()
}

/// Options that model every item of ``chain()`` with λ = 1 and the given dropout (0: plain EASE,
/// the `B` above).
private func chainOptions(dropout: Double = 0) -> EASE.Options {
    var options = EASE.Options()
    options.lambda = 1
    options.dropout = dropout
    options.minimumSupport = 1
    return options
}

@Suite("EASE")
struct EASETests {
    @Test func closedFormOnATinyMatrixMatchesTheKnownAnswer() async throws {
        var options = chainOptions()
        for workers in [1, 2] {
            options.workers = workers
            let gram = await EASE.Gram(chain(), options: options)
            #expect(gram.values[0] == 2 && gram.values[1] == 2 && gram.values[2] == 1 && gram.values[4] == 3 && gram.values[5] == 2 && gram.values[8] == 2)
            let model = try gram.model(lambda: 1, dropout: 0)
            let expected: [Float] = [0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0]
            #expect(zip(model.weights, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(model.weights)")
        }
    }

    /// EDLAE: dropout 0.5 adds `0.5/0.5 · G[i][i]` to each diagonal entry beside λ, so with λ = 1
    /// `P = (G + diag(3, 4, 3))⁻¹` gives `B` = [[0, 1/3, 3/31], [8/31, 0, 8/31], [3/31, 1/3, 0]]
    /// (exact, by sympy): the popular middle item reconstructs the others less than under EASE.
    @Test func dropoutRegularisesEachItemByItsOwnWeight() async throws {
        let options = chainOptions(dropout: 0.5)
        let model = try await EASE.fit(chain(), options: options)
        let expected: [Float] = [0, 1.0 / 3, 3.0 / 31, 8.0 / 31, 0, 8.0 / 31, 3.0 / 31, 1.0 / 3, 0]
        #expect(zip(model.weights, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(model.weights)")
        let gram = await EASE.Gram(chain(), options: options)
        #expect(try gram.model(lambda: 1, dropout: 0.5).weights == model.weights)
        #expect(try gram.model(lambda: 1, dropout: 0).weights != model.weights)
    }

    /// The same chain with every interaction "watched, not liked" (preference 0.3): at power 1 `X`
    /// is 0.3 · the chain's, at power 0 every entry counts 1, so the fit is the chain's `B` above and
    /// a user's scores are those of a fan of the same titles.
    @Test func preferencePowerZeroIsTextbookBinaryEASE() async throws {
        var builder = InteractionMatrix.Builder(catalogue: [AnimeID(1), AnimeID(2), AnimeID(3)])
        let watched = { (id: Int32) in Interaction(anime: AnimeID(id), liked: false) }
        builder.add(UserHistory(user: UserID(1), interactions: [watched(1), watched(2)]))
        builder.add(UserHistory(user: UserID(2), interactions: [watched(1), watched(2), watched(3)]))
        builder.add(UserHistory(user: UserID(3), interactions: [watched(2), watched(3)]))
        let lukewarm = builder.build()
        #expect(Array(lukewarm.row(0).preferences) == [0.3, 0.3])
        var options = chainOptions()
        options.preferencePower = 1
        let weighted = await EASE.Gram(lukewarm, options: options)
        #expect(abs(weighted.values[4] - 0.27) < 1e-6, "3 users × 0.3²")
        options.preferencePower = 0
        let binary = try await EASE.fit(lukewarm, options: options)
        let fans = try await EASE.fit(chain(), options: chainOptions())
        #expect(zip(binary.weights, fans.weights).allSatisfy { abs($0 - $1) < 1e-6 }, "\(binary.weights)")
        var scores = [Float](repeating: 0, count: 3)
        binary.accumulate(items: [0], preferences: [0.3], into: &scores)
        #expect(abs(scores[1] - 0.5) < 1e-5, "a lukewarm watch counts as a whole one")
        // Between the two, a power raises a weak preference towards 1; evidence against stays as it is.
        #expect(abs(EASE.input(0.3, power: 0.5) - Float(0.3).squareRoot()) < 1e-7)
        #expect(EASE.input(1, power: 0.5) == 1 && EASE.input(0.3, power: 1) == 0.3)
        #expect(EASE.input(-0.3, power: 0) == -0.3 && EASE.input(0, power: 0) == 0)
    }

    /// The chain's users have 2, 3 and 2 titles. At discount 1 their weights `1/n` are scaled by
    /// 7 / 3 (7 interactions over Σ n · 1/n = 3), so each pair counts 7/6, 7/9 and 7/6: the trace
    /// stays 7, the middle user's pairs count less, and λ keeps its scale.
    @Test func activityDiscountWeighsEachUsersPairsByTheirCount() async throws {
        var options = chainOptions()
        options.activityDiscount = 1
        let gram = await EASE.Gram(chain(), options: options).values
        let expected: [Float] = [35.0 / 18, 35.0 / 18, 7.0 / 9, 0, 56.0 / 18, 35.0 / 18, 0, 0, 35.0 / 18]
        for index in [0, 1, 2, 4, 5, 8] { #expect(abs(gram[index] - expected[index]) < 1e-5, "\(index): \(gram[index])") }
        #expect(abs(gram[0] + gram[4] + gram[8] - 7) < 1e-5)
        options.activityDiscount = 0
        #expect(await EASE.Gram(chain(), options: options).values[2] == 1, "undiscounted: one user has i0 and i2")
    }

    @Test func exactCandidatesLeaveSeenOutAndNameTheDominantSource() async throws {
        let matrix = chain()
        let model = try await EASE.fit(matrix, options: chainOptions())
        var scorer = EASE.CandidateScorer(model: model, limit: 5)
        // A user who has only i0: score(i1) = 0.5 leads; score(i2) = 0 up to rounding.
        let candidates = scorer.candidates(items: [0], preferences: [1])
        #expect(candidates.first?.item == 1)
        #expect(candidates.first?.score == 1 && candidates.first?.source == 0)
        #expect(candidates.dropFirst().allSatisfy { $0.score < 1e-4 })
        #expect(!candidates.contains { $0.item == 0 }, "seen")
        // Neighbour lists keep the positive weights, strongest first.
        let table = model.neighborTable(itemCount: 3, neighbors: 5)
        #expect(table.list(1).neighbors.sorted() == [0, 2])
        #expect(table.list(0).neighbors.first == 1 && table.list(0).scores.dropFirst().allSatisfy { $0 < 1e-5 })
    }

    /// Rebuild reads a "not interested" as evidence against the title: its entry in the user's row is
    /// `Interaction.dislikePreference`, so EASE scores the title's neighbours down by their weight to it.
    @Test func aDislikeInTheUsersRowScoresTheTitlesNeighboursDown() async throws {
        let model = try await EASE.fit(chain(), options: chainOptions())
        var builder = InteractionMatrix.Builder(catalogue: [AnimeID(1), AnimeID(2), AnimeID(3)])
        builder.add(UserHistory(user: UserID(10), interactions: [Interaction(anime: AnimeID(1), liked: true)]))
        builder.add(UserHistory(user: UserID(11), interactions: [
            Interaction(anime: AnimeID(1), liked: true), Interaction(anime: AnimeID(2), dislikedAt: 1),
        ]))
        // A user with nothing but verdicts has no row: nothing of their taste to learn.
        builder.add(UserHistory(user: UserID(12), interactions: [Interaction(anime: AnimeID(3), dislikedAt: 1)]))
        let rows = builder.build()
        #expect(rows.users == [UserID(10), UserID(11)])
        #expect(Array(rows.row(1).preferences) == [1, Float(Interaction.dislikePreference)])
        func scores(_ user: Int) -> [Float] {
            var scores = [Float](repeating: 0, count: 3)
            let (items, preferences) = rows.row(user)
            model.accumulate(items: items, preferences: preferences, into: &scores)
            return scores
        }
        // i2's only link is to i1 (weight ½): nothing for the fan, −0.3 · ½ for the one who ruled i1 out.
        #expect(abs(scores(0)[2]) < 1e-5)
        #expect(abs(scores(1)[2] - Float(-0.15)) < 1e-5)
    }

    @Test func aNonPositiveDefiniteGramIsAClearError() throws {
        #expect(throws: EASE.FitError.self) { try EASE.weights(gram: [1, 2, 2, 1], count: 2, lambda: 0, dropout: 0) }
    }
}

/// The same tastes on a 1–10 and a 1–5 scale: two groups of users, each watching most of its own
/// half of the catalogue and loving it (8–10 / 4–5), and a few of the other half, rated low (2–4 / 1–2).
private func tastes(fivePoint: Bool) -> (InteractionMatrix, ItemFacts) {
    let catalogue = (1...20).map { id in
        Anime(id: AnimeID(Int32(id)), name: "A\(id)", genres: [id <= 10 ? "Action" : "Romance"], type: "TV", episodes: 12, rating: 7, members: 1000)
    }
    var builder = InteractionMatrix.Builder(catalogue: catalogue.map(\.id))
    var random = SeededRandom(seed: 3)
    for user in 1...60 {
        let group = user % 2
        var history: [Interaction] = []
        for id in 1...20 {
            let loved = (id <= 10) == (group == 0)
            guard loved ? random.below(3) != 0 : random.below(4) == 0 else { continue }
            let ten = loved ? 8 + random.below(3) : 2 + random.below(3)
            let rating = fivePoint ? (ten + 1) / 2 : ten
            history.append(Interaction(anime: AnimeID(Int32(id)), rating: Int8(rating)))
        }
        builder.add(UserHistory(user: UserID(Int64(user)), interactions: history))
    }
    let matrix = builder.build()
    return (matrix, ItemFacts(items: matrix.items, anime: catalogue))
}

@Suite("Rating scales")
struct RatingScaleTests {
    @Test func oneToFiveAndOneToTenDataGetTheSamePersonalisedLists() async throws {
        var lists: [[[AnimeID]]] = []
        for fivePoint in [false, true] {
            let (matrix, facts) = tastes(fivePoint: fivePoint)
            var model = NeighborModel()
            model.ease.minimumSupport = 1
            model.ease.lambda = 10
            let fitted = try await model.fit(matrix, traits: facts.similarityTraits)
            var recall = CandidateRecall(
                table: fitted.table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts),
                options: CandidateRecall.Options(), ease: fitted.ease)
            var perUser: [[AnimeID]] = []
            var ordered = 0
            var ownFirst = 0
            for user in 0..<matrix.users.count {
                let outcome = recall.outcome(user: user, in: matrix, now: 0)
                #expect(!outcome.coldStart, "user \(user) is not treated as cold")
                let ranked = outcome.recalled.filter { $0.sources.contains(.collaborative) }
                    .sorted { ($0.collaborative, $1.anime) > ($1.collaborative, $0.anime) }.map(\.anime)
                let group = Int(matrix.users[user].rawValue) % 2
                let own = ranked.map { ($0.rawValue <= 10) == (group == 0) }
                // (A user who has seen their whole half has only the other half left.)
                if own.first == true || !own.contains(true) { ownFirst += 1 }
                // Their unseen titles of their own half come before any of the other half.
                if !own.drop(while: { $0 }).contains(true) { ordered += 1 }
                let top = ranked.prefix(2)
                perUser.append(Array(top))
            }
            // A low rating above the evidence-against cut is still a watch, and the model counts a
            // watch for more than its rating (preference power 0.5), so one user in a few dozen may
            // meet such a title's neighbour first; nearly all meet their own half first.
            #expect(ownFirst * 20 >= matrix.users.count * 19, "\(ownFirst) of \(matrix.users.count) users: own half first")
            #expect(ordered * 10 >= matrix.users.count * 9, "\(ordered) of \(matrix.users.count) users: own half strictly first")
            lists.append(perUser)
        }
        let agreeing = zip(lists[0], lists[1]).filter { $0.first == $1.first }.count
        #expect(agreeing * 10 >= lists[0].count * 7, "the same users get similar lists on both scales (\(agreeing) of \(lists[0].count) share the first)")
    }
}
