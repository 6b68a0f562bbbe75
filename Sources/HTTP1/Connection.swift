#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One accepted socket: reads request heads as bytes arrive, runs the matching handler, writes
/// the answer, and enforces the timeouts of ``ConnectionLifecycle``.
///
/// Threading: a connection is owned by one thread at a time, and only its owner touches its
/// mutable state. Normally that is its ``EventLoop``'s thread, which receives heads and bodies of
/// up to 64 KiB from readiness events (no thread is held by an idle or slow client) and runs
/// handlers whose route allows it (``Router/on(_:_:runsInline:_:)``) once the body is buffered;
/// there nothing ever waits on the peer: an answer the socket cannot take at once is kept in
/// `deferredOutput` and sent by a worker. Any other handler runs on a Dispatch worker thread
/// (``offload(_:)``), which then owns the connection: it reads a larger body and writes its
/// answer with non-blocking calls plus `poll(2)` bounded by the lifecycle's deadlines (counted
/// against ``HTTPLimits/maxWaitingHandlers``), then hands the connection back to the loop.
/// Hand-overs go through Dispatch and the loop's locked task queue, which order the memory.
/// Hence `@unchecked Sendable`.
///
/// Split by concern: `Connection+Body.swift`, `Connection+Response.swift`,
/// `Connection+Closing.swift`.
final class Connection: @unchecked Sendable {
    /// Body bytes drained after the handler when it did not read them, to keep the connection
    /// usable; beyond this the connection closes instead.
    static let drainLimit = 64 * 1024
    static let inputCapacity = 64 * 1024
    /// How long a lingering close waits for the peer's unread bytes, and how many it reads.
    static let lingerTime: Duration = .seconds(2)
    static let lingerBytes = 1 << 20

    let fd: Int32
    let loop: EventLoop
    let core: ServerCore
    let limits: HTTPLimits
    var parser: RequestParser
    var lifecycle: ConnectionLifecycle
    let input: UnsafeMutableRawBufferPointer
    var inputStart = 0
    var inputEnd = 0
    /// True while a worker thread owns the connection (see the type's comment).
    var offloaded = false
    /// Answer bytes an inline handler gave while the socket was full; sent by a worker.
    var deferredOutput: [UInt8] = []
    var lingerDeadline: Instant?
    var lingerRead = 0
    var isClosed = false
    var exchange: ExchangeState?
    /// A request whose small body is still arriving; see ``waitsForBodyBeforeHandler(_:)``.
    var awaitingBody: HTTPRequest?
    var mustClose = false
    var headBuffer: [UInt8] = []
    /// Where offloaded work runs; made on first use. A queue of our own (unlike the global
    /// concurrent queue, whose width is the CPU count) gets a thread of its own even while
    /// many handlers wait, e.g. in aggregation rounds, as each connection's queue did before.
    lazy var workerQueue = DispatchQueue(label: "http1.handler")

    init(fd: Int32, core: ServerCore, loop: EventLoop) {
        self.fd = fd
        self.core = core
        self.loop = loop
        limits = core.configuration.limits
        parser = RequestParser(limits: limits)
        lifecycle = ConnectionLifecycle(limits: limits, acceptedAt: .now())
        input = .allocate(byteCount: Self.inputCapacity, alignment: 16)
        headBuffer.reserveCapacity(256)
    }

    deinit {
        input.deallocate()
    }

    func start() {
        loop.execute { [self] in
            guard !isClosed else { return }
            loop.adopt(self)
            armTimer()
        }
    }

    // MARK: Reading heads

    /// On the loop: one receive per readiness event (epoll is level-triggered, so bytes left in
    /// the socket are reported again), then whatever requests they complete.
    func readable() {
        while !isClosed && !offloaded {
            if inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
            if inputEnd == input.count { compactInput() }
            let room = input.count - inputEnd
            let result: IOResult
            do {
                result = try Syscall.recv(fd, into: UnsafeMutableRawBufferPointer(rebasing: input[inputEnd...]))
            } catch {
                close()
                return
            }
            switch result {
            case .bytes(let n):
                if lingerDeadline != nil {
                    lingerRead += n
                    if lingerRead > Self.lingerBytes { close() }
                    continue
                }
                inputEnd += n
                if awaitingBody != nil {
                    lifecycle.bodyProgress(at: .now())
                } else {
                    lifecycle.bytesReceived(at: .now())
                }
                processInput()
                if n < room {
                    armTimer()
                    return
                }
            case .wouldBlock:
                armTimer()
                return
            case .endOfFile:
                close()
                return
            }
        }
    }

    func compactInput() {
        guard inputStart > 0 else { return }
        let count = inputEnd - inputStart
        if count > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + inputStart, byteCount: count) }
        inputStart = 0
        inputEnd = count
    }

    /// Parses buffered bytes, serving each complete request in turn (pipelining: one at a time, in order).
    func processInput() {
        while !isClosed && !offloaded && lingerDeadline == nil {
            if let waiting = awaitingBody {
                guard inputEnd - inputStart >= waiting.contentLength ?? 0 else { return }
                awaitingBody = nil
                serve(waiting)
                continue
            }
            let step: RequestParser.Step
            do {
                step = try parser.consume(UnsafeRawBufferPointer(rebasing: input[inputStart..<inputEnd]))
            } catch {
                lifecycle.headReceived()
                answerAndClose(error.problem(limits: limits))
                return
            }
            inputStart += step.consumed
            guard let event = step.event else {
                if step.consumed == 0 || inputStart == inputEnd { return }
                continue
            }
            if case .head(let request) = event {
                if waitsForBodyBeforeHandler(request) { return }
                serve(request)
            }
        }
    }

    /// A small `Content-Length` body (it fits the input buffer) is received from readiness
    /// events before the handler runs, so its handler never waits on the peer. Otherwise a client
    /// dripping small bodies would hold one Dispatch worker thread per connection, and a few
    /// hundred such clients exhaust the pool and stall everyone. Not with `Expect: 100-continue`:
    /// there the handler decides first.
    func waitsForBodyBeforeHandler(_ request: HTTPRequest) -> Bool {
        guard case .contentLength(let length) = request.framing, length > 0, length <= input.count,
              !request.expectsContinue, inputEnd - inputStart < length else { return false }
        if input.count - inputStart < length { compactInput() }
        awaitingBody = request
        lifecycle.headReceived()
        lifecycle.bodyProgress(at: .now())
        return true
    }

    // MARK: Serving one request

    /// On the loop: runs the request's handler here when its route allows it and its body is
    /// already buffered (nothing then waits on the peer), else on a worker.
    func serve(_ request: HTTPRequest) {
        lifecycle.headReceived()
        exchange = ExchangeState(request: request)
        if !request.hasBody { pullBodyEnd() }
        let routed = core.router.matchRoute(request.method, path: request.path)
        exchange?.route = routed.pattern
        var request = request
        if case .handler(_, let parameters) = routed.match { request.pathParameters = parameters }
        if bodyIsBuffered(request) && (routed.runsInline?(request) ?? true) {
            run(request, routed.match)
            afterDeferredOutput { self.finishExchange() }
        } else {
            offload { [request] in
                self.run(request, routed.match)
                self.finishExchange()
            }
        }
    }

    func bodyIsBuffered(_ request: HTTPRequest) -> Bool {
        if !request.hasBody { return true }
        guard case .contentLength(let length) = request.framing, !request.expectsContinue else { return false }
        return inputEnd - inputStart >= length
    }

    /// Hands the connection to a Dispatch worker for `work` (which may wait on the peer or on
    /// other requests), and back to the loop afterwards.
    func offload(_ work: @escaping @Sendable () -> Void) {
        offloaded = true
        loop.connectionOffloaded()
        loop.unwatch(self)
        workerQueue.async { [self] in
            work()
            loop.execute { self.returnToLoop() }
        }
    }

    /// On the loop, after a worker's turn: serve what was pipelined meanwhile and wait for more.
    func returnToLoop() {
        offloaded = false
        loop.connectionReturned()
        if isClosed {
            loop.forget(self)
            return
        }
        loop.watch(self)
        // A shutdown that began meanwhile skipped this busy connection.
        if core.isShuttingDown { closeIfIdle() }
        processInput()
        if !isClosed && !offloaded { armTimer() }
    }

    /// Runs `then` once `deferredOutput` has left: at once when there is none, else after a
    /// worker has sent it (the loop never waits for a peer to read).
    func afterDeferredOutput(_ then: @escaping @Sendable () -> Void) {
        if deferredOutput.isEmpty {
            then()
        } else if offloaded {
            sendDeferredOutput()
            then()
        } else {
            offload {
                self.sendDeferredOutput()
                then()
            }
        }
    }

    func sendDeferredOutput() {
        let output = deferredOutput
        deferredOutput = []
        do {
            try output.withBytes { (bytes) throws(HTTPIOError) in try sendAll(bytes) }
        } catch {
            mustClose = true
            close()
        }
    }

    func run(_ request: HTTPRequest, _ match: Router.Match) {
        if core.isShuttingDown {
            respondOrClose(.shuttingDown(retryAfter: limits.retryAfterSeconds))
            return
        }
        // RFC 9110 §10.1.1: an expectation other than 100-continue is answered 417.
        if request.version == .http1_1, let expect = request.headers["Expect"], !request.expectsContinue {
            respondOrClose(.expectationFailed(expect))
            return
        }
        // The body's share of the in-flight budget is taken when the handler first reads it
        // (`readBody`), not here: a handler that answers from the head, or waits for its turn
        // before reading (optd serialises large uploads to one session), holds nothing while
        // the body stays in the kernel's socket buffer.
        switch match {
        case .notFound:
            respondOrClose(.notFound(request.path))
        case .methodNotAllowed(let allowed):
            respondOrClose(.methodNotAllowed(request.method, allowed: allowed))
        case .handler(let handler, _):
            let body = RequestBody(connection: self)
            let writer = ResponseWriter(connection: self)
            do {
                try handler(request, body, writer)
            } catch {
                handlerFailed(error)
            }
            body.invalidate()
            writer.invalidate()
            guard let exchange, !isClosed else { return }
            if !exchange.headWritten {
                respondOrClose(.internalError("the handler returned without answering"))
            } else if !exchange.responseComplete {
                // Fewer body bytes than declared: the framing is broken, only closing is honest.
                mustClose = true
            }
        }
    }

    func handlerFailed(_ error: any Error) {
        guard let exchange, !isClosed else { return }
        if exchange.headWritten {
            mustClose = true
            return
        }
        switch error {
        case let problem as Problem:
            respondOrClose(problem)
        case let ioError as HTTPIOError:
            mustClose = true
            switch ioError {
            case .timedOut: respondOrClose(.requestTimeout("no body bytes for \(limits.bodyReadTimeout)"))
            case .invalidBody(let parseError): respondOrClose(parseError.problem(limits: limits))
            case .serverBusy: respondOrClose(.serverBusy(retryAfter: limits.retryAfterSeconds))
            case .peerClosed, .system: close()
            case .misuse(let detail): respondOrClose(.internalError(detail))
            }
        default:
            respondOrClose(.internalError())
        }
    }

    /// Hands the finished exchange to the access log, if there is one and an answer was written.
    func logAccess(_ exchange: ExchangeState) {
        guard let log = core.configuration.accessLog, exchange.status != 0 else { return }
        let request = exchange.request
        log(AccessRecord(method: exchange.unreadable ? "-" : request.method.rawValue,
                         target: exchange.unreadable ? "-" : request.target, route: exchange.route,
                         status: exchange.status, bytesIn: exchange.bodyBytesRead,
                         bytesOut: exchange.sendsBody ? exchange.bodyGiven : 0,
                         durationNanoseconds: Instant.now().nanoseconds - exchange.started.nanoseconds,
                         requestID: request.headers["X-Request-Id"] ?? String(core.nextRequestID())))
    }

    func respondOrClose(_ problem: Problem) {
        var headers = problem.headers
        headers.set("Content-Type", Problem.contentType)
        let body = problem.encoded()
        do {
            try body.withBytes { (bytes) throws(HTTPIOError) in
                try writeHead(problem.status, headers: headers, contentLength: bytes.count, firstBody: bytes)
            }
        } catch {
            close()
        }
    }

    func finishExchange() {
        guard let current = exchange else { return }
        logAccess(current)
        exchange = nil
        core.budget.release(current.reservedBodyBytes)
        guard !isClosed else { return }
        if current.closeAfterResponse || mustClose || !current.responseComplete {
            lingeringClose()
            return
        }
        if !current.bodyComplete {
            // Keep-alive was promised, so the unread rest is small (≤ drainLimit): read and drop it.
            // Whatever the drain takes from the in-flight budget (a first read reserves the
            // declared length, chunks reserve as they come) goes back when it ends, either way.
            exchange = current
            exchange?.reservedBodyBytes = 0
            var scratch = [UInt8](repeating: 0, count: 4096)
            var drained = true
            do {
                while try scratch.withMutableBytes({ (p) throws(HTTPIOError) -> Int in try readBody(into: p) }) > 0 {}
            } catch {
                drained = false
            }
            core.budget.release(exchange?.reservedBodyBytes ?? 0)
            exchange = nil
            if !drained {
                lingeringClose()
                return
            }
        }
        lifecycle.responseFinished(at: .now(), nextRequestStarted: inputStart < inputEnd)
    }
}
