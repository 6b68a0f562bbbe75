import Dispatch
import Synchronization

/// Access lines on their way to stderr, written in batches: one `write(2)` per request cost
/// about a tenth of a small step's CPU. A line leaves at most `delay` after it was logged, at
/// once when `limit` bytes are pending, and before any of optd's own messages (so the order
/// on stderr stays the order of events) and at shutdown. A crash loses at most the last
/// `delay` of access lines, never one of optd's own messages.
final class StandardErrorBuffer: Sendable {
    static let shared = StandardErrorBuffer()
    static let limit = 32 * 1024
    static let delay = DispatchTimeInterval.milliseconds(100)

    private struct Pending {
        var bytes: [UInt8] = []
        var flushScheduled = false
    }

    private let pending = Mutex(Pending())
    private let flusher = DispatchQueue(label: "optd.log-flush")

    /// Queues `line` (newline included).
    func append(_ line: String) {
        let scheduleFlush = pending.withLock { p -> Bool in
            var line = line
            line.withUTF8 { p.bytes.append(contentsOf: $0) }
            if p.bytes.count >= Self.limit {
                Self.write(&p.bytes)
                return false
            }
            guard !p.flushScheduled else { return false }
            p.flushScheduled = true
            return true
        }
        if scheduleFlush {
            flusher.asyncAfter(deadline: .now() + Self.delay) { [self] in
                pending.withLock { p in
                    p.flushScheduled = false
                    Self.write(&p.bytes)
                }
            }
        }
    }

    /// Writes what is pending, then `text` if given, in order (the lock is held across both
    /// writes, so no queued line can slip between them).
    func flush(then text: String? = nil) {
        pending.withLock { p in
            Self.write(&p.bytes)
            guard var text else { return }
            text.withUTF8 { bytes in
                // stderr gone: nothing better to do with a log line than drop it.
                try? FileIO.writeAll(2, UnsafeRawBufferPointer(bytes), path: "standard error")
            }
        }
    }

    private static func write(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { _ = try? FileIO.writeAll(2, $0, path: "standard error") }
        bytes.removeAll(keepingCapacity: true)
    }
}
