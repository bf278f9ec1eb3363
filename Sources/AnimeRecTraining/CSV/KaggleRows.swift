import AnimeRecCore
/// Rows of the Kaggle `anime.csv`: `anime_id,name,genre,type,episodes,rating,members`.
///
/// Quirks handled: `genre` is a quoted `", "`-separated list and may be empty; `type` and `rating` may
/// be empty; `episodes` may be `Unknown` (or empty); names hold HTML entities (`&#039;`, `&quot;`,
/// `&amp;`, `&#x27;`), decoded here.
public enum AnimeRow {
    /// The column names, in file order.
    public static let columns = ["anime_id", "name", "genre", "type", "episodes", "rating", "members"]

    /// Whether a record is the catalogue's header line: exactly ``columns`` (any case, spaces trimmed).
    public static func isHeader(_ fields: [String]) -> Bool {
        fields.map { $0.trimmingASCIISpaces().lowercased() } == columns
    }

    /// Parses one record's fields into an ``Anime``.
    public static func parse(_ fields: [String]) -> Result<Anime, RowError> {
        guard fields.count == columns.count else {
            return .failure(.fieldCount(expected: columns.count, found: fields.count))
        }
        let idText = fields[0].trimmingASCIISpaces()
        let id: AnimeID
        switch IdentifierParser.animeID(Substring(idText)) {
        case .success(let value): id = value
        case .failure(.empty): return .failure(.missing(column: "anime_id"))
        case .failure(.notDigits): return .failure(.notANumber(column: "anime_id", text: idText))
        case .failure(.outOfRange): return .failure(.outOfRange(column: "anime_id", text: idText))
        }
        let name = HTMLEntities.decode(fields[1].trimmingASCIISpaces())
        guard !name.isEmpty else { return .failure(.missing(column: "name")) }
        let typeText = fields[3].trimmingASCIISpaces()

        let episodesText = fields[4].trimmingASCIISpaces()
        var episodes: Int?
        if !episodesText.isEmpty && episodesText != "Unknown" {
            guard let value = Int(episodesText) else {
                return .failure(.notANumber(column: "episodes", text: episodesText))
            }
            guard value >= 0 else { return .failure(.outOfRange(column: "episodes", text: episodesText)) }
            episodes = value
        }

        let ratingText = fields[5].trimmingASCIISpaces()
        var rating: Double?
        if !ratingText.isEmpty {
            guard let value = Double(ratingText), value.isFinite else {
                return .failure(.notANumber(column: "rating", text: ratingText))
            }
            guard (0...10).contains(value) else { return .failure(.outOfRange(column: "rating", text: ratingText)) }
            rating = value
        }

        let membersText = fields[6].trimmingASCIISpaces()
        guard !membersText.isEmpty else { return .failure(.missing(column: "members")) }
        guard let members = Int(membersText) else {
            return .failure(.notANumber(column: "members", text: membersText))
        }
        guard members >= 0 else { return .failure(.outOfRange(column: "members", text: membersText)) }

        return .success(
            Anime(
                id: id, name: name, genres: genres(fields[2]), type: typeText.isEmpty ? nil : typeText,
                episodes: episodes, rating: rating, members: members))
    }

    /// Splits a genre list (`"Action, Adventure"`) into trimmed, non-empty names, keeping their order
    /// and dropping repeats.
    public static func genres(_ text: String) -> [String] {
        var result: [String] = []
        for part in text.split(separator: ",") {
            let genre = String(part).trimmingASCIISpaces()
            if !genre.isEmpty && !result.contains(genre) { result.append(genre) }
        }
        return result
    }
}

/// Which rating file layout a header announces.
public enum RatingFileFormat: String, Hashable, Sendable {
    /// Kaggle `rating.csv`: `user_id,anime_id,rating`; rating 1–10, or -1 for watched but not rated.
    case ratings
    /// `user_id,anime_id,liked`; liked 1 or 0.
    case likes

    /// The format a header record names, or `nil` when the record is not a known header.
    public init?(header fields: [String]) {
        let names = fields.map { $0.trimmingASCIISpaces().lowercased() }
        guard names.count == 3, names[0] == "user_id", names[1] == "anime_id" else { return nil }
        switch names[2] {
        case "rating": self = .ratings
        case "liked": self = .likes
        default: return nil
        }
    }
}

/// Rows of rating files, parsed straight from bytes: this is the hot loop of a 7.8 M row import.
public enum RatingRow {
    /// The rating that Kaggle's "watched but not rated" uses.
    public static let watchedNotRated = -1
    /// The smallest rating that counts as liked.
    public static let likedThreshold: Int8 = 8

    /// Parses one record (no line break) in `format`.
    public static func parse(
        _ record: UnsafeBufferPointer<UInt8>, format: RatingFileFormat
    ) -> Result<ImportedRating, RowError> {
        var commas = (0, 0)
        var found = 0
        for index in 0..<record.count where record[index] == UInt8(ascii: ",") {
            found += 1
            if found == 1 { commas.0 = index } else if found == 2 { commas.1 = index }
        }
        guard found == 2 else { return .failure(.fieldCount(expected: 3, found: found + 1)) }
        let userField = UnsafeBufferPointer(rebasing: record[0..<commas.0])
        let animeField = UnsafeBufferPointer(rebasing: record[(commas.0 + 1)..<commas.1])
        let valueField = UnsafeBufferPointer(rebasing: record[(commas.1 + 1)..<record.count])

        let user: Int64
        switch integer(userField, maximum: Int64.max) {
        case .success(let value): user = value
        case .failure(let kind): return .failure(kind.error(column: "user_id", field: userField))
        }
        let anime: Int64
        switch integer(animeField, maximum: Int64(Int32.max)) {
        case .success(let value): anime = value
        case .failure(let kind): return .failure(kind.error(column: "anime_id", field: animeField))
        }
        let column = format == .ratings ? "rating" : "liked"
        let negative = valueField.first == UInt8(ascii: "-")
        let magnitudeField = negative ? UnsafeBufferPointer(rebasing: valueField.dropFirst()) : valueField
        let magnitude: Int64
        switch integer(magnitudeField, maximum: 100) {
        case .success(let value): magnitude = value
        case .failure(.tooLarge): return .failure(.outOfRange(column: column, text: text(valueField)))
        case .failure(let kind): return .failure(kind.error(column: column, field: valueField))
        }
        let value = negative ? -magnitude : magnitude
        let rating: Int8?
        let liked: Bool?
        switch (format, value) {
        case (.ratings, Int64(watchedNotRated)):
            rating = nil
            liked = nil
        case (.ratings, 1...10):
            rating = Int8(value)
            liked = Int8(value) >= likedThreshold
        case (.likes, 0...1):
            rating = nil
            liked = value == 1
        default:
            return .failure(.outOfRange(column: column, text: text(valueField)))
        }
        return .success(
            ImportedRating(
                user: UserID(rawValue: user), anime: AnimeID(rawValue: Int32(anime)), rating: rating, liked: liked))
    }

    /// Convenience for tests and small inputs.
    public static func parse(_ record: String, format: RatingFileFormat) -> Result<ImportedRating, RowError> {
        var record = record
        return record.withUTF8 { parse($0, format: format) }
    }

    private enum IntegerFailure: Error {
        case empty, notDigits, tooLarge

        func error(column: String, field: UnsafeBufferPointer<UInt8>) -> RowError {
            switch self {
            case .empty: .missing(column: column)
            case .notDigits: .notANumber(column: column, text: RatingRow.text(field))
            case .tooLarge: .outOfRange(column: column, text: RatingRow.text(field))
            }
        }
    }

    private static func integer(_ field: UnsafeBufferPointer<UInt8>, maximum: Int64) -> Result<Int64, IntegerFailure> {
        guard !field.isEmpty else { return .failure(.empty) }
        var value: Int64 = 0
        for byte in field {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return .failure(.notDigits) }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2, next <= maximum else { return .failure(.tooLarge) }
            value = next
        }
        return .success(value)
    }

    private static func text(_ field: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: field, as: UTF8.self)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    func trimmingASCIISpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
}
