import Foundation
import Logging

/// Captures log records so tests can check what the client logs.
// @unchecked: `records` is only touched while holding `lock`; handlers are called from event loops.
final class LogRecorder: @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var storage: [Record] = []

    var records: [Record] { self.lock.withLock { self.storage } }

    func append(_ record: Record) {
        self.lock.withLock { self.storage.append(record) }
    }

    func makeLogger() -> Logger {
        var logger = Logger(label: "cql.test.recorded") { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        self.recorder.append(.init(level: event.level, message: event.message.description, metadata: merged))
    }
}
