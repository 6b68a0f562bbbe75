extension HTTPServer {
    /// Where to listen and what to enforce.
    public struct Configuration: Sendable {
        /// A numeric IPv4 or IPv6 address (`0.0.0.0`, `::`, `127.0.0.1`, `::1`) or `localhost`.
        public var host: String
        /// 0 binds a free port; ``HTTPServer/port`` reports it.
        public var port: Int
        public var limits: HTTPLimits
        /// `listen(2)` backlog: connections waiting while the server is at its connection cap.
        public var backlog: Int32
        /// Called once per answered request (nil: no access log).
        public var accessLog: (@Sendable (AccessRecord) -> Void)?
        /// Event-loop threads; 0 means one per CPU this process may run on (its affinity mask).
        public var eventLoops: Int
        /// How long an event loop keeps polling for the next request, instead of sleeping, after
        /// answering requests itself (zero: it sleeps at once). Costs up to this much CPU per
        /// answered batch; saves the wake-up of a sleeping core (see ``EventLoop``).
        public var busyPoll: Duration
        /// What optd runs with: covers a client stepping in a loop on this project's VMs, whose
        /// next request comes 20-30 µs after the answer.
        public static let suggestedBusyPoll: Duration = .microseconds(50)

        public init(host: String = "127.0.0.1", port: Int = 8080, limits: HTTPLimits = HTTPLimits(), backlog: Int32 = 4096,
                    accessLog: (@Sendable (AccessRecord) -> Void)? = nil, eventLoops: Int = 0, busyPoll: Duration = .zero) {
            self.eventLoops = eventLoops
            self.busyPoll = busyPoll
            self.accessLog = accessLog
            self.host = host
            self.port = port
            self.limits = limits
            self.backlog = backlog
        }
    }
}
