import Synchronization

/// An HTTP/1.1 server: a listener plus epoll event loops (one per CPU it may run on) that
/// read requests and run quick handlers, and Dispatch workers for handlers that may wait,
/// routing requests to the handlers of a ``Router``.
///
/// ```swift
/// var router = Router()
/// router.on(.get, "/healthz") { _, _, response in
///     try response.respond(.ok, headers: ["Content-Type": "application/json"], body: #"{"status":"ok"}"#)
/// }
/// let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), router: router)
/// let port = try server.start()        // the bound port (useful with port 0)
/// ...
/// server.shutdown(gracePeriod: .seconds(8))
/// ```
public final class HTTPServer: Sendable {
    let core: ServerCore

    public init(configuration: Configuration = Configuration(), router: Router) {
        core = ServerCore(configuration: configuration, router: router)
    }

    public var configuration: Configuration { core.configuration }

    /// Binds, listens and starts serving in the background; returns the bound port. Also raises
    /// the process's open-file soft limit to its hard limit, so the connection cap can be reached.
    @discardableResult
    public func start() throws(SystemError) -> Int {
        FileDescriptorLimit.raiseSoftToHard()
        let port = try core.start()
        boundPort.store(port, ordering: .releasing)
        return port
    }

    private let boundPort = Atomic<Int>(0)

    /// The bound port once ``start()`` returned (0 before).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Connections open right now.
    public var connectionCount: Int { core.connectionCount }

    /// The event loops' busy polling since start (all zero when ``Configuration/busyPoll`` is zero).
    public var busyPollStats: BusyPollStats { core.busyPollCounters.stats }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
    /// (their answers carry `Connection: close`; requests that arrive meanwhile get 503
    /// `shutting_down`) for up to `gracePeriod`, then cut the rest. Blocks until done.
    public func shutdown(gracePeriod: Duration = .seconds(8)) {
        core.shutdown(gracePeriod: gracePeriod)
    }
}
