import AnimeRecCore
import Metrics

/// Whether the lists work, per source (the kind of each item's reason): items served in
/// `/recommends` answers, items of them a page reported shown (`POST /impressions` with their
/// `recommendation_ids`) and clicks or views that carried a `recommendation_id` back.
/// Click-through of a source is `animerec_recommendation_clicks_total{source}` over
/// `animerec_recommendation_impressions_total{source}`.
struct AttributionMetrics: Sendable {
    private let served: [Counter]
    private let shown: [Counter]
    private let clicked: [Counter]

    init() {
        let sources = RecommendationID.Source.allCases
        served = sources.map { Counter(label: "animerec_recommendations_served_total", dimensions: [("source", $0.name)]) }
        shown = sources.map { Counter(label: "animerec_recommendation_impressions_total", dimensions: [("source", $0.name)]) }
        clicked = sources.map { Counter(label: "animerec_recommendation_clicks_total", dimensions: [("source", $0.name)]) }
    }

    private static func index(_ source: RecommendationID.Source) -> Int { Int(source.rawValue) - 1 }

    /// An answer's items, each counted for its reason's source.
    func served(_ list: [Recommendation]) {
        for item in list { served[Self.index(RecommendationID.Source(item.reason))].increment() }
    }

    /// Items a page showed, by the sources their ids name (ids naming none count nowhere).
    func shown(_ ids: some Sequence<RecommendationID>) {
        for id in ids { if let source = id.source { shown[Self.index(source)].increment() } }
    }

    /// A click or view on a recommended item, stored now (a duplicate counts nothing).
    func clicked(_ id: RecommendationID) {
        if let source = id.source { clicked[Self.index(source)].increment() }
    }
}
