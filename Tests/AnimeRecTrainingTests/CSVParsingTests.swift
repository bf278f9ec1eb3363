import AnimeRecCore
@testable import AnimeRecTraining
import Testing

@Suite("Kaggle CSV parsing")
struct CSVParsingTests {
    private func anime(_ line: String) throws -> Anime {
        let fields = try CSVFields.split(line).get()
        return try AnimeRow.parse(fields).get()
    }

    private func animeError(_ line: String) -> RowError? {
        switch CSVFields.split(line) {
        case .failure(let error): return error
        case .success(let fields):
            if case .failure(let error) = AnimeRow.parse(fields) { return error }
            return nil
        }
    }

    @Test func quotedGenreListAndPlainFields() throws {
        let parsed = try anime(
            #"5114,Fullmetal Alchemist: Brotherhood,"Action, Adventure, Drama, Fantasy, Magic, Military, Shounen",TV,64,9.26,793665"#
        )
        #expect(
            parsed
                == Anime(
                    id: AnimeID(5114), name: "Fullmetal Alchemist: Brotherhood",
                    genres: ["Action", "Adventure", "Drama", "Fantasy", "Magic", "Military", "Shounen"], type: "TV",
                    episodes: 64, rating: 9.26, members: 793_665))
    }

    @Test func htmlEntitiesInNamesAreDecoded() throws {
        #expect(try anime(#"9969,Gintama&#039;,"Action, Comedy",TV,51,9.16,151266"#).name == "Gintama'")
        #expect(
            try anime(#"1,&quot;Bungaku Shoujo&quot; Movie,Drama,Movie,1,7.5,10"#).name == "\"Bungaku Shoujo\" Movie")
        #expect(try anime(#"2,Tom &amp; Jerry,Comedy,TV,1,7.5,10"#).name == "Tom & Jerry")
        #expect(try anime(#"3,Kino&#x27;s Journey,Adventure,TV,13,8.0,10"#).name == "Kino's Journey")
        #expect(HTMLEntities.decode("a &amp;#039; b") == "a &#039; b")
        #expect(HTMLEntities.decode("A &lt;3 &gt; &#233;t&#xE9; &bogus; & &#;") == "A <3 > été &bogus; & &#;")
        #expect(HTMLEntities.decode("plain") == "plain")
    }

    @Test func unknownEpisodesAndEmptyFieldsBecomeNil() throws {
        let onePiece = try anime(
            #"21,One Piece,"Action, Adventure, Comedy, Drama, Fantasy, Shounen, Super Power",TV,Unknown,8.58,504862"#)
        #expect(onePiece.episodes == nil)
        #expect(onePiece.rating == 8.58)
        let noGenre = try anime("33242,IS: Infinite Stratos 2 - Infinite Wedding,,Special,1,7.15,6604")
        #expect(noGenre.genres == [])
        #expect(noGenre.type == "Special")
        let sparse = try anime("30484,Steins;Gate 0,\"Sci-Fi, Thriller\",,Unknown,,60999")
        #expect(
            sparse
                == Anime(
                    id: AnimeID(30484), name: "Steins;Gate 0", genres: ["Sci-Fi", "Thriller"], type: nil, episodes: nil,
                    rating: nil, members: 60999))
    }

    @Test func quotedNamesWithCommasAndEscapedQuotes() throws {
        let parsed = try anime(
            #"4059,"Clannad: Mou Hitotsu no Sekai, Tomoyo-hen","Drama, Romance, School, Slice of Life",Special,1,8.14,160423"#
        )
        #expect(parsed.name == "Clannad: Mou Hitotsu no Sekai, Tomoyo-hen")
        #expect(parsed.genres == ["Drama", "Romance", "School", "Slice of Life"])
        #expect(try anime(#"7,"Say ""Hi"", Again",Comedy,OVA,2,6.10,77"#).name == #"Say "Hi", Again"#)
        #expect(try CSVFields.split(#"a,"b,c",,"d""e""#).get() == ["a", "b,c", "", #"d"e"#])
    }

    @Test func adultFlagComesFromGenresOnly() throws {
        #expect(try anime(#"100,Some OVA,"Hentai, Romance",OVA,2,6.0,500"#).isAdult)
        #expect(try !anime("101,Hentai Ouji to Warawanai Neko.,\"Comedy, Romance\",TV,12,7.0,1000").isAdult)
    }

    @Test func badAnimeRowsSayWhy() {
        #expect(animeError("1,Name,Action,TV,12,7.0") == .fieldCount(expected: 7, found: 6))
        #expect(animeError("x1,Name,Action,TV,12,7.0,5") == .notANumber(column: "anime_id", text: "x1"))
        #expect(animeError("1,Name,Action,TV,twelve,7.0,5") == .notANumber(column: "episodes", text: "twelve"))
        #expect(animeError("1,Name,Action,TV,12,11.5,5") == .outOfRange(column: "rating", text: "11.5"))
        #expect(animeError("1,Name,Action,TV,12,7.0,") == .missing(column: "members"))
        #expect(animeError(#"1,"Name,Action,TV,12,7.0,5"#) == .unterminatedQuote)
        #expect(
            animeError("99999999999,Name,Action,TV,12,7.0,5") == .outOfRange(column: "anime_id", text: "99999999999"))
        #expect(AnimeRow.isHeader(AnimeRow.columns))
    }

    @Test func kaggleRatingsIncludingWatchedNotRated() throws {
        #expect(
            try RatingRow.parse("1,20,-1", format: .ratings).get()
                == ImportedRating(user: UserID(1), anime: AnimeID(20), rating: nil, liked: nil))
        #expect(
            try RatingRow.parse("73516,790,9", format: .ratings).get()
                == ImportedRating(user: UserID(73516), anime: AnimeID(790), rating: 9, liked: true))
        #expect(try RatingRow.parse("5,6,7", format: .ratings).get().liked == false)
        #expect(try RatingRow.parse("5,6,8", format: .ratings).get().liked == true)
        #expect(try RatingRow.parse("5,6,10", format: .ratings).get().rating == 10)
    }

    @Test func likesRows() throws {
        #expect(
            try RatingRow.parse("1,8074,1", format: .likes).get()
                == ImportedRating(user: UserID(1), anime: AnimeID(8074), rating: nil, liked: true))
        #expect(try RatingRow.parse("1,8074,0", format: .likes).get().liked == false)
        #expect(RatingFileFormat(header: ["user_id", "anime_id", "liked"]) == .likes)
        #expect(RatingFileFormat(header: ["user_id", "anime_id", "rating"]) == .ratings)
        #expect(RatingFileFormat(header: ["1", "2", "3"]) == nil)
    }

    @Test func badRatingRowsSayWhy() {
        func error(_ line: String, _ format: RatingFileFormat = .ratings) -> RowError? {
            if case .failure(let error) = RatingRow.parse(line, format: format) { return error }
            return nil
        }
        #expect(error("1,2") == .fieldCount(expected: 3, found: 2))
        #expect(error("1,2,3,4") == .fieldCount(expected: 3, found: 4))
        #expect(error("1,2,0") == .outOfRange(column: "rating", text: "0"))
        #expect(error("1,2,11") == .outOfRange(column: "rating", text: "11"))
        #expect(error("1,2,-2") == .outOfRange(column: "rating", text: "-2"))
        #expect(error("1,2,2", .likes) == .outOfRange(column: "liked", text: "2"))
        #expect(error("1,2,-1", .likes) == .outOfRange(column: "liked", text: "-1"))
        #expect(error("a,2,3") == .notANumber(column: "user_id", text: "a"))
        #expect(error("1, 2,3") == .notANumber(column: "anime_id", text: " 2"))
        #expect(error("1,,3") == .missing(column: "anime_id"))
        #expect(error("1,3000000000,3") == .outOfRange(column: "anime_id", text: "3000000000"))
        #expect(error("1,2,7.5") == .notANumber(column: "rating", text: "7.5"))
    }
}
