/// An anime the user touched that recall expands from, with how much it should count.
public struct Seed: Hashable, Sendable {
    public var anime: AnimeID
    /// Strength in (0, 1]: preference × recency.
    public var weight: Double
    /// ms since the interaction, `nil` for imported history without time.
    public var ageMilliseconds: Int64?

    public init(anime: AnimeID, weight: Double, ageMilliseconds: Int64?) {
        self.anime = anime
        self.weight = weight
        self.ageMilliseconds = ageMilliseconds
    }
}

/// Where a candidate came from; a candidate may have several (a bit set: no allocation per candidate).
public struct RecallSources: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let itemSimilarity = RecallSources(rawValue: 1 << 0)
    public static let collaborative = RecallSources(rawValue: 1 << 1)
    public static let genre = RecallSources(rawValue: 1 << 2)
    public static let trending = RecallSources(rawValue: 1 << 3)
    public static let popular = RecallSources(rawValue: 1 << 4)
}

/// One recalled candidate with the signals every source contributed.
public struct RecalledCandidate: Hashable, Sendable {
    public var anime: AnimeID
    public var sources: RecallSources = []
    /// Best seed weight × neighbour similarity, and the seed it came from.
    public var itemSimilarity: Double = 0
    public var similarTo: AnimeID?
    public var similarSeedAge: Int64?
    /// Precomputed candidate score scaled by the user's best, and its reason.
    public var collaborative: Double = 0
    public var collaborativeReason: Reason?
    /// Genre list this came from (genre source only).
    public var genre: String?
    /// Trending score scaled by the hottest title.
    public var trending: Double = 0
    /// Position-based score in the popular list (1 for the first).
    public var popular: Double = 0

    public init(anime: AnimeID) { self.anime = anime }

    /// A cheap score to choose which candidates survive a recall limit before ranking.
    public var recallScore: Double {
        max(itemSimilarity, collaborative, trending * 0.6, popular * 0.5, genre == nil ? 0 : 0.4)
    }
}

/// Everything recall needs, read from a handful of partitions. Pure input: no I/O below this line.
public struct RecallInputs: Sendable {
    /// Everything the user interacted with (the seen filter).
    public var interactions: [Interaction]
    /// The user's recent clicks and views, newest first.
    public var recentEvents: [UserEvent]
    /// The user's precomputed candidates from the live run, best first.
    public var precomputed: [Candidate]
    /// Neighbour lists of the seeds.
    public var neighbors: [AnimeID: [ScoredAnime]]
    /// Per-genre popular lists for the user's favourite genres.
    public var genreLists: [String: [ScoredAnime]]
    /// Trending now, hottest first.
    public var trending: [ScoredAnime]
    /// Popular overall, best first.
    public var popular: [ScoredAnime]
    /// Catalogue entries for the seeds, the user's positive history and every candidate.
    public var catalogue: [AnimeID: Anime]
    /// ms since 1970.
    public var now: Int64

    public init(
        interactions: [Interaction] = [], recentEvents: [UserEvent] = [], precomputed: [Candidate] = [],
        neighbors: [AnimeID: [ScoredAnime]] = [:], genreLists: [String: [ScoredAnime]] = [:],
        trending: [ScoredAnime] = [], popular: [ScoredAnime] = [], catalogue: [AnimeID: Anime] = [:], now: Int64
    ) {
        self.interactions = interactions
        self.recentEvents = recentEvents
        self.precomputed = precomputed
        self.neighbors = neighbors
        self.genreLists = genreLists
        self.trending = trending
        self.popular = popular
        self.catalogue = catalogue
        self.now = now
    }
}

/// Recall: which anime are worth ranking for a user. Pure functions over ``RecallInputs``.
public enum Recall {
    /// Half-life of a click or view as a seed.
    public static let eventHalfLifeMilliseconds = 3.0 * 86_400_000

    /// The anime to expand from: recent events (weighted by kind and age) merged with the best-liked
    /// history, strongest first, at most `maximum`.
    public static func seeds(interactions: [Interaction], recentEvents: [UserEvent], now: Int64, maximum: Int = 20) -> [Seed] {
        var best: [AnimeID: Seed] = [:]
        func offer(_ seed: Seed) {
            if let existing = best[seed.anime], existing.weight >= seed.weight { return }
            best[seed.anime] = seed
        }
        for event in recentEvents {
            let age = max(0, now - event.at)
            let decay = exp2(-Double(age) / eventHalfLifeMilliseconds)
            offer(Seed(anime: event.anime, weight: max(0.05, min(1, event.kind.weight * 1.5 * decay + 0.1)), ageMilliseconds: age))
        }
        for interaction in interactions where interaction.isPositive {
            let age = interaction.lastAt.map { max(0, now - $0) }
            // Imported history has no time: count it as moderately recent.
            let recency = age.map { 0.5 + 0.5 * exp2(-Double($0) / FeatureScaling.recencyHalfLifeMilliseconds) } ?? 0.75
            offer(Seed(anime: interaction.anime, weight: min(1, interaction.preference * recency), ageMilliseconds: age))
        }
        return best.values.sorted { ($0.weight, $1.anime) > ($1.weight, $0.anime) }.prefix(maximum).map { $0 }
    }

    /// The anime the user has already interacted with (never recommended again).
    public static func seen(interactions: [Interaction], recentEvents: [UserEvent]) -> Set<AnimeID> {
        Set(interactions.map(\.anime)).union(recentEvents.map(\.anime))
    }

    /// The user's genre taste from positive history and recent events.
    public static func genreAffinity(
        interactions: [Interaction], recentEvents: [UserEvent], catalogue: [AnimeID: Anime]
    ) -> [String: Double] {
        var liked: [(genres: [String], weight: Double)] = []
        for interaction in interactions where interaction.isPositive {
            if let anime = catalogue[interaction.anime] { liked.append((anime.genres, interaction.preference)) }
        }
        for event in recentEvents {
            if let anime = catalogue[event.anime] { liked.append((anime.genres, event.kind.weight)) }
        }
        return FeatureScaling.genreAffinity(of: liked)
    }

    /// Merges every source into one candidate per anime, leaving out seen, unknown and (unless
    /// `includeAdult`) adult titles.
    public static func merge(_ inputs: RecallInputs, seeds: [Seed], includeAdult: Bool) -> [RecalledCandidate] {
        let excluded = seen(interactions: inputs.interactions, recentEvents: inputs.recentEvents)
        var merged: [AnimeID: RecalledCandidate] = [:]
        func admit(_ id: AnimeID) -> Bool {
            guard !excluded.contains(id), let anime = inputs.catalogue[id] else { return false }
            return includeAdult || !anime.isAdult
        }
        func update(_ id: AnimeID, _ body: (inout RecalledCandidate) -> Void) {
            guard admit(id) else { return }
            body(&merged[id, default: RecalledCandidate(anime: id)])
        }

        for seed in seeds {
            for neighbor in inputs.neighbors[seed.anime] ?? [] {
                let score = seed.weight * neighbor.score
                update(neighbor.anime) { candidate in
                    candidate.sources.insert(.itemSimilarity)
                    if score > candidate.itemSimilarity {
                        candidate.itemSimilarity = score
                        candidate.similarTo = seed.anime
                        candidate.similarSeedAge = seed.ageMilliseconds
                    }
                }
            }
        }
        let bestPrecomputed = inputs.precomputed.map(\.score).max() ?? 0
        for candidate in inputs.precomputed {
            update(candidate.anime) {
                $0.sources.insert(.collaborative)
                $0.collaborative = max($0.collaborative, FeatureScaling.normalized(candidate.score, max: bestPrecomputed))
                $0.collaborativeReason = $0.collaborativeReason ?? candidate.reason
            }
        }
        for (genre, list) in inputs.genreLists.sorted(by: { $0.key < $1.key }) {
            for item in list {
                update(item.anime) {
                    $0.sources.insert(.genre)
                    $0.genre = $0.genre ?? genre
                }
            }
        }
        let hottest = inputs.trending.map(\.score).max() ?? 0
        for item in inputs.trending {
            update(item.anime) {
                $0.sources.insert(.trending)
                $0.trending = max($0.trending, FeatureScaling.normalized(item.score, max: hottest))
            }
        }
        for (position, item) in inputs.popular.enumerated() {
            update(item.anime) {
                $0.sources.insert(.popular)
                $0.popular = max($0.popular, 1 - Double(position) / Double(max(1, inputs.popular.count)))
            }
        }
        // Score once, then sort the scores: recallScore is not free and a sort compares n log n times.
        return merged.values.map { ($0.recallScore, $0) }
            .sorted { ($0.0, $1.1.anime) > ($1.0, $0.1.anime) }
            .map(\.1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How much recall reads per user. Serving and the ranker's training replay take their defaults
/// from ``standard``, so the model is trained on candidate pools of the size it will rank.
public struct RecallLimits: Hashable, Sendable {
    /// Seeds expanded through their neighbour lists.
    public var seeds: Int
    /// Neighbours read per seed.
    public var neighborsPerSeed: Int
    /// Favourite genres whose popular lists are read.
    public var favouriteGenres: Int
    /// Items read per genre list.
    public var genreListSize: Int
    /// Popular items considered.
    public var popular: Int
    /// Positive interactions whose genres define taste.
    public var tasteHistory: Int

    /// The limits serving uses.
    public static let standard = RecallLimits(
        seeds: 20, neighborsPerSeed: 20, favouriteGenres: 2, genreListSize: 20, popular: 50, tasteHistory: 200)
}
