#if canImport(Glibc)
import Glibc
#endif

/// A bound, listening, non-blocking TCP socket on IPv4 or IPv6.
///
/// The owner closes ``fd``. `port` 0 asks the kernel for a free port; ``port`` then reports the one it chose.
struct ListeningSocket {
    let fd: Int32
    let port: Int

    /// Binds `host` (a numeric IPv4/IPv6 address, or `localhost`) and starts listening.
    /// `::` is dual-stack (accepts IPv4 too).
    init(host: String, port: Int, backlog: Int32) throws(SystemError) {
        let numericHost = host == "localhost" ? "127.0.0.1" : host
        var v4 = in_addr()
        var v6 = in6_addr()
        let family: Int32
        if inet_pton(AF_INET, numericHost, &v4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, numericHost, &v6) == 1 {
            family = AF_INET6
        } else {
            throw SystemError(call: "inet_pton(\(host))", errno: EINVAL)
        }
        let fd = try Syscall.check("socket") {
            Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            // SO_REUSEADDR: a restarted server can bind while old connections sit in TIME_WAIT.
            try Syscall.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, call: "setsockopt(SO_REUSEADDR)")
            if family == AF_INET6 {
                try Syscall.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0, call: "setsockopt(IPV6_V6ONLY)")
            }
            let portBE = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
            if family == AF_INET {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = portBE
                address.sin_addr = v4
                _ = try withUnsafePointer(to: &address) { pointer throws(SystemError) in
                    try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
                        try Syscall.check("bind") { Glibc.bind(fd, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                }
            } else {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = portBE
                address.sin6_addr = v6
                _ = try withUnsafePointer(to: &address) { pointer throws(SystemError) in
                    try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
                        try Syscall.check("bind") { Glibc.bind(fd, sa, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                    }
                }
            }
            _ = try Syscall.check("listen") { Glibc.listen(fd, backlog) }
            self.port = try Self.boundPort(fd)
            self.fd = fd
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    private static func boundPort(_ fd: Int32) throws(SystemError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
                try Syscall.check("getsockname") { getsockname(fd, sa, &length) }
            }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

}
