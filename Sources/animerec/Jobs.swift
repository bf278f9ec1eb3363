import AnimeRecCore
import AnimeRecJobs
import AnimeRecServer
import AnimeRecStore
import ArgumentParser
import Foundation
import Logging

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a catalogue and/or ratings in the Kaggle format (plain or gzip; re-import safe).",
        discussion: """
            --anime takes anime.csv (anime_id,name,genre,type,episodes,rating,members).
            --ratings takes rating.csv (user_id,anime_id,rating; -1 = watched, not rated) or a likes file
            (user_id,anime_id,liked). Progress and bad rows go to standard error.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Catalogue file (anime.csv).") var anime: String?
    @Option(help: "Ratings or likes file, plain or gzip.") var ratings: String?
    @Option(help: "Rows per store write.") var batchSize: Int = 20_000

    func validate() throws {
        guard anime != nil || ratings != nil else { throw ValidationError("give --anime, --ratings or both") }
        guard (1...1_000_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 1,000,000 (got \(batchSize))") }
    }

    func run() async throws {
        let configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        var options = Importer.Options()
        options.batchSize = batchSize
        let importer = Importer(options: options)
        try await configuration.store.withStore(for: .write, logger: logger) { store in
            if let anime { try Self.check(try await importer.importAnime(from: anime, into: store)) }
            if let ratings { try Self.check(try await importer.importRatings(from: ratings, into: store)) }
        }
    }
}

extension Import {
    /// Prints the report; a file that stored no valid row (wrong file, wrong header) is a failure.
    static func check(_ report: ImportReport) throws {
        print(report)
        guard report.imported > 0 else {
            throw ImportFailed(message: "\(report.path): no valid row was imported (\(report.bad) bad of \(report.rows)); is it the right file for this option?")
        }
    }
}

/// An import that stored nothing.
struct ImportFailed: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic data set in the Kaggle format (anime.csv, rating.csv), deterministic per seed.")

    @Option(help: "Users.") var users: Int = 2000
    @Option(help: "Catalogue size.") var anime: Int = 1500
    @Option(help: "Ratings to write.") var ratings: Int = 150_000
    @Option(help: "Seed of the pseudo-random generator.") var seed: UInt64 = 42
    @Option(help: "Output directory.") var out: String = "demo-data"

    func validate() throws {
        guard users > 0, anime > 0, ratings >= 0 else { throw ValidationError("--users and --anime must be positive, --ratings not negative") }
        guard users <= 10_000_000, anime <= 1_000_000, ratings <= 100_000_000 else {
            throw ValidationError("--users at most 10,000,000, --anime at most 1,000,000, --ratings at most 100,000,000")
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
    }

    func run() async throws {
        let report = try DataGenerator(options: .init(users: users, anime: anime, ratings: ratings, seed: seed)).write(to: out)
        print(report)
    }
}

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute neighbours, candidates, popular lists and the ranker as a new run, then switch to it atomically.",
        discussion: """
            On a cluster the per-user stage can be split over processes on several hosts (staged rebuild):
              animerec rebuild --run R --no-candidates --no-activate   # once: neighbours, lists, ranker
              animerec rebuild --run R --shard 1/3                      # host 1: its third of the users
              animerec rebuild --run R --shard 2/3                      # host 2 …
              animerec rebuild --run R --shard 3/3                      # host 3 …
              animerec rebuild --activate R                             # once every shard has finished
            Each shard walks only its share of the token ranges; together they write what `rebuild` writes.
            """)

    @OptionGroup var store: StoreOptions
    @Flag(help: "Skip ranker training (the run keeps the hand-set fallback weights).") var noTraining = false
    @Option(help: "The run id to write (default run-<ms since 1970>; required with --shard).") var run: String?
    @Option(help: "Write only this share of the users' candidates, i/n (1 ≤ i ≤ n ≤ 4096), for the existing run --run.")
    var shard: String?
    @Flag(help: "Write the run without per-user candidates (they come from --shard stages).") var noCandidates = false
    @Flag(help: "Leave the run not live (make it live later with --activate).") var noActivate = false
    @Option(help: "Only make this existing run live.") var activate: String?

    func validate() throws {
        if let shard {
            do { _ = try ScanShard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") }
            guard run != nil else { throw ValidationError("--shard needs --run: the run whose neighbour lists the shard reads") }
            guard !noCandidates, !noTraining, activate == nil else {
                throw ValidationError("--shard writes candidates only: it takes no --no-candidates, --no-training or --activate")
            }
        }
        if let run { try Self.validateRunID(run, flag: "--run") }
        if let activate {
            try Self.validateRunID(activate, flag: "--activate")
            guard run == nil, shard == nil, !noCandidates, !noActivate, !noTraining else {
                throw ValidationError("--activate only switches the live run: it takes no other rebuild option")
            }
        }
    }

    static func validateRunID(_ id: String, flag: String) throws {
        let allowed = id.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0)
            || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        guard !id.isEmpty, id.utf8.count <= 64, allowed else {
            throw ValidationError("\(flag) must be a run id of 1 to 64 letters, digits, '-' or '_' (got '\(id)')")
        }
    }

    func run() async throws {
        let configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        var options = Rebuilder.Options()
        options.trainRanker = !noTraining
        options.runID = run
        options.writeCandidates = !noCandidates
        options.activate = !noActivate
        let rebuilder = Rebuilder(options: options)
        try await configuration.store.withStore(for: .read, logger: logger) { store in
            if let activate {
                try await store.activate(run: activate)
                print("run \(activate) is live")
            } else if let shard, let run {
                print(try await rebuilder.writeCandidates(store: store, run: run, shard: try ScanShard(parsing: shard)))
            } else {
                print(try await rebuilder.rebuild(store: store))
            }
        }
    }
}

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Offline evaluation: hold out liked items per user, compare popularity, item-CF and the ranked list.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Users evaluated.") var users: Int = 5000
    @Option(help: "Cut-off of the metrics.") var k: Int = 10
    @Option(help: "Seed of the hold-out split.") var seed: UInt64 = 11

    func validate() throws {
        guard users >= 1 else { throw ValidationError("--users must be at least 1 (got \(users))") }
        guard (1...1000).contains(k) else { throw ValidationError("--k must be from 1 to 1000 (got \(k))") }
    }

    func run() async throws {
        let configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        var options = OfflineEvaluation.Options()
        options.users = users
        options.k = k
        options.seed = seed
        try await configuration.store.withStore(for: .read, logger: logger) { store in
            print(try await Evaluator(options: options).evaluate(store: store).table)
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate demo data if the database is empty, rebuild, and serve with example URLs.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to bind (env ANIMEREC_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind, 1–65535 (env ANIMEREC_PORT; default 8080).") var port: Int?
    @Option(help: "Where the generated demo files go.") var dataDir: String = "demo-data"

    func validate() throws {
        try validatePort(port)
        try validateHost(host)
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must name a directory") }
    }

    func run() async throws {
        var configuration = try store.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        let logger = bootstrapLogging(configuration.logLevel)
        try await configuration.store.withStore(for: .write, logger: logger) { store in
            var imported = false
            if try await !store.hasCatalogue() {
                print("empty database: generating demo data into \(dataDir)/ and importing it")
                let report = try DataGenerator(options: .init(users: 2000, anime: 1500, ratings: 150_000, seed: 42)).write(to: dataDir)
                let importer = Importer()
                print(try await importer.importAnime(from: report.animePath, into: store))
                print(try await importer.importRatings(from: report.ratingsPath, into: store))
                imported = true
            }
            let live = try await store.liveRun()
            if imported || live == nil {
                print(try await Rebuilder().rebuild(store: store))
            }
        }
        try await serve(configuration, logger: logger, banner: true)
    }
}

