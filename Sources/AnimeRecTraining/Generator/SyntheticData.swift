import AnimeRecCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Generates a synthetic catalogue and rating log in the Kaggle format, with the structure the real one
/// has: genre-clustered tastes (each user has 1–3 favourite genres and mostly rates within them),
/// long-tail (Zipf-like) popularity, ratings that follow taste and item quality, a share of -1
/// ("watched, not rated"), adult (`Hentai`) titles, and the file quirks (HTML entities and quotes in
/// names, `Unknown` episodes, empty rating/type/genre fields).
///
/// Output is a pure function of the options: the same seed gives the same bytes.
public struct SyntheticDataGenerator: Sendable {
    /// What to generate.
    public struct Options: Hashable, Sendable {
        /// Number of users (ids 1...users).
        public var users: Int
        /// Number of catalogue entries.
        public var anime: Int
        /// Number of rating rows to write (reached exactly unless users × anime is too small).
        public var ratings: Int
        /// Seed of every random choice.
        public var seed: UInt64
        /// Share of adult (`Hentai`) titles; the Kaggle catalogue has about 9 %.
        public var adultShare: Double = 0.09
        /// Average share of "-1" (watched, not rated) rows.
        public var unratedShare: Double = 0.18
        /// Probability that a user's pick comes from one of their favourite genres.
        public var favouriteGenreShare: Double = 0.8

        /// Options with the defaults above.
        public init(users: Int, anime: Int, ratings: Int, seed: UInt64) {
            self.users = users
            self.anime = anime
            self.ratings = ratings
            self.seed = seed
        }
    }

    /// One generated catalogue entry with the hidden traits that drive the ratings.
    public struct Title: Hashable, Sendable {
        /// The catalogue row as the importer should read it back (name decoded).
        public var anime: Anime
        /// The name as written to the file (with HTML entities).
        public var encodedName: String
        /// Whether `episodes` is written as `Unknown`.
        public var unknownEpisodes: Bool
        /// Hidden quality, standard-normal; higher means better ratings.
        public var quality: Double
        /// Relative popularity (Zipf weight); higher means picked more often.
        public var popularity: Double
    }

    /// The options this generator was made with.
    public let options: Options

    /// A generator for `options`.
    public init(options: Options) {
        self.options = options
    }

    /// Genre names with their relative frequency, after the Kaggle catalogue.
    public static let genreWeights: [(String, Double)] = [
        ("Comedy", 45), ("Action", 28), ("Adventure", 22), ("Fantasy", 21), ("Sci-Fi", 20), ("Drama", 20),
        ("Shounen", 17), ("Kids", 15), ("Romance", 15), ("School", 13), ("Slice of Life", 12),
        ("Supernatural", 10), ("Mecha", 9), ("Music", 8), ("Magic", 7), ("Historical", 7), ("Seinen", 5),
        ("Ecchi", 6), ("Shoujo", 5), ("Mystery", 5), ("Sports", 5), ("Parody", 4), ("Military", 4),
        ("Super Power", 4), ("Space", 4), ("Harem", 3), ("Dementia", 2), ("Demons", 3), ("Martial Arts", 3),
        ("Game", 2), ("Psychological", 2), ("Horror", 2), ("Police", 2), ("Samurai", 1.5), ("Cars", 0.6),
        ("Thriller", 0.7), ("Vampire", 0.8), ("Josei", 0.7), ("Shounen Ai", 0.5), ("Shoujo Ai", 0.4),
        ("Yaoi", 0.3), ("Yuri", 0.3),
    ]

    static let types: [(String, Double)] = [
        ("TV", 30), ("OVA", 27), ("Movie", 19), ("Special", 14), ("ONA", 5.5), ("Music", 4.5),
    ]

    static let syllables = [
        "ka", "ki", "ku", "ko", "sa", "shi", "su", "ta", "chi", "tsu", "na", "ni", "no", "ha", "hi", "fu", "ma",
        "mi", "mu", "ya", "yu", "yo", "ra", "ri", "ru", "ro", "wa", "ga", "gi", "za", "ji", "da", "ba", "po",
        "sen", "ken", "ran", "rin", "tou", "kou", "shin", "ryuu", "hoshi", "kaze", "yume",
    ]
    static let suffixes = [
        ": Movie", " 2nd Season", " OVA", ": The Animation", " Specials", " Zoku", " Kanketsu-hen", " Recap",
    ]

    // MARK: Catalogue

    /// The catalogue, in id order.
    public func catalogue() -> [Title] {
        var random = SeededRandom(seed: options.seed)
        let genreNames = Self.genreWeights.map(\.0)
        let genreCumulative = cumulativeSums(Self.genreWeights.map(\.1))
        let typeCumulative = cumulativeSums(Self.types.map(\.1))
        let count = max(0, options.anime)

        // Popularity: a random rank per title, Zipf weight 1/(rank+1).
        var ranks = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { ranks.swapAt(i, random.below(i + 1)) }

        var titles: [Title] = []
        titles.reserveCapacity(count)
        var nextID: Int32 = 1
        for index in 0..<count {
            let id = nextID
            nextID += Int32(1 + random.below(3))
            let popularity = 1.0 / pow(Double(ranks[index] + 1), 1.0)
            let popularityZ = (log(popularity) + log(Double(max(count, 2))) / 2) / 2
            let quality = 0.5 * popularityZ + 0.85 * random.normal()

            var genres: [String]
            if random.chance(options.adultShare) {
                genres = [Anime.adultGenre]
                for _ in 0..<random.below(3) {
                    let extra = ["Romance", "Comedy", "School", "Fantasy", "Ecchi", "Drama"][random.below(6)]
                    if !genres.contains(extra) { genres.append(extra) }
                }
            } else {
                genres = []
                let wanted = 1 + random.below(5)
                for _ in 0..<(wanted * 2) where genres.count < wanted {
                    let genre = genreNames[random.index(cumulative: genreCumulative)]
                    if !genres.contains(genre) { genres.append(genre) }
                }
            }
            genres.sort()
            let emptyGenre = random.chance(0.005)

            let type = random.chance(0.003) ? nil : Self.types[random.index(cumulative: typeCumulative)].0
            let unknownEpisodes = random.chance(0.025)
            let episodes: Int?
            switch type {
            case "Movie", "Music": episodes = 1
            case "TV":
                episodes =
                    [12, 13, 24, 25, 26, 39, 50, 51, 52][random.below(9)]
                    + (random.chance(0.05) ? random.below(200) : 0)
            case "OVA", "Special": episodes = 1 + random.below(random.chance(0.2) ? 12 : 3)
            default: episodes = 1 + random.below(20)
            }
            let rating: Double? =
                random.chance(0.02)
                ? nil : (min(9.4, max(2.0, 6.5 + 0.75 * quality + 0.2 * random.normal())) * 100).rounded() / 100
            let members = max(5, Int(900_000 * popularity * (0.7 + 0.6 * random.unit())))
            let (decodedName, encodedName) = makeName(&random)
            titles.append(
                Title(
                    anime: Anime(
                        id: AnimeID(id), name: decodedName, genres: emptyGenre ? [] : genres, type: type,
                        episodes: unknownEpisodes ? nil : episodes, rating: rating, members: members),
                    encodedName: encodedName, unknownEpisodes: unknownEpisodes, quality: quality, popularity: popularity
                ))
        }
        return titles
    }

    /// Hidden traits for an existing catalogue, so that generated behaviour follows it: popularity is
    /// the Zipf weight of a title's rank by `members` (ties by id), quality the z-score of its
    /// `rating` blended with popularity as for generated titles (popularity alone when unrated).
    /// A pure function of the catalogue; the order of `catalogue` does not matter.
    public static func titles(from catalogue: [Anime]) -> [Title] {
        let sorted = catalogue.sorted { $0.id.rawValue < $1.id.rawValue }
        let byMembers = sorted.indices.sorted {
            sorted[$0].members != sorted[$1].members ? sorted[$0].members > sorted[$1].members : $0 < $1
        }
        var rank = Array(repeating: 0, count: sorted.count)
        for (position, index) in byMembers.enumerated() { rank[index] = position }
        let ratings = sorted.compactMap(\.rating)
        let mean = ratings.isEmpty ? 0 : ratings.reduce(0, +) / Double(ratings.count)
        let variance = ratings.isEmpty ? 1 : ratings.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ratings.count)
        let deviation = max(variance.squareRoot(), 1e-9)
        let count = Double(max(sorted.count, 2))
        return sorted.enumerated().map { index, anime in
            let popularity = 1.0 / Double(rank[index] + 1)
            let popularityZ = (log(popularity) + log(count) / 2) / 2
            let quality = anime.rating.map { 0.3 * popularityZ + 0.85 * ($0 - mean) / deviation } ?? 0.5 * popularityZ
            return Title(anime: anime, encodedName: anime.name, unknownEpisodes: anime.episodes == nil, quality: quality, popularity: popularity)
        }
    }

    /// A title as it should read (decoded) and as written to the file (with entities, as Kaggle scraped it).
    private func makeName(_ random: inout SeededRandom) -> (decoded: String, encoded: String) {
        func word() -> String {
            var text = ""
            for _ in 0..<(2 + random.below(2)) { text += Self.syllables[random.below(Self.syllables.count)] }
            return text.prefix(1).uppercased() + text.dropFirst()
        }
        var base = word()
        if random.chance(0.6) { base += random.chance(0.5) ? " no " + word() : " " + word() }
        if random.chance(0.15) { base += Self.suffixes[random.below(Self.suffixes.count)] }
        let quirk = random.unit()
        switch quirk {
        case ..<0.015: return (base + "'", base + "&#039;")
        case ..<0.022: return (base + "'s Story", base + "&#x27;s Story")
        case ..<0.030: return ("\"" + base + "\"", "&quot;" + base + "&quot;")
        case ..<0.038:
            let extra = word()
            return (base + " & " + extra, base + " &amp; " + extra)
        case ..<0.052:
            let extra = word()
            return (base + ", " + extra, base + ", " + extra)
        case ..<0.056:
            let extra = word()
            return (base + " \"" + extra + "\"", base + " \"" + extra + "\"")
        default: return (base, base)
        }
    }

    /// The catalogue as `anime.csv` text (header included, `\n` line ends).
    public func animeCSV(_ titles: [Title]) -> String {
        var text = AnimeRow.columns.joined(separator: ",") + "\n"
        for title in titles {
            let anime = title.anime
            let genres = anime.genres.joined(separator: ", ")
            let fields = [
                String(anime.id.rawValue), Self.quoted(title.encodedName), Self.quoted(genres), anime.type ?? "",
                title.unknownEpisodes ? "Unknown" : anime.episodes.map(String.init) ?? "",
                anime.rating.map { Self.twoDecimals($0) } ?? "", String(anime.members),
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(",") || field.contains("\"") else { return field }
        var escaped = "\""
        for character in field { escaped += character == "\"" ? "\"\"" : String(character) }
        return escaped + "\""
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    // MARK: Ratings

    /// Writes `rating.csv` (`user_id,anime_id,rating`, header first) in chunks of about `chunkSize` bytes,
    /// user by user. Returns the number of rating rows written.
    @discardableResult
    public func writeRatings(
        for titles: [Title], chunkSize: Int = 1 << 20, _ write: ([UInt8]) throws -> Void
    ) rethrows -> Int {
        guard !titles.isEmpty, options.users > 0 else {
            try write(Array("user_id,anime_id,rating\n".utf8))
            return 0
        }
        var random = SeededRandom(seed: options.seed ^ 0x5EED_0F_2A71_4E55)
        let genreNames = Self.genreWeights.map(\.0) + [Anime.adultGenre]
        let genreIndex = Dictionary(uniqueKeysWithValues: genreNames.enumerated().map { ($1, $0) })
        let favouriteCumulative = cumulativeSums(Self.genreWeights.map(\.1) + [3])

        // Per-genre pools of titles with cumulative popularity, plus the global pool.
        var poolMembers = Array(repeating: [Int](), count: genreNames.count)
        for (index, title) in titles.enumerated() {
            for genre in title.anime.genres { if let g = genreIndex[genre] { poolMembers[g].append(index) } }
        }
        // Within a genre, popularity is sharper still, so niche genres' heads do not flatten the global tail.
        let poolCumulative = poolMembers.map { members in
            cumulativeSums(members.map { pow(titles[$0].popularity, 1.3) })
        }
        let globalCumulative = cumulativeSums(titles.map(\.popularity))
        let titleGenres = titles.map { $0.anime.genres.compactMap { genreIndex[$0] } }

        // Activity: log-normal, scaled so that the counts add up to the requested total.
        let perUserCap = max(1, titles.count * 6 / 10)
        var activity = (0..<options.users).map { _ in exp(1.1 * random.normal()) }
        let scale = Double(options.ratings) / activity.reduce(0, +)
        var counts = activity.map { min(perUserCap, max(1, Int($0 * scale))) }
        var missing = options.ratings - counts.reduce(0, +)
        var cursor = 0
        var stalled = 0
        while missing != 0 && stalled < options.users {
            let user = cursor % options.users
            cursor += 1
            if missing > 0 && counts[user] < perUserCap {
                counts[user] += 1
                missing -= 1
                stalled = 0
            } else if missing < 0 && counts[user] > 1 {
                counts[user] -= 1
                missing += 1
                stalled = 0
            } else {
                stalled += 1
            }
        }
        activity = []

        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkSize + 64)
        buffer.append(contentsOf: "user_id,anime_id,rating\n".utf8)
        var takenBy = Array(repeating: -1, count: titles.count)
        let favouriteWeights = [cumulativeSums([1]), cumulativeSums([1, 0.5]), cumulativeSums([1, 0.5, 1.0 / 3])]
        var written = 0
        for user in 0..<options.users {
            var favourites: [Int] = []
            let favouriteCount = 1 + random.below(3)
            for _ in 0..<(favouriteCount * 3) where favourites.count < favouriteCount {
                let genre = random.index(cumulative: favouriteCumulative)
                if !favourites.contains(genre) && !poolMembers[genre].isEmpty { favourites.append(genre) }
            }
            let bias = 0.6 * random.normal()
            let unrated = min(0.95, max(0, options.unratedShare + 0.12 * random.normal()))
            let generosity = 0.6 * random.normal()
            for _ in 0..<counts[user] {
                var pick = -1
                for _ in 0..<60 {
                    let candidate: Int
                    if !favourites.isEmpty && random.chance(options.favouriteGenreShare) {
                        // The first favourite is the strongest: weights 1, 1/2, 1/3.
                        let genre = favourites[random.index(cumulative: favouriteWeights[favourites.count - 1])]
                        candidate = poolMembers[genre][random.index(cumulative: poolCumulative[genre])]
                    } else {
                        candidate = random.index(cumulative: globalCumulative)
                    }
                    if takenBy[candidate] != user {
                        pick = candidate
                        break
                    }
                }
                if pick < 0 {
                    // The user has taken most of what sampling offers: the next free title from a random start.
                    let start = random.below(titles.count)
                    for offset in 0..<titles.count where takenBy[(start + offset) % titles.count] != user {
                        pick = (start + offset) % titles.count
                        break
                    }
                }
                guard pick >= 0 else { continue }
                takenBy[pick] = user
                let matches = titleGenres[pick].reduce(0) { $0 + (favourites.contains($1) ? 1 : 0) }
                let value: Int
                if random.chance(unrated) {
                    value = -1
                } else {
                    let taste = matches > 0 ? 0.8 + 0.25 * Double(matches - 1) : -0.9
                    let score = 6.4 + 1.0 * titles[pick].quality + taste + bias + generosity + 1.1 * random.normal()
                    value = min(10, max(1, Int(score.rounded())))
                }
                Self.appendRow(user: user + 1, anime: Int(titles[pick].anime.id.rawValue), value: value, to: &buffer)
                written += 1
                if buffer.count >= chunkSize {
                    try write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        if !buffer.isEmpty { try write(buffer) }
        return written
    }

    static func appendRow(user: Int, anime: Int, value: Int, to buffer: inout [UInt8]) {
        appendInteger(user, to: &buffer)
        buffer.append(UInt8(ascii: ","))
        appendInteger(anime, to: &buffer)
        buffer.append(UInt8(ascii: ","))
        appendInteger(value, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
    }

    static func appendInteger(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendInteger(-value, to: &buffer)
            return
        }
        var divisor = 1
        while value / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
