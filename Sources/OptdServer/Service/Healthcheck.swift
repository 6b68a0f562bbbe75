#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `optd healthcheck`: exits 0 when a local optd answers `GET /healthz` with 200, for Docker's
/// HEALTHCHECK. A raw socket and a 2-second deadline, no URL loading machinery.
enum Healthcheck {
    /// 0 healthy, 1 not (nothing listens, no answer within 2 s, or not 200), 2 bad arguments.
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        var port = environment["OPTD_PORT"] ?? "8080"
        var host = "127.0.0.1"
        var i = 0
        while i < arguments.count {
            var name = arguments[i], value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            } else if i + 1 < arguments.count {
                i += 1
                value = arguments[i]
            }
            switch (name, value) {
            case ("--port", let v?): port = v
            case ("--host", let v?): host = v
            default:
                Log.standardError("optd healthcheck: unknown or incomplete option \(name)\n")
                return 2
            }
            i += 1
        }
        // Port 0 is what `--port 0` binds from, never what a server listens on.
        guard let number = Int(port), (1...65535).contains(number) else {
            Log.standardError("optd healthcheck: --port must be 1...65535, got \(port)\n")
            return 2
        }
        return check(host: host, port: number) ? 0 : 1
    }

    static func check(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return false }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 12 else { return false }
        return String(decoding: buffer[0..<12], as: UTF8.self) == "HTTP/1.1 200"
    }
}
