import AnimeRecCore
import AnimeRecTraining
import AnimeRecStore

/// The `eval` job: loads the interactions (from a store, or from files imported into a scratch
/// SQLite store that is deleted afterwards) and runs ``OfflineEvaluation``.
public struct Evaluator: Sendable {
    /// Evaluation options (split, tuning grids, model options).
    public var options: OfflineEvaluation.Options
    /// Where progress lines go.
    public var progress: ProgressOutput

    /// An evaluator with `options` reporting to `progress`.
    public init(
        options: OfflineEvaluation.Options = OfflineEvaluation.Options(), progress: ProgressOutput = .standardError
    ) {
        self.options = options
        self.progress = progress
    }

    /// Reads the store and evaluates.
    public func evaluate(store: some RecStore) async throws -> OfflineEvaluation.Report {
        try await evaluate(try await ModelInput.load(from: store, progress: progress, step: "eval"))
    }

    private func importInto(_ scratch: some RecStore, anime: String, ratings: String) async throws {
        let importer = Importer(progress: progress)
        for report in [try await importer.importAnime(from: anime, into: scratch), try await importer.importRatings(from: ratings, into: scratch)] {
            guard report.imported > 0 else {
                throw RebuildError(message: "\(report.path): no valid row was read (\(report.bad) bad of \(report.rows))")
            }
        }
    }

    /// Evaluates data already loaded on the holdout of each of `seeds` in turn (the data is read once).
    public func evaluate(_ input: ModelInput, seeds: [UInt64]) async throws -> [OfflineEvaluation.Report] {
        var reports: [OfflineEvaluation.Report] = []
        for seed in seeds {
            var job = self
            job.options.seed = seed
            reports.append(try await job.evaluate(input))
        }
        return reports
    }

    /// Reads the store and evaluates on the holdout of each of `seeds`.
    public func evaluate(store: some RecStore, seeds: [UInt64]) async throws -> [OfflineEvaluation.Report] {
        try await evaluate(try await ModelInput.load(from: store, progress: progress, step: "eval"), seeds: seeds)
    }

    /// Imports `anime` and `ratings` (any format `import` takes) into `scratch` and evaluates them on
    /// the holdout of each of `seeds`.
    public func evaluate(
        anime: String, ratings: String, scratch: some RecStore, seeds: [UInt64]
    ) async throws -> [OfflineEvaluation.Report] {
        try await importInto(scratch, anime: anime, ratings: ratings)
        return try await evaluate(store: scratch, seeds: seeds)
    }

    /// Evaluates data already loaded.
    public func evaluate(_ input: ModelInput) async throws -> OfflineEvaluation.Report {
        let started = ContinuousClock.now
        let output = progress
        progress.line(
            "eval: holding out \(Int(options.holdoutShare * 100)) % of the interactions of up to \(Format.count(options.users)) users "
                + "(seed \(options.seed)\(options.likedOnly ? ", liked items only are relevant" : ""))")
        let report = try await OfflineEvaluation.run(
            input.matrix, facts: input.facts, options: options, now: WallClock.nowMilliseconds, progress: { output.line($0) })
        progress.line(
            "eval: done: \(Format.count(report.testUsers)) users evaluated (of \(Format.count(input.matrix.users.count)) with interactions) "
                + "in \(Format.seconds(ContinuousClock.now.secondsSince(started)))")
        return report
    }
}
