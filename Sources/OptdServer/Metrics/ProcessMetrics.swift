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
        m.openFileDescriptors = countEntries("/proc/self/fd")
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

    /// Open descriptors, not counting the one this listing holds open.
    private static func countEntries(_ path: String) -> Double? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] == UInt8(ascii: ".") }
            if !isDot { n += 1 }
        }
        return Double(n - 1)
    }

    /// /proc files report size 0, so read until end of file.
    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
