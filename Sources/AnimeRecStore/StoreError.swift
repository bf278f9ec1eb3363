/// Errors the stores raise themselves (driver errors pass through).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRun(String)
    /// The run is not recorded complete: a rebuild of it was stopped part-way (resume it with
    /// `rebuild --run ID`), or a staged rebuild has shards left.
    case incompleteRun(String, missing: [String])
    /// The store's schema is missing or behind the shipped migrations (run `animerec migrate`).
    case schemaBehind(String)
    /// No node or file answered.
    case unreachable(String)

    public var description: String {
        switch self {
        case .unknownRun(let run): "no model run \(run)"
        case .incompleteRun(let run, let missing):
            "run \(run) is not complete (missing: \(missing.isEmpty ? "its completion record" : missing.joined(separator: ", "))): "
                + "finish it with `animerec rebuild --run \(run)` before making it live"
        case .schemaBehind(let message), .unreachable(let message): message
        }
    }
}
