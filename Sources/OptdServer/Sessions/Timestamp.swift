#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock instants for `created` / `updated`, rendered as RFC 3339 UTC with milliseconds.
struct Timestamp: Equatable, Sendable {
    /// Milliseconds since the Unix epoch.
    let milliseconds: Int64

    init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// Parses what `rfc3339` writes (`2026-11-28T03:50:12.345Z`; the fraction optional).
    init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32? {
            guard range.upperBound <= b.count else { return nil }
            var n: Int32 = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int32(b[i] - 0x30)
            }
            return n
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
              let year = number(0..<4), year >= 1970, let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var millis: Int64 = 0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count == 24, let fraction = number(20..<23) else { return nil }
            millis = Int64(fraction)
        } else if b.count != 20 {
            return nil
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        self.init(milliseconds: Int64(seconds) * 1000 + millis)
    }

    /// `2026-11-28T03:50:12.345Z`
    var rfc3339: String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digit by digit into 24 bytes: this runs for every access log line.
        return String(unsafeUninitializedCapacity: 24) { out in
            var i = 0
            func put(_ value: Int32, _ width: Int, then separator: UInt8) {
                var v = Int(value), place = 1
                for _ in 1..<width { place *= 10 }
                for _ in 0..<width {
                    out[i] = UInt8(ascii: "0") + UInt8((v / place) % 10)
                    i += 1
                    v %= place
                    place /= 10
                }
                out[i] = separator
                i += 1
            }
            put(parts.tm_year + 1900, 4, then: UInt8(ascii: "-"))
            put(parts.tm_mon + 1, 2, then: UInt8(ascii: "-"))
            put(parts.tm_mday, 2, then: UInt8(ascii: "T"))
            put(parts.tm_hour, 2, then: UInt8(ascii: ":"))
            put(parts.tm_min, 2, then: UInt8(ascii: ":"))
            put(parts.tm_sec, 2, then: UInt8(ascii: "."))
            put(Int32(milliseconds % 1000), 3, then: UInt8(ascii: "Z"))
            return i
        }
    }
}
