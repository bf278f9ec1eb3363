/// One query parameter of an endpoint, with the limits and default the server enforces: the query
/// parsers read them from here, and the OpenAPI document is written from them.
struct QueryParameter: Sendable {
    enum Kind: Sendable {
        /// An integer in the range; the default applies when the parameter is absent.
        case integer(ClosedRange<Int>, default: Int)
        /// A finite decimal number in the range, `nil` default: absent means "not given".
        case number(ClosedRange<Double>, default: Double?)
        /// `true`/`1` or `false`/`0`.
        case boolean(default: Bool)
        /// Text of a length in the range.
        case text(length: ClosedRange<Int>)
        /// One of the values.
        case choice([String], default: String)
        /// Repeatable text, each of a length in the range, at most `maxItems` times.
        case texts(length: ClosedRange<Int>, maxItems: Int)
        /// Anime ids, comma-separated and/or repeated, at most `maxItems` in all.
        case animeIDs(maxItems: Int)
    }

    let name: String
    let description: String?
    let kind: Kind
    /// Whether the request is refused without it (a list parameter then needs at least one item).
    let isRequired: Bool

    init(_ name: String, _ kind: Kind, _ description: String? = nil, required: Bool = false) {
        self.name = name
        self.kind = kind
        self.description = description
        self.isRequired = required
    }

    /// Whether the parameter may be given more than once.
    var isRepeatable: Bool {
        switch kind {
        case .texts, .animeIDs: true
        default: false
        }
    }

    /// The integer range and default (`.integer` parameters).
    var integer: (range: ClosedRange<Int>, default: Int) {
        guard case .integer(let range, let value) = kind else { preconditionFailure("\(name) is not an integer parameter") }
        return (range, value)
    }

    /// The number range and default (`.number` parameters).
    var number: (range: ClosedRange<Double>, default: Double?) {
        guard case .number(let range, let value) = kind else { preconditionFailure("\(name) is not a number parameter") }
        return (range, value)
    }

    /// The text length range and, for repeatable text, how many at most.
    var text: (length: ClosedRange<Int>, maxItems: Int) {
        switch kind {
        case .text(let length): return (length, 1)
        case .texts(let length, let maxItems): return (length, maxItems)
        default: preconditionFailure("\(name) is not a text parameter")
        }
    }

    /// How many ids at most (`.animeIDs` parameters).
    var maxItems: Int {
        guard case .animeIDs(let maxItems) = kind else { preconditionFailure("\(name) is not a list of ids") }
        return maxItems
    }
}
