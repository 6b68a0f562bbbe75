import HTTP1

/// Everything `optd` is configured with: flags, each with an `OPTD_*` environment equivalent
/// (SPEC §6). Parsing lives in `ServiceOptions+Parsing.swift`.
public struct ServiceOptions: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8080
    public var dataDirectory = "./data"
    /// Seconds between snapshots of dirty sessions; 0 turns periodic snapshots off.
    public var snapshotInterval: Double = 10
    public var wal = WALMode.off
    /// When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`.
    public var authToken: String?
    /// With an auth token, /metrics needs it too unless this is set (a scraper on a private
    /// network without the token).
    public var publicMetrics = false
    public var logFormat = LogFormat.text
    public var limits = HTTPLimits()
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT before connections are cut.
    public var shutdownGrace: Double = 8
    /// Microseconds an event loop keeps polling for the next request after answering, instead
    /// of sleeping (``HTTPServer/Configuration/busyPoll``; default its suggested 50). Costs at
    /// most that much CPU per answered batch; 0 turns it off.
    public var busyPollMicroseconds = Int(HTTPServer.Configuration.suggestedBusyPoll / .microseconds(1))

    public enum WALMode: String, Sendable, CaseIterable { case always, everysec, off }
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }

    public init() {}

    /// The largest session: its vector must fit one request body as raw float32.
    public var maxSessionSize: Int { limits.maxBodyBytes / 4 }
}
