#if canImport(Glibc)
import Glibc
#endif

/// The `Date` header line (RFC 9110 §6.6.1, IMF-fixdate), formatted at most once per second
/// and shared by all connections.
final class DateCache: Sendable {
    static let shared = DateCache()

    private let cache = LockedState<(second: Int, line: [UInt8])>((-1, []))

    /// `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` for the current second.
    func headerLine() -> [UInt8] {
        let now = time(nil)
        return cache.withLock { entry in
            if entry.second != now {
                entry = (now, Self.format(now))
            }
            return entry.line
        }
    }

    static func format(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        return Array(text.utf8)
    }
}
