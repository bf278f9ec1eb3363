/// What of a run is fully written: the parts of its stages recorded in `run_progress`
/// (DESIGN §3.2). A part's rows are written before its record, so a recorded part is whole.
public struct RunProgress: Hashable, Sendable {
    /// The stages of a run, in the order a rebuild writes them.
    public enum Stage: String, Hashable, Sendable, CaseIterable {
        case catalogue
        case neighbours
        case candidates
        case lists
        /// Recorded once every other stage is whole; activation requires it.
        case complete

        /// The stages whose parts make a run whole.
        public static let content: [Stage] = [.catalogue, .neighbours, .candidates, .lists]
    }

    /// One recorded part: part `part` of `total` of `stage`.
    public struct Part: Hashable, Sendable {
        public var stage: Stage
        public var part: Int
        public var total: Int

        public init(stage: Stage, part: Int, total: Int) {
            self.stage = stage
            self.part = part
            self.total = total
        }
    }

    /// The recorded parts.
    public private(set) var parts: Set<Part>

    public init(_ parts: some Sequence<Part> = []) { self.parts = Set(parts) }

    /// Whether part `part` of a stage cut into `total` parts is recorded. A record made for another
    /// cut (the data changed in between) does not count.
    public func isDone(_ stage: Stage, part: Int, of total: Int) -> Bool {
        parts.contains(Part(stage: stage, part: part, total: total))
    }

    /// Whether every part of `stage` is recorded, under the cut of any of its records.
    public func isWhole(_ stage: Stage) -> Bool {
        let recorded = parts.filter { $0.stage == stage }
        guard let total = recorded.first?.total, total > 0 else { return false }
        return (0..<total).allSatisfy { isDone(stage, part: $0, of: total) }
    }

    /// The content stages that are not whole, in order.
    public var missingStages: [Stage] { Stage.content.filter { !isWhole($0) } }

    /// Whether the run was recorded complete.
    public var isComplete: Bool { isWhole(.complete) }

    /// Records a part.
    public mutating func insert(_ part: Part) { parts.insert(part) }

    /// How many recorded parts belong to content stages (what a resumed rebuild skips).
    public var contentParts: Int { parts.filter { $0.stage != .complete }.count }
}
