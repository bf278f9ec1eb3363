import AnimeRecCore
import AnimeRecTraining
import AnimeRecJobs
import AnimeRecStore
import CZlib
import Foundation
import Logging
import Testing

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "animerec-jobs-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A fresh SQLite store in a temporary directory, closed after `body`.
func withSQLiteStore<T>(_ body: (SQLiteStore, String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let store = try await SQLiteStore.open(.init(path: directory + "/test.sqlite"), logger: Logger(label: "test"))
        do {
            let result = try await body(store, directory)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// A fresh SQLite store holding a generated data set (catalogue and ratings imported), closed after `body`.
func withGeneratedStore<T>(
    users: Int, anime: Int, ratings: Int, seed: UInt64, _ body: (SQLiteStore) async throws -> T
) async throws -> T {
    try await withSQLiteStore { store, directory in
        let generated = try DataGenerator(
            options: .init(users: users, anime: anime, ratings: ratings, seed: seed), progress: .silent
        ).write(to: directory + "/data")
        let importer = Importer(progress: .silent)
        _ = try await importer.importAnime(from: generated.animePath, into: store)
        _ = try await importer.importRatings(from: generated.ratingsPath, into: store)
        return try await body(store)
    }
}

/// Writes `bytes` to `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// `text` compressed as one gzip member (zlib `deflateInit2_` with window bits 15 + 16).
func gzip(_ text: String) -> [UInt8] {
    var input = Array(text.utf8)
    var stream = z_stream()
    let status = deflateInit2_(
        &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
        Int32(MemoryLayout<z_stream>.size))
    precondition(status == Z_OK)
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            stream.next_out = target.baseAddress
            stream.avail_out = UInt32(target.count)
            let result = deflate(&stream, Z_FINISH)
            precondition(result == Z_STREAM_END)
            return target.count - Int(stream.avail_out)
        }
    }
    deflateEnd(&stream)
    return Array(output[0..<produced])
}
