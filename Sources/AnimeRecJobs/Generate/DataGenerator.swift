import AnimeRecCore
import AnimeRecTraining

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `generate` wrote.
public struct GenerateReport: Hashable, Sendable, CustomStringConvertible {
    /// Path of the catalogue file.
    public var animePath: String
    /// Path of the rating file.
    public var ratingsPath: String
    /// Catalogue rows written.
    public var anime: Int
    /// Rating rows written.
    public var ratings: Int
    /// Wall-clock duration.
    public var seconds: Double

    public var description: String {
        "wrote \(Format.count(anime)) anime to \(animePath) and \(Format.count(ratings)) ratings to \(ratingsPath) "
            + "in \(Format.seconds(seconds))"
    }
}

/// Writes a synthetic Kaggle-format data set (`anime.csv`, `rating.csv`) with ``SyntheticDataGenerator``.
public struct DataGenerator: Sendable {
    /// The generator options (sizes and seed).
    public var options: SyntheticDataGenerator.Options
    /// Where progress lines go.
    public var progress: ProgressOutput

    /// A job for `options`.
    public init(options: SyntheticDataGenerator.Options, progress: ProgressOutput = .standardError) {
        self.options = options
        self.progress = progress
    }

    /// Creates `path` and any missing parents (`mkdir -p`).
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw InputError(path: prefix, reason: String(cString: strerror(errno)))
            }
            prefix += "/"
        }
    }

    /// Writes `anime.csv` and `rating.csv` into `directory` (created with its parents if missing),
    /// replacing them.
    public func write(to directory: String) throws -> GenerateReport {
        let started = ContinuousClock.now
        try Self.makeDirectories(directory)
        let generator = SyntheticDataGenerator(options: options)
        let titles = generator.catalogue()
        let animePath = directory + "/anime.csv"
        let animeFile = try OutputFile(path: animePath)
        try animeFile.write(Array(generator.animeCSV(titles).utf8))
        try animeFile.close()
        progress.line("generate: \(Format.count(titles.count)) anime written to \(animePath)")
        return try writeRatings(for: titles, catalogue: animePath, into: directory, started: started)
    }

    /// Writes only `rating.csv` into `directory`: behaviour generated for an existing catalogue
    /// (`catalogue`, as read from `animePath`), which keeps its own titles, genres and popularity.
    public func writeRatings(for catalogue: [Anime], readFrom animePath: String, into directory: String) throws -> GenerateReport {
        let started = ContinuousClock.now
        try Self.makeDirectories(directory)
        return try writeRatings(
            for: SyntheticDataGenerator.titles(from: catalogue), catalogue: animePath, into: directory, started: started)
    }

    private func writeRatings(
        for titles: [SyntheticDataGenerator.Title], catalogue animePath: String, into directory: String,
        started: ContinuousClock.Instant
    ) throws -> GenerateReport {
        let ratingsPath = directory + "/rating.csv"
        let ratingsFile = try OutputFile(path: ratingsPath)
        var meter = ProgressMeter("generate ratings", output: progress)
        var lines = 0
        let written = try SyntheticDataGenerator(options: options).writeRatings(for: titles) { chunk in
            try ratingsFile.write(chunk)
            lines += chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            meter.update(rows: lines - 1)
        }
        try ratingsFile.close()
        meter.finish(rows: written)
        return GenerateReport(
            animePath: animePath, ratingsPath: ratingsPath, anime: titles.count, ratings: written,
            seconds: ContinuousClock.now.secondsSince(started))
    }
}

/// A file opened for writing (truncated), written with `write(2)`.
final class OutputFile {
    let path: String
    private var descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw InputError(path: path, reason: String(cString: strerror(errno))) }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                posixWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path: path, reason: String(cString: strerror(errno)))
            }
            offset += count
        }
    }

    func close() throws {
        guard descriptor >= 0 else { return }
        let status = posixClose(descriptor)
        descriptor = -1
        if status != 0 { throw InputError(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit {
        if descriptor >= 0 { _ = posixClose(descriptor) }
    }
}

private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func posixClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
