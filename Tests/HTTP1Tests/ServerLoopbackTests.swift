#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP1
import Synchronization
import Testing

/// Real sockets on 127.0.0.1, port 0. Synchronisation is on events (a response arriving, a
/// semaphore a handler signals), never on sleeps.
@Suite struct ServerLoopbackTests {
    @Test func hundredRequestsOnOneConnection() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        for i in 0..<100 {
            try client.send("GET /n/\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "\(i)")
        }
    }

    @Test func threePipelinedRequestsInOneWriteAreAnsweredInOrder() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwoGET /n/3 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().bodyText == "1")
        #expect(try client.readResponse().bodyText == "two")
        #expect(try client.readResponse().bodyText == "3")
    }

    @Test func chunkedRequestBodyIsReadWhole() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n1;x=y\r\ne\r\n0\r\nT: 1\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "abcde")
        try client.send("GET /n/after HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().bodyText == "after")
    }

    @Test func expectContinueGets100BeforeTheBodyIsSent() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        try client.send("hello")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "hello")
    }

    @Test func handlerRejectsFromTheHeadAloneWithoutA100() throws {
        let bodyRead = Flag()
        let server = try TestServer { router in
            router.on(.put, "/params") { request, body, response in
                guard request.headers["Content-Type"] == "application/octet-stream" else {
                    throw Problem(status: .unsupportedMediaType, code: "unsupported_media_type", detail: "need octet-stream")
                }
                if (body.declaredLength ?? 0) != 12 {
                    try response.respond(Problem(status: .unprocessableContent, code: "length_mismatch", detail: "expected 12 bytes"))
                    return
                }
                bodyRead.set()
                _ = try body.readAll()
                try response.respond(.noContent)
            }
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("PUT /params HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 400\r\nExpect: 100-continue\r\n\r\n")
        let rejected = try client.readResponse()
        #expect(rejected.status == 422)
        #expect(rejected.headers["Content-Type"] == "application/problem+json")
        #expect(rejected.bodyText.contains("\"code\":\"length_mismatch\""))
        // The client never sent the body, so the connection cannot be reused: it is closed.
        #expect(rejected.headers["Connection"] == "close")
        #expect(try client.isClosedByServer())
        #expect(!bodyRead.isSet)

        let second = try server.client()
        try second.send("PUT /params HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n")
        let unsupported = try second.readResponse()
        #expect(unsupported.status == 415)
        #expect(unsupported.bodyText.contains("unsupported_media_type"))
    }

    @Test func bodyOverTheLimitIs413BeforeAnyBodyByteIsRead() throws {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1000
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        // Only the head is sent: the answer can only come from the declared length.
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.bodyText.contains("\"code\":\"body_too_large\""))
        #expect(try client.isClosedByServer())
    }

    @Test func malformedRequestIsAnswered400AndTheConnectionCloses() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.bodyText.contains("\"code\":\"bad_request\""))
        #expect(response.headers["Connection"] == "close")
        #expect(try client.isClosedByServer())
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        let missing = try client.readResponse()
        #expect(missing.status == 404)
        #expect(missing.bodyText.contains("\"code\":\"not_found\""))
        try client.send("OPTIONS /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let wrong = try client.readResponse()
        #expect(wrong.status == 405)
        #expect(wrong.headers["Allow"] == "GET, HEAD")
    }

    @Test func headGetsGETsHeadersAndNoBody() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try client.readResponse(headRequest: true)
        #expect(head.status == 200)
        #expect(head.headers["Content-Length"] == "5")
        #expect(head.headers["Content-Type"] == "text/plain")
        // Had a body been sent, it would be read as the next response's status line.
        try client.send("GET /n/next HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().bodyText == "next")
    }

    @Test func noContentHasNoContentLength() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("DELETE /empty HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 204)
        #expect(response.headers["Content-Length"] == nil)
        #expect(response.headers["Date"] != nil)
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.headers["Connection"] == "close")
        #expect(try client.isClosedByServer())
    }

    @Test func http10ClientIsKeptAliveOnlyWhenItAsks() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let keep = try server.client()
        try keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try keep.readResponse().headers["Connection"] == "keep-alive")
        try keep.send("GET /n/2 HTTP/1.0\r\n\r\n")
        let last = try keep.readResponse()
        #expect(last.bodyText == "2")
        #expect(last.headers["Connection"] == "close")
        #expect(try keep.isClosedByServer())
    }

    @Test func rawBodyLandsInTheHandlersOwnBuffer() throws {
        let server = try TestServer { router in
            router.on(.post, "/sum") { _, body, response in
                let count = (body.declaredLength ?? 0) / 4
                var floats = [Float](repeating: 0, count: count)
                let filled = try floats.withUnsafeMutableBytes { try body.readFully(into: $0) }
                guard filled == count * 4 else { throw Problem(status: .unprocessableContent, code: "length_mismatch", detail: "short") }
                try response.respond(.ok, body: "\(floats.reduce(0, +))")
            }
        }
        defer { server.stop() }
        let client = try server.client()
        let floats = (0..<100_000).map { Float($0 % 7) }
        let bytes = floats.withUnsafeBytes { Array($0) }
        try client.send("POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: \(bytes.count)\r\n\r\n")
        try client.send(bytes)
        #expect(try client.readResponse().bodyText == "\(floats.reduce(0, +))")
    }

    @Test func largeResponseIsWrittenFromTheCallersBuffer() throws {
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try TestServer { router in
            router.on(.get, "/big") { _, _, response in
                try response.writeHead(.ok, contentLength: payload.count)
                try payload.withUnsafeBytes { all in
                    try response.writeBody(UnsafeRawBufferPointer(rebasing: all[..<1000]))
                    try response.writeBody(UnsafeRawBufferPointer(rebasing: all[1000...]))
                }
            }
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.body == payload)
    }

    @Test func handlerThrowingAProblemGetsItAsTheAnswer() throws {
        let server = try TestServer { router in
            router.on(.get, "/teapot") { _, _, _ in throw Problem(status: HTTPStatus(418, "I'm a teapot"), code: "teapot", detail: "short and stout") }
            router.on(.get, "/silent") { _, _, _ in }
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n")
        let teapot = try client.readResponse()
        #expect(teapot.status == 418)
        #expect(teapot.bodyText.contains("\"code\":\"teapot\""))
        try client.send("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().status == 500)
    }

    @Test func bodyBeyondTheInFlightBudgetIs503WithRetryAfter() throws {
        var limits = HTTPLimits()
        limits.maxInFlightBodyBytes = 100
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 503)
        #expect(response.headers["Retry-After"] == "1")
        #expect(response.bodyText.contains("server_busy"))
    }

    @Test func unreadBodiesGiveTheirBudgetBack() throws {
        var limits = HTTPLimits()
        limits.maxInFlightBodyBytes = 100
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        let body = String(repeating: "x", count: 60)
        // Each 404 is answered before its body is read; the body is then drained for keep-alive.
        for _ in 0..<5 {
            try client.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n\(body)")
            #expect(try client.readResponse().status == 404)
        }
        let other = try server.client()
        try other.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n\(body)")
        let echoed = try other.readResponse()
        #expect(echoed.status == 200)
        #expect(echoed.bodyText == body)
    }

    @Test func unsupportedExpectationIs417() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 0\r\n\r\n")
        #expect(try client.readResponse().status == 417)
    }

    @Test func partialHeadIsAnswered408WhenTheHeaderDeadlinePasses() throws {
        var limits = HTTPLimits()
        limits.headerTimeout = .milliseconds(300)
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHo")
        let response = try client.readResponse()  // blocks until the server acts
        #expect(response.status == 408)
        #expect(response.bodyText.contains("request_timeout"))
        #expect(try client.isClosedByServer())
    }

    @Test func bodyThatStopsArrivingIsAnswered408() throws {
        var limits = HTTPLimits()
        limits.bodyReadTimeout = .milliseconds(300)
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse()  // blocks until the server gives up on the body
        #expect(response.status == 408)
        #expect(response.bodyText.contains("request_timeout"))
        #expect(try client.isClosedByServer())
    }

    @Test func clientThatStopsReadingIsCutAfterTheWriteStallTimeout() throws {
        var limits = HTTPLimits()
        limits.writeStallTimeout = .milliseconds(300)
        let payload = [UInt8](repeating: 7, count: 32 << 20)
        let failure = LockedBox<HTTPIOError?>(nil)
        let failed = DispatchSemaphore(value: 0)
        let server = try TestServer(limits: limits) { router in
            router.on(.get, "/big") { _, _, response in
                do {
                    try response.respond(.ok, body: payload)
                } catch {
                    failure.set(error as? HTTPIOError)
                    failed.signal()
                    throw error
                }
            }
        }
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        failed.wait()  // the server reports the stalled write; only then does the client read
        #expect(failure.get() == .timedOut)
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            total += n
        }
        #expect(total < payload.count)
    }

    @Test func servesOverIPv6Loopback() throws {
        let server = try TestServer(host: "::1", configure: standardRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().bodyText == "hello")
    }

    @Test func slowHandlerDoesNotBlockOtherConnections() throws {
        let release = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let server = try TestServer { router in
            standardRoutes(&router)
            router.on(.get, "/slow") { _, _, response in
                entered.signal()
                release.wait()
                try response.respond(.ok, body: "slow")
            }
        }
        defer { server.stop() }
        let slow = try server.client()
        try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        entered.wait()
        let fast = try server.client()
        try fast.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try fast.readResponse().bodyText == "hello")
        release.signal()
        #expect(try slow.readResponse().bodyText == "slow")
    }

    @Test func slowHeaderClientDoesNotDelayAnotherClientByMoreThanOneSecond() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        let dripper = try server.client()
        let done = Flag()
        let dripping = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        DispatchQueue.global().async(group: finished) {
            // One header byte per second: this pacing is the scenario itself, not synchronisation.
            for byte in Array("GET /hello HTTP/1.1\r\nX-Slow: ".utf8) {
                if done.isSet { break }
                _ = try? dripper.send([byte])
                dripping.signal()
                usleep(1_000_000)
            }
        }
        dripping.wait()
        let other = try server.client()
        for i in 0..<5 {
            let start = Instant.now()
            try other.send("GET /n/\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try other.readResponse().bodyText == "\(i)")
            let elapsed = Instant.now().nanoseconds - start.nanoseconds
            #expect(elapsed < 1_000_000_000, "request \(i) took \(elapsed / 1_000_000) ms")
            dripping.wait()  // interleave with the drip: each round spans a new slow byte
        }
        done.set()
        finished.wait()
    }

    @Test func twoHundredIdleConnectionsDoNotStopANewClient() throws {
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        var idle: [TestClient] = []
        for _ in 0..<200 { idle.append(try server.client()) }
        // Half of them also start a request and stall mid-head.
        for client in idle.prefix(100) { try client.send("GET /hello HTTP/1.1\r\n") }
        let fresh = try server.client()
        try fresh.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try fresh.readResponse().bodyText == "hello")
        // The idle ones are still usable.
        try idle[150].send("GET /n/idle HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle[150].readResponse().bodyText == "idle")
    }

    @Test func threeHundredSlowSmallBodiesDoNotStallANewClient() throws {
        // More than Dispatch's ~255 worker threads: had each slow body held a handler thread,
        // the probe would never be served.
        let server = try TestServer(configure: standardRoutes)
        defer { server.stop() }
        var slow: [TestClient] = []
        for _ in 0..<300 {
            let client = try server.client()
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
            slow.append(client)
        }
        let probe = try server.client()
        try probe.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try probe.readResponse().bodyText == "hello")
        try slow[7].send(String(repeating: "z", count: 97))
        #expect(try slow[7].readResponse().body.count == 100)
    }

    @Test func handlerThatWouldWaitBeyondTheWaitingCapGets503() throws {
        var limits = HTTPLimits()
        limits.maxWaitingHandlers = 0
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let big = try server.client()
        try big.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc")
        let response = try big.readResponse()
        #expect(response.status == 503)
        #expect(response.bodyText.contains("server_busy"))
        // A small body never makes its handler wait, so the cap does not touch it.
        let small = try server.client()
        try small.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab")
        try small.send("cdef")
        #expect(try small.readResponse().bodyText == "abcdef")
    }

    @Test func connectionsBeyondTheCapWaitUntilASlotFrees() throws {
        var limits = HTTPLimits()
        limits.maxConnections = 2
        let server = try TestServer(limits: limits, configure: standardRoutes)
        defer { server.stop() }
        let a = try server.client()
        let b = try server.client()
        try a.send("GET /n/a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try a.readResponse().bodyText == "a")
        try b.send("GET /n/b HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try b.readResponse().bodyText == "b")
        let c = try server.client()  // connects (kernel backlog) but is not accepted yet
        try c.send("GET /n/c HTTP/1.1\r\nHost: x\r\n\r\n")
        try a.send("GET /n/bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(try a.readResponse().bodyText == "bye")
        #expect(try c.readResponse().bodyText == "c")
        #expect(server.server.connectionCount <= 2)
    }

    @Test func gracefulShutdownFinishesTheInFlightRequestAndRefusesNewOnes() throws {
        let release = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let server = try TestServer { router in
            router.on(.get, "/work") { _, _, response in
                entered.signal()
                release.wait()
                try response.respond(.ok, body: "finished")
            }
        }
        let busy = try server.client()
        try busy.send("GET /work HTTP/1.1\r\nHost: x\r\n\r\n")
        entered.wait()
        let idle = try server.client()
        try idle.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 404)
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.server.shutdown(gracePeriod: .seconds(10))
            stopped.signal()
        }
        // The idle keep-alive connection is closed by the shutdown.
        #expect(try idle.isClosedByServer())
        #expect(throws: (any Error).self) { _ = try server.client() }
        release.signal()
        let response = try busy.readResponse()
        #expect(response.bodyText == "finished")
        #expect(response.headers["Connection"] == "close")
        stopped.wait()
        #expect(server.server.connectionCount == 0)
    }
}

/// A thread-safe boolean for handlers and helper threads to report through.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// A lock-protected value for handlers to hand results to the test thread.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLockLike()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.locked { value = newValue } }
    func get() -> Value { lock.locked { value } }
}

/// pthread mutex (seen by ThreadSanitizer).
final class NSLockLike: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
