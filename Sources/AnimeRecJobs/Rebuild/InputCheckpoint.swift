import AnimeRecCore
import AnimeRecTraining

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a rebuild read from the store (the catalogue and every user's history), kept in a local
/// file until the rebuild has written all it writes, so that a rebuild resumed on the same host neither reads the
/// store again nor fits the model on different data than the parts it already wrote.
///
/// Layout: the magic `ARINPUT1`; the catalogue as a ``PackedList`` value behind its UInt32 length;
/// per user its id (Int64), interaction count (UInt32) and per interaction anime id (Int32), rating
/// (Int8, `Int8.min` none), liked (Int8, −1 none), events (Int32), last time (Int64, `Int64.min`
/// none); then a user 0 with the count `UInt32.max` as the end mark. All big-endian. The file is written under a
/// temporary name and renamed once whole, so a rebuild killed while writing it leaves none.
struct InputCheckpoint {
    /// The checkpoint's path.
    let path: String

    /// The checkpoint of run `runID` on the store described by `store`, under `directory`.
    init(directory: String, store: String, runID: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (store + "\u{0}" + runID).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let safeRun = String(runID.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" ? Character($0) : "_" })
        path = directory + "/" + safeRun + "-" + String(hash, radix: 16) + ".input"
    }

    static let magic = Array("ARINPUT1".utf8)
    static let endMark = UInt32.max

    /// Collects a checkpoint's bytes as the histories stream in; ``finish()`` writes the file, whole
    /// or not at all.
    struct Writer {
        let path: String
        private var bytes: [UInt8]

        init(path: String, catalogue: [Anime]) {
            self.path = path
            bytes = InputCheckpoint.magic
            let packed = PackedList.encode(catalogue)
            append(UInt32(packed.count))
            bytes += packed
        }

        mutating func add(_ histories: [UserHistory]) {
            for history in histories {
                append(UInt64(bitPattern: history.user.rawValue))
                append(UInt32(history.interactions.count))
                for interaction in history.interactions {
                    append(UInt32(bitPattern: interaction.anime.rawValue))
                    bytes.append(UInt8(bitPattern: interaction.rating ?? Int8.min))
                    bytes.append(UInt8(bitPattern: interaction.liked.map { $0 ? 1 : 0 } ?? -1))
                    append(UInt32(bitPattern: interaction.events))
                    append(UInt64(bitPattern: interaction.lastAt ?? Int64.min))
                }
            }
        }

        mutating func finish() throws {
            append(UInt64(0))
            append(InputCheckpoint.endMark)
            let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let partial = path + ".partial"
            try Data(bytes).write(to: URL(fileURLWithPath: partial))
            bytes = []
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        }

        private mutating func append<T: FixedWidthInteger>(_ value: T) {
            BigEndianBytes.append(value, to: &bytes)
        }
    }

    /// The checkpoint's catalogue and histories, or `nil` when there is no whole checkpoint.
    func read() -> (catalogue: [Anime], histories: [UserHistory])? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var reader = BigEndianBytes.Reader([UInt8](data))
        guard reader.bytes(Self.magic.count) == Self.magic, let length = reader.integer(UInt32.self),
            let packed = reader.bytes(Int(length)), let catalogue = PackedList.catalogue(packed)
        else { return nil }
        var histories: [UserHistory] = []
        while true {
            guard let user = reader.integer(UInt64.self), let count = reader.integer(UInt32.self) else { return nil }
            if count == Self.endMark { break }
            var interactions: [Interaction] = []
            interactions.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let anime = reader.integer(UInt32.self), let rating = reader.integer(Int8.self),
                    let liked = reader.integer(Int8.self), let events = reader.integer(UInt32.self),
                    let last = reader.integer(Int64.self)
                else { return nil }
                interactions.append(Interaction(
                    anime: AnimeID(Int32(bitPattern: anime)), rating: rating == Int8.min ? nil : rating,
                    liked: liked < 0 ? nil : liked != 0, events: Int32(bitPattern: events),
                    lastAt: last == Int64.min ? nil : last))
            }
            histories.append(UserHistory(user: UserID(Int64(bitPattern: user)), interactions: interactions))
        }
        return (catalogue, histories)
    }

    /// Removes the checkpoint (the run is complete).
    func remove() {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

}
