import AnimeRecStore

/// A store that runs ``Faults/before`` ahead of every call of the store it wraps: a test's way to
/// make calls fail, stall or count, in any role the wrapped store plays.
public typealias FaultyStore<Base: Sendable> = InterceptedStore<Base, Faults>

extension InterceptedStore where Interceptor == Faults {
    /// `base`, with `before` run ahead of each of its calls (throw to fail the call).
    public init(_ base: Base, before: @escaping @Sendable (StoreOperation) async throws -> Void) {
        self.init(base, interceptor: Faults(before: before))
    }
}

/// The interceptor of ``FaultyStore``.
public struct Faults: StoreInterceptor {
    public let before: @Sendable (StoreOperation) async throws -> Void

    public init(before: @escaping @Sendable (StoreOperation) async throws -> Void) {
        self.before = before
    }

    public func intercept<T>(_ operation: StoreOperation, _ body: () async throws -> T) async throws -> T {
        try await before(operation)
        return try await body()
    }
}
