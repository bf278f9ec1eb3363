import Foundation

/// The numbered migration files in this folder, shipped as package resources.
public enum SchemaFiles {
    /// The two stores' schema folders.
    public enum Dialect: String, Sendable, CaseIterable {
        case sqlite
        case cassandra

        /// The extension of the dialect's files.
        public var fileExtension: String { self == .sqlite ? "sql" : "cql" }
    }

    /// One file's name (without extension) and text.
    public struct File: Sendable, Hashable {
        public var name: String
        public var text: String
    }

    /// The numbered files of `dialect`, in name order (`0001_init`, `0002_…`).
    public static func migrations(_ dialect: Dialect) throws -> [File] {
        guard let folder = Bundle.module.url(forResource: dialect.rawValue, withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Schema/\(dialect.rawValue)"])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix("." + dialect.fileExtension) && $0.first?.isNumber == true }
            .sorted()
        return try names.map { name in
            File(name: String(name.dropLast(dialect.fileExtension.count + 1)),
                 text: try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// The runner's own `schema_migrations` table in `dialect`.
    public static func bookkeeping(_ dialect: Dialect) throws -> File {
        guard let url = Bundle.module.url(forResource: "schema_migrations", withExtension: dialect.fileExtension,
                                          subdirectory: dialect.rawValue)
        else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Schema/\(dialect.rawValue)/schema_migrations"])
        }
        return File(name: "schema_migrations", text: try String(contentsOf: url, encoding: .utf8))
    }
}
