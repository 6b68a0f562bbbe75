#if canImport(Glibc)
import Glibc
#endif

/// Writing the answer: the head (with the framing headers the server owns) and body bytes
/// from the caller's memory, waiting within the lifecycle's write-stall deadline.
extension Connection {
    func writeHead(_ status: HTTPStatus, headers: HTTPHeaders, contentLength: Int, firstBody: UnsafeRawBufferPointer?) throws(HTTPIOError) {
        guard var current = exchange, !isClosed else { throw .peerClosed }
        guard !current.headWritten else { throw .misuse("the response head was already written") }
        guard contentLength >= 0 else { throw .misuse("negative Content-Length") }
        current.headWritten = true
        current.status = status.code
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
    func willClose(_ current: ExchangeState) -> Bool {
        if mustClose || !current.request.keepAlive || core.isShuttingDown { return true }
        if current.bodyComplete { return false }
        // A client told to wait for 100 may never send the body; its bytes can't be told apart.
        if current.request.expectsContinue && !current.continueSent { return true }
        guard let remaining = parser.remainingContentLength else { return parser.state != .endPending }
        return remaining > Self.drainLimit
    }

    /// Sends `first` then `second`. A worker waits (within the write-stall deadline) while the
    /// peer's window is full; the loop never waits: what the socket does not take is kept, in
    /// order, in `deferredOutput` for a worker to send (``afterDeferredOutput(_:)``).
    func sendAll(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(HTTPIOError) {
        var first = first
        var second = second
        if !deferredOutput.isEmpty {
            deferredOutput.append(contentsOf: first)
            deferredOutput.append(contentsOf: second)
            return
        }
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
                if !offloaded {
                    deferredOutput.append(contentsOf: first)
                    deferredOutput.append(contentsOf: second)
                    return
                }
                try waitForSocket(writing: true)
            case .endOfFile:
                throw .peerClosed
            }
        }
        lifecycle.socketWaitEnded()
    }
}
