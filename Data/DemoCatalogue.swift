import Foundation

/// The real catalogue the demo serves, shipped as a package resource (see README.md here).
public enum DemoCatalogue {
    /// The path of the shipped `anime.csv`.
    public static func path() throws -> String {
        guard let url = Bundle.module.url(forResource: "anime", withExtension: "csv") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Data/anime.csv"])
        }
        return url.path
    }
}
