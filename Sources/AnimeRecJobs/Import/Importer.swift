import AnimeRecCore
import AnimeRecTraining
import AnimeRecStore

/// One row of an input file that could not be imported.
public struct BadRow: Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number where the record starts.
    public var line: Int
    /// Why it was rejected.
    public var reason: String
    /// The start of the row's text.
    public var text: String

    public var description: String { "line \(line): \(reason): \(text)" }
}

/// What one import did.
public struct ImportReport: Hashable, Sendable, CustomStringConvertible {
    /// The file read.
    public var path: String
    /// `anime`, `ratings` or `likes`.
    public var format: String
    /// Whether the file was gzip-compressed (detected from its first bytes).
    public var compressed: Bool
    /// Data rows read (header and blank lines excluded).
    public var rows: Int
    /// Rows written to the store.
    public var imported: Int
    /// Rows rejected.
    public var bad: Int
    /// The first rejected rows, in file order.
    public var firstBadRows: [BadRow]
    /// Wall-clock duration.
    public var seconds: Double

    public var description: String {
        var lines = [
            "\(path) (\(format)\(compressed ? ", gzip" : "")): \(Format.count(rows)) rows, \(Format.count(imported)) imported, "
                + "\(Format.count(bad)) bad, \(Format.seconds(seconds))"
        ]
        lines += firstBadRows.map { "  bad row \($0)" }
        if bad > firstBadRows.count { lines.append("  … and \(Format.count(bad - firstBadRows.count)) more bad rows") }
        return lines.joined(separator: "\n")
    }
}

/// Why an import stopped before the end of the file.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var path: String
    /// What went wrong.
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// Streams Kaggle-format files into a ``RecStore``: the catalogue (`anime.csv`) and rating logs
/// (`rating.csv`: `user_id,anime_id,rating`, or `user_id,anime_id,liked`), plain or gzip (detected from
/// the magic bytes). Never holds more than one batch in memory; writes are upserts, so importing a file
/// again is safe. While one batch is written the next one is parsed.
public struct Importer: Sendable {
    /// Tuning knobs.
    public struct Options: Hashable, Sendable {
        /// Rows per store write.
        public var batchSize: Int = 20_000
        /// Bad rows listed in the report (all are counted).
        public var reportedBadRows: Int = 10
        /// The layout of a rating file without a header line.
        public var headerlessRatingFormat: RatingFileFormat = .ratings

        /// The defaults above.
        public init() {}
    }

    /// The options in use.
    public var options: Options
    /// Where progress lines go (at most about one per second).
    public var progress: ProgressOutput

    /// An importer with `options` reporting progress to `progress`.
    public init(options: Options = Options(), progress: ProgressOutput = .standardError) {
        self.options = options
        self.progress = progress
    }

    /// Imports a catalogue file (`anime_id,name,genre,type,episodes,rating,members`).
    public func importAnime(from path: String, into store: some RecStore) async throws -> ImportReport {
        let parse: RecordParser = { record, line, state in
            let fields: [String]
            switch CSVFields.split(record) {
            case .success(let value): fields = value
            case .failure(let error):
                state.reject(line: line, reason: error.description, record: record)
                return
            }
            if state.rows == 0 && state.format == nil, let first = record.first,
                !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
            {
                // The first line is a header (or the wrong file): it must name the catalogue's columns.
                guard AnimeRow.isHeader(fields) else {
                    throw ImportError(
                        path: path,
                        reason: "line \(line): not an anime.csv header (want \(AnimeRow.columns.joined(separator: ","))): "
                            + String(decoding: record.prefix(80), as: UTF8.self))
                }
                state.format = "anime"
                return
            }
            state.format = "anime"
            state.rows += 1
            switch AnimeRow.parse(fields) {
            case .success(let anime): state.anime.append(anime)
            case .failure(let error): state.reject(line: line, reason: error.description, record: record)
            }
        }
        let flush: BatchFlusher = { state in
            let batch = state.anime
            state.anime.removeAll(keepingCapacity: true)
            if batch.isEmpty { return nil }
            return { try await store.upsertAnime(batch) }
        }
        return try await run(path: path, label: "import anime", parse: parse, flush: flush, load: store as? any LoadReporting)
    }

    /// Imports a rating log (`user_id,anime_id,rating` with -1 = watched, not rated; or
    /// `user_id,anime_id,liked`), chosen by the header line (``Options/headerlessRatingFormat`` without one).
    public func importRatings(from path: String, into store: some RecStore) async throws -> ImportReport {
        let headerless = options.headerlessRatingFormat
        let parse: RecordParser = { record, line, state in
            if state.ratingFormat == nil {
                if let first = record.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
                    state.ratingFormat = headerless
                } else {
                    let fields = (try? CSVFields.split(record).get()) ?? []
                    guard let format = RatingFileFormat(header: fields) else {
                        throw ImportError(
                            path: path,
                            reason:
                                "line \(line): not a rating header (want user_id,anime_id,rating or user_id,anime_id,liked): "
                                + String(decoding: record.prefix(80), as: UTF8.self))
                    }
                    state.ratingFormat = format
                    state.format = format.rawValue
                    return
                }
                state.format = headerless.rawValue
            }
            state.rows += 1
            switch RatingRow.parse(record, format: state.ratingFormat ?? headerless) {
            case .success(let rating): state.ratings.append(rating)
            case .failure(let error): state.reject(line: line, reason: error.description, record: record)
            }
        }
        let flush: BatchFlusher = { state in
            let batch = state.ratings
            state.ratings.removeAll(keepingCapacity: true)
            if batch.isEmpty { return nil }
            return { try await store.importRatings(batch) }
        }
        return try await run(path: path, label: "import ratings", parse: parse, flush: flush, load: store as? any LoadReporting)
    }

    /// Parses one record (bytes, line number) into the state.
    typealias RecordParser = (UnsafeBufferPointer<UInt8>, Int, inout ParseState) throws -> Void
    /// Takes the parsed batch out of the state and returns the store write for it (`nil` when empty).
    typealias BatchFlusher = (inout ParseState) -> (@Sendable () async throws -> Void)?

    /// What the parser accumulates between writes.
    struct ParseState {
        var rows = 0
        var imported = 0
        var bad = 0
        var badRows: [BadRow] = []
        var format: String?
        var ratingFormat: RatingFileFormat?
        var anime: [Anime] = []
        var ratings: [ImportedRating] = []
        let reportedBadRows: Int

        var pending: Int { anime.count + ratings.count }

        mutating func reject(line: Int, reason: String, record: UnsafeBufferPointer<UInt8>) {
            bad += 1
            if badRows.count < reportedBadRows {
                badRows.append(
                    BadRow(line: line, reason: reason, text: String(decoding: record.prefix(120), as: UTF8.self)))
            }
        }
    }

    /// The shared loop: parse a batch, start writing it while parsing the next, at most one write in
    /// flight; progress lines carry the store's load (`load`), where it reports one.
    private func run(
        path: String, label: String, parse: RecordParser, flush: BatchFlusher, load: (any LoadReporting)?
    ) async throws -> ImportReport {
        let input = try InputFile(path: path)
        var reader = RecordReader(input: input)
        var state = ParseState(reportedBadRows: options.reportedBadRows)
        var meter = ProgressMeter(label, output: progress)
        let batchSize = max(1, options.batchSize)
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = false
            var more = true
            var announcedBadRows = 0
            while more {
                more = try reader.next(limit: batchSize) { record, line in
                    try parse(record, line, &state)
                }
                let count = state.pending
                if let job = flush(&state) {
                    if inFlight, let done = try await group.next() {
                        state.imported += done
                    }
                    group.addTask {
                        try await job()
                        return count
                    }
                    inFlight = true
                }
                // Bad rows are reported as soon as their batch is parsed (the first few; all are counted).
                for row in state.badRows[announcedBadRows...] { progress.line("\(label): bad row \(row)") }
                announcedBadRows = state.badRows.count
                meter.update(
                    rows: state.rows,
                    detail: "\(Format.count(state.bad)) bad, \(Format.count(input.fileBytesRead >> 20)) MB read"
                        + (load?.loadStatus.map { ", " + $0 } ?? ""))
            }
            while let done = try await group.next() { state.imported += done }
        }
        let seconds = meter.elapsedSeconds
        meter.finish(
            rows: state.rows,
            detail: "\(Format.count(state.imported)) imported, \(Format.count(state.bad)) bad"
                + (load?.loadStatus.map { ", " + $0 } ?? ""))
        return ImportReport(
            path: path, format: state.format ?? "empty", compressed: input.isCompressed, rows: state.rows,
            imported: state.imported, bad: state.bad, firstBadRows: state.badRows, seconds: seconds)
    }
}
