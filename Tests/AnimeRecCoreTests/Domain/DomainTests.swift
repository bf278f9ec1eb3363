import AnimeRecCore
import Testing

@Suite("Identifiers, event ids and day buckets")
struct DomainTests {
    @Test(arguments: [
        ("0", Result<Int64, IdentifierParser.Failure>.success(0)),
        ("42", .success(42)),
        ("007", .success(7)),
        ("9223372036854775807", .success(Int64.max)),
        ("9223372036854775808", .failure(.outOfRange)),
        ("99999999999999999999999", .failure(.outOfRange)),
        ("", .failure(.empty)),
        ("-1", .failure(.notDigits)),
        ("+1", .failure(.notDigits)),
        (" 1", .failure(.notDigits)),
        ("1.0", .failure(.notDigits)),
        ("١٢", .failure(.notDigits)),
    ])
    func userIDs(text: String, expected: Result<Int64, IdentifierParser.Failure>) {
        #expect(IdentifierParser.userID(Substring(text)).map(\.rawValue) == expected)
    }

    @Test func animeIDsFitInt32() {
        #expect(IdentifierParser.animeID("2147483647").map(\.rawValue) == .success(Int32.max))
        #expect(IdentifierParser.animeID("2147483648").map(\.rawValue) == .failure(.outOfRange))
    }

    @Test func eventIDTextRoundTrips() throws {
        let id = try #require(EventID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF"))
        #expect(id.high == 0x6F96_19FF_8B86_D011)
        #expect(id.low == 0xB42D_00C0_4FC9_64FF)
        #expect(id.description == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        #expect(id.bytes == [0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF])
        #expect(EventID(uuidString: "6F9619FF8B86D011B42D00C04FC964FF") == nil)
        #expect(EventID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964F") == nil)
        #expect(EventID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FG") == nil)
        #expect(EventID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF0") == nil)
    }

    @Test func timeBasedIDsEncodeTheirTime() {
        var generator = SystemRandomNumberGenerator()
        let ms: Int64 = 1_764_324_000_123
        let id = EventID.timeBased(millisecondsSince1970: ms, using: &generator)
        #expect(id.version == 1)
        #expect(id.timestampMilliseconds == ms)
        #expect(id.low >> 62 == 0b10, "RFC 4122 variant")
        // The v1 UUID of 2024-01-01T00:00:00Z (Python: uuid.UUID(fields=(…)).time == 139233600000000000).
        let known = EventID(uuidString: "b4cc8000-a838-11ee-8000-000000000000")!
        #expect(known.timestampMilliseconds == 1_704_067_200_000)
        #expect(EventID(uuidString: "6f9619ff-8b86-4011-b42d-00c04fc964ff")?.timestampMilliseconds == nil, "v4 has no time")
    }

    @Test(arguments: [
        (Int64(0), Int32(1970_01_01)), (86_399_999, 1970_01_01), (86_400_000, 1970_01_02), (-1, 1969_12_31),
        (951_782_400_000, 2000_02_29), (1_764_324_000_123, 2025_11_28), (4_102_444_800_000, 2100_01_01),
    ])
    func dayBuckets(ms: Int64, day: Int32) {
        #expect(DayBucket.day(ofMilliseconds: ms) == day)
    }

    @Test func reasonsRoundTripThroughStorageText() {
        for reason: Reason in [.similarTo(AnimeID(5114)), .genre("Slice of Life"), .forYou, .trending, .popular] {
            #expect(Reason(storageText: reason.storageText) == reason)
        }
        #expect(Reason(storageText: "similar_to:x") == nil)
        #expect(Reason(storageText: "nonsense") == nil)
    }

    /// The byte parser reads ids as `Int32(_: String)` does, and nothing else.
    @Test(arguments: [
        "similar_to:0", "similar_to:2147483647", "similar_to:2147483648", "similar_to:-2147483648", "similar_to:-2147483649",
        "similar_to:+7", "similar_to:-", "similar_to:", "similar_to:12a", "similar_to: 1", "similar_to:99999999999999999999",
        "similar_to", "genre:", "genre:Mecha", "genre", "for_you", "for_you ", "For_you", "trending", "popular", "", "populars",
    ])
    func reasonParsingMatchesTheStringRules(text: String) {
        let expected: Reason? = if text.hasPrefix("similar_to:") {
            Int32(text.dropFirst("similar_to:".count)).map { .similarTo(AnimeID($0)) }
        } else if text.hasPrefix("genre:") {
            .genre(String(text.dropFirst("genre:".count)))
        } else {
            [Reason.forYou, .trending, .popular].first { $0.storageText == text }
        }
        #expect(Reason(storageText: text) == expected)
    }

    @Test func anImpressionPageKeepsItsTitlesAndIsKeyedByThem() {
        let titles = [AnimeID(5114), AnimeID(1), AnimeID(Int32.max), AnimeID(9253)]
        #expect(ExposurePage.decode(ExposurePage.encode(titles)) == titles)
        #expect(ExposurePage.encode(titles).count == 16)
        #expect(ExposurePage.decode([0, 0, 1]) == nil)
        #expect(ExposurePage.key(of: titles) == ExposurePage.key(of: titles.reversed()), "the same titles, the same page")
        #expect(ExposurePage.key(of: titles) != ExposurePage.key(of: Array(titles.dropLast())))
        // Read back, a page shown twice in one hour is one exposure per title, at the newer time.
        var state = UserState(user: UserID(1))
        state.addExposures(page: [AnimeID(1), AnimeID(2)], at: 7_200_000 + 10)
        state.addExposures(page: [AnimeID(1)], at: 7_200_000 + 20)
        state.addExposures(page: [AnimeID(1)], at: 3_600_000)
        #expect(Set(state.exposures(after: 0)) == [
            Exposure(anime: AnimeID(1), at: 7_200_020), Exposure(anime: AnimeID(2), at: 7_200_010),
            Exposure(anime: AnimeID(1), at: 3_600_000),
        ])
    }

    @Test func preferenceScale() {
        // A rating is read against the user's own ratings: 1–5 and 1–10 data with the same tastes agree.
        let fivePoint = [Interaction(anime: AnimeID(1), rating: 4), Interaction(anime: AnimeID(2), rating: 2)]
        let tenPoint = [Interaction(anime: AnimeID(1), rating: 8), Interaction(anime: AnimeID(2), rating: 4)]
        #expect(RatingProfile(fivePoint) == RatingProfile(mean: 3, spread: 1))
        #expect(RatingProfile(tenPoint) == RatingProfile(mean: 6, spread: 2))
        for history in [fivePoint, tenPoint] {
            let preferences = history.map { $0.preference(relativeTo: RatingProfile(history)) }
            #expect(abs(preferences[0] - 0.9) < 1e-12, "one spread above the user's mean")
            #expect(preferences[1] == Interaction.lowRatingPreference, "one spread below: evidence against, not positive")
            #expect(history[0].isPositive(relativeTo: RatingProfile(history)) && !history[1].isPositive(relativeTo: RatingProfile(history)))
        }
        // A single rating is the user's mean: positive, whatever its value.
        let single = Interaction(anime: AnimeID(1), rating: 3)
        #expect(single.preference(relativeTo: RatingProfile([single])) == 0.65)
        #expect(RatingProfile([single]).spread == 0.30000000000000004, "a tenth of the mean")
        let none = RatingProfile([])
        #expect(Interaction(anime: AnimeID(1), liked: true).preference(relativeTo: none) == 1.0)
        #expect(Interaction(anime: AnimeID(1), liked: false).preference(relativeTo: none) == 0.3, "watched, not enjoyed: weak evidence")
        #expect(Interaction(anime: AnimeID(1), events: 1).preference(relativeTo: none) == 0.3)
        #expect(Interaction(anime: AnimeID(1), events: 5).preference(relativeTo: none) == 0.6)
        #expect(Interaction(anime: AnimeID(1)).preference(relativeTo: none) == 0.5, "watched, not rated (-1)")
        #expect(Anime(id: AnimeID(1), name: "Hentai Ouji to Warawanai Neko.", genres: ["Comedy"], type: nil, episodes: nil, rating: nil, members: 0).isAdult == false)
        #expect(Anime(id: AnimeID(2), name: "x", genres: ["Hentai"], type: nil, episodes: nil, rating: nil, members: 0).isAdult)
    }
}
