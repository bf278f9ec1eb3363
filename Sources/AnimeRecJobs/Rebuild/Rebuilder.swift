import AnimeRecCore
import AnimeRecTraining
import AnimeRecStore

/// What one rebuild produced.
public struct RebuildReport: Hashable, Sendable, CustomStringConvertible {
    /// The run written (and made live, unless ``live`` is false).
    public var runID: String
    /// Whether the run was made live (a staged rebuild activates later, after its shards).
    public var live: Bool = true
    /// Users with interactions.
    public var users: Int
    /// Interactions read.
    public var interactions: Int
    /// Catalogue entries.
    public var anime: Int
    /// Neighbour lists written (one per catalogue anime with neighbours).
    public var neighborLists: Int
    /// Catalogue anime whose list holds genre-fallback neighbours.
    public var fallbackLists: Int
    /// Candidate lists written (one per user with candidates).
    public var candidateLists: Int
    /// Ranked lists written (popular plus one per genre).
    public var rankedLists: Int
    /// The ranker trained for the run, if training ran and found examples (a resumed run keeps the
    /// ranker it stored).
    public var ranker: RankerTraining.Outcome?
    /// Parts a resumed run found already written and skipped.
    public var resumedParts: Int = 0
    /// Seconds per phase, in order.
    public var phases: [Phase]
    /// Wall-clock duration.
    public var seconds: Double

    /// One timed phase.
    public struct Phase: Hashable, Sendable {
        /// What ran.
        public var name: String
        /// How long it took.
        public var seconds: Double
    }

    public var description: String {
        var lines = [
            "run \(runID) \(live ? "live" : "written, not live"): \(Format.count(users)) users, \(Format.count(interactions)) interactions, "
                + "\(Format.count(anime)) anime; \(Format.count(neighborLists)) neighbour lists "
                + "(\(Format.count(fallbackLists)) with genre fallback), \(Format.count(candidateLists)) candidate lists, "
                + "\(rankedLists) ranked lists in \(Format.seconds(seconds))"
                + (resumedParts > 0 ? " (resumed: \(Format.count(resumedParts)) parts were already written)" : "")
        ]
        if let ranker {
            let weights = zip(RankingFeatures.names, ranker.weights.weights).map { "\($0)=\(format($1))" }
            lines.append(
                "ranker: \(Format.count(ranker.examples)) examples (\(Format.count(ranker.positives)) positive) from "
                    + "\(Format.count(ranker.users)) users, log-loss \(format(ranker.logLoss)); bias=\(format(ranker.weights.bias)) "
                    + weights.joined(separator: " ")
                    + (ranker.untrainedFeatures.isEmpty
                        ? "" : "; kept fallback weight for " + ranker.untrainedFeatures.joined(separator: ", "))
                    + (ranker.pinnedFeatures.isEmpty
                        ? "" : "; held at 0 (may only lower a score): " + ranker.pinnedFeatures.joined(separator: ", "))
                    + "; \(ranker.weights.trees.count) boosted trees of depth \(ranker.weights.trees.depth)")
        }
        lines += phases.map { "  \($0.name): \(Format.seconds($0.seconds))" }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String {
        let scaled = Int((value * 1000).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = abs(scaled)
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// Recomputes the model from the store and publishes it as a new run: neighbour lists (item-item CF with
/// genre fallback), per-user item-CF candidates, the popular and per-genre popular lists and a trained
/// ranker. Readers keep the previous run until ``RunWrites/activate(run:)`` switches them in one step.
public struct Rebuilder: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Neighbour computation.
        public var model = NeighborModel()
        /// Candidate recall (the item-CF part is what gets stored per user).
        public var recall = CandidateRecall.Options()
        /// Ranker training.
        public var training = RankerTraining.Options()
        /// Whether to train a ranker (otherwise the run carries ``RankerWeights/fallback``).
        public var trainRanker = true
        /// Users per store read.
        public var scanBatchSize = 2000
        /// Lists per store write.
        public var writeBatchSize = 2000
        /// Length of the popular list.
        public var popularListLength = 200
        /// Length of each genre's popular list.
        public var genreListLength = 100
        /// The run id; by default `run-<milliseconds since 1970>`.
        public var runID: String?
        /// Whether to compute and write every user's candidates (a staged rebuild leaves them to
        /// ``Rebuilder/writeCandidates(store:run:shard:)``, one shard of users per process).
        public var writeCandidates = true
        /// Whether to make the run live at the end.
        public var activate = true
        /// Where the input a run read is kept until the rebuild has written all it writes, so that resuming it on the
        /// same host reads neither the store again nor different data; `nil` keeps none.
        public var checkpointDirectory: String?
        /// Names the store in checkpoint file names (e.g. its URL), so runs of two stores never mix.
        public var storeIdentity = ""

        /// The defaults above.
        public init() {}
    }

    /// The options in use.
    public var options: Options
    /// Where progress lines go.
    public var progress: ProgressOutput

    /// A rebuilder with `options` reporting to `progress`.
    public init(options: Options = Options(), progress: ProgressOutput = .standardError) {
        self.options = options
        self.progress = progress
    }

    /// Runs the whole rebuild against `store` and activates the run.
    ///
    /// With ``Options/runID`` naming a run that exists, the rebuild resumes it: the model is fitted
    /// again in memory (deterministic in its input), the ranker is the one the run stored, and only
    /// the parts without a `run_progress` record are written (DESIGN §3.2). A run is activated only
    /// once every stage is whole.
    public func rebuild(store: some RecStore) async throws -> RebuildReport {
        let started = ContinuousClock.now
        var phases: [RebuildReport.Phase] = []
        var phaseStart = ContinuousClock.now
        func endPhase(_ name: String) {
            let now = ContinuousClock.now
            phases.append(.init(name: name, seconds: now.secondsSince(phaseStart)))
            phaseStart = now
        }

        let runID = options.runID ?? "run-\(WallClock.nowMilliseconds)"
        let existing = try await store.run(runID)
        let done = existing == nil ? RunProgress() : try await store.progress(run: runID)
        if existing == nil {
            progress.line("rebuild: writing run \(runID) (resume it after a crash with `rebuild --run \(runID)`)")
        } else {
            progress.line(
                "rebuild: resuming run \(runID): \(done.contentParts) parts already written"
                    + (done.missingStages.isEmpty ? "" : ", missing \(done.missingStages.map(\.rawValue).joined(separator: ", "))"))
        }

        let checkpoint = options.checkpointDirectory.map { InputCheckpoint(directory: $0, store: options.storeIdentity, runID: runID) }
        let input: ModelInput
        if existing != nil, let checkpoint, let saved = checkpoint.read() {
            progress.line("rebuild: the input run \(runID) read when it started, from \(checkpoint.path)")
            input = ModelInput(catalogue: saved.catalogue, histories: saved.histories)
        } else {
            var writer: InputCheckpoint.Writer?
            input = try await ModelInput.load(
                from: store, batchSize: options.scanBatchSize, progress: progress, checkpoint: &writer,
                makeCheckpoint: { catalogue in checkpoint.map { InputCheckpoint.Writer(path: $0.path, catalogue: catalogue) } })
            do {
                try writer?.finish()
            } catch {
                progress.line("rebuild: no input checkpoint (\(error)); a resumed run will read the store again")
            }
        }
        endPhase("read")
        let matrix = input.matrix
        let facts = input.facts
        let now = WallClock.nowMilliseconds

        // The ranker is stored with the run as soon as it is trained, so a resumed run skips training.
        var ranker: RankerTraining.Outcome?
        if existing == nil {
            if options.trainRanker {
                ranker = try await train(matrix: matrix, facts: facts, now: now)
                endPhase("train ranker")
            }
            try await store.createRun(
                ModelRun(id: runID, createdAt: WallClock.nowMilliseconds, ranker: ranker?.weights ?? RankerWeights.fallback))
        }

        progress.line("rebuild: \(options.model.kind.rawValue) neighbours of \(Format.count(matrix.items.count)) anime")
        let fitted = try await options.model.fit(matrix, traits: facts.similarityTraits)
        let (collaborative, table) = (fitted.collaborative, fitted.table)
        progress.line(
            "rebuild: \(options.model.kind.rawValue) fit in \(Format.seconds(fitted.fitSeconds))"
                + (fitted.ease.map { " over \(Format.count($0.count)) anime (λ=\(options.model.ease.lambda), dropout \(options.model.ease.dropout))" } ?? "")
                + (fitted.factors.map {
                    "; iALS \($0.options.factors) factors in \(Format.seconds(fitted.factorSeconds)) "
                        + "(λ=\($0.options.regularization), α₀=\($0.options.unobservedWeight))"
                } ?? ""))
        let support = matrix.itemSupport()
        endPhase("neighbours")

        let writer = StageWriter(store: store, runID: runID, done: done)

        // The catalogue as this run sees it: the service serves the live run's copy.
        try await writer.part(.catalogue, 0, of: 1) { try await store.writeCatalogue(run: runID, input.catalogue) }

        var neighborLists: [(AnimeID, [ScoredAnime])] = []
        var fallbackLists = 0
        for item in 0..<matrix.items.count where facts.inCatalogue[item] {
            let list = table.pairs(item).filter { facts.inCatalogue[Int($0.item)] }
                .map { ScoredAnime(anime: matrix.items[Int($0.item)], score: Double($0.score)) }
            guard !list.isEmpty else { continue }
            if list.count > collaborative.list(item).neighbors.count
                || Int(support[item]) < options.model.similarity.minimumSupport
            {
                fallbackLists += 1
            }
            neighborLists.append((matrix.items[item], list))
        }
        var meter = ProgressMeter("rebuild: write neighbours", output: progress)
        let neighborParts = Self.parts(neighborLists.count, size: options.writeBatchSize)
        for (part, range) in neighborParts.enumerated() {
            try await writer.part(.neighbours, part, of: neighborParts.count) {
                try await store.writeNeighbors(run: runID, Array(neighborLists[range]))
            }
            meter.update(rows: range.upperBound, detail: writer.status)
        }
        meter.finish(rows: neighborLists.count, detail: writer.status)
        endPhase("write neighbours")

        var candidateLists = 0
        if options.writeCandidates {
            // From the lists as stored, exactly as a sharded candidates stage reads them back.
            let stored = NeighborTable(stored: Dictionary(neighborLists) { first, _ in first }, items: matrix.items)
            candidateLists = try await writeCandidates(
                matrix: matrix, facts: facts, table: stored, ease: fitted.ease, factors: fitted.factors, runID: runID, store: store,
                writer: writer)
            endPhase("candidates")
        }

        let rankedLists = try await writer.part(.lists, 0, of: 1) {
            try await writeLists(PopularLists(matrix, facts: facts), facts: facts, items: matrix.items, runID: runID, store: store)
        } ?? 0
        endPhase("lists")

        if options.writeCandidates {
            try await writer.part(.complete, 0, of: 1) {}
        }
        // Every part this rebuild writes is written (a staged run's shards read the store themselves).
        checkpoint?.remove()
        if options.activate {
            try await store.activate(run: runID)
            endPhase("activate")
        }
        let report = RebuildReport(
            runID: runID, live: options.activate, users: matrix.users.count, interactions: matrix.interactionCount,
            anime: input.catalogue.count,
            neighborLists: neighborLists.count, fallbackLists: fallbackLists, candidateLists: candidateLists,
            rankedLists: rankedLists, ranker: ranker, resumedParts: done.contentParts,
            phases: phases, seconds: ContinuousClock.now.secondsSince(started)
        )
        // The report itself is the caller's to print (once, on standard output).
        if let load = (store as? any LoadReporting)?.loadStatus { progress.line("rebuild: ring load at the end: \(load)") }
        return report
    }

    /// Makes a staged run live once every stage is whole (every shard of its candidates included),
    /// recording it complete first; refuses with what is missing otherwise.
    public func activate(run runID: String, store: some RecStore) async throws {
        guard try await store.run(runID) != nil else { throw StoreError.unknownRun(runID) }
        let done = try await store.progress(run: runID)
        guard done.missingStages.isEmpty else {
            throw StoreError.incompleteRun(runID, missing: done.missingStages.map(\.rawValue))
        }
        if !done.isComplete {
            try await store.recordProgress(run: runID, RunProgress.Part(stage: .complete, part: 0, total: 1))
        }
        try await store.activate(run: runID)
    }

    /// `count` items cut in consecutive ranges of `size` (at least one range, possibly empty).
    static func parts(_ count: Int, size: Int) -> [Range<Int>] {
        let size = max(1, size)
        guard count > 0 else { return [0..<0] }
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }

    /// The candidates stage of a staged rebuild: walks only `shard`'s share of the users (token
    /// ranges on Cassandra), reads the neighbour lists `run` stored, and writes those users'
    /// candidates to `run`. Shards together write exactly what an unstaged rebuild writes.
    public func writeCandidates(store: some RecStore, run runID: String, shard: ScanShard) async throws -> ShardReport {
        let started = ContinuousClock.now
        let input = try await ModelInput.load(
            from: store, shard: shard, batchSize: options.scanBatchSize, progress: progress, step: "rebuild \(shard)")
        let (catalogue, matrix) = (input.catalogue, input.matrix)
        var lists: [AnimeID: [ScoredAnime]] = [:]
        var read = 0
        var listMeter = ProgressMeter("rebuild \(shard): read neighbour lists of run \(runID)", output: progress)
        let ids = catalogue.map(\.id)
        for start in stride(from: 0, to: ids.count, by: 512) {
            let batch = Array(ids[start..<min(ids.count, start + 512)])
            lists.merge(try await store.neighbors(of: batch, run: runID, limit: Self.storedListLimit)) { first, _ in first }
            read += batch.count
            listMeter.update(rows: read)
        }
        listMeter.finish(rows: read, detail: "\(Format.count(lists.count)) lists")
        guard !lists.isEmpty || catalogue.isEmpty else {
            throw RebuildError(message: "run \(runID) has no neighbour lists: write it first with `rebuild --run \(runID) --no-candidates --no-activate`")
        }
        // EASE and iALS score candidates from whole models, which need every user's row: the shard
        // fits them from all histories (deterministic, so every shard and an unstaged rebuild agree)
        // and writes its own users' candidates.
        var ease: EASE?
        var factors: ImplicitALS?
        if options.model.kind == .ease || options.model.factors != nil {
            let whole = try await ModelInput.load(
                from: store, batchSize: options.scanBatchSize, progress: progress, step: "rebuild \(shard): model")
            if options.model.kind == .ease { ease = try await EASE.fit(whole.matrix, options: options.model.ease) }
            factors = await options.model.fitFactors(whole.matrix)
        }
        // The shard is one part of the run's candidates stage; its users are cut no further.
        var writer = StageWriter(store: store, runID: runID, done: RunProgress())
        writer.recordsParts = false
        let written = try await writeCandidates(
            matrix: matrix, facts: input.facts, table: NeighborTable(stored: lists, items: matrix.items), ease: ease,
            factors: factors, runID: runID, store: store, writer: writer)
        try await store.recordProgress(run: runID, RunProgress.Part(stage: .candidates, part: shard.index, total: shard.count))
        return ShardReport(
            runID: runID, shard: shard, users: matrix.users.count, interactions: matrix.interactionCount,
            candidateLists: written, seconds: ContinuousClock.now.secondsSince(started))
    }

    /// Longer than any neighbour list a run stores (``ItemSimilarity/Options/neighbors`` plus the genre fallback).
    static let storedListLimit = 4096

    /// Fits the ranker on a held-out split (``RankerTraining/train(_:facts:model:recall:options:now:)``);
    /// `nil` when no example could be made.
    func train(matrix: InteractionMatrix, facts: ItemFacts, now: Int64) async throws -> RankerTraining.Outcome? {
        progress.line("rebuild: training the ranker on up to \(Format.count(options.training.users)) users' held-out interactions")
        switch try await RankerTraining.train(
            matrix, facts: facts, model: options.model, recall: options.recall, options: options.training, now: now)
        {
        case .success(let outcome): return outcome
        case .failure(let unavailable):
            progress.line("rebuild: \(unavailable.reason) to train the ranker; using fallback weights")
            return nil
        }
    }

    /// Computes and writes every user's collaborative candidates (exact EASE scores with `ease`, else
    /// summed from `table`; joined by `factors`' when given), in parts of ``Options/writeBatchSize`` users; parts `writer` already
    /// has are neither computed nor written. One part's write is in flight while the next is computed.
    private func writeCandidates<Store: RecStore>(
        matrix: InteractionMatrix, facts: ItemFacts, table: NeighborTable, ease: EASE?, factors: ImplicitALS?, runID: String,
        store: Store, writer: StageWriter<Store>
    ) async throws -> Int {
        var recall = CandidateRecall(
            table: table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts),
            options: options.recall, ease: ease, factors: factors)
        var meter = ProgressMeter("rebuild: candidates", output: progress)
        let parts = Self.parts(matrix.users.count, size: options.writeBatchSize)
        let recordsParts = writer.recordsParts
        var lists = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = false
            for (part, range) in parts.enumerated() {
                if writer.done.isDone(RunProgress.Stage.candidates, part: part, of: parts.count) { continue }
                var batch: [(UserID, [Candidate])] = []
                for user in range {
                    let (items, preferences) = matrix.row(user)
                    let candidates = recall.collaborative(items: items, preferences: preferences)
                    if !candidates.isEmpty { batch.append((matrix.users[user], candidates)) }
                }
                let ready = batch
                lists += ready.count
                if inFlight { try await group.next() }
                group.addTask {
                    try await store.writeCandidates(run: runID, ready)
                    if recordsParts {
                        try await store.recordProgress(run: runID, RunProgress.Part(stage: .candidates, part: part, total: parts.count))
                    }
                }
                inFlight = true
                meter.update(rows: range.upperBound, detail: ["\(Format.count(lists)) lists", writer.status].filter { !$0.isEmpty }.joined(separator: ", "))
            }
            try await group.waitForAll()
        }
        meter.finish(rows: matrix.users.count, detail: ["\(Format.count(lists)) candidate lists", writer.status].filter { !$0.isEmpty }.joined(separator: ", "))
        return lists
    }

    /// Writes ``ListKey/popular`` and one ``ListKey/genre(_:)`` list per catalogue genre.
    private func writeLists(
        _ lists: PopularLists, facts: ItemFacts, items: [AnimeID], runID: String, store: some RecStore
    ) async throws -> Int {
        try await store.writeList(
            run: runID, key: ListKey.popular, lists.popular(length: options.popularListLength, items: items))
        let byGenre = lists.byGenre(length: options.genreListLength, items: items, facts: facts)
        for (genre, list) in byGenre.sorted(by: { $0.key < $1.key }) {
            try await store.writeList(run: runID, key: ListKey.genre(genre), list)
        }
        return 1 + byGenre.count
    }
}

/// What one shard of a staged rebuild's candidates stage wrote.
public struct ShardReport: Hashable, Sendable, CustomStringConvertible {
    public var runID: String
    public var shard: ScanShard
    /// Users in the shard.
    public var users: Int
    /// Their interactions.
    public var interactions: Int
    /// Candidate lists written.
    public var candidateLists: Int
    /// Wall-clock duration.
    public var seconds: Double

    public var description: String {
        "run \(runID) shard \(shard): \(Format.count(candidateLists)) candidate lists for \(Format.count(users)) users "
            + "(\(Format.count(interactions)) interactions) in \(Format.seconds(seconds))"
    }
}

/// A rebuild stage that cannot run (e.g. candidates for a run without neighbour lists).
public struct RebuildError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Writes a run's stages part by part: skips parts the run already has, records each part in
/// `run_progress` after its rows.
struct StageWriter<Store: RecStore> {
    let store: Store
    let runID: String
    /// What the run had when the rebuild started.
    let done: RunProgress
    /// Whether parts are recorded one by one (a shard records itself as one part instead).
    var recordsParts = true

    init(store: Store, runID: String, done: RunProgress) {
        self.store = store
        self.runID = runID
        self.done = done
    }

    /// The store's bulk load, for progress lines ("" for a store without one).
    var status: String { (store as? any LoadReporting)?.loadStatus ?? "" }

    /// Runs `write` unless the part is recorded, then records it; returns `write`'s value, or
    /// `nil` for a skipped part.
    @discardableResult
    func part<T>(_ stage: RunProgress.Stage, _ part: Int, of total: Int, _ write: () async throws -> T) async throws -> T? {
        guard !done.isDone(stage, part: part, of: total) else { return nil }
        let value = try await write()
        try await store.recordProgress(run: runID, RunProgress.Part(stage: stage, part: part, total: total))
        return value
    }
}
