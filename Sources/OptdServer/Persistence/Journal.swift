import Foundation

/// The write-ahead journal (`--wal always|everysec`), in segments `journal-<n>.log` in the data
/// directory.
///
/// Appends are framed into a shared buffer under a lock (callers hold their session's lock, so
/// each session's records keep its order, and file order is LSN order). One writer thread takes
/// everything pending at once, writes it with one `write`, and under `always` one `fdatasync`
/// for all of it (group commit) before any of those requests is answered. Under `everysec` a
/// request waits only for its `write` (a process crash loses nothing; the page cache holds it)
/// and the file is fsynced about once a second. A failed write or fsync is fatal: the promise
/// can no longer be kept, and a restart replays up to the last durable record (redis's
/// `appendfsync always` does the same).
final class Journal: @unchecked Sendable {  // all mutable state is guarded by `condition`
    enum Mode { case always, everysec }

    let mode: Mode
    let directory: String
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var nextLSN: UInt64
    /// Highest LSN handed to `write` / made durable.
    private var writtenLSN: UInt64
    private var durableLSN: UInt64
    private var pendingLastLSN: UInt64 = 0
    private var fd: Int32
    private var segment: Int
    private var segmentPath: String
    private var writing = false
    private var lastSync = Date()

    /// Opens a new segment after the existing ones; LSNs continue from `lastLSN`.
    init(directory: String, mode: Mode, lastLSN: UInt64, nextSegment: Int) throws(PersistenceError) {
        self.directory = directory
        self.mode = mode
        nextLSN = lastLSN + 1
        writtenLSN = lastLSN
        durableLSN = lastLSN
        segment = nextSegment
        segmentPath = Self.path(directory, nextSegment)
        fd = try FileIO.open(segmentPath, O_WRONLY | O_CREAT | O_APPEND)
        try Self.writeBase(fd: fd, path: segmentPath, lastLSN: lastLSN)
        try FileIO.fsyncDirectory(directory)
        let thread = Thread { [unowned self] in self.writerLoop() }
        thread.name = "optd-journal"
        thread.start()
        if mode == .everysec {
            let syncer = Thread { [unowned self] in self.syncLoop() }
            syncer.name = "optd-journal-sync"
            syncer.start()
        }
    }

    /// Starts a segment with a `base` record carrying the last LSN used, durably, so numbering
    /// continues after older segments are deleted (snapshots remember LSNs; replay skips records
    /// at or below a snapshot's, so numbers must never restart).
    private static func writeBase(fd: Int32, path: String, lastLSN: UInt64) throws(PersistenceError) {
        var bytes: [UInt8] = []
        JournalRecord.frame(kind: .base, lsn: lastLSN, id: "", into: &bytes)
        try bytes.withBytesTyped { (raw) throws(PersistenceError) in try FileIO.writeAll(fd, raw, path: path) }
        try FileIO.fdatasync(fd, path: path)
    }

    static func path(_ directory: String, _ segment: Int) -> String {
        "\(directory)/journal-\(String(format: "%08d", segment)).log"
    }

    /// Segment numbers present in `directory`, ascending.
    static func segments(in directory: String) -> [Int] {
        FileIO.list(directory).compactMap { name in
            guard name.hasPrefix("journal-"), name.hasSuffix(".log") else { return nil }
            return Int(name.dropFirst(8).dropLast(4))
        }.sorted()
    }

    /// Frames a record and queues it; returns its LSN. Call while holding the session's lock.
    func append(_ build: (UInt64, inout [UInt8]) -> Void) -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        let lsn = nextLSN
        nextLSN += 1
        build(lsn, &pending)
        pendingLastLSN = lsn
        condition.broadcast()
        return lsn
    }

    /// Returns once record `lsn` is written (`everysec`) or durable (`always`).
    func wait(for lsn: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        while (mode == .always ? durableLSN : writtenLSN) < lsn { condition.wait() }
    }

    /// Starts a new segment for new records and returns the paths of the older ones, which may
    /// be deleted once every session has a snapshot taken after this call.
    func rotate() throws(PersistenceError) -> [String] {
        condition.lock()
        defer { condition.unlock() }
        while writing || !pending.isEmpty { condition.wait() }
        let old = Self.segments(in: directory).filter { $0 <= segment }.map { Self.path(directory, $0) }
        try FileIO.fsync(fd, path: segmentPath)
        Glibc.close(fd)
        segment += 1
        segmentPath = Self.path(directory, segment)
        fd = try FileIO.open(segmentPath, O_WRONLY | O_CREAT | O_APPEND)
        try Self.writeBase(fd: fd, path: segmentPath, lastLSN: nextLSN - 1)
        try FileIO.fsyncDirectory(directory)
        return old
    }

    /// Flushes and fsyncs everything queued (graceful shutdown).
    func close() {
        condition.lock()
        while writing || !pending.isEmpty { condition.wait() }
        try? FileIO.fsync(fd, path: segmentPath)
        condition.unlock()
    }

    private func writerLoop() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let batch = pending
            let last = pendingLastLSN
            // Keep the buffer's capacity for the next batch, unless a huge record inflated it.
            if pending.capacity > 64 << 20 { pending = [] } else { pending.removeAll(keepingCapacity: true) }
            writing = true
            let fd = self.fd, path = segmentPath
            condition.unlock()

            do throws(PersistenceError) {
                try batch.withBytesTyped { (raw) throws(PersistenceError) in try FileIO.writeAll(fd, raw, path: path) }
                FaultInjection.crashPoint("journal.after_write")
                if mode == .always {
                    try FileIO.fdatasync(fd, path: path)
                    FaultInjection.crashPoint("journal.after_fsync")
                }
            } catch {
                Log.message("journal \(error); exiting so that no unjournalled step is acknowledged", level: .error)
                exit(1)
            }

            condition.lock()
            writtenLSN = last
            if mode == .always { durableLSN = last }
            writing = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func syncLoop() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            // Under the lock, so that `rotate` cannot close the descriptor meanwhile; appends
            // wait for one fdatasync a second at most.
            condition.lock()
            while writing { condition.wait() }
            do throws(PersistenceError) {
                try FileIO.fdatasync(fd, path: segmentPath)
            } catch {
                Log.message("journal \(error)", level: .error)
                exit(1)
            }
            durableLSN = max(durableLSN, writtenLSN)
            condition.unlock()
        }
    }
}
