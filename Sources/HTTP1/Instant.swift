#if canImport(Glibc)
import Glibc
#endif

/// A point on a monotonic clock, in nanoseconds. Timeouts are computed on these values so the
/// connection state machine can be driven by a real clock or by a test's manual one.
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// `CLOCK_MONOTONIC` now: never jumps with wall-clock changes.
    public static func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Instant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public func advanced(by duration: Duration) -> Instant {
        Instant(nanoseconds: nanoseconds &+ duration.nanoseconds)
    }

    /// Milliseconds from `self` until `later`, 0 if already past; the shape `poll(2)` wants.
    func milliseconds(until later: Instant) -> Int32 {
        guard later > self else { return 0 }
        return Int32(clamping: (later.nanoseconds - nanoseconds + 999_999) / 1_000_000)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
