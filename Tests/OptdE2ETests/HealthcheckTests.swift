import Foundation
import Testing

/// `optd healthcheck` (Docker HEALTHCHECK): exit 0 when a local optd answers /healthz, non-zero
/// when nothing listens.
@Suite(.serialized) struct HealthcheckTests {
    static func healthcheck(_ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
        let process = Process()
        process.executableURL = OptdProcess.binary
        process.arguments = ["healthcheck"] + arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A loopback port that was free a moment ago and that nothing listens on.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length); return getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func exitsZeroAgainstALiveServerEvenWithAuth() throws {
        let optd = try OptdProcess(arguments: ["--auth-token", "secret"])
        #expect(try Self.healthcheck(["--port", String(optd.port)]) == 0)
        #expect(try Self.healthcheck(["--port=\(optd.port)"]) == 0)
        #expect(try Self.healthcheck([], environment: ["OPTD_PORT": String(optd.port)]) == 0, "OPTD_PORT, as in the image")
        #expect(optd.stop() == 0)
        #expect(try Self.healthcheck(["--port", String(optd.port)]) != 0, "after the server stopped")
    }

    @Test func exitsNonZeroWhenNothingListens() throws {
        #expect(try Self.healthcheck(["--port", String(Self.closedPort())]) == 1)
        #expect(try Self.healthcheck(["--port", "not-a-port"]) == 2)
    }

    /// A server that answers anything but 200 (here a hand-written 503) is not healthy.
    @Test func exitsNonZeroWhenTheAnswerIsNot200() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length); return getsockname(listener, $0, &length) }
        }
        #expect(listen(listener, 1) == 0)
        let answered = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let fd = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 1024)
            _ = recv(fd, &buffer, buffer.count, 0)
            let answer = Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".utf8)
            _ = send(fd, answer, answer.count, Int32(MSG_NOSIGNAL))
            close(fd)
            answered.signal()
        }
        #expect(try Self.healthcheck(["--port", String(UInt16(bigEndian: address.sin_port))]) == 1)
        #expect(answered.wait(timeout: .now() + 10) == .success, "the check connected and was answered")
    }
}
