#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file operation failed: the step, the path and errno, for one log line.
struct PersistenceError: Error, CustomStringConvertible {
    let step: String
    let path: String
    let code: Int32

    var description: String { "\(step) \(path): \(String(cString: strerror(code))) (errno \(code))" }
}

/// Thin wrappers over the file system calls persistence needs: EINTR retried, errors thrown with
/// the call's name and path.
enum FileIO {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o600) throws(PersistenceError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw PersistenceError(step: "open", path: path, code: errno) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(PersistenceError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw PersistenceError(step: "write", path: path, code: errno)
            }
            offset += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(PersistenceError) {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw PersistenceError(step: "fsync", path: path, code: errno) }
        }
    }

    static func fdatasync(_ fd: Int32, path: String) throws(PersistenceError) {
        while Glibc.fdatasync(fd) != 0 {
            if errno != EINTR { throw PersistenceError(step: "fdatasync", path: path, code: errno) }
        }
    }

    /// fsync of a directory, so a rename or unlink in it is durable.
    static func fsyncDirectory(_ path: String) throws(PersistenceError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { Glibc.close(fd) }
        try fsync(fd, path: path)
    }

    static func rename(_ from: String, _ to: String) throws(PersistenceError) {
        if Glibc.rename(from, to) != 0 { throw PersistenceError(step: "rename", path: "\(from) -> \(to)", code: errno) }
    }

    static func unlink(_ path: String) throws(PersistenceError) {
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw PersistenceError(step: "unlink", path: path, code: errno) }
    }

    /// A directory with mode 0700, created if missing.
    static func makeDirectory(_ path: String) throws(PersistenceError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw PersistenceError(step: "mkdir", path: path, code: errno) }
    }

    /// The whole file, read to its end. The size `fstat` reports (plus one byte, so that a
    /// regular file's end is seen without growing the buffer) only sizes the buffer: /proc files
    /// report 0, and grow it.
    static func read(_ path: String) throws(PersistenceError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw PersistenceError(step: "fstat", path: path, code: errno) }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size) + 1, 4096))
        var offset = 0
        while true {
            if offset == bytes.count { bytes += repeatElement(0, count: bytes.count) }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PersistenceError(step: "read", path: path, code: errno)
            }
            if n == 0 { break }
            offset += n
        }
        bytes.removeSubrange(offset...)
        return bytes
    }

    /// Names in a directory (not `.`/`..`), sorted.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func truncate(_ path: String, to length: Int) throws(PersistenceError) {
        if Glibc.truncate(path, off_t(length)) != 0 { throw PersistenceError(step: "truncate", path: path, code: errno) }
    }
}
