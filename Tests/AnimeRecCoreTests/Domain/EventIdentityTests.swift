import AnimeRecCore
import Testing

@Suite("Event identity: the first event under an id claims it")
struct EventIdentityTests {
    let id = EventID(high: 0x1234, low: 0x5678)
    let other = EventID(high: 0x9abc, low: 0xdef0)

    func click(_ id: EventID, user: Int64 = 1, anime: Int32 = 10, at: Int64 = 1_700_000_000_000) -> UserEvent {
        UserEvent(id: id, user: UserID(user), anime: AnimeID(anime), kind: .click, at: at)
    }

    @Test func anUnusedIdIsWritten() {
        #expect(EventIdentity.decide([click(id)], registered: [:]) == [.write])
    }

    @Test func theSameEventUnderAHeldIdIsADuplicateWhateverItsTime() {
        let held: [EventID: StoredEvent?] = [id: StoredEvent(click(id))]
        #expect(EventIdentity.decide([click(id, at: 1_800_000_000_000)], registered: held) == [.settled(.duplicate)])
    }

    @Test func anotherUserAnimeOrKindUnderAHeldIdIsAConflict() {
        let held: [EventID: StoredEvent?] = [id: StoredEvent(click(id))]
        var view = click(id)
        view.kind = .view
        let decisions = EventIdentity.decide([click(id, user: 2), click(id, anime: 11), view], registered: held)
        #expect(decisions == [.settled(.conflict), .settled(.conflict), .settled(.conflict)])
    }

    @Test func withinOneCallTheFirstEventClaimsTheId() {
        let decisions = EventIdentity.decide([click(id), click(other), click(id), click(id, anime: 12)], registered: [:])
        #expect(decisions == [.write, .write, .settled(.duplicate), .settled(.conflict)])
    }

    @Test func anIdHeldByAnEventThisBuildCannotReadIsADuplicateAndNotWrittenOver() {
        let unreadable: [EventID: StoredEvent?] = [id: nil]
        #expect(EventIdentity.decide([click(id), click(id, anime: 12)], registered: unreadable) == [.settled(.duplicate), .settled(.duplicate)])
    }

    @Test func anIdTheStoreHoldsDecidesForEveryCopyInTheCall() {
        let held: [EventID: StoredEvent?] = [id: StoredEvent(click(id))]
        // Another event twice under a held id: each is compared with what the store holds.
        #expect(EventIdentity.decide([click(id, anime: 12), click(id, anime: 12)], registered: held) == [.settled(.conflict), .settled(.conflict)])
    }
}
