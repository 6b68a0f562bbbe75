#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One accepted socket: reads request heads as bytes arrive, runs the matching handler, writes
/// the answer, and enforces the timeouts of ``ConnectionLifecycle``.
///
/// Threading: every mutable property is touched only on `queue`, a serial queue of this
/// connection alone; handlers run on it too. Heads are read from readiness events (no thread is
/// held by an idle or slow-head connection); a running handler reads its body and writes its
/// answer with non-blocking calls plus `poll(2)` bounded by the lifecycle's deadlines, which
/// blocks only this connection's queue. Hence `@unchecked Sendable`.
final class Connection: @unchecked Sendable {
    /// Body bytes drained after the handler when it did not read them, to keep the connection
    /// usable; beyond this the connection closes instead.
    static let drainLimit = 64 * 1024
    static let inputCapacity = 64 * 1024
    /// How long a lingering close waits for the peer's unread bytes, and how many it reads.
    static let lingerTime: Duration = .seconds(2)
    static let lingerBytes = 1 << 20

    let fd: Int32
    let queue: DispatchQueue
    private let core: ServerCore
    private let limits: HTTPLimits
    private var parser: RequestParser
    private var lifecycle: ConnectionLifecycle
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    private var readSource: DispatchSourceRead?
    private var timer: DispatchSourceTimer?
    private var timerDeadline: Instant?
    private var lingerDeadline: Instant?
    private var lingerRead = 0
    private(set) var isClosed = false
    private var exchange: ExchangeState?
    /// A request whose small body is still arriving; see ``waitsForBodyBeforeHandler(_:)``.
    private var awaitingBody: HTTPRequest?
    private var mustClose = false
    private var headBuffer: [UInt8] = []

    init(fd: Int32, core: ServerCore) {
        self.fd = fd
        self.core = core
        limits = core.configuration.limits
        queue = DispatchQueue(label: "http1.connection")
        parser = RequestParser(limits: limits)
        lifecycle = ConnectionLifecycle(limits: limits, acceptedAt: .now())
        input = .allocate(byteCount: Self.inputCapacity, alignment: 16)
        headBuffer.reserveCapacity(256)
    }

    deinit {
        input.deallocate()
    }

    func start() {
        queue.async { self.setUp() }
    }

    private func setUp() {
        guard !isClosed else { return }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { self.readable() }
        // The descriptor is closed only once Dispatch has let go of it.
        let fd = self.fd
        source.setCancelHandler { Syscall.close(fd) }
        readSource = source
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { self.timerFired() }
        self.timer = timer
        timer.resume()
        source.resume()
        armTimer()
    }

    // MARK: Reading heads

    private func readable() {
        while !isClosed {
            if inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
            if inputEnd == input.count { compactInput() }
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
            case .wouldBlock:
                armTimer()
                return
            case .endOfFile:
                close()
                return
            }
        }
    }

    private func compactInput() {
        guard inputStart > 0 else { return }
        let count = inputEnd - inputStart
        if count > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + inputStart, byteCount: count) }
        inputStart = 0
        inputEnd = count
    }

    /// Parses buffered bytes, serving each complete request in turn (pipelining: one at a time, in order).
    private func processInput() {
        while !isClosed && lingerDeadline == nil {
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
    private func waitsForBodyBeforeHandler(_ request: HTTPRequest) -> Bool {
        guard case .contentLength(let length) = request.framing, length > 0, length <= input.count,
              !request.expectsContinue, inputEnd - inputStart < length else { return false }
        if input.count - inputStart < length { compactInput() }
        awaitingBody = request
        lifecycle.headReceived()
        lifecycle.bodyProgress(at: .now())
        return true
    }

    // MARK: Serving one request

    private func serve(_ request: HTTPRequest) {
        lifecycle.headReceived()
        exchange = ExchangeState(request: request)
        if !request.hasBody { pullBodyEnd() }
        run(request)
        finishExchange()
    }

    private func run(_ request: HTTPRequest) {
        if core.isShuttingDown {
            respondOrClose(.shuttingDown(retryAfter: limits.retryAfterSeconds))
            return
        }
        // RFC 9110 §10.1.1: an expectation other than 100-continue is answered 417.
        if request.version == .http1_1, let expect = request.headers["Expect"], !request.expectsContinue {
            respondOrClose(.expectationFailed(expect))
            return
        }
        if let length = request.contentLength, length > 0 {
            guard core.budget.reserve(length) else {
                respondOrClose(.serverBusy(retryAfter: limits.retryAfterSeconds))
                return
            }
            exchange?.reservedBodyBytes = length
        }
        switch core.router.match(request.method, path: request.path) {
        case .notFound:
            respondOrClose(.notFound(request.path))
        case .methodNotAllowed(let allowed):
            respondOrClose(.methodNotAllowed(request.method, allowed: allowed))
        case .handler(let handler, let parameters):
            var request = request
            request.pathParameters = parameters
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

    private func handlerFailed(_ error: any Error) {
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

    private func respondOrClose(_ problem: Problem) {
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

    private func finishExchange() {
        guard let current = exchange else { return }
        exchange = nil
        core.budget.release(current.reservedBodyBytes)
        guard !isClosed else { return }
        if current.closeAfterResponse || mustClose || !current.responseComplete {
            lingeringClose()
            return
        }
        if !current.bodyComplete {
            // Keep-alive was promised, so the unread rest is small (≤ drainLimit): read and drop it.
            exchange = current
            var scratch = [UInt8](repeating: 0, count: 4096)
            do {
                while try scratch.withMutableBytes({ (p) throws(HTTPIOError) -> Int in try readBody(into: p) }) > 0 {}
            } catch {
                exchange = nil
                lingeringClose()
                return
            }
            exchange = nil
        }
        lifecycle.responseFinished(at: .now(), nextRequestStarted: inputStart < inputEnd)
    }

    // MARK: Body

    var exchangeRequestLength: Int? { exchange?.request.contentLength }
    var exchangeHeadWritten: Bool { exchange?.headWritten ?? true }

    /// After the body's last byte the parser still owes its end event; take it so the body
    /// counts as complete and the parser is ready for the next request.
    private func pullBodyEnd() {
        guard parser.state == .endPending else { return }
        _ = try? parser.consume(UnsafeRawBufferPointer(start: nil, count: 0))
        exchange?.bodyComplete = true
    }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
        guard var current = exchange, !isClosed else { throw .peerClosed }
        if current.bodyComplete || buffer.count == 0 { return 0 }
        if current.request.expectsContinue && !current.continueSent && !current.headWritten {
            exchange?.continueSent = true
            current.continueSent = true
            let line = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            try line.withBytes { (bytes) throws(HTTPIOError) in try sendAll(bytes) }
        }
        do {
            return try readBodyBytes(into: buffer)
        } catch {
            mustClose = true
            throw error
        }
    }

    private func readBodyBytes(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
        while true {
            // 1. Bytes already buffered (they arrived with the head) go through the parser.
            if inputStart < inputEnd || parser.state == .endPending {
                let end = min(inputEnd, inputStart + buffer.count)
                let slice = UnsafeRawBufferPointer(rebasing: input[inputStart..<end])
                let step: RequestParser.Step
                do { step = try parser.consume(slice) } catch { throw .invalidBody(error) }
                inputStart += step.consumed
                switch step.event {
                case .body(let range):
                    if exchange?.request.framing == .chunked {
                        guard core.budget.reserve(range.count) else { throw .serverBusy }
                        exchange?.reservedBodyBytes += range.count
                    }
                    buffer.baseAddress!.copyMemory(from: slice.baseAddress! + range.lowerBound, byteCount: range.count)
                    pullBodyEnd()
                    return range.count
                case .end:
                    exchange?.bodyComplete = true
                    return 0
                case .head, nil:
                    if step.consumed > 0 { continue }
                }
            }
            // 2. A Content-Length body with nothing buffered: receive straight into the caller's memory.
            if inputStart == inputEnd, let remaining = parser.remainingContentLength {
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)])
                if case .bytes(let n) = try receive(into: target) {
                    parser.skipContentBody(n)
                    pullBodyEnd()
                    return n
                }
                continue
            }
            // 3. Chunked (or framing bytes pending): fill the connection's buffer and parse again.
            if inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
            compactInput()
            if case .bytes(let n) = try receive(into: UnsafeMutableRawBufferPointer(rebasing: input[inputEnd...])) {
                inputEnd += n
            }
        }
    }

    /// One non-blocking receive; on "would block", waits within the body-read deadline and
    /// returns `.wouldBlock` so the caller retries.
    private func receive(into target: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> IOResult {
        let result: IOResult
        do { result = try Syscall.recv(fd, into: target) } catch { throw .system(error) }
        switch result {
        case .bytes:
            lifecycle.socketWaitEnded()
            return result
        case .endOfFile:
            throw .peerClosed
        case .wouldBlock:
            if case .readingBody = lifecycle.phase {} else { lifecycle.bodyProgress(at: .now()) }
            try waitForSocket(writing: false)
            return .wouldBlock
        }
    }

    /// Polls until the socket is ready or the lifecycle's deadline passes (then `timedOut`).
    private func waitForSocket(writing: Bool) throws(HTTPIOError) {
        guard core.beginWaiting() else { throw writing ? .timedOut : .serverBusy }
        defer { core.endWaiting() }
        while true {
            let now = Instant.now()
            if lifecycle.expire(at: now) != .none { throw .timedOut }
            guard let deadline = lifecycle.deadline else { return }
            let ready: Bool
            do {
                ready = try Syscall.poll(fd, forWriting: writing, timeoutMilliseconds: now.milliseconds(until: deadline))
            } catch {
                throw .system(error)
            }
            if ready { return }
        }
    }

    // MARK: Response

    func writeHead(_ status: HTTPStatus, headers: HTTPHeaders, contentLength: Int, firstBody: UnsafeRawBufferPointer?) throws(HTTPIOError) {
        guard var current = exchange, !isClosed else { throw .peerClosed }
        guard !current.headWritten else { throw .misuse("the response head was already written") }
        guard contentLength >= 0 else { throw .misuse("negative Content-Length") }
        current.headWritten = true
        current.closeAfterResponse = willClose(current)
        current.sendsBody = status.allowsBody && current.request.method != .head
        current.declaredLength = status.allowsBody ? contentLength : 0

        headBuffer.removeAll(keepingCapacity: true)
        headBuffer.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
        headBuffer.append(contentsOf: DateCache.shared.headerLine())
        // RFC 9110 §8.6: no Content-Length on 1xx and 204; HEAD carries GET's (SPEC §7).
        if status.code >= 200 && status.code != 204 {
            headBuffer.append(contentsOf: "Content-Length: \(current.declaredLength)\r\n".utf8)
        }
        for field in headers {
            if Self.isFramingHeader(field.name) { continue }
            headBuffer.append(contentsOf: field.name.utf8)
            headBuffer.append(contentsOf: ": ".utf8)
            headBuffer.append(contentsOf: field.value.utf8)
            headBuffer.append(contentsOf: "\r\n".utf8)
        }
        if current.closeAfterResponse {
            headBuffer.append(contentsOf: "Connection: close\r\n".utf8)
        } else if current.request.version == .http1_0 {
            // RFC 9112 §9.3: an HTTP/1.0 client only keeps the connection when told so.
            headBuffer.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        headBuffer.append(contentsOf: "\r\n".utf8)
        current.headPending = true
        exchange = current
        if let firstBody {
            try writeBody(firstBody)
        } else if !current.sendsBody || current.declaredLength == 0 {
            try writeBody(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    func writeBody(_ bytes: UnsafeRawBufferPointer) throws(HTTPIOError) {
        guard var current = exchange, !isClosed else { throw .peerClosed }
        guard current.headWritten else { throw .misuse("writeBody before writeHead") }
        guard current.bodyGiven + bytes.count <= current.declaredLength else {
            throw .misuse("more body bytes than the declared Content-Length \(current.declaredLength)")
        }
        current.bodyGiven += bytes.count
        let body = current.sendsBody ? bytes : UnsafeRawBufferPointer(start: nil, count: 0)
        let sendHead = current.headPending
        current.headPending = false
        current.responseComplete = !current.sendsBody || current.bodyGiven == current.declaredLength
        exchange = current
        do {
            if sendHead {
                try headBuffer.withBytes { (head) throws(HTTPIOError) in try sendAll(head, body) }
            } else {
                try sendAll(body)
            }
        } catch {
            mustClose = true
            throw error
        }
    }

    static func isFramingHeader(_ name: String) -> Bool {
        HTTPHeaders.equalsIgnoringCase(name, "Content-Length") || HTTPHeaders.equalsIgnoringCase(name, "Transfer-Encoding")
            || HTTPHeaders.equalsIgnoringCase(name, "Connection") || HTTPHeaders.equalsIgnoringCase(name, "Date")
    }

    /// Decided when the head is written, since `Connection: close` must be in it.
    private func willClose(_ current: ExchangeState) -> Bool {
        if mustClose || !current.request.keepAlive || core.isShuttingDown { return true }
        if current.bodyComplete { return false }
        // A client told to wait for 100 may never send the body; its bytes can't be told apart.
        if current.request.expectsContinue && !current.continueSent { return true }
        guard let remaining = parser.remainingContentLength else { return parser.state != .endPending }
        return remaining > Self.drainLimit
    }

    /// Sends `first` then `second`, waiting (within the write-stall deadline) while the peer's
    /// window is full.
    private func sendAll(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(HTTPIOError) {
        var first = first
        var second = second
        var progressed = true
        while first.count + second.count > 0 {
            let result: IOResult
            do { result = try Syscall.send(fd, first, second) } catch {
                if error.errno == EPIPE || error.errno == ECONNRESET { throw .peerClosed }
                throw .system(error)
            }
            switch result {
            case .bytes(var n):
                progressed = true
                let fromFirst = min(n, first.count)
                first = UnsafeRawBufferPointer(rebasing: first[fromFirst...])
                n -= fromFirst
                second = UnsafeRawBufferPointer(rebasing: second[n...])
            case .wouldBlock:
                if progressed { lifecycle.writeProgress(at: .now()) }
                progressed = false
                try waitForSocket(writing: true)
            case .endOfFile:
                throw .peerClosed
            }
        }
        lifecycle.socketWaitEnded()
    }

    // MARK: Errors, timeouts, closing

    /// Answers a protocol error once, then closes (NIO's HTTPServerProtocolErrorHandler rule).
    private func answerAndClose(_ problem: Problem) {
        mustClose = true
        if exchange == nil {
            exchange = ExchangeState(request: HTTPRequest(method: .get, target: "/"))
        }
        respondOrClose(problem)
        exchange = nil
        if !isClosed { lingeringClose() }
    }

    private func timerFired() {
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

    private func armTimer() {
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
    private func lingeringClose() {
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
