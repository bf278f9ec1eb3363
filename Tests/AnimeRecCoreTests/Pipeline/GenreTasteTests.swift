import AnimeRecCore
import Testing

/// Genre taste kept by number: the same values, bit for bit, as taste kept by name.
@Suite("Genre numbering and taste")
struct GenreTasteTests {
    @Test func numbersFollowFirstAppearanceAndLeaveOthersByName() {
        let numbering = GenreNumbering(["Drama", "Action", "Drama", "Hentai"])
        #expect(numbering.names == ["Drama", "Action", "Hentai"])
        let numbers = numbering.numbers(of: ["Action", "Mecha", "Drama"])
        #expect(numbers.count == 3)
        #expect([numbers[0], numbers[1], numbers[2]] == [1, nil, 0])
        let both = numbering.numbers(of: ["Drama", "Action"])
        #expect([both[0], both[1]] == [0, 1])
        // Past the inline capacity a genre goes by name even when it has a number.
        let many = numbering.numbers(of: Array(repeating: "Drama", count: 17))
        #expect(many.count == 17 && many[14] == 0 && many[15] == nil && many[16] == nil)
    }

    @Test func tasteLeavesOutAdultTitlesGenreAndScalesTheFavouriteToOne() {
        let numbering = GenreNumbering(["Action", "Hentai", "Romance"])
        var accumulator = GenreTaste.Accumulator(numbering: numbering)
        for (genres, weight) in [(["Action", "Mecha"], 1.0), (["Action"], 1.0), (["Hentai", "Romance"], 0.5), (["Drama"], 0)] {
            accumulator.add(numbering.numbers(of: genres), names: genres, weight: weight)
        }
        let taste = accumulator.taste()
        #expect(taste.byName == ["Action": 1, "Mecha": 0.5, "Romance": 0.25])
        #expect(taste["Action"] == 1 && taste["Mecha"] == 0.5 && taste["Hentai"] == nil && taste["Drama"] == nil)
        #expect(taste.favourites(2) == ["Action", "Mecha"])
        #expect(taste.match(numbering.numbers(of: ["Action", "Mecha", "Drama", "Romance"]), names: ["Action", "Mecha", "Drama", "Romance"]) == 0.4375)
        #expect(taste.favourite(of: numbering.numbers(of: ["Romance", "Mecha"]), names: ["Romance", "Mecha"]) == "Mecha")
        #expect(taste.favourite(of: numbering.numbers(of: ["Drama"]), names: ["Drama"]) == nil)
        #expect(GenreTaste.Accumulator(numbering: numbering).taste().isEmpty)
        #expect(taste.renumbered(.empty) == taste)
        #expect(taste.renumbered(.empty).byName == taste.byName)
    }

    @Test func tiesGoToTheFirstNameInBothForms() {
        let taste = GenreTaste(["Drama": 0.5, "Action": 0.5, "Comedy": 1], numbering: GenreNumbering(["Drama"]))
        #expect(taste.favourites(3) == ["Comedy", "Action", "Drama"])
        let genres = ["Drama", "Action"]
        #expect(taste.favourite(of: taste.numbering.numbers(of: genres), names: genres) == "Action")
    }

    /// A run of 300 titles over 40 genres (some titles with more genres than fit inline) and a few
    /// titles imported after it with genres the run never saw.
    static func run() -> (snapshot: ServedRun, byName: PartialRun) {
        var random = SeededRandom(seed: 5)
        let genres = (0..<40).map { "G\($0)" } + [Anime.adultGenre]
        var catalogue: [Anime] = []
        for id in 1...300 {
            let count = id % 50 == 0 ? 18 : random.int(in: 1...5)
            let picked = (0..<count).map { _ in genres[random.below(genres.count)] }
            catalogue.append(Anime(
                id: AnimeID(Int32(id)), name: "A\(id)", genres: picked, type: "TV", episodes: 12,
                rating: random.chance(0.1) ? nil : 1 + random.unit() * 9, members: random.below(2_000_000)))
        }
        let extra = (301...310).map { id in
            Anime(id: AnimeID(Int32(id)), name: "A\(id)", genres: ["New\(id % 3)", genres[id % 40]], type: "TV", episodes: 1,
                  rating: 8, members: 10_000)
        }
        var neighbors: [AnimeID: [ScoredAnime]] = [:]
        for anime in catalogue {
            neighbors[anime.id] = (0..<30).map { rank in
                ScoredAnime(anime: AnimeID(Int32(1 + random.below(310))), score: 1 - Double(rank) / 40)
            }
        }
        let byMembers = (catalogue + extra).sorted { $0.members > $1.members }
        var lists = [ListKey.popular: byMembers.prefix(100).map { ScoredAnime(anime: $0.id, score: Double($0.members)) }]
        for genre in genres {
            lists[ListKey.genre(genre)] = byMembers.filter { $0.genres.contains(genre) }.prefix(50)
                .map { ScoredAnime(anime: $0.id, score: Double($0.members)) }
        }
        let snapshot = RunSnapshot(
            run: ModelRun(id: "r", createdAt: 0, ranker: nil), catalogue: CatalogueIndex(catalogue), neighbors: neighbors,
            lists: lists)
        let all = Dictionary(uniqueKeysWithValues: (catalogue + extra).map { ($0.id, $0) })
        return (
            ServedRun(base: snapshot, extra: Dictionary(uniqueKeysWithValues: extra.map { ($0.id, $0) })),
            PartialRun(neighbors: neighbors, lists: lists, catalogue: all)
        )
    }

    @Test func numberedAndByNameSourcesGiveIdenticalAnswers() {
        let (numbered, byName) = Self.run()
        #expect(numbered.genreNumbering.count == 41)
        #expect(byName.genreNumbering.count == 0)
        var random = SeededRandom(seed: 9)
        for user in 0..<40 {
            let interactions = (0..<random.int(in: 0...60)).map { _ in
                Interaction(anime: AnimeID(Int32(1 + random.below(310))), rating: Int8(random.int(in: 1...10)))
            }
            let events = (0..<random.int(in: 0...4)).map { index in
                UserEvent(id: EventID(high: UInt64(user), low: UInt64(index)), user: UserID(Int64(user)),
                          anime: AnimeID(Int32(1 + random.below(310))), kind: random.chance(0.5) ? .click : .view,
                          at: 1_000_000 - Int64(random.below(900_000)))
            }
            let partitions = UserPartitions(interactions: interactions, recentEvents: events, precomputed: [])
            var options = RecommendationPipeline.Options()
            options.rankDiversity = 0.3
            for question in [RecommendationPipeline.Question.recall(limit: 50), .rank(limit: 30), .recommend(limit: 10)] {
                func answer(_ source: some RecallSource) -> RecommendationPipeline.Answer {
                    RecommendationPipeline.answer(
                        question, partitions, source: source, trending: [], ranker: .fallback, includeAdult: user % 2 == 0,
                        options: options, now: 1_000_000)
                }
                let (a, b) = (answer(numbered), answer(byName))
                #expect(a.ids == b.ids && a.ranked == b.ranked && a.list == b.list, "user \(user), \(question)")
            }
            let taste = RecommendationPipeline.recall(
                partitions, source: numbered, trending: [], options: .init(), includeAdult: false, now: 1_000_000
            ).taste
            let tasteByName = RecommendationPipeline.recall(
                partitions, source: byName, trending: [], options: .init(), includeAdult: false, now: 1_000_000
            ).taste
            #expect(taste.byName == tasteByName.byName)
            #expect(taste.numbering == numbered.genreNumbering)
        }
    }

    /// The rules as they were before genres had numbers (main at 9b5dd79), by name: what the
    /// numbered ones must match bit for bit.
    enum ByName {
        static func affinity(_ liked: [(genres: [String], weight: Double)]) -> [String: Double] {
            var totals: [String: Double] = [:]
            for (genres, weight) in liked where weight > 0 {
                for genre in genres where genre != Anime.adultGenre { totals[genre, default: 0] += weight }
            }
            guard let top = totals.values.max(), top > 0 else { return [:] }
            return totals.mapValues { $0 / top }
        }

        static func match(_ genres: [String], _ affinity: [String: Double]) -> Double {
            guard !genres.isEmpty, !affinity.isEmpty else { return 0 }
            return genres.reduce(0) { $0 + (affinity[$1] ?? 0) } / Double(genres.count)
        }

        static func favourite(_ genres: [String], _ affinity: [String: Double]) -> String? {
            genres.filter { affinity[$0] != nil }.max { (affinity[$0] ?? 0, $1) < (affinity[$1] ?? 0, $0) }
        }
    }

    @Test func numberedTasteMatchesTheRulesByNameBitForBit() {
        var random = SeededRandom(seed: 21)
        let names = (0..<30).map { "G\($0)" } + [Anime.adultGenre]
        // Twenty numbered, the rest (and the adult genre) by name.
        let numbering = GenreNumbering(names.prefix(20))
        func title() -> [String] {
            (0..<(random.chance(0.1) ? 18 : random.int(in: 1...5))).map { _ in names[random.below(names.count)] }
        }
        for _ in 0..<200 {
            let liked = (0..<random.int(in: 0...40)).map { _ in (genres: title(), weight: random.chance(0.1) ? 0 : random.unit()) }
            var accumulator = GenreTaste.Accumulator(numbering: numbering)
            for (genres, weight) in liked { accumulator.add(numbering.numbers(of: genres), names: genres, weight: weight) }
            let taste = accumulator.taste()
            let reference = ByName.affinity(liked)
            #expect(taste.byName == reference)
            #expect(taste.isEmpty == reference.isEmpty)
            for _ in 0..<10 {
                let genres = title()
                #expect(taste.match(numbering.numbers(of: genres), names: genres) == ByName.match(genres, reference))
                #expect(taste.favourite(of: numbering.numbers(of: genres), names: genres) == ByName.favourite(genres, reference))
            }
        }
    }

    @Test func diversificationComparesThePoolsGenresWhateverTheirNumbers() {
        // 300 genres: the 255 on ten titles each get the numbers; the pool's 40 titles use only the
        // 45 rarer ones, which go by name.
        var random = SeededRandom(seed: 4)
        let names = (0..<300).map { "G\($0)" }
        var catalogue = (1...2_550).map { id in
            Anime(id: AnimeID(Int32(id)), name: "A\(id)", genres: [names[(id - 1) % 255]], type: "TV", episodes: 1, rating: 7, members: 1)
        }
        for id in 3_001...3_040 {
            let genres = (0..<random.int(in: 1...4)).map { _ in names[255 + random.below(45)] }
            catalogue.append(Anime(id: AnimeID(Int32(id)), name: "A\(id)", genres: genres, type: "TV", episodes: 1, rating: 7, members: 1))
        }
        let snapshot = RunSnapshot(
            run: ModelRun(id: "r", createdAt: 0, ranker: nil), catalogue: CatalogueIndex(catalogue), neighbors: [:], lists: [:])
        #expect(snapshot.genreNumbering.count == GenreNumbering.capacity)
        #expect(snapshot.genreNumbering.number(of: "G260") == nil)
        let byName = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.id, $0) })
        let ranked = (3_001...3_040).map { id in
            RankedCandidate(anime: AnimeID(Int32(id)), score: 0, margin: random.unit(), features: RankingFeatures(), reason: .popular)
        }.sorted { $0.margin > $1.margin }
        for diversity in [0.3, 0.7, 1.0] {
            #expect(
                Ranking.diversify(ranked, catalogue: snapshot, limit: 15, diversity: diversity).map(\.anime)
                    == Ranking.diversify(ranked, catalogue: byName, limit: 15, diversity: diversity).map(\.anime))
        }
    }

    @Test func aTasteIsAboveZeroWhateverTheNumbering() {
        let numbered = GenreTaste(["Drama": 0, "Action": -1, "Comedy": 0.5], numbering: GenreNumbering(["Drama", "Action"]))
        let byName = GenreTaste(["Drama": 0, "Action": -1, "Comedy": 0.5], numbering: .empty)
        #expect(numbered.byName == ["Comedy": 0.5] && byName.byName == ["Comedy": 0.5])
        #expect(GenreTaste(["Drama": 0], numbering: .empty).isEmpty)
    }
}
