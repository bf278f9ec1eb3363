import AnimeRecCore
import AnimeRecTraining
import AnimeRecStore

/// Everything the offline model reads from the store: the catalogue and every user's interactions as a
/// compact matrix, with per-item facts over the same indexes.
public struct ModelInput: Sendable {
    /// The catalogue, in id order (whatever order the store returned it in).
    public var catalogue: [Anime]
    /// All interactions.
    public var matrix: InteractionMatrix
    /// Item facts for the matrix's items.
    public var facts: ItemFacts

    /// Assembles an input from parts (tests, or data already in memory).
    public init(catalogue: [Anime], matrix: InteractionMatrix) {
        self.catalogue = catalogue
        self.matrix = matrix
        facts = ItemFacts(items: matrix.items, anime: catalogue)
    }

    /// Reads the catalogue and scans the histories of `shard` (every user by default) from `store`,
    /// `batchSize` users per read; progress lines are labelled with `step` (the job that reads).
    public static func load(
        from store: some RecStore, shard: ScanShard = .all, batchSize: Int = 2000, progress: ProgressOutput,
        step: String = "rebuild"
    ) async throws -> ModelInput {
        var checkpoint: InputCheckpoint.Writer?
        return try await load(from: store, shard: shard, batchSize: batchSize, progress: progress, step: step, checkpoint: &checkpoint)
    }

    /// ``load(from:shard:batchSize:progress:step:)``, handing what it reads to a checkpoint writer
    /// made for the catalogue by `makeCheckpoint`.
    static func load(
        from store: some RecStore, shard: ScanShard = .all, batchSize: Int = 2000, progress: ProgressOutput,
        step: String = "rebuild", checkpoint: inout InputCheckpoint.Writer?,
        makeCheckpoint: ([Anime]) -> InputCheckpoint.Writer? = { _ in nil }
    ) async throws -> ModelInput {
        let catalogue = try await store.allAnime().sorted { $0.id < $1.id }
        checkpoint = makeCheckpoint(catalogue)
        // No up-front count: on Cassandra that would be a second walk of the whole table.
        var builder = InteractionMatrix.Builder(catalogue: catalogue.map(\.id))
        var meter = ProgressMeter("\(step): read interactions", output: progress)
        var rows = 0
        var writer = checkpoint
        try await store.scanHistories(shard: shard, batchSize: batchSize) { histories in
            writer?.add(histories)
            for history in histories {
                builder.add(history)
                rows += history.interactions.count
            }
            meter.update(rows: rows, detail: "\(Format.count(rows)) interactions")
        }
        checkpoint = writer
        let matrix = builder.build()
        meter.finish(
            rows: matrix.interactionCount,
            detail: "\(Format.count(matrix.users.count)) users, \(Format.count(catalogue.count)) anime in catalogue")
        return ModelInput(catalogue: catalogue, matrix: matrix)
    }

    /// The input a checkpoint holds, built exactly as ``load(from:shard:batchSize:progress:step:)``
    /// builds it from the store.
    init(catalogue: [Anime], histories: [UserHistory]) {
        var builder = InteractionMatrix.Builder(catalogue: catalogue.map(\.id))
        for history in histories { builder.add(history) }
        self.init(catalogue: catalogue, matrix: builder.build())
    }
}
