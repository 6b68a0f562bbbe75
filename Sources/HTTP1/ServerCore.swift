#if canImport(Glibc)
import Glibc
#endif
import CPUFeatures
import Dispatch
import Synchronization

/// The state shared by the listener and all connections of one ``HTTPServer``.
///
/// Threading: the listener source, `acceptPaused` and `nextLoop` live on `acceptQueue`; the
/// connection registry is behind a lock; flags are atomics; `loops` is set before the listener
/// starts and not changed after. Hence `@unchecked Sendable`.
final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let router: Router
    let budget: BodyBudget
    let acceptQueue = DispatchQueue(label: "http1.accept")
    let connectionsClosed = DispatchGroup()
    /// Left when the listening socket is closed (its source's cancel handler ran).
    private let listenerClosed = DispatchGroup()

    /// Numbers requests for the access log.
    func nextRequestID() -> UInt64 { requestCounter.add(1, ordering: .relaxed).newValue }
    private let shuttingDown = Atomic<Bool>(false)
    private let registry = LockedState<[Int32: Connection]>([:])
    private let active = Atomic<Int>(0)
    private let waitingHandlers = Atomic<Int>(0)
    private let requestCounter = Atomic<UInt64>(0)
    let busyPollCounters = BusyPollCounters()
    private var listenerFD: Int32 = -1
    private var listenerSource: DispatchSourceRead?
    private var acceptPaused = false
    private var loops: [EventLoop] = []
    private var nextLoop = 0

    init(configuration: HTTPServer.Configuration, router: Router) {
        self.configuration = configuration
        self.router = router
        budget = BodyBudget(limit: configuration.limits.maxInFlightBodyBytes)
    }

    /// Takes one of ``HTTPLimits/maxWaitingHandlers`` slots; false when none is free.
    func beginWaiting() -> Bool {
        if waitingHandlers.add(1, ordering: .relaxed).newValue <= configuration.limits.maxWaitingHandlers { return true }
        waitingHandlers.subtract(1, ordering: .relaxed)
        return false
    }

    func endWaiting() {
        waitingHandlers.subtract(1, ordering: .relaxed)
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }
    var connectionCount: Int { active.load(ordering: .relaxed) }

    /// Binds and starts accepting; returns the bound port.
    func start() throws(SystemError) -> Int {
        let socket = try ListeningSocket(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let count = configuration.eventLoops > 0 ? configuration.eventLoops : max(1, Int(optd_cpus_in_affinity_mask()))
        do {
            for _ in 0..<count { loops.append(try EventLoop(busyPoll: configuration.busyPoll, counters: busyPollCounters)) }
        } catch {
            Syscall.close(socket.fd)
            throw error
        }
        for loop in loops { loop.start() }
        acceptQueue.sync {
            listenerFD = socket.fd
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: acceptQueue)
            // The source keeps the core alive until shutdown cancels it: dropping the HTTPServer
            // without shutting it down leaves it serving rather than crashing.
            source.setEventHandler { self.acceptReady() }
            listenerClosed.enter()
            source.setCancelHandler { [listenerClosed] in
                Syscall.close(socket.fd)
                listenerClosed.leave()
            }
            listenerSource = source
            source.resume()
        }
        return socket.port
    }

    private func acceptReady() {
        while !isShuttingDown {
            if connectionCount >= configuration.limits.maxConnections {
                // At the cap: stop accepting; the kernel backlog holds newcomers until a slot frees.
                pauseAccepting()
                return
            }
            let fd: Int32
            do {
                guard let accepted = try Syscall.accept(listenerFD) else { return }
                fd = accepted
            } catch {
                if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                    // Out of descriptors: back off instead of spinning on a readable listener.
                    pauseAccepting()
                    acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in resumeAcceptingIfPossible() }
                }
                return
            }
            // TCP_NODELAY: answers are written whole, so Nagle would only add latency.
            try? Syscall.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1, call: "setsockopt(TCP_NODELAY)")
            // Round robin: with keep-alive, connections last, so their count evens out the load.
            let connection = Connection(fd: fd, core: self, loop: loops[nextLoop])
            nextLoop = (nextLoop + 1) % loops.count
            register(connection)
            connection.start()
        }
    }

    private func pauseAccepting() {
        guard !acceptPaused, let listenerSource else { return }
        acceptPaused = true
        listenerSource.suspend()
    }

    private func resumeAcceptingIfPossible() {
        guard acceptPaused, let listenerSource, !isShuttingDown,
              connectionCount < configuration.limits.maxConnections else { return }
        acceptPaused = false
        listenerSource.resume()
    }

    private func register(_ connection: Connection) {
        connectionsClosed.enter()
        active.add(1, ordering: .relaxed)
        registry.withLock { $0[connection.fd] = connection }
    }

    func unregister(_ connection: Connection) {
        let removed = registry.withLock { $0.removeValue(forKey: connection.fd) != nil }
        guard removed else { return }
        active.subtract(1, ordering: .relaxed)
        connectionsClosed.leave()
        acceptQueue.async { [self] in resumeAcceptingIfPossible() }
    }

    /// Stops accepting, lets in-flight requests finish within `gracePeriod` (idle connections
    /// close at once; busy ones answer with `Connection: close`), then cuts what is left.
    func shutdown(gracePeriod: Duration) {
        guard !shuttingDown.exchange(true, ordering: .acquiringAndReleasing) else {
            _ = connectionsClosed.wait(timeout: .now() + .seconds(Int(gracePeriod.components.seconds) + 3))
            return
        }
        acceptQueue.sync {
            if let listenerSource {
                if acceptPaused { listenerSource.resume() }
                listenerSource.cancel()
            }
            listenerSource = nil
        }
        // Dispatch runs the cancel handler later; new clients must be refused (connection
        // refused, not queued in a backlog nobody accepts from) before idle ones are closed.
        _ = listenerClosed.wait(timeout: .now() + .seconds(1))
        for connection in registry.withLock({ Array($0.values) }) {
            connection.loop.execute { connection.closeIfIdle() }
        }
        let grace = DispatchTime.now() + .nanoseconds(Int(clamping: gracePeriod.nanoseconds))
        if connectionsClosed.wait(timeout: grace) == .timedOut {
            // Wakes handlers blocked in poll (they see EOF / EPIPE) so every connection closes.
            registry.withLock { connections in
                for fd in connections.keys { Syscall.shutdownBoth(fd) }
            }
            _ = connectionsClosed.wait(timeout: .now() + .seconds(3))
        }
        for loop in loops { loop.stop() }
    }
}
