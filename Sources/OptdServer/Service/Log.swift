import Foundation

/// optd's own log lines on stderr: `optd: <message>` as text, or one JSON object per line with
/// `--log-format json` (set once at start, before any thread logs).
enum Log {
    enum Level: String { case info, error }

    nonisolated(unsafe) static var format = ServiceOptions.LogFormat.text

    static func message(_ text: String, level: Level = .info) {
        switch format {
        case .text:
            standardError("optd: " + (level == .error ? "FATAL: " : "") + text + "\n")
        case .json:
            var w = JSONWriter(reservingCapacity: 128)
            w.raw("{\"time\":"); w.string(Timestamp.now().rfc3339)
            w.raw(",\"level\":"); w.string(level.rawValue)
            w.raw(",\"msg\":"); w.string(text)
            w.raw("}\n")
            standardError(String(decoding: w.bytes, as: UTF8.self))
        }
    }

    /// One `write(2)` per line (a pipe or file gets whole lines), straight from the string's
    /// UTF-8 bytes, after the access lines still pending (``StandardErrorBuffer``).
    static func standardError(_ text: String) {
        StandardErrorBuffer.shared.flush(then: text)
    }
}
