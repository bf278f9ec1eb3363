import AnimeRecCore
import AnimeRecStore

/// Runs ``OfflineEvaluation`` on the store's interactions: popularity vs item-CF vs ranked candidates.
public struct Evaluator: Sendable {
    /// Evaluation options (users, K, hold-out share, model options).
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

    /// Reads the store and evaluates. Print ``OfflineEvaluation/Report/table`` for the table.
    public func evaluate(store: some RecStore) async throws -> OfflineEvaluation.Report {
        let input = try await ModelInput.load(from: store, progress: progress, step: "eval")
        return await evaluate(input)
    }

    /// Evaluates data already loaded.
    public func evaluate(_ input: ModelInput) async -> OfflineEvaluation.Report {
        let started = ContinuousClock.now
        progress.line(
            "eval: holding out items of up to \(Format.count(options.users)) users, up to "
                + "\(Format.count(options.trainingUsers)) train the ranker, K=\(options.k)")
        let report = await OfflineEvaluation.run(
            input.matrix, facts: input.facts, options: options, now: WallClock.nowMilliseconds)
        let evaluated = report.rows.first?.summary.users ?? 0
        progress.line(
            "eval: done: \(Format.count(evaluated)) users evaluated (of \(Format.count(input.matrix.users.count)) with interactions) "
                + "in \(Format.seconds(ContinuousClock.now.secondsSince(started)))")
        return report
    }
}
