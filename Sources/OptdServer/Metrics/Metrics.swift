import HTTP1
import Synchronization

/// Everything `/metrics` reports (Prometheus text exposition format 0.0.4). Updates on the hot
/// path are relaxed atomics, or one lock of sixteen for the per-request counters
/// (``RequestMetrics``); rendering reads them without stopping anyone. README.md lists every
/// metric.
final class Metrics: Sendable {
    let requests = RequestMetrics()
    private let steps = AtomicCount()
    private let stepDuration = AtomicHistogram(.latency)
    private let sessionsCreated = AtomicCount()
    private let snapshotDuration = AtomicHistogram(.snapshot)
    private let snapshotFailures = AtomicCount()
    private let quarantinedFiles = AtomicCount()
    /// The HTTP server's busy polling, read when a page is rendered; set once the server exists.
    private let busyPolling = Mutex<(@Sendable () -> BusyPollStats)?>(nil)

    /// One answered request (from the access-log hook).
    func observe(_ record: AccessRecord) { requests.observe(record) }

    /// One applied step and how long applying it took (see README: waiting for the session,
    /// the update, the journal).
    func countStep(nanoseconds: UInt64) {
        steps.add(1)
        stepDuration.observe(nanoseconds: nanoseconds)
    }

    func countSessionCreated() { sessionsCreated.add(1) }
    func countSnapshot(nanoseconds: UInt64) { snapshotDuration.observe(nanoseconds: nanoseconds) }
    func countSnapshotFailure() { snapshotFailures.add(1) }
    func countQuarantined(_ files: Int) { quarantinedFiles.add(UInt64(files)) }
    func observeBusyPolling(_ source: @escaping @Sendable () -> BusyPollStats) { busyPolling.withLock { $0 = source } }

    func render(sessions: Int) -> String {
        var page = PrometheusText()
        let totals = requests.totals

        page.family("optd_http_requests_total", type: "counter",
                    help: "Answered HTTP requests by method, route pattern (unmatched: no route) and status.")
        for (key, count) in totals.requests.sorted(by: Self.order) {
            page.sample("optd_http_requests_total", labels: [("method", key.method), ("route", key.route), ("status", String(key.status))], count)
        }
        page.family("optd_http_request_duration_seconds", type: "histogram",
                    help: "Time from a request's head arriving to the end of its answer, by method and route pattern.")
        for (key, counts) in totals.durations.sorted(by: { ($0.key.route, $0.key.method) < ($1.key.route, $1.key.method) }) {
            page.histogram("optd_http_request_duration_seconds", labels: [("method", key.method), ("route", key.route)], counts, requests.layout)
        }
        page.family("optd_http_request_body_bytes_total", type: "counter", help: "Request body bytes read.")
        page.sample("optd_http_request_body_bytes_total", totals.bytesIn)
        page.family("optd_http_response_body_bytes_total", type: "counter", help: "Response body bytes sent (HEAD and 204 send none).")
        page.sample("optd_http_response_body_bytes_total", totals.bytesOut)

        if let polling = busyPolling.withLock({ $0 })?() {
            page.family("optd_http_busy_polls_total", type: "counter",
                        help: "Times an event loop polled for the next request after answering instead of sleeping at once (--busy-poll-us).")
            page.sample("optd_http_busy_polls_total", polling.polls)
            page.family("optd_http_busy_poll_hits_total", type: "counter",
                        help: "Busy polls that found a socket ready, each saving a sleep and a wake-up.")
            page.sample("optd_http_busy_poll_hits_total", polling.hits)
            page.family("optd_http_busy_poll_seconds_total", type: "counter", help: "Time spent busy polling, hits and misses.")
            page.sample("optd_http_busy_poll_seconds_total", Double(polling.nanoseconds) / 1e9)
        }
        page.family("optd_sessions", type: "gauge", help: "Sessions held in memory.")
        page.sample("optd_sessions", UInt64(sessions))
        page.family("optd_sessions_created_total", type: "counter", help: "Sessions created by POST /v1/sessions or PUT /v1/sessions/{id} since start (not restored or uploaded as a checkpoint).")
        page.sample("optd_sessions_created_total", sessionsCreated.value)
        page.family("optd_steps_total", type: "counter", help: "Gradients applied since start (idempotent replays not counted).")
        page.sample("optd_steps_total", steps.value)
        page.family("optd_step_duration_seconds", type: "histogram",
                    help: "Time to apply one gradient: waiting for the session, the update, and the journal wait under --wal.")
        page.histogram("optd_step_duration_seconds", stepDuration.counts, stepDuration.layout)
        page.family("optd_snapshot_duration_seconds", type: "histogram",
                    help: "Time to write one session snapshot: temp file, fsync, rename, directory fsync.")
        page.histogram("optd_snapshot_duration_seconds", snapshotDuration.counts, snapshotDuration.layout)
        page.family("optd_snapshot_failures_total", type: "counter", help: "Snapshot writes that failed (the previous snapshot was kept).")
        page.sample("optd_snapshot_failures_total", snapshotFailures.value)
        page.family("optd_quarantined_files_total", type: "counter", help: "Damaged snapshot or journal files moved to quarantine/ at start-up.")
        page.sample("optd_quarantined_files_total", quarantinedFiles.value)

        let process = ProcessMetrics.read()
        let gauges: [(String, String, Double?)] = [
            ("process_resident_memory_bytes", "Resident memory size in bytes.", process.residentMemoryBytes),
            ("process_virtual_memory_bytes", "Virtual memory size in bytes.", process.virtualMemoryBytes),
            ("process_open_fds", "Number of open file descriptors.", process.openFileDescriptors),
            ("process_max_fds", "Maximum number of open file descriptors.", process.maxFileDescriptors),
            ("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", process.startTimeSeconds),
        ]
        for (name, help, value) in gauges {
            guard let value else { continue }
            page.family(name, type: "gauge", help: help)
            page.sample(name, value)
        }
        if let cpu = process.cpuSeconds {
            page.family("process_cpu_seconds_total", type: "counter", help: "Total user and system CPU time spent in seconds.")
            page.sample("process_cpu_seconds_total", cpu)
        }
        return page.text
    }

    private static func order(_ a: (key: RequestMetrics.Key, value: UInt64), _ b: (key: RequestMetrics.Key, value: UInt64)) -> Bool {
        (a.key.route, a.key.method, a.key.status) < (b.key.route, b.key.method, b.key.status)
    }
}
