#if canImport(Glibc)
import Glibc
#endif
import HTTP1
import Testing

/// A blocking loopback client speaking raw bytes, so tests control exactly what goes on the wire.
/// Every read has a 10 s socket timeout, so a broken server fails a test instead of hanging it.
final class TestClient: @unchecked Sendable {  // used by one thread at a time in each test
    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1") throws {
        let v6 = host.contains(":")
        fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if v6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port)).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            sent += n
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return false }
        if n < 0 {
            if errno == ECONNRESET { return false }
            throw Failure(description: "recv failed: errno \(errno)")
        }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    /// Reads one response; `headRequest` means no body follows despite Content-Length.
    func readResponse(headRequest: Bool = false) throws -> Response {
        var headEnd: Int?
        while true {
            if let range = buffer.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = range.upperBound; break }
            guard try fill() else { throw Failure(description: "closed before a response head") }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeSubrange(..<headEnd!)
        var lines = head.split(separator: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line \(head)") }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        let length = headRequest || status < 200 || status == 204 ? 0 : Int(headers["Content-Length"] ?? "0") ?? 0
        while buffer.count < length {
            guard try fill() else { throw Failure(description: "closed inside a body") }
        }
        let body = Array(buffer[..<length])
        buffer.removeSubrange(..<length)
        return Response(status: status, headers: headers, body: body)
    }

    /// True when the server closed the connection (after any buffered bytes).
    func isClosedByServer() throws -> Bool {
        buffer.removeAll()
        return try !fill()
    }
}

/// A server on an ephemeral loopback port for one test, shut down by `stop()`.
struct TestServer {
    let server: HTTPServer
    let port: Int

    /// `busyPoll`: what optd runs with by default, so every loopback test also goes through the
    /// loop's polling between requests (the library's default, off, is covered by optd's
    /// `BusyPollTests` at `--busy-poll-us 0`).
    init(limits: HTTPLimits = HTTPLimits(), host: String = "127.0.0.1", eventLoops: Int = 0,
         busyPoll: Duration = HTTPServer.Configuration.suggestedBusyPoll, configure: (inout Router) -> Void) throws {
        var router = Router()
        configure(&router)
        server = HTTPServer(configuration: .init(host: host, port: 0, limits: limits, eventLoops: eventLoops, busyPoll: busyPoll),
                            router: router)
        port = try server.start()
    }

    func client() throws -> TestClient { try TestClient(port: port, host: server.configuration.host) }

    func stop() { server.shutdown(gracePeriod: .seconds(2)) }
}

/// The routes most loopback tests use. None of them waits, so all may run on the event loop
/// (`runsInline`), as a server's quick routes would; routes of single tests that wait or
/// block are registered without it and run on workers.
func standardRoutes(_ router: inout Router) {
    let inline: Router.InlinePredicate = { _ in true }
    router.on(.get, "/hello", runsInline: inline) { _, _, response in
        try response.respond(.ok, headers: ["Content-Type": "text/plain"], body: "hello")
    }
    router.on(.post, "/echo", runsInline: inline) { _, body, response in
        try response.respond(.ok, body: try body.readAll())
    }
    router.on(.get, "/n/{n}", runsInline: inline) { request, _, response in
        try response.respond(.ok, body: request.pathParameters["n"] ?? "")
    }
    router.on(.delete, "/empty", runsInline: inline) { _, _, response in
        try response.respond(.noContent)
    }
}
