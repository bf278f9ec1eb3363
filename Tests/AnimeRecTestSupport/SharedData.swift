import Foundation
import Testing

/// The project's shared data set beside the checkout (`../shared/data`, with `likes_sample.csv`).
///
/// Tests that read it carry ``enabled``: skipped when it is missing, run (and failing at
/// ``requireDirectory()``) under `CI=true`.
public enum SharedData {
    /// The directory, or `nil` when it is not next to the package.
    public static let directory: String? = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                let data = url.deletingLastPathComponent().appendingPathComponent("shared/data").path
                return FileManager.default.fileExists(atPath: data + "/likes_sample.csv") ? data : nil
            }
            url = url.deletingLastPathComponent()
        }
        return nil
    }()

    public static var enabled: ConditionTrait {
        .enabled(if: directory != nil || TestRing.isCI, "../shared/data/likes_sample.csv is not next to the package")
    }

    /// The directory, or a failure saying that CI has no shared data.
    public static func requireDirectory() throws -> String {
        guard let directory else { throw Missing() }
        return directory
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "CI=true but ../shared/data/likes_sample.csv is missing" }
    }
}
