#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the offline jobs write progress lines. Standard error by default; tests pass `.silent`.
public struct ProgressOutput: Sendable {
    let write: @Sendable (String) -> Void

    /// Writes each line with a newline to a custom sink.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Lines go to standard error.
    public static let standardError = ProgressOutput { line in
        let text = line + "\n"
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                posixWrite(2, raw.baseAddress! + offset, raw.count - offset)
            }
            if written <= 0 { break }
            offset += written
        }
        bytes.removeAll()
    }

    /// Lines are dropped.
    public static let silent = ProgressOutput { _ in }

    /// Writes one line.
    public func line(_ text: String) { write(text) }
}

private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// Counts rows of a long step and prints at most one line per interval: rows so far and rows per second.
struct ProgressMeter {
    private let label: String
    private let output: ProgressOutput
    private let interval: Duration
    private let started = ContinuousClock.now
    private var lastPrinted = ContinuousClock.now

    init(_ label: String, output: ProgressOutput, interval: Duration = .seconds(1)) {
        self.label = label
        self.output = output
        self.interval = interval
    }

    /// Seconds since the meter started.
    var elapsedSeconds: Double { ContinuousClock.now.secondsSince(started) }

    /// Prints `rows` (and an optional detail) if the interval has passed since the last line.
    mutating func update(rows: Int, detail: @autoclosure () -> String = "") {
        let now = ContinuousClock.now
        guard now - lastPrinted >= interval else { return }
        lastPrinted = now
        let seconds = now.secondsSince(started)
        let rate = seconds > 0 ? Double(rows) / seconds : 0
        let extra = detail()
        output.line(
            "\(label): \(Format.count(rows)) rows, \(Format.count(Int(rate))) rows/s\(extra.isEmpty ? "" : ", " + extra)"
        )
    }

    /// Prints the final line.
    func finish(rows: Int, detail: String = "") {
        let seconds = elapsedSeconds
        let rate = seconds > 0 ? Double(rows) / seconds : 0
        output.line(
            "\(label): done, \(Format.count(rows)) rows in \(Format.seconds(seconds)) (\(Format.count(Int(rate))) rows/s)"
                + (detail.isEmpty ? "" : ", " + detail))
    }
}

extension ContinuousClock.Instant {
    /// Seconds from `start` to this instant.
    func secondsSince(_ start: ContinuousClock.Instant) -> Double {
        let duration = self - start
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// Human-readable numbers for progress lines and reports.
enum Format {
    /// `1234567` → `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// `12.345` → `12.3 s`.
    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
