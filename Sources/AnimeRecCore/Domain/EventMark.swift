/// What the user partition keeps of one click or view: its kind and time in one 64-bit value (the
/// value of the `events` map of Cassandra's `user_state`, keyed by the event id).
///
/// `at << 4 | code`: 60 bits of milliseconds (signed, so any `at` round-trips) and a 4-bit kind
/// code, room for the kinds to come. A value whose code no kind has is refused (`nil`), never misread.
public struct EventMark: Hashable, Sendable {
    public var kind: EventKind
    public var at: Int64

    public init(kind: EventKind, at: Int64) {
        self.kind = kind
        self.at = at
    }

    /// The stored value.
    public var packed: Int64 { (at << 4) | Int64(Self.code(of: kind)) }

    /// Reads a stored value; `nil` for a kind code this build does not know.
    public init?(packed: Int64) {
        guard let kind = Self.kind(ofCode: UInt8(truncatingIfNeeded: packed & 0xF)) else { return nil }
        self.init(kind: kind, at: packed >> 4)
    }

    /// The event this mark stands for in `user`'s partition under `id`.
    public func event(id: EventID, user: UserID, anime: AnimeID) -> UserEvent {
        UserEvent(id: id, user: user, anime: anime, kind: kind, at: at)
    }

    static func code(of kind: EventKind) -> UInt8 {
        switch kind {
        case .click: 1
        case .view: 2
        case .dislike: 3
        }
    }

    static func kind(ofCode code: UInt8) -> EventKind? {
        EventKind.allCases.first { Self.code(of: $0) == code }
    }
}
