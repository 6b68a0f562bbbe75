#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP1
import Synchronization
import Testing

/// The event loop's promises with one loop thread, so every connection shares it: inline
/// handlers never make the loop wait for a peer, and handlers that may wait run elsewhere.
@Suite struct EventLoopTests {
    /// 32 MiB: more than the server's send buffer and the client's receive buffer hold together.
    static let bigSize = 32 << 20

    static func bigBody() -> [UInt8] { (0..<bigSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) } }

    static func bigRoutes(_ router: inout Router) {
        standardRoutes(&router)
        let body = bigBody()
        router.on(.get, "/big", runsInline: { _ in true }) { _, _, response in
            try response.respond(.ok, body: body)
        }
    }

    @Test func inlineAnswerTheSocketCannotTakeArrivesWholeWhileTheLoopServesOthers() throws {
        let server = try TestServer(eventLoops: 1, configure: Self.bigRoutes)
        defer { server.stop() }
        let reader = try server.client()
        // Not read yet: the answer fills both socket buffers and the rest waits in the server.
        try reader.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        let other = try server.client()
        for i in 0..<3 {
            try other.send("GET /n/\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try other.readResponse().bodyText == "\(i)")
        }
        let big = try reader.readResponse()
        #expect(big.status == 200)
        #expect(big.body == Self.bigBody())
        // The connection stays usable afterwards.
        try reader.send("GET /n/after HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try reader.readResponse().bodyText == "after")
    }

    @Test func requestsPipelinedBehindADeferredAnswerAreAnsweredInOrder() throws {
        let server = try TestServer(eventLoops: 1, configure: Self.bigRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /n/2 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthree")
        #expect(try client.readResponse().body.count == Self.bigSize)
        #expect(try client.readResponse().bodyText == "2")
        #expect(try client.readResponse().bodyText == "three")
    }

    @Test func deferredAnswerIsSentWholeBeforeConnectionClose() throws {
        let server = try TestServer(eventLoops: 1, configure: Self.bigRoutes)
        defer { server.stop() }
        let client = try server.client()
        try client.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let big = try client.readResponse()
        #expect(big.headers["Connection"] == "close")
        #expect(big.body == Self.bigBody())
        #expect(try client.isClosedByServer())
    }

    @Test func handlerWithoutInlinePromiseWaitsOffTheLoop() throws {
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer(eventLoops: 1) { router in
            standardRoutes(&router)
            router.on(.get, "/wait") { _, _, response in
                release.wait()
                try response.respond(.ok, body: "waited")
            }
        }
        defer { server.stop() }
        let waiting = try server.client()
        // A request pipelined behind the waiting one is served after it, in order.
        try waiting.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\nGET /n/next HTTP/1.1\r\nHost: x\r\n\r\n")
        let other = try server.client()
        try other.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try other.readResponse().bodyText == "hello")
        release.signal()
        #expect(try waiting.readResponse().bodyText == "waited")
        #expect(try waiting.readResponse().bodyText == "next")
    }

    @Test func inlinePredicateSeesThePathParametersAndDecidesPerRequest() throws {
        let seen = LockedBox<[String]>([])
        let release = DispatchSemaphore(value: 0)
        let server = try TestServer(eventLoops: 1) { router in
            standardRoutes(&router)
            router.on(.get, "/r/{mode}", runsInline: { request in
                let mode = request.pathParameters["mode"] ?? "?"
                seen.set(seen.get() + [mode])
                return mode == "quick"
            }) { request, _, response in
                // Only a request the predicate sent to a worker may wait here.
                if request.pathParameters["mode"] == "wait" { release.wait() }
                try response.respond(.ok, body: request.pathParameters["mode"] ?? "")
            }
        }
        defer { server.stop() }
        let waiting = try server.client()
        try waiting.send("GET /r/wait HTTP/1.1\r\nHost: x\r\n\r\n")
        let quick = try server.client()
        try quick.send("GET /r/quick HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try quick.readResponse().bodyText == "quick")
        release.signal()
        #expect(try waiting.readResponse().bodyText == "wait")
        #expect(seen.get().sorted() == ["quick", "wait"])
    }
}
