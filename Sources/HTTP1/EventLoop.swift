#if canImport(Glibc)
import Glibc
#endif
import EventPoll

/// One thread waiting in `epoll_wait` over its share of the connections: it receives request
/// heads and small bodies, runs the handlers that may run inline, and expires deadlines.
///
/// Why not a Dispatch read source per connection: each readiness event then wakes a Dispatch
/// worker thread to run the connection's queue, two context switches per request that cost about
/// a third of a small step's CPU when the server has one core. Here a small request is read,
/// served and answered on the thread that saw it ready, and only handlers that may wait (large
/// bodies, aggregation rounds, disk) move to a Dispatch worker (``Connection/offload(_:)``).
///
/// Busy polling: after a batch with readiness on connections, the loop keeps checking for
/// readiness for up to ``HTTPServer/Configuration/busyPoll`` before it sleeps. On this
/// project's VMs a sleeping core takes about 30 µs to wake for the next request, half a small
/// step's round trip; a client that steps in a loop (one trainer, many tensors) sends its next
/// request well within that window. Not while any of its connections is with a worker (a large
/// step, an aggregation round, a journal write): the poll would take the worker's core. So one
/// long wait on a worker turns polling off for the whole loop until it returns; polling is for
/// small requests answered on the loop, and a loop serving those has no worker busy.
///
/// Threading: `connections`, `earliestDeadline`, `offloadedConnections` and every connection it
/// owns are touched only on this loop's thread; other threads reach it through ``execute(_:)``.
/// Hence `@unchecked Sendable`.
final class EventLoop: @unchecked Sendable {
    private let epollFD: Int32
    private let wakeFD: Int32
    private let tasks = LockedState<[@Sendable () -> Void]>([])
    private var connections: [Int32: Connection] = [:]
    private var earliestDeadline: Instant?
    private var stopped = false
    private let busyPoll: Duration
    private let pollCounters: BusyPollCounters
    /// Connections a worker thread owns now (see ``Connection/offload(_:)``).
    private var offloadedConnections = 0

    init(busyPoll: Duration = .zero, counters: BusyPollCounters = BusyPollCounters()) throws(SystemError) {
        self.busyPoll = busyPoll
        pollCounters = counters
        epollFD = try Syscall.check("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wakeFD = try Syscall.check("eventfd") { eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC)) }
        } catch {
            Syscall.close(epollFD)
            throw error
        }
        // Fully initialised from here: if this throws, deinit closes both descriptors.
        try control(EPOLL_CTL_ADD, wakeFD)
    }

    /// The descriptors close only when nothing can reach the loop any more: closing them at
    /// ``stop()`` would let a late ``execute(_:)`` write into a descriptor number reused since.
    deinit {
        Syscall.close(wakeFD)
        Syscall.close(epollFD)
    }

    /// Starts the loop's thread; it holds the loop until ``stop()``.
    func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        precondition(created == 0, "pthread_create failed: \(created)")
        pthread_detach(thread)
    }

    /// Runs `task` on the loop's thread, soon. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        tasks.withLock { $0.append(task) }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Ends the loop after the tasks queued before this one; its connections are dropped, not closed.
    func stop() {
        execute { [self] in
            stopped = true
            connections.removeAll()
        }
    }

    // MARK: On the loop's thread

    /// Takes `connection` over: its readiness events now come here.
    func adopt(_ connection: Connection) {
        connections[connection.fd] = connection
        watch(connection)
    }

    func watch(_ connection: Connection) {
        do { try control(EPOLL_CTL_ADD, connection.fd) } catch { connection.close() }
    }

    /// Stops the events of a connection a worker thread now owns (level-triggered epoll would
    /// otherwise report its unread bytes again and again).
    func unwatch(_ connection: Connection) {
        try? control(EPOLL_CTL_DEL, connection.fd)
    }

    /// A worker thread takes `connection` over; ``connectionReturned()`` when it hands it back.
    func connectionOffloaded() { offloadedConnections += 1 }

    func connectionReturned() {
        offloadedConnections -= 1
        assert(offloadedConnections >= 0, "a connection returned that was not offloaded")
    }

    /// Drops a closed connection (its descriptor may already belong to a newer one).
    func forget(_ connection: Connection) {
        if connections[connection.fd] === connection { connections[connection.fd] = nil }
    }

    /// A connection's deadline; the loop wakes by then and sweeps its connections.
    func noteDeadline(_ deadline: Instant) {
        if let earliestDeadline, earliestDeadline <= deadline { return }
        earliestDeadline = deadline
    }

    private func control(_ operation: Int32, _ fd: Int32) throws(SystemError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        _ = try Syscall.check("epoll_ctl") { epoll_ctl(epollFD, operation, fd, &event) }
    }

    private func run() {
        let capacity = 128
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var poll = false
        while !stopped {
            var count: Int32 = poll ? pollBriefly(events, capacity: Int32(capacity)) : 0
            if count == 0 {
                let timeout = earliestDeadline.map { Instant.now().milliseconds(until: $0) } ?? -1
                count = epoll_wait(epollFD, events, Int32(capacity), timeout)
            }
            if count < 0 {
                if errno == EINTR { continue }
                fatalError("epoll_wait failed: errno \(errno)")
            }
            // Readiness on a connection (a request, part of one, or its end) rather than only
            // tasks from other threads: a client is talking, and may soon say more.
            var connectionEvents = false
            for index in 0..<Int(count) {
                let fd = events[index].data.fd
                if fd == wakeFD {
                    runTasks()
                } else {
                    // Absent when closed earlier in this batch.
                    connections[fd]?.readable()
                    connectionEvents = true
                }
            }
            poll = connectionEvents && offloadedConnections == 0 && busyPoll > .zero
            if let deadline = earliestDeadline, Instant.now() >= deadline { sweep() }
        }
    }

    /// Readiness within `busyPoll`, without sleeping: the events' count, 0 if none came, -1 on
    /// an error. Yields between checks, so a runnable thread on this core is not kept waiting.
    private func pollBriefly(_ events: UnsafeMutablePointer<epoll_event>, capacity: Int32) -> Int32 {
        let start = Instant.now()
        let until = start.advanced(by: busyPoll)
        var count: Int32
        repeat {
            count = epoll_wait(epollFD, events, capacity, 0)
            if count != 0 { break }
            sched_yield()
        } while Instant.now() < until
        pollCounters.record(hit: count > 0, nanoseconds: Instant.now().nanoseconds &- start.nanoseconds)
        return count
    }

    private func runTasks() {
        var count: UInt64 = 0
        _ = read(wakeFD, &count, 8)
        let pending = tasks.withLock { queued in
            let all = queued
            queued.removeAll(keepingCapacity: true)
            return all
        }
        for task in pending { task() }
    }

    /// Expires what is due and finds the next deadline. Connections a worker owns are skipped:
    /// their handler's waits enforce their deadlines, and they note theirs when they come back.
    private func sweep() {
        let now = Instant.now()
        earliestDeadline = nil
        var next: Instant?
        for connection in Array(connections.values) where !connection.offloaded {
            connection.timerFired(at: now)
            guard !connection.isClosed, !connection.offloaded, let deadline = connection.deadline else { continue }
            next = next.map { min($0, deadline) } ?? deadline
        }
        if let next { noteDeadline(next) }
    }
}
