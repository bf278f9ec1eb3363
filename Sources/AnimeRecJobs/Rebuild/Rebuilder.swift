import AnimeRecCore
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
    /// The ranker trained for the run, if training ran and found examples.
    public var ranker: RankerTraining.Outcome?
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
        ]
        if let ranker {
            let weights = zip(RankingFeatures.names, ranker.weights.weights).map { "\($0)=\(format($1))" }
            lines.append(
                "ranker: \(Format.count(ranker.examples)) examples (\(Format.count(ranker.positives)) positive) from "
                    + "\(Format.count(ranker.users)) users, log-loss \(format(ranker.logLoss)); bias=\(format(ranker.weights.bias)) "
                    + weights.joined(separator: " ")
                    + (ranker.untrainedFeatures.isEmpty
                        ? "" : "; kept fallback weight for " + ranker.untrainedFeatures.joined(separator: ", "))
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
/// ranker. Readers keep the previous run until ``RecStore/activate(run:)`` switches them in one step.
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

    /// Runs the whole rebuild against `store` and activates the new run.
    public func rebuild(store: some RecStore) async throws -> RebuildReport {
        let started = ContinuousClock.now
        var phases: [RebuildReport.Phase] = []
        var phaseStart = ContinuousClock.now
        func endPhase(_ name: String) {
            let now = ContinuousClock.now
            phases.append(.init(name: name, seconds: now.secondsSince(phaseStart)))
            phaseStart = now
        }

        let input = try await ModelInput.load(from: store, batchSize: options.scanBatchSize, progress: progress)
        endPhase("read")
        let matrix = input.matrix
        let facts = input.facts
        let now = WallClock.nowMilliseconds

        var ranker: RankerTraining.Outcome?
        if options.trainRanker {
            ranker = try await train(matrix: matrix, facts: facts, now: now)
            endPhase("train ranker")
        }

        progress.line("rebuild: \(options.model.kind.rawValue) neighbours of \(Format.count(matrix.items.count)) anime")
        let fitted = try await options.model.fit(matrix, traits: facts.similarityTraits)
        let (collaborative, table) = (fitted.collaborative, fitted.table)
        progress.line(
            "rebuild: \(options.model.kind.rawValue) fit in \(Format.seconds(fitted.fitSeconds))"
                + (fitted.ease.map { " over \(Format.count($0.count)) anime (λ=\(options.model.ease.lambda))" } ?? ""))
        let support = matrix.itemSupport()
        endPhase("neighbours")

        let runID = options.runID ?? "run-\(WallClock.nowMilliseconds)"
        try await store.createRun(
            ModelRun(id: runID, createdAt: WallClock.nowMilliseconds, ranker: ranker?.weights ?? RankerWeights.fallback)
        )

        // The catalogue as this run sees it: the service serves the live run's copy.
        try await store.writeCatalogue(run: runID, input.catalogue)

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
        var written = 0
        var meter = ProgressMeter("rebuild: write neighbours", output: progress)
        for start in stride(from: 0, to: neighborLists.count, by: max(1, options.writeBatchSize)) {
            let batch = Array(neighborLists[start..<min(neighborLists.count, start + max(1, options.writeBatchSize))])
            try await store.writeNeighbors(run: runID, batch)
            written += batch.count
            meter.update(rows: written)
        }
        meter.finish(rows: written)
        endPhase("write neighbours")

        var candidateLists = 0
        if options.writeCandidates {
            // From the lists as stored, exactly as a sharded candidates stage reads them back.
            let stored = NeighborTable(stored: Dictionary(neighborLists) { first, _ in first }, items: matrix.items)
            candidateLists = try await writeCandidates(
                matrix: matrix, facts: facts, table: stored, ease: fitted.ease, runID: runID, store: store)
            endPhase("candidates")
        }

        let rankedLists = try await writeLists(
            PopularLists(matrix, facts: facts), facts: facts, items: matrix.items, runID: runID, store: store)
        endPhase("lists")

        if options.activate {
            try await store.activate(run: runID)
            endPhase("activate")
        }
        let report = RebuildReport(
            runID: runID, live: options.activate, users: matrix.users.count, interactions: matrix.interactionCount,
            anime: input.catalogue.count,
            neighborLists: neighborLists.count, fallbackLists: fallbackLists, candidateLists: candidateLists,
            rankedLists: rankedLists, ranker: ranker, phases: phases, seconds: ContinuousClock.now.secondsSince(started)
        )
        progress.line("rebuild: \(report)")
        return report
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
        // EASE scores candidates from the whole model, which needs every user's row: the shard fits
        // it from all histories (deterministic, so every shard and an unstaged rebuild agree) and
        // writes its own users' candidates.
        var ease: EASE?
        if options.model.kind == .ease {
            let whole = try await ModelInput.load(
                from: store, batchSize: options.scanBatchSize, progress: progress, step: "rebuild \(shard): model")
            ease = try await EASE.fit(whole.matrix, options: options.model.ease)
        }
        let written = try await writeCandidates(
            matrix: matrix, facts: input.facts, table: NeighborTable(stored: lists, items: matrix.items), ease: ease,
            runID: runID, store: store)
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
    /// summed from `table`); one write in flight while the next batch is computed.
    private func writeCandidates(
        matrix: InteractionMatrix, facts: ItemFacts, table: NeighborTable, ease: EASE?, runID: String, store: some RecStore
    ) async throws -> Int {
        var recall = CandidateRecall(
            table: table, items: matrix.items, facts: facts, lists: PopularLists(matrix, facts: facts),
            options: options.recall, ease: ease)
        var meter = ProgressMeter("rebuild: candidates", output: progress)
        let batchSize = max(1, options.writeBatchSize)
        var lists = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = false
            var batch: [(UserID, [Candidate])] = []
            for user in 0..<matrix.users.count {
                let (items, preferences) = matrix.row(user)
                let candidates = recall.collaborative(items: items, preferences: preferences)
                if !candidates.isEmpty { batch.append((matrix.users[user], candidates)) }
                if batch.count >= batchSize || (user == matrix.users.count - 1 && !batch.isEmpty) {
                    let ready = batch
                    batch = []
                    lists += ready.count
                    if inFlight { try await group.next() }
                    group.addTask { try await store.writeCandidates(run: runID, ready) }
                    inFlight = true
                    meter.update(rows: user + 1, detail: "\(Format.count(lists)) lists")
                }
            }
            try await group.waitForAll()
        }
        meter.finish(rows: matrix.users.count, detail: "\(Format.count(lists)) candidate lists")
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
