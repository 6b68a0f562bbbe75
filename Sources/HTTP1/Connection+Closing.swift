#if canImport(Glibc)
import Glibc
#endif

/// Protocol errors, timeouts and the ways a connection ends.
extension Connection {
    /// Answers a protocol error once, then closes (NIO's HTTPServerProtocolErrorHandler rule).
    func answerAndClose(_ problem: Problem) {
        mustClose = true
        if exchange == nil {
            exchange = ExchangeState(request: HTTPRequest(method: .get, target: "/"))
            exchange?.unreadable = true
        }
        respondOrClose(problem)
        if let current = exchange { logAccess(current) }
        exchange = nil
        if !isClosed { lingeringClose() }
    }

    /// On the loop's sweep: what is due at `now`.
    func timerFired(at now: Instant) {
        guard !isClosed else { return }
        if let lingerDeadline {
            if now >= lingerDeadline { close() }
            return
        }
        switch lifecycle.expire(at: now) {
        case .none:
            break
        case .close:
            close()
        case .respondTimeoutAndClose:
            // Best effort: one non-blocking send, so a peer that does not read cannot hold us.
            let detail = awaitingBody == nil
                ? "the request head was not received within \(limits.headerTimeout)"
                : "no body bytes for \(limits.bodyReadTimeout)"
            var problem = Problem.requestTimeout(detail)
            problem.headers.set("Content-Type", Problem.contentType)
            problem.headers.set("Connection", "close")
            let body = problem.encoded()
            var head = "HTTP/1.1 408 Request Timeout\r\n"
            head += String(decoding: DateCache.shared.headerLine(), as: UTF8.self)
            head += "Content-Length: \(body.count)\r\n"
            for field in problem.headers { head += "\(field.name): \(field.value)\r\n" }
            head += "\r\n"
            let headBytes = Array(head.utf8)
            headBytes.withUnsafeBytes { h in body.withUnsafeBytes { b in _ = try? Syscall.send(fd, h, b) } }
            lingeringClose()
        }
    }

    /// When this connection next needs the loop's attention (nil: never, as while a handler computes).
    var deadline: Instant? { lingerDeadline ?? lifecycle.deadline }

    /// Tells the loop this connection's deadline. Deadlines mostly move later (each answer
    /// restarts the idle clock); the loop keeps only the earliest it was told, wakes then, and
    /// finds the real next one in its sweep. This keeps timer work off the per-request path.
    func armTimer() {
        guard !isClosed, !offloaded, let deadline else { return }
        loop.noteDeadline(deadline)
    }

    /// Half-closes and reads what the peer still sends for a short while before closing, so
    /// unread request bytes do not make the kernel answer with RST and destroy our last answer
    /// in the client's receive buffer (RFC 9112 §9.6).
    func lingeringClose() {
        guard !isClosed, lingerDeadline == nil else { return }
        // The answer first: half-closing before deferred bytes left would cut it.
        guard deferredOutput.isEmpty else {
            afterDeferredOutput { self.lingeringClose() }
            return
        }
        Syscall.shutdownWrite(fd)
        lingerDeadline = Instant.now().advanced(by: Self.lingerTime)
        lifecycle.closed()
        armTimer()
    }

    /// Closes at once if the connection sits between requests (graceful shutdown).
    func closeIfIdle() {
        guard !isClosed, !offloaded, exchange == nil else { return }
        if case .awaitingRequest = lifecycle.phase, parser.isIdle { close() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        lifecycle.closed()
        // Unregister before the descriptor is closed, so a forced shutdown never touches a
        // descriptor number that was closed and reused. Closing also removes it from epoll.
        core.unregister(self)
        Syscall.close(fd)
        // A worker's close leaves the loop's entry to `returnToLoop`: the table is the loop's.
        if !offloaded { loop.forget(self) }
    }
}
