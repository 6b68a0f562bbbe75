#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file replacement, the redis `rdbSave` way: write a temp file in the same directory,
/// fsync it, close, rename over the target (the commit point), fsync the directory. A crash at
/// any instant leaves the old file or the new one, never a torn one. On failure the temp file is
/// removed and the error names the failing step, path and errno.
enum SnapshotWriter {
    /// Writes `file` to `path`; returns the bytes written, or nil when `commit` (asked just
    /// before the rename) says the file must not replace the target any more, e.g. because its
    /// session was deleted meanwhile; the temp file is then removed.
    static func write(_ file: Safetensors.File, to path: String, directory: String,
                      commit: () -> Bool = { true }) throws(PersistenceError) -> Int? {
        let temp = "\(path).tmp-\(getpid())-\(counter.next())"
        let fd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC)
        var bytes = 0
        do throws(PersistenceError) {
            // Writes go through a 1 MiB staging buffer: few syscalls, no second copy of a tensor.
            var staging = StagingWriter(fd: fd, path: temp)
            do {
                try Safetensors.encode(file) { chunk in try staging.append(chunk) }
            } catch let error as PersistenceError {
                throw error
            } catch {
                throw PersistenceError(step: "encode", path: temp, code: EIO)
            }
            try staging.flush()
            bytes = staging.total
            FaultInjection.crashPoint("snapshot.after_write")
            try FileIO.fsync(fd, path: temp)
            FaultInjection.crashPoint("snapshot.after_fsync")
        } catch {
            close(fd)
            try? FileIO.unlink(temp)
            throw error
        }
        close(fd)
        guard commit() else {
            try? FileIO.unlink(temp)
            return nil
        }
        do throws(PersistenceError) {
            try FileIO.rename(temp, path)
        } catch {
            try? FileIO.unlink(temp)
            throw error
        }
        FaultInjection.crashPoint("snapshot.after_rename")
        try FileIO.fsyncDirectory(directory)
        FaultInjection.crashPoint("snapshot.after_dir_fsync")
        return bytes
    }

    private static let counter = Counter()
}
