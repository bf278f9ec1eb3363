/// What an ``InterceptedStore`` runs around each call of the store it wraps.
public protocol StoreInterceptor: Sendable {
    /// Runs `body`, the wrapped store's `operation`, and returns what it returns (or throws what it
    /// throws, or anything else).
    func intercept<T>(_ operation: StoreOperation, _ body: () async throws -> T) async throws -> T
}
