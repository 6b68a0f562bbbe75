#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` metrics of the Prometheus client libraries, read from /proc/self at
/// scrape time (Linux; elsewhere the values that cannot be read are left out).
struct ProcessMetrics {
    var residentMemoryBytes: Double?
    var virtualMemoryBytes: Double?
    var cpuSeconds: Double?
    var startTimeSeconds: Double?
    var openFileDescriptors: Double?
    var maxFileDescriptors: Double?

    static func read() -> ProcessMetrics {
        var m = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        // Fields after the command name, which is in parentheses and may hold spaces: state is
        // field 3, utime 14, stime 15, starttime 22, vsize 23, rss 24 (proc(5)).
        if let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ n: Int) -> Double? { n - 3 < fields.count ? Double(fields[n - 3]) : nil }
            if let utime = field(14), let stime = field(15), ticks > 0 { m.cpuSeconds = (utime + stime) / ticks }
            m.virtualMemoryBytes = field(23)
            m.residentMemoryBytes = field(24).map { $0 * pageSize }
            if let start = field(22), ticks > 0, let boot = bootTime() { m.startTimeSeconds = boot + start / ticks }
        }
        // Not counting the descriptor the listing itself holds open.
        let descriptors = FileIO.list("/proc/self/fd")
        m.openFileDescriptors = descriptors.isEmpty ? nil : Double(descriptors.count - 1)
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { m.maxFileDescriptors = Double(limit.rlim_cur) }
        return m
    }

    /// `btime` of /proc/stat: when the machine booted, in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let stat = readFile("/proc/stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6))
        }
        return nil
    }

    private static func readFile(_ path: String) -> String? {
        (try? FileIO.read(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}
