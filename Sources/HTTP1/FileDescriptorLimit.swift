#if canImport(Glibc)
import Glibc
#endif

/// Raises the process's open-file soft limit to its hard limit.
///
/// A server capped at 1024 connections needs more than the common default soft limit of 1024
/// descriptors (listener, logs and data files count too). Returns the soft limit now in effect.
public enum FileDescriptorLimit {
    @discardableResult
    public static func raiseSoftToHard() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(raised.rlim_cur) }
        }
        return Int(limit.rlim_cur)
    }
}
