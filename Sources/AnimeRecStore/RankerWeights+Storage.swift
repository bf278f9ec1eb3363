import AnimeRecCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RankerWeights {
    /// The JSON text both stores keep in `model_runs.ranker`.
    func storageText() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    /// Parses ``storageText()``; `nil` for text that is not a ranker.
    init?(storageText: String) {
        guard let value = try? JSONDecoder().decode(RankerWeights.self, from: Data(storageText.utf8)) else { return nil }
        self = value
    }
}
