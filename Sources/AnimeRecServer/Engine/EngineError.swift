/// What the engine cannot answer yet; the HTTP layer says it as 503 `not_ready`.
public enum EngineError: Error, Equatable, Sendable {
    /// No model run is live: nothing to serve the catalogue from.
    case noLiveRun
}
