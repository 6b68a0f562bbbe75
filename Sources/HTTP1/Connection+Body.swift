#if canImport(Glibc)
import Glibc
#endif

/// Reading the request body for a handler: buffered bytes through the parser, then the socket,
/// waiting within the lifecycle's body deadline.
extension Connection {
    var exchangeRequestLength: Int? { exchange?.request.contentLength }
    var exchangeHeadWritten: Bool { exchange?.headWritten ?? true }

    /// After the body's last byte the parser still owes its end event; take it so the body
    /// counts as complete and the parser is ready for the next request.
    func pullBodyEnd() {
        guard parser.state == .endPending else { return }
        _ = try? parser.consume(UnsafeRawBufferPointer(start: nil, count: 0))
        exchange?.bodyComplete = true
    }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
        guard var current = exchange, !isClosed else { throw .peerClosed }
        if current.bodyComplete || buffer.count == 0 { return 0 }
        if !current.budgetTaken {
            // A Content-Length body takes its whole declared length from the budget at the
            // first read, before any `100 Continue` (a chunked one takes each chunk as it comes).
            exchange?.budgetTaken = true
            current.budgetTaken = true
            if let length = current.request.contentLength, length > 0 {
                guard core.budget.reserve(length) else {
                    mustClose = true
                    throw .serverBusy
                }
                exchange?.reservedBodyBytes = length
            }
        }
        if current.request.expectsContinue && !current.continueSent && !current.headWritten {
            exchange?.continueSent = true
            current.continueSent = true
            let line = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            try line.withBytes { (bytes) throws(HTTPIOError) in try sendAll(bytes) }
        }
        do {
            let n = try readBodyBytes(into: buffer)
            exchange?.bodyBytesRead += n
            return n
        } catch {
            mustClose = true
            throw error
        }
    }

    func readBodyBytes(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> Int {
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
    func receive(into target: UnsafeMutableRawBufferPointer) throws(HTTPIOError) -> IOResult {
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
    func waitForSocket(writing: Bool) throws(HTTPIOError) {
        // Inline handlers run only with their body buffered and never write through here.
        guard offloaded else { throw .misuse("a wait for the peer on the event loop") }
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
}
