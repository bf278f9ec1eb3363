/// The identity and metadata of one offline rebuild. Readers only ever see the live run, so a
/// rebuild in progress never exposes half-written lists.
public struct ModelRun: Hashable, Sendable {
    public var id: String
    /// ms since 1970.
    public var createdAt: Int64
    /// The ranking model trained in this run, if any.
    public var ranker: RankerWeights?

    public init(id: String, createdAt: Int64, ranker: RankerWeights?) {
        self.id = id
        self.createdAt = createdAt
        self.ranker = ranker
    }
}
