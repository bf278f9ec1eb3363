import AnimeRecCore
/// Which collaborative model fills the per-anime neighbour lists that a run stores and serving
/// expands seeds through, and scores the per-user candidates: EASE (the default: lists of its
/// strongest weights, candidates scored exactly from the whole model) or cosine item-item
/// similarity (candidates summed from the lists). Either way anime the model does not cover get genre neighbours
/// (``ItemSimilarity/withFallback(_:support:traits:options:)``), and `rebuild`, the ranker's training
/// replay and `eval` all build their tables here.
public struct NeighborModel: Hashable, Sendable {
    /// The collaborative models.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// ``EASE``: closed-form item-item regression.
        case ease
        /// ``ItemSimilarity``: shrunk cosine (item-kNN).
        case cosine
    }

    /// The model used.
    public var kind: Kind = .ease
    /// EASE options (``Kind/ease``).
    public var ease = EASE.Options()
    /// Cosine options (``Kind/cosine``), and the genre fallback's options for both kinds.
    public var similarity = ItemSimilarity.Options()
    /// The factor model (iALS) whose per-user candidates join the item model's, or `nil` for none.
    public var factors: ImplicitALS.Options? = ImplicitALS.Options()

    /// The defaults above.
    public init() {}

    /// A fitted model: what a run stores and what its per-user candidates are computed from.
    public struct Fitted: Sendable {
        /// The model's own lists (no fallback).
        public var collaborative: NeighborTable
        /// The lists completed with genre neighbours: what the run stores.
        public var table: NeighborTable
        /// The EASE model itself (``Kind/ease``): per-user candidates are scored exactly from it.
        public var ease: EASE?
        /// The factor model, when ``NeighborModel/factors`` asks for one.
        public var factors: ImplicitALS?
        /// Wall-clock seconds of the model's own fit (for EASE: Gram matrix and inverse).
        public var fitSeconds: Double
        /// Wall-clock seconds of the factor model's fit.
        public var factorSeconds: Double
    }

    /// Fits the model on `matrix`.
    public func fit(_ matrix: InteractionMatrix, traits: ItemSimilarity.ItemTraits) async throws -> Fitted {
        let collaborative: NeighborTable
        var model: EASE?
        let started = ContinuousClock.now
        var fitted = ContinuousClock.now
        switch kind {
        case .ease:
            let ease = try await EASE.fit(matrix, options: ease)
            fitted = ContinuousClock.now
            collaborative = ease.neighborTable(itemCount: matrix.items.count, neighbors: self.ease.neighbors)
            model = ease
        case .cosine:
            collaborative = await ItemSimilarity.collaborative(matrix, options: similarity)
            fitted = ContinuousClock.now
        }
        let table = ItemSimilarity.withFallback(
            collaborative, support: matrix.itemSupport(), traits: traits, options: fallbackOptions)
        let elapsed = (fitted - started).components
        let factorStarted = ContinuousClock.now
        let factorModel = await fitFactors(matrix)
        let factorElapsed = (ContinuousClock.now - factorStarted).components
        return Fitted(
            collaborative: collaborative, table: table, ease: model, factors: factorModel,
            fitSeconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18,
            factorSeconds: Double(factorElapsed.seconds) + Double(factorElapsed.attoseconds) / 1e18)
    }

    /// The factor model of `matrix`, or `nil` when ``factors`` is `nil`.
    public func fitFactors(_ matrix: InteractionMatrix) async -> ImplicitALS? {
        guard let factors else { return nil }
        return await ImplicitALS.fit(matrix, options: factors)
    }

    /// The fallback's options: as configured, keeping every collaborative neighbour the model lists.
    public var fallbackOptions: ItemSimilarity.Options {
        var options = similarity
        if kind == .ease { options.neighbors = max(options.neighbors, ease.neighbors) }
        return options
    }
}
