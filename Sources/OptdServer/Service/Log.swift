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
    /// UTF-8 bytes: this runs once per request, and `FileHandle.write(Data)` cost an allocation
    /// and a copy on top of the system call.
    static func standardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            // stderr gone: nothing better to do with a log line than drop it.
            try? FileIO.writeAll(2, UnsafeRawBufferPointer(bytes), path: "standard error")
        }
    }
}
