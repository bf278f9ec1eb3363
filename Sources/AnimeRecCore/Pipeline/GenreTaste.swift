/// A user's taste per genre, above 0 up to 1 (the favourite), absent for no taste: preference-weighted genre counts over
/// liked titles, scaled so the favourite genre is 1 (``Accumulator``). Kept by number of a
/// ``GenreNumbering`` (an array index per genre), genres without a number by name, so that recall,
/// ranking and the training replay read it without hashing names.
public struct GenreTaste: Sendable {
    /// The numbering ``GenreNumbers`` read against this taste must come from.
    public let numbering: GenreNumbering
    /// Taste by genre number, 0 where there is none.
    private var weights: [Double]
    /// Taste of genres without a number, by name (only those with taste).
    private var others: [String: Double]
    /// Whether the user has no genre taste.
    public private(set) var isEmpty = true

    /// No taste at all.
    public init(numbering: GenreNumbering = .empty) {
        self.numbering = numbering
        weights = Array(repeating: 0, count: numbering.count)
        others = [:]
    }

    /// The taste `byName`, kept by the numbers of `numbering`. A taste is above 0: a value of 0 or
    /// less (or NaN) is no taste and is left out, whatever the numbering.
    public init(_ byName: [String: Double], numbering: GenreNumbering) {
        self.init(numbering: numbering)
        for (genre, value) in byName where value > 0 {
            if let number = numbering.number(of: genre) { weights[Int(number)] = value } else { others[genre] = value }
        }
        isEmpty = self.byName.isEmpty
    }

    /// Sums liked titles' genres into a taste: ``add(_:names:weight:)`` each, then ``taste()``.
    public struct Accumulator {
        private var totals: GenreTaste

        public init(numbering: GenreNumbering) { totals = GenreTaste(numbering: numbering) }

        /// Adds `weight` to every genre of a liked title (the adult genre left out; a weight of 0 or
        /// less adds nothing). `genres` come from the accumulator's numbering; `names` is the same
        /// title's genre list, read only for the entries of `genres` without a number.
        public mutating func add(_ genres: GenreNumbers, names: @autoclosure () -> [String], weight: Double) {
            guard weight > 0 else { return }
            let adult = totals.numbering.adultNumber
            totals.numbering.forEachGenre(genres, names: names) { genre in
                switch genre {
                case .number(let number) where number != adult: totals.weights[Int(number)] += weight
                case .name(let name) where name != Anime.adultGenre: totals.others[name, default: 0] += weight
                default: break
                }
            }
        }

        /// The totals scaled so the largest is 1; no taste when nothing was added.
        public func taste() -> GenreTaste {
            var taste = totals
            let top = max(taste.weights.max() ?? 0, taste.others.values.max() ?? 0)
            guard top > 0 else { return GenreTaste(numbering: totals.numbering) }
            for index in taste.weights.indices where taste.weights[index] > 0 { taste.weights[index] /= top }
            for (genre, total) in taste.others { taste.others[genre] = total / top }
            taste.isEmpty = false
            return taste
        }
    }

    /// The taste for `genre`, `nil` when there is none.
    public subscript(genre: String) -> Double? {
        if let number = numbering.number(of: genre) {
            let value = weights[Int(number)]
            return value > 0 ? value : nil
        }
        return others[genre]
    }

    /// Every genre with taste, by name.
    public var byName: [String: Double] {
        var result = others
        for (number, value) in weights.enumerated() where value > 0 { result[numbering.names[number]] = value }
        return result
    }

    /// This taste kept by the numbers of `numbering` (itself when it already is).
    public func renumbered(_ numbering: GenreNumbering) -> GenreTaste {
        numbering == self.numbering ? self : GenreTaste(byName, numbering: numbering)
    }

    /// The `count` genres liked most, ties by name.
    public func favourites(_ count: Int) -> [String] {
        var liked: [(name: String, value: Double)] = others.map { ($0.key, $0.value) }
        for (number, value) in weights.enumerated() where value > 0 { liked.append((numbering.names[number], value)) }
        return liked.sorted { ($0.value, $1.name) > ($1.value, $0.name) }.prefix(count).map(\.name)
    }

    /// How well a title's genres match: the mean taste over them (0 for a title without genres or
    /// no taste at all). `genres` come from this taste's numbering; `names` is the title's genre
    /// list, read only for genres without a number.
    public func match(_ genres: GenreNumbers, names: @autoclosure () -> [String]) -> Double {
        guard genres.count > 0, !isEmpty else { return 0 }
        var sum = 0.0
        numbering.forEachGenre(genres, names: names) { genre in
            switch genre {
            case .number(let number): sum += weights[Int(number)]
            case .name(let name): sum += others[name] ?? 0
            }
        }
        return sum / Double(genres.count)
    }

    /// The title's genre the user likes most (ties by name), `nil` when it has none with taste.
    public func favourite(of genres: GenreNumbers, names: @autoclosure () -> [String]) -> String? {
        var best: (value: Double, name: String)?
        numbering.forEachGenre(genres, names: names) { genre in
            let (name, value) = switch genre {
            case .number(let number): (numbering.names[Int(number)], weights[Int(number)])
            case .name(let name): (name, others[name] ?? 0)
            }
            guard value > 0 else { return }
            if let current = best, current.value > value || (current.value == value && current.name <= name) { return }
            best = (value, name)
        }
        return best?.name
    }
}

extension GenreTaste: Equatable {
    /// Equal when every genre has the same taste, whatever the numbering.
    public static func == (lhs: GenreTaste, rhs: GenreTaste) -> Bool { lhs.byName == rhs.byName }
}
