import AnimeRecCore
import Testing

@Suite("Catalogue search: folding, filters, orders, pages, facets; the trending row")
struct CatalogueIndexTests {
    static func anime(
        _ id: Int32, _ name: String, _ genres: [String], type: String? = "TV", rating: Double? = 7, members: Int
    ) -> Anime {
        Anime(id: AnimeID(id), name: name, genres: genres, type: type, episodes: 12, rating: rating, members: members)
    }

    static let catalogue: [Anime] = [
        anime(1, "Steins;Gate", ["Sci-Fi", "Thriller"], rating: 9.17, members: 673_572),
        anime(2, "Pokémon", ["Adventure", "Comedy"], rating: 7.4, members: 291_000),
        anime(3, "Gintama&#039;", ["Action", "Comedy", "Sci-Fi"], rating: 9.16, members: 151_266),
        anime(4, "Ｋａｎｏｎ", ["Drama", "Romance"], type: "Movie", rating: nil, members: 40_000),
        anime(5, "Night Title", ["Hentai"], type: "OVA", rating: 6.1, members: 9_000),
        anime(6, "Steins;Gate Movie", ["Sci-Fi"], type: "Movie", rating: 8.6, members: 151_266),
    ]
    static let index = CatalogueIndex(catalogue)

    func ids(_ query: CatalogueQuery) -> [Int32] { Self.index.search(query).items.map(\.id.rawValue) }

    @Test func foldingIgnoresCaseAccentsWidthEntitiesAndPunctuation() {
        #expect(SearchText.fold("Steins;Gate") == Array("steins gate".utf8))
        #expect(SearchText.fold("  POKÉMON!! ") == Array("pokemon".utf8))
        #expect(SearchText.fold("Gintama&#039;") == Array("gintama".utf8))
        #expect(SearchText.fold("Ｋａｎｏｎ") == Array("kanon".utf8))
        #expect(SearchText.fold("Re:Zero − 2") == Array("re zero 2".utf8))
        #expect(SearchText.words("gate  STEINS") == [Array("gate".utf8), Array("steins".utf8)])
        #expect(SearchText.words(";;") == [])
    }

    @Test func nameWordsMustAllMatch() {
        #expect(ids(CatalogueQuery(text: "steins")) == [1, 6])
        #expect(ids(CatalogueQuery(text: "gate steins;")) == [1, 6])
        #expect(ids(CatalogueQuery(text: "STEINS GATE movie")) == [6])
        #expect(ids(CatalogueQuery(text: "pokemon")) == [2])
        #expect(ids(CatalogueQuery(text: "kanon")) == [4])
        #expect(ids(CatalogueQuery(text: "gintama'")) == [3])
        #expect(ids(CatalogueQuery(text: "steins kanon")) == [])
        #expect(ids(CatalogueQuery(text: "night")) == [], "adult titles are left out by default")
        #expect(ids(CatalogueQuery(text: "night", includeAdult: true)) == [5])
    }

    @Test func filtersByAnyGenreAndByType() {
        #expect(ids(CatalogueQuery(genres: ["comedy"])) == [2, 3])
        #expect(ids(CatalogueQuery(genres: ["Thriller", "Romance"])) == [1, 4])
        #expect(ids(CatalogueQuery(type: "movie")) == [6, 4])
        #expect(ids(CatalogueQuery(genres: ["Sci-Fi"], type: "TV")) == [1, 3])
        #expect(ids(CatalogueQuery(genres: ["Hentai"])) == [])
        #expect(ids(CatalogueQuery(genres: ["No Such Genre"])) == [])
    }

    @Test func ordersAreStableWithTiesBrokenByMembersThenID() {
        // Members: 3 and 6 tie at 151,266; the lower id comes first.
        #expect(ids(CatalogueQuery(sort: .members)) == [1, 2, 3, 6, 4])
        // Rating: unrated (4) last.
        #expect(ids(CatalogueQuery(sort: .rating)) == [1, 3, 6, 2, 4])
        #expect(ids(CatalogueQuery(sort: .name)) == [3, 4, 2, 1, 6])
        #expect(ids(CatalogueQuery(sort: .name, includeAdult: true)) == [3, 4, 5, 2, 1, 6])
    }

    @Test func pagesCountEveryMatch() {
        #expect(Self.index.search(CatalogueQuery(limit: 2, offset: 0)).items.map(\.id.rawValue) == [1, 2])
        #expect(Self.index.search(CatalogueQuery(limit: 2, offset: 2)) == CataloguePage(
            items: [Self.catalogue[2], Self.catalogue[5]], total: 5))
        #expect(Self.index.search(CatalogueQuery(limit: 2, offset: 4)).items.map(\.id.rawValue) == [4])
        #expect(Self.index.search(CatalogueQuery(limit: 2, offset: 99)) == CataloguePage(items: [], total: 5))
        #expect(Self.index.search(CatalogueQuery(text: "steins", limit: 1)).total == 2)
        #expect(CatalogueIndex.empty.search(CatalogueQuery()) == CataloguePage(items: [], total: 0))
    }

    @Test func facetsCountTitlesMostFirst() {
        #expect(Self.index.genres(includeAdult: false) == [
            FacetCount(name: "Sci-Fi", count: 3), FacetCount(name: "Comedy", count: 2),
            FacetCount(name: "Action", count: 1), FacetCount(name: "Adventure", count: 1),
            FacetCount(name: "Drama", count: 1), FacetCount(name: "Romance", count: 1), FacetCount(name: "Thriller", count: 1),
        ])
        #expect(Self.index.types(includeAdult: false) == [FacetCount(name: "TV", count: 3), FacetCount(name: "Movie", count: 2)])
        #expect(Self.index.types(includeAdult: true).contains(FacetCount(name: "OVA", count: 1)))
        #expect(Self.index.count == 6)
        #expect(Self.index.byID[AnimeID(4)]?.name == "Ｋａｎｏｎ")
    }

    @Test func trendingRowFillsWithPopularAndSaysWhich() {
        let byID = Dictionary(uniqueKeysWithValues: Self.catalogue.map { ($0.id, $0) })
        let trending = [ScoredAnime(anime: AnimeID(3), score: 12), ScoredAnime(anime: AnimeID(5), score: 9),
                        ScoredAnime(anime: AnimeID(99), score: 4)]
        let popular = [1, 3, 2, 6].map { ScoredAnime(anime: AnimeID($0), score: 1) }
        let row = TrendingRow.build(trending: trending, popular: popular, catalogue: byID, limit: 3, includeAdult: false)
        #expect(row.map(\.anime.id.rawValue) == [3, 1, 2])
        #expect(row.map(\.reason) == [.trending, .popular, .popular])
        #expect(row.first?.score == 12)
        let adult = TrendingRow.build(trending: trending, popular: popular, catalogue: byID, limit: 10, includeAdult: true)
        #expect(adult.map(\.anime.id.rawValue) == [3, 5, 1, 2, 6])
        #expect(TrendingRow.build(trending: [], popular: [], catalogue: byID, limit: 5, includeAdult: false).isEmpty)
    }
}
