/// A user's relations to titles as the user partition holds them (DESIGN §3.2): per title the
/// imported rating and like, the time of the last event written, the "not interested" verdict, and
/// the clicks and views of the last 90 days as ``EventMark``s keyed by event id. From it come the interactions (with exact
/// event counts: one entry per event id) and the recent events, so a request reads the user once.
public struct UserState: Sendable {
    public let user: UserID
    /// One per title, in the order added (the partition's anime id order).
    public private(set) var interactions: [Interaction] = []
    /// The hours in which pages showed titles to the user (the `shown` entries), in row order.
    public private(set) var exposures: [Exposure] = []
    private var events: [UserEvent] = []

    public init(user: UserID) { self.user = user }

    /// Adds one title's row. `events` are its map entries; one whose kind this build does not know
    /// is left out of the recent events but still counted (it is an event of the title).
    /// `dislikedAt` is the verdict (`nil` none, or taken back).
    public mutating func add(
        anime: AnimeID, rating: Int8?, liked: Bool?, lastAt: Int64?, dislikedAt: Int64? = nil,
        events entries: some Sequence<(EventID, Int64)>
    ) {
        var count: Int32 = 0
        var newest = lastAt
        for (id, packed) in entries {
            count &+= 1
            guard let mark = EventMark(packed: packed) else { continue }
            events.append(mark.event(id: id, user: user, anime: anime))
            // A retried older event may have written `last_at` after a newer one: the marks know better.
            newest = max(newest ?? mark.at, mark.at)
        }
        interactions.append(
            Interaction(anime: anime, rating: rating, liked: liked, events: count, lastAt: newest, dislikedAt: dislikedAt))
    }

    /// Adds one title's `shown` entries (hour → the newest time shown in it). A row may hold them
    /// and nothing else: a title shown but never touched is no interaction.
    public mutating func addExposures(anime: AnimeID, shown: some Sequence<(hour: Int32, at: Int64)>) {
        for entry in shown { exposures.append(Exposure(anime: anime, at: entry.at)) }
    }

    /// Adds one page of titles shown at `at` (``ExposurePage``).
    public mutating func addExposures(page anime: [AnimeID], at: Int64) {
        for title in anime { exposures.append(Exposure(anime: title, at: at)) }
    }

    /// Whether pages may hold exposures still alive (the store saw its marker of a recent
    /// impression batch), so that they are worth a read.
    public var hasRecentPages = false

    /// The newest `limit` exposures newer than `after` (ms since 1970), one per title and hour (the
    /// newest): a row's entries live as long as exposures count from their write, and one written
    /// with an older time is past its lifetime sooner.
    public func exposures(after: Int64, limit: Int = Exposure.readLimit) -> [Exposure] {
        var newest: [Exposure] = []
        var index: [Int64: Int] = [:]
        for exposure in exposures where exposure.at > after {
            let key = Int64(exposure.anime.rawValue) << 32 | Int64(UInt32(bitPattern: exposure.hour))
            if let position = index[key] {
                if exposure.at > newest[position].at { newest[position].at = exposure.at }
            } else {
                index[key] = newest.count
                newest.append(exposure)
            }
        }
        guard newest.count > limit else { return newest }
        return Array(newest.sorted { ($0.at, $0.anime) > ($1.at, $1.anime) }.prefix(limit))
    }

    /// What a request reads of the interactions: the first `limit` in anime id order, and every
    /// "not interested" past them (a verdict must hold however long the history), in that order.
    public func interactions(limit: Int) -> [Interaction] {
        guard interactions.count > limit else { return interactions }
        let verdicts = interactions.dropFirst(max(0, limit)).filter(\.isDisliked)
        return Array(interactions.prefix(max(0, limit))) + verdicts
    }

    /// The events from `sinceDay` on, newest first (ties by id), at most `limit`.
    public func recentEvents(sinceDay: Int32, limit: Int) -> [UserEvent] {
        guard limit > 0 else { return [] }
        return Array(
            events.filter { $0.day >= sinceDay }
                .sorted { ($0.at, $0.id.high, $0.id.low) > ($1.at, $1.id.high, $1.id.low) }
                .prefix(limit))
    }
}
