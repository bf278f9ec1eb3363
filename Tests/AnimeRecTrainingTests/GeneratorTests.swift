import AnimeRecCore
@testable import AnimeRecTraining
import Testing

@Suite("Synthetic data generator")
struct GeneratorTests {
    private func generate(
        seed: UInt64, users: Int = 60, anime: Int = 80, ratings: Int = 2000
    ) -> (anime: String, ratings: [UInt8]) {
        let generator = SyntheticDataGenerator(options: .init(users: users, anime: anime, ratings: ratings, seed: seed))
        let titles = generator.catalogue()
        var bytes: [UInt8] = []
        generator.writeRatings(for: titles, chunkSize: 512) { bytes += $0 }
        return (generator.animeCSV(titles), bytes)
    }

    @Test func sameSeedSameBytesDifferentSeedDifferentBytes() {
        let first = generate(seed: 42)
        let again = generate(seed: 42)
        let other = generate(seed: 43)
        #expect(first.anime == again.anime)
        #expect(first.ratings == again.ratings)
        #expect(first.anime != other.anime)
        #expect(first.ratings != other.ratings)
    }

    @Test func seededRandomIsStable() {
        var random = SeededRandom(seed: 0)
        let values = (0..<3).map { _ in random.next() }
        var again = SeededRandom(seed: 0)
        #expect(values == (0..<3).map { _ in again.next() })
        var bounded = SeededRandom(seed: 9)
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(bounded.below(7)) })
    }

    @Test func ratingsAreExactlyTheRequestedNumberAndParse() throws {
        let (_, bytes) = generate(seed: 5, ratings: 2500)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.first == "user_id,anime_id,rating")
        let rows = try lines.dropFirst().map { try RatingRow.parse(String($0), format: .ratings).get() }
        #expect(rows.count == 2500)
        let pairs = Set(rows.map { "\($0.user.rawValue)-\($0.anime.rawValue)" })
        #expect(pairs.count == rows.count, "a user rates an anime at most once")
        let unrated = Double(rows.filter { $0.rating == nil }.count) / Double(rows.count)
        #expect(unrated > 0.10 && unrated < 0.26)
        #expect(Set(rows.map(\.user)).count == 60)
    }

    @Test func catalogueRoundTripsThroughTheParserWithItsQuirks() throws {
        let generator = SyntheticDataGenerator(options: .init(users: 10, anime: 1500, ratings: 100, seed: 3))
        let titles = generator.catalogue()
        let text = generator.animeCSV(titles)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1501)
        #expect(AnimeRow.isHeader(try CSVFields.split(String(lines[0])).get()))
        for (line, title) in zip(lines.dropFirst(), titles) {
            let parsed = try AnimeRow.parse(try CSVFields.split(String(line)).get()).get()
            #expect(parsed == title.anime)
        }
        #expect(text.contains("&#039;"))
        #expect(text.contains("&quot;"))
        #expect(text.contains("&amp;"))
        #expect(text.contains(",Unknown,"))
        #expect(text.contains("\"\""), "a name with a quote is CSV-escaped")
        #expect(titles.contains { $0.anime.genres.isEmpty })
        #expect(titles.contains { $0.anime.rating == nil })
        #expect(titles.contains { $0.anime.type == nil })
        let adult = Double(titles.filter { $0.anime.isAdult }.count) / Double(titles.count)
        #expect(adult > 0.05 && adult < 0.14)
        #expect(Set(titles.map(\.anime.id)).count == titles.count)
    }

    @Test func popularityIsLongTailedAndTastesFollowGenres() throws {
        let generator = SyntheticDataGenerator(options: .init(users: 1000, anime: 1500, ratings: 60000, seed: 8))
        let titles = generator.catalogue()
        var bytes: [UInt8] = []
        generator.writeRatings(for: titles) { bytes += $0 }
        let rows = try String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst()
            .map { try RatingRow.parse(String($0), format: .ratings).get() }
        var perAnime: [AnimeID: Int] = [:]
        for row in rows { perAnime[row.anime, default: 0] += 1 }
        let counts = perAnime.values.sorted(by: >)
        let topTenth = counts.prefix(counts.count / 10).reduce(0, +)
        let headShare = Double(topTenth) / Double(rows.count)
        #expect(headShare > 0.3, "the top 10 % of titles get \(headShare) of the ratings")

        // Each user's most frequent genre covers more of their ratings than it would if the same ratings
        // were dealt to users at random.
        let genres = Dictionary(uniqueKeysWithValues: titles.map { ($0.anime.id, $0.anime.genres) })
        func meanTopGenreShare(_ users: [UserID]) -> Double {
            var byUser: [UserID: [String: Int]] = [:]
            var totals: [UserID: Int] = [:]
            for (user, row) in zip(users, rows) {
                totals[user, default: 0] += 1
                for genre in genres[row.anime] ?? [] { byUser[user, default: [:]][genre, default: 0] += 1 }
            }
            let shares = byUser.compactMap { user, counts -> Double? in
                guard let total = totals[user], total >= 20 else { return nil }
                return Double(counts.values.max() ?? 0) / Double(total)
            }
            return shares.reduce(0, +) / Double(max(1, shares.count))
        }
        var shuffled = rows.map(\.user)
        var random = SeededRandom(seed: 1)
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, random.below(i + 1)) }
        let clustered = meanTopGenreShare(rows.map(\.user))
        let chance = meanTopGenreShare(shuffled)
        #expect(clustered > chance + 0.1, "clustered \(clustered), chance \(chance)")
    }

    @Test func behaviourForARealCatalogueFollowsItsMembersAndRatings() throws {
        // Four titles: a hit rated high, a hit rated low, a niche title, one without a rating.
        let catalogue = [
            Anime(id: AnimeID(30), name: "Niche", genres: ["Drama"], type: "TV", episodes: 12, rating: 8.0, members: 900),
            Anime(id: AnimeID(10), name: "Hit", genres: ["Action"], type: "TV", episodes: 24, rating: 9.0, members: 500_000),
            Anime(id: AnimeID(20), name: "Hit, rated low", genres: ["Action"], type: "TV", episodes: 24, rating: 5.0, members: 400_000),
            Anime(id: AnimeID(40), name: "Unrated", genres: ["Comedy"], type: nil, episodes: nil, rating: nil, members: 50),
        ]
        let titles = SyntheticDataGenerator.titles(from: catalogue)
        #expect(titles.map(\.anime.id.rawValue) == [10, 20, 30, 40], "the catalogue's titles, in id order")
        #expect(titles.map(\.anime) == catalogue.sorted { $0.id.rawValue < $1.id.rawValue }, "kept as they are")
        #expect(titles[0].popularity > titles[1].popularity && titles[1].popularity > titles[2].popularity)
        #expect(titles[2].popularity > titles[3].popularity)
        #expect(titles[0].quality > titles[1].quality, "a higher rating, a better appeal at like popularity")
        #expect(SyntheticDataGenerator.titles(from: catalogue.reversed()) == titles, "the input order does not matter")

        let generator = SyntheticDataGenerator(options: .init(users: 300, anime: 4, ratings: 600, seed: 1))
        var bytes: [UInt8] = []
        generator.writeRatings(for: titles) { bytes += $0 }
        let rows = try String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst()
            .map { try RatingRow.parse(String($0), format: .ratings).get() }
        #expect(Set(rows.map(\.anime.rawValue)).isSubset(of: [10, 20, 30, 40]), "only the catalogue's ids")
        let picks = Dictionary(grouping: rows, by: \.anime.rawValue).mapValues(\.count)
        #expect((picks[10] ?? 0) > (picks[30] ?? 0), "the hit is picked more often than the niche title: \(picks)")
    }
}
