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
    /// The user's precomputed candidates from the factor model (iALS).
    public static let factors = RecallSources(rawValue: 1 << 5)
    /// The number of sources.
    public static let count = 6
}

/// One recalled candidate with the signals every source contributed.
public struct RecalledCandidate: Hashable, Sendable {
    public var anime: AnimeID
    public var sources: RecallSources = []
    /// Best seed weight × neighbour similarity, and the seed it came from.
    public var itemSimilarity: Double = 0
    public var similarTo: AnimeID?
    public var similarSeedAge: Int64?
    /// Its rank among the candidates the seeds' neighbours gave, by ``itemSimilarity`` (−1 when
    /// none did).
    public var similarityRank: Int32 = -1
    /// The item model's precomputed score scaled by the user's best, its position in the user's
    /// list (−1 when absent), and the precomputed candidate's reason.
    public var collaborative: Double = 0
    public var collaborativeRank: Int32 = -1
    public var collaborativeReason: Reason?
    /// The factor model's precomputed score scaled by the user's best, and its position in that
    /// list (−1 when absent).
    public var factors: Double = 0
    public var factorsRank: Int32 = -1
    /// Genre list this came from (genre source only), and its best position in a favourite
    /// genre's list (−1 when in none).
    public var genre: String?
    public var genreRank: Int32 = -1
    /// Trending score scaled by the hottest title.
    public var trending: Double = 0
    /// Position-based score in the popular list (1 for the first).
    public var popular: Double = 0
    /// How close it is to a title the user is against, 0–1 (``AgainstNeighbours``): the ranker's
    /// ``RankingFeatures/against``.
    public var againstCloseness: Double = 0
    /// How close it is to a title the user said "not interested" in, 0–1 (``AgainstNeighbours``):
    /// ranking demotes it by ``Ranking/dislikedPenalty`` times this.
    public var dislikedCloseness: Double = 0
    /// What impression fatigue takes off its margin (``Fatigue``).
    public var fatigue: Double = 0

    public init(anime: AnimeID) { self.anime = anime }

    /// A cheap score to choose which candidates survive a recall limit before ranking.
    public var recallScore: Double {
        max(itemSimilarity, collaborative, factors, trending * 0.6, popular * 0.5, genre == nil ? 0 : 0.4)
    }
}

/// Recall's inputs as plain lists (tests and one-off callers); serving passes a ``RecallSource``.
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

/// Recall: which anime are worth ranking for a user. Pure functions over the user's partitions and
/// a ``RecallSource``.
public enum Recall {
    /// Half-life of a click or view as a seed.
    public static let eventHalfLifeMilliseconds = 3.0 * 86_400_000

    /// The anime to expand from: recent events (weighted by kind and age) merged with the best-liked
    /// history, strongest first, at most `maximum`. Ratings are read relative to `profile`, by default
    /// that of `interactions`.
    public static func seeds(
        interactions: [Interaction], recentEvents: [UserEvent], now: Int64, maximum: Int = 20, profile: RatingProfile? = nil
    ) -> [Seed] {
        var best: [Seed] = []
        var slots = AnimeSlots(expected: recentEvents.count + min(interactions.count, 256))
        func offer(_ seed: Seed) {
            let slot = Int(slots.insert(seed.anime, Int32(best.count)))
            if slot == best.count {
                best.append(seed)
            } else if best[slot].weight < seed.weight {
                best[slot] = seed
            }
        }
        for event in recentEvents {
            let age = max(0, now - event.at)
            let decay = exp2(-Double(age) / eventHalfLifeMilliseconds)
            offer(Seed(anime: event.anime, weight: max(0.05, min(1, event.kind.weight * 1.5 * decay + 0.1)), ageMilliseconds: age))
        }
        let profile = profile ?? RatingProfile(interactions)
        for interaction in interactions {
            let preference = interaction.preference(relativeTo: profile)
            guard preference > RatingProfile.positiveThreshold else { continue }
            let age = interaction.lastAt.map { max(0, now - $0) }
            // Imported history has no time: count it as moderately recent.
            let recency = age.map { 0.5 + 0.5 * exp2(-Double($0) / FeatureScaling.recencyHalfLifeMilliseconds) } ?? 0.75
            offer(Seed(anime: interaction.anime, weight: min(1, preference * recency), ageMilliseconds: age))
        }
        return best.sortedByScore(\.weight, id: \.anime, limit: maximum)
    }

    /// The user's genre taste from positive history and recent events, kept by `catalogue`'s genre
    /// numbers. Ratings are read relative to `profile`, by default that of `interactions`.
    public static func genreAffinity(
        interactions: [Interaction], recentEvents: [UserEvent], catalogue: some CatalogueLookup, profile: RatingProfile? = nil
    ) -> GenreTaste {
        var taste = GenreTaste.Accumulator(numbering: catalogue.genreNumbering)
        let profile = profile ?? RatingProfile(interactions)
        for interaction in interactions {
            let preference = interaction.preference(relativeTo: profile)
            guard preference > RatingProfile.positiveThreshold, let title = catalogue.titleFeatures(of: interaction.anime) else {
                continue
            }
            taste.add(title.genres, names: catalogue.genres(of: interaction.anime) ?? [], weight: preference)
        }
        for event in recentEvents {
            if let title = catalogue.titleFeatures(of: event.anime) {
                taste.add(title.genres, names: catalogue.genres(of: event.anime) ?? [], weight: event.kind.weight)
            }
        }
        return taste.taste()
    }

    /// The positive interactions whose genres define taste: strongest first (ties by anime), at most
    /// `count`. Preferences are read relative to `profile`, by default that of all of `interactions`.
    public static func tasteHistory(_ interactions: [Interaction], count: Int, profile: RatingProfile? = nil) -> [Interaction] {
        let profile = profile ?? RatingProfile(interactions)
        var positive: [(interaction: Interaction, preference: Double)] = []
        positive.reserveCapacity(interactions.count)
        for interaction in interactions {
            let preference = interaction.preference(relativeTo: profile)
            if preference > RatingProfile.positiveThreshold { positive.append((interaction, preference)) }
        }
        return positive.sortedByScore(\.preference, id: \.interaction.anime, limit: count).map(\.interaction)
    }

    /// The user's genre taste from the `tasteHistory` strongest positive interactions and the recent
    /// events, ratings read relative to `profile` (by default that of all the user's interactions).
    public static func genreAffinity(
        _ user: UserPartitions, tasteHistory count: Int, catalogue: some CatalogueLookup, profile: RatingProfile? = nil
    ) -> GenreTaste {
        let profile = profile ?? RatingProfile(user.interactions)
        return genreAffinity(
            interactions: tasteHistory(user.interactions, count: count, profile: profile), recentEvents: user.recentEvents,
            catalogue: catalogue, profile: profile)
    }

    /// Merges every source into one candidate per anime, leaving out seen, unknown, (unless
    /// `includeAdult`) adult titles and what `filter` does not admit: the neighbours of the seeds, the
    /// precomputed candidates, the popular lists of the favourite genres, trending and the popular list.
    /// Returns the strongest `keep` candidates (all by default), strongest recall signal first.
    public static func merge(
        _ user: UserPartitions, seeds: [Seed], favouriteGenres: [String], trending: some Collection<ScoredAnime>,
        source: some RecallSource, limits: RecallLimits, includeAdult: Bool, filter: ListFilter = ListFilter(),
        keep: Int = .max
    ) -> [RecalledCandidate] {
        // One slot table for every id met: -1 for those left out (seen, unknown, adult, filtered), so
        // each is checked once; otherwise the candidate's index in `merged`.
        let listed = seeds.count * limits.neighborsPerSeed + user.precomputed.count
            + favouriteGenres.count * limits.genreListSize + trending.count + limits.popular
        var slots = AnimeSlots(expected: user.interactions.count + user.recentEvents.count + listed)
        for interaction in user.interactions { slots.insert(interaction.anime, -1) }
        for event in user.recentEvents { slots.insert(event.anime, -1) }
        var merged: [RecalledCandidate] = []
        merged.reserveCapacity(listed)
        func update(_ id: AnimeID, _ body: (inout RecalledCandidate) -> Void) {
            if let slot = slots.value(for: id) {
                if slot >= 0 { body(&merged[Int(slot)]) }
                return
            }
            guard source.admits(id, includeAdult: includeAdult),
                filter.isEmpty || source.anime(id).map(filter.admits) == true
            else {
                slots.insert(id, -1)
                return
            }
            slots.insert(id, Int32(merged.count))
            merged.append(RecalledCandidate(anime: id))
            body(&merged[merged.count - 1])
        }

        for seed in seeds {
            for neighbor in source.neighbors(of: seed.anime, limit: limits.neighborsPerSeed) {
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
        // Neighbours' ranks by similarity, before the other sources add candidates.
        var similar: [(score: Double, index: Int32)] = []
        similar.reserveCapacity(merged.count)
        for (index, candidate) in merged.enumerated() where candidate.itemSimilarity > 0 {
            similar.append((candidate.itemSimilarity, Int32(index)))
        }
        similar.sort { $0.score != $1.score ? $0.score > $1.score : merged[Int($0.index)].anime < merged[Int($1.index)].anime }
        for (rank, entry) in similar.enumerated() { merged[Int(entry.index)].similarityRank = Int32(rank) }

        let bestPrecomputed = user.precomputed.map(\.score).max() ?? 0
        for (position, candidate) in user.precomputed.enumerated() {
            // A list without places is the item model's alone, in its order.
            let itemPlace = candidate.hasPlaces
                ? candidate.itemModel
                : ListPlace(rank: Int32(position), score: Float(FeatureScaling.normalized(candidate.score, max: bestPrecomputed)))
            update(candidate.anime) {
                if itemPlace.isListed {
                    $0.sources.insert(.collaborative)
                    if $0.collaborativeRank < 0 { $0.collaborativeRank = itemPlace.rank }
                    $0.collaborative = max($0.collaborative, min(1, Double(itemPlace.score)))
                }
                if candidate.factorModel.isListed {
                    $0.sources.insert(.factors)
                    if $0.factorsRank < 0 { $0.factorsRank = candidate.factorModel.rank }
                    $0.factors = max($0.factors, min(1, Double(candidate.factorModel.score)))
                }
                $0.collaborativeReason = $0.collaborativeReason ?? candidate.reason
            }
        }
        for genre in favouriteGenres.sorted() {
            for (position, item) in source.genreList(genre, limit: limits.genreListSize).enumerated() {
                update(item.anime) {
                    $0.sources.insert(.genre)
                    $0.genre = $0.genre ?? genre
                    if $0.genreRank < 0 || position < $0.genreRank { $0.genreRank = Int32(position) }
                }
            }
        }
        let hottest = trending.map(\.score).max() ?? 0
        for item in trending {
            update(item.anime) {
                $0.sources.insert(.trending)
                $0.trending = max($0.trending, FeatureScaling.normalized(item.score, max: hottest))
            }
        }
        let popular = source.popular(limit: limits.popular)
        for (position, item) in popular.enumerated() {
            update(item.anime) {
                $0.sources.insert(.popular)
                $0.popular = max($0.popular, 1 - Double(position) / Double(max(1, popular.count)))
            }
        }
        // recallScore is computed once per candidate (sortedByScore keys), not per comparison.
        return merged.sortedByScore(\.recallScore, id: \.anime, limit: keep)
    }

    /// ``merge(_:seeds:favouriteGenres:trending:source:limits:includeAdult:filter:keep:)`` over plain inputs:
    /// every list in `inputs` is used whole.
    public static func merge(_ inputs: RecallInputs, seeds: [Seed], includeAdult: Bool) -> [RecalledCandidate] {
        var lists = [ListKey.popular: inputs.popular]
        for (genre, list) in inputs.genreLists { lists[ListKey.genre(genre)] = list }
        let source = PartialRun(neighbors: inputs.neighbors, lists: lists, catalogue: inputs.catalogue)
        let longest = max(
            1, inputs.popular.count, inputs.neighbors.values.map(\.count).max() ?? 0,
            inputs.genreLists.values.map(\.count).max() ?? 0, inputs.interactions.count)
        let limits = RecallLimits(
            seeds: seeds.count, neighborsPerSeed: longest, favouriteGenres: inputs.genreLists.count, genreListSize: longest,
            popular: longest, tasteHistory: longest)
        return merge(
            UserPartitions(interactions: inputs.interactions, recentEvents: inputs.recentEvents, precomputed: inputs.precomputed),
            seeds: seeds, favouriteGenres: Array(inputs.genreLists.keys), trending: inputs.trending, source: source, limits: limits,
            includeAdult: includeAdult)
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
