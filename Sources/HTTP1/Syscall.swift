#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a non-blocking read or write: bytes moved, the peer closed, or "try later".
///
/// `EAGAIN` is an ordinary answer on a non-blocking socket, so it is a value, not an error.
enum IOResult: Equatable {
    case bytes(Int)
    case wouldBlock
    case endOfFile
}

/// Thin, uniform wrappers over the socket calls the server makes.
///
/// Each retries `EINTR`, returns `EAGAIN` as ``IOResult/wouldBlock`` and throws ``SystemError``
/// (errno + call name) otherwise. `close` is never retried: on Linux the descriptor is released
/// even when `close` reports `EINTR`, and retrying could close a descriptor another thread just got.
enum Syscall {
    static func check(_ call: String, _ body: () -> Int32) throws(SystemError) -> Int32 {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = Glibc.errno
            if code == EINTR { continue }
            throw SystemError(call: call, errno: code)
        }
    }

    static func recv(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        while true {
            let n = Glibc.recv(fd, base, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let code = Glibc.errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SystemError(call: "recv", errno: code)
        }
    }

    /// Gathers up to two buffers into one `sendmsg` with `MSG_NOSIGNAL`, so a response head and a
    /// body living in the caller's memory leave in a single call without being copied together,
    /// and a peer that went away yields `EPIPE` instead of killing the process with `SIGPIPE`.
    static func send(_ fd: Int32, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) throws(SystemError) -> IOResult {
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
        )
        let count = second.count > 0 ? 2 : 1
        if first.count == 0 && second.count == 0 { return .bytes(0) }
        return try withUnsafeMutablePointer(to: &vectors) { pointer throws(SystemError) -> IOResult in
            var iov = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: iovec.self)
            var iovCount = count
            if first.count == 0 { iov = iov + 1; iovCount = 1 }
            var message = msghdr()
            message.msg_iov = iov
            message.msg_iovlen = iovCount
            while true {
                let n = Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                if n >= 0 { return .bytes(n) }
                let code = Glibc.errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
                throw SystemError(call: "sendmsg", errno: code)
            }
        }
    }

    /// Waits until `fd` is readable (or writable) or `timeoutMilliseconds` pass; `false` on timeout.
    static func poll(_ fd: Int32, forWriting: Bool, timeoutMilliseconds: Int32) throws(SystemError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0)
        let ready = try check("poll") { Glibc.poll(&entry, 1, timeoutMilliseconds) }
        return ready > 0
    }

    static func accept(_ fd: Int32) throws(SystemError) -> Int32? {
        while true {
            // accept4 is not exported by the Glibc module (it needs _GNU_SOURCE): accept, then
            // set O_NONBLOCK and FD_CLOEXEC. No exec happens in between in this process's design.
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return client
            }
            let code = Glibc.errno
            if code == EINTR || code == ECONNABORTED { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemError(call: "accept", errno: code)
        }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, call: String) throws(SystemError) {
        var value = value
        _ = try check(call) { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    static func shutdownBoth(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Never retried, see the type's comment.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
