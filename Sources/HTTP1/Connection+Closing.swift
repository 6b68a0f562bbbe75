#if canImport(Glibc)
import Glibc
#endif
import Dispatch

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

    func timerFired() {
        guard !isClosed else { return }
        let now = Instant.now()
        timerDeadline = nil
        if let lingerDeadline {
            if now >= lingerDeadline { close() } else { armTimer() }
            return
        }
        switch lifecycle.expire(at: now) {
        case .none:
            armTimer()
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

    func armTimer() {
        guard let timer, !isClosed else { return }
        let deadline = lingerDeadline ?? lifecycle.deadline
        // Deadlines mostly move later (each answer restarts the idle clock). A timer already set
        // earlier is left alone: it fires, finds nothing expired and re-arms. This keeps timer
        // reprogramming off the per-request path.
        if let armed = timerDeadline, deadline == nil || armed <= deadline! { return }
        timerDeadline = deadline
        guard let deadline else { return }
        let wait = Instant.now().milliseconds(until: deadline)
        timer.schedule(deadline: .now() + .milliseconds(Int(wait)), leeway: .milliseconds(50))
    }

    /// Half-closes and reads what the peer still sends for a short while before closing, so
    /// unread request bytes do not make the kernel answer with RST and destroy our last answer
    /// in the client's receive buffer (RFC 9112 §9.6).
    func lingeringClose() {
        guard !isClosed, lingerDeadline == nil else { return }
        Syscall.shutdownWrite(fd)
        lingerDeadline = Instant.now().advanced(by: Self.lingerTime)
        lifecycle.closed()
        armTimer()
    }

    /// Closes at once if the connection sits between requests (graceful shutdown).
    func closeIfIdle() {
        guard !isClosed, exchange == nil else { return }
        if case .awaitingRequest = lifecycle.phase, parser.isIdle { close() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        lifecycle.closed()
        timer?.cancel()
        timer = nil
        // Unregister before the descriptor is closed, so a forced shutdown never touches a
        // descriptor number that was closed and reused.
        core.unregister(self)
        if let readSource {
            readSource.setEventHandler {}
            readSource.cancel()
            self.readSource = nil
        } else {
            Syscall.close(fd)
        }
    }
}
