#if canImport(Glibc)
import Glibc
#endif
import OptimizerCore

/// A large raw gradient parked in an unlinked file of the data directory while it arrives, so
/// that it is never held in optd's memory (see `OptdService+LargeStep.swift`).
///
/// The file has no name (`O_TMPFILE`; where the file system lacks it, a name unlinked at once),
/// so nothing is left behind by a crash, and it lives in the page cache: the kernel can write it
/// out under memory pressure, and it is not part of the process's resident set. It is read back
/// in blocks with `pread` while the step is applied, and gone when closed.
final class GradientSpool {
    let fd: Int32
    let directory: String

    init(directory: String) throws(PersistenceError) {
        self.directory = directory
        // O_TMPFILE is `__O_TMPFILE | O_DIRECTORY` (same __O_TMPFILE on x86-64 and arm64); the
        // Glibc module does not export the macro.
        var fd = Glibc.open(directory, Int32(0o20000000) | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 {
            // No O_TMPFILE here (e.g. overlayfs before Linux 6.6): a named file, unlinked at once.
            var template = Array("\(directory)/.gradient-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw PersistenceError(step: "create spool file in", path: directory, code: errno) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Writes `floats` at float index `offset`.
    func write(_ floats: UnsafeBufferPointer<Float>, at offset: Int) throws(PersistenceError) {
        try transfer(UnsafeMutableRawPointer(mutating: floats.baseAddress!), bytes: floats.count * 4, at: offset * 4, writing: true)
    }

    /// Fills `floats` from float index `offset`.
    func read(into floats: UnsafeMutableBufferPointer<Float>, at offset: Int) throws(PersistenceError) {
        try transfer(UnsafeMutableRawPointer(floats.baseAddress!), bytes: floats.count * 4, at: offset * 4, writing: false)
    }

    private func transfer(_ base: UnsafeMutableRawPointer, bytes: Int, at position: Int, writing: Bool) throws(PersistenceError) {
        var done = 0
        while done < bytes {
            let n = writing ? pwrite(fd, base + done, bytes - done, off_t(position + done))
                            : pread(fd, base + done, bytes - done, off_t(position + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw PersistenceError(step: writing ? "write spool file in" : "read spool file in", path: directory,
                                       code: n < 0 ? errno : EIO)
            }
            done += n
        }
    }
}
