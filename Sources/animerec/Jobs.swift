import AnimeRecCore
import AnimeRecDemoData
import AnimeRecJobs
import AnimeRecServer
import AnimeRecStore
import AnimeRecTraining
import ArgumentParser
import Foundation
import Logging

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a catalogue and/or ratings in the Kaggle format (plain or gzip; re-import safe).",
        discussion: """
            --anime takes anime.csv (anime_id,name,genre,type,episodes,rating,members).
            --ratings takes rating.csv (user_id,anime_id,rating; -1 = watched, not rated) or a likes file \
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
        say(report)
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
        say(report)
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
    @Option(help: "Where a run's input is kept until the rebuild has written all it writes; a resumed run reads it from here.")
    var checkpointDir: String = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/animerec-runs"

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
        options.checkpointDirectory = checkpointDir
        options.storeIdentity = "\(configuration.store.url)"
        options.writeCandidates = !noCandidates
        options.activate = !noActivate
        let rebuilder = Rebuilder(options: options)
        try await configuration.store.withStore(for: .read, logger: logger) { store in
            if let activate {
                try await rebuilder.activate(run: activate, store: store)
                say("run \(activate) is live")
            } else if let shard, let run {
                say(try await rebuilder.writeCandidates(store: store, run: run, shard: try ScanShard(parsing: shard)))
            } else {
                say(try await rebuilder.rebuild(store: store))
            }
        }
    }
}

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Offline evaluation on a seeded per-user holdout: baselines, EASE, each recall source and the served pipeline.",
        discussion: """
            Reads the store, or with --ratings and --anime those files (imported into a scratch SQLite file \
            that is deleted afterwards). Hyperparameters are tuned on a validation part carved from the \
            train part, never on the test part: EASE's λ over 30, 100, 300, 1000 and 3000, item-kNN's \
            neighbours over 1, 2, 3, 5, 10, 20, 50 and 100. Progress goes to standard error; the table \
            (or --json) to standard output.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Ratings or likes file to evaluate instead of the store (needs --anime).") var ratings: String?
    @Option(help: "Catalogue file for --ratings.") var anime: String?
    @Option(help: "Share of each test user's interactions held out, in (0, 1).") var holdout: Double = 0.2
    @Option(help: "Seed of the split.") var seed: UInt64 = 7
    @Option(help: "Holdouts to evaluate, seeded --seed, --seed + 1, …: each method's mean and spread over them, and each seed's paired test (1–10).")
    var seeds: Int = 1
    @Flag(help: "Only held-out liked (positive) items count as relevant.") var likedOnly = false
    @Option(help: "Test users evaluated at most (a seeded sample).") var users: Int = 10_000
    @Flag(help: "Write the report as JSON.") var json = false

    func validate() throws {
        guard (ratings == nil) == (anime == nil) else { throw ValidationError("--ratings and --anime go together") }
        for (flag, path) in [("--ratings", ratings), ("--anime", anime)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw ValidationError("\(flag): no readable file at \(path)")
            }
        }
        guard holdout > 0, holdout < 1 else { throw ValidationError("--holdout must be between 0 and 1 (got \(holdout))") }
        guard (1...10_000_000).contains(users) else { throw ValidationError("--users must be from 1 to 10,000,000 (got \(users))") }
        guard (1...10).contains(seeds) else { throw ValidationError("--seeds must be from 1 to 10 (got \(seeds))") }
    }

    func run() async throws {
        let configuration = try store.configuration()
        let logger = bootstrapLogging(configuration.logLevel)
        var options = OfflineEvaluation.Options()
        options.holdoutShare = holdout
        options.seed = seed
        options.likedOnly = likedOnly
        options.users = users
        let evaluator = Evaluator(options: options)
        let seedList = (0..<UInt64(seeds)).map { seed &+ $0 }
        let reports: [OfflineEvaluation.Report]
        if let ratings, let anime {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("animerec-eval-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var scratch = StoreConfiguration()
            scratch.url = .sqlite(path: directory.appendingPathComponent("eval.sqlite").path)
            reports = try await scratch.withStore(for: .write, logger: logger) { store in
                try await evaluator.evaluate(anime: anime, ratings: ratings, scratch: store, seeds: seedList)
            }
        } else {
            reports = try await configuration.store.withStore(for: .read, logger: logger) { store in
                try await evaluator.evaluate(store: store, seeds: seedList)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if reports.count == 1 {
                say(String(decoding: try encoder.encode(reports[0]), as: UTF8.self))
            } else {
                say(String(decoding: try encoder.encode(SeededEvaluation(reports: reports, summary: SeedSummary(reports))), as: UTF8.self))
            }
        } else {
            for report in reports { say(report.table + "\n") }
            if reports.count > 1 { say(SeedSummary(reports).table) }
        }
    }
}

/// `eval --seeds N --json`: every seed's report and their summary.
struct SeededEvaluation: Encodable {
    var reports: [OfflineEvaluation.Report]
    var summary: SeedSummary
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import the real catalogue with generated behaviour if the database is empty, rebuild, and serve with example URLs.",
        discussion: """
            The catalogue is the Kaggle anime.csv shipped with animerec (Data/, CC0); the users' ratings of it are \
            generated (2,000 users, 150,000 ratings) into --data-dir, following each title's members and rating.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to bind (env ANIMEREC_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to bind, 1–65535 (env ANIMEREC_PORT; default 8080).") var port: Int?
    @Option(help: "Where the generated rating file goes.") var dataDir: String = "demo-data"

    func validate() throws {
        try validatePort(port)
        try validateHost(host)
        guard !dataDir.isEmpty else { throw ValidationError("--data-dir must name a directory") }
    }

    func run() async throws {
        let configuration = try store.configuration(host: host, port: port)
        let logger = bootstrapLogging(configuration.logLevel)
        // Every line of the demo goes to standard error, unbuffered, as the jobs' progress and the
        // log do: in a terminal and in a file alike, each line shows once and in the order it was said.
        let console = ProgressOutput.standardError
        try await configuration.store.withStore(for: .write, logger: logger) { store in
            var imported = false
            if try await !store.hasCatalogue() {
                let cataloguePath = try DemoCatalogue.path()
                console.line("empty database: importing the real catalogue (Kaggle anime.csv) and generating its ratings into \(dataDir)/")
                let importer = Importer(progress: console)
                try Self.sayProblems(of: try await importer.importAnime(from: cataloguePath, into: store), to: console)
                let catalogue = try await store.allAnime()
                let generated = try DataGenerator(
                    options: .init(users: 2000, anime: catalogue.count, ratings: 150_000, seed: 42), progress: console
                ).writeRatings(for: catalogue, readFrom: cataloguePath, into: dataDir)
                try Self.sayProblems(of: try await importer.importRatings(from: generated.ratingsPath, into: store), to: console)
                imported = true
            }
            let live = try await store.liveRun()
            if imported || live == nil {
                let report = try await Rebuilder(progress: console).rebuild(store: store)
                for line in report.description.split(separator: "\n") { console.line(String(line)) }
            }
        }
        try await serve(configuration, logger: logger, banner: true)
    }
}

extension Demo {
    /// The progress lines already said how an import went; only bad rows are worth a second look.
    static func sayProblems(of report: ImportReport, to console: ProgressOutput) throws {
        guard report.bad > 0 else { return }
        console.line(report.description)
        if report.imported == 0 { throw ImportFailed(message: "\(report.path): nothing imported") }
    }
}
