#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test-only crash points: `OPTD_FAULT=<point>[,<point>...]` makes optd `_exit(137)` (as if
/// killed, no cleanup, no flush) when it reaches a named point. Points:
///
/// - `snapshot.after_write`     temp file written, not yet fsynced
/// - `snapshot.after_fsync`     temp file fsynced, not yet renamed
/// - `snapshot.after_rename`    renamed over the old snapshot, directory not yet fsynced
/// - `snapshot.after_dir_fsync` the snapshot is complete
/// - `journal.after_write`      journal records written, not yet fsynced (`--wal always`)
/// - `journal.after_fsync`      journal records durable, answers not yet sent
///
/// Unset in production; reading it costs one lookup at start.
enum FaultInjection {
    static let points: Set<String> = {
        guard let value = getenv("OPTD_FAULT") else { return [] }
        return Set(String(cString: value).split(separator: ",").map { String($0) })
    }()

    @inline(__always)
    static func crashPoint(_ name: String) {
        if !points.isEmpty, points.contains(name) { _exit(137) }
    }
}
