import Foundation
import OptimizerCore
import Synchronization

/// Sessions on disk (SPEC §5): one safetensors snapshot per session in `<data-dir>/sessions/`,
/// the journal segments in `<data-dir>/`, damaged files moved to `<data-dir>/quarantine/`.
final class Persistence: Sendable {
    let dataDirectory: String
    let sessionsDirectory: String
    let quarantineDirectory: String
    let journal: Journal?
    let maxSize: Int
    let metrics: Metrics
    private let passLock = NSLock()
    /// One lock per session id: snapshot writes and file removal of an id never overlap, even
    /// across the session objects a PUT checkpoint swaps in.
    private let fileLocks = Mutex<[String: NSLock]>([:])

    /// Runs `body` holding the lock of session id `id`: snapshot writes, creation, replacement
    /// and deletion of an id happen one at a time.
    func exclusive<R, E: Error>(_ id: String, _ body: () throws(E) -> R) throws(E) -> R {
        let lock = fileLocks.withLock { locks in
            if let lock = locks[id] { return lock }
            let lock = NSLock()
            locks[id] = lock
            return lock
        }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// What start-up found, for the log.
    struct RestoreReport {
        var loaded = 0
        var quarantined: [String] = []
        var replayed = 0
        var truncatedBytes = 0
        var removedTemporaries = 0
    }

    /// Prepares the directories, restores every session into `store`, then opens the journal
    /// after the segments it replayed.
    init(options: ServiceOptions, store: SessionStore, metrics: Metrics) throws(PersistenceError) {
        dataDirectory = options.dataDirectory
        sessionsDirectory = options.dataDirectory + "/sessions"
        quarantineDirectory = options.dataDirectory + "/quarantine"
        maxSize = options.maxSessionSize
        self.metrics = metrics
        try FileIO.makeDirectory(dataDirectory)
        try FileIO.makeDirectory(sessionsDirectory)
        try FileIO.makeDirectory(quarantineDirectory)
        var report = RestoreReport()
        let lastLSN = Self.restore(into: store, sessions: sessionsDirectory, data: dataDirectory,
                                   quarantine: quarantineDirectory, maxSize: maxSize, report: &report)
        metrics.countQuarantined(report.quarantined.count)
        let next = (Journal.segments(in: dataDirectory).last ?? 0) + 1
        switch options.wal {
        case .off: journal = nil
        case .always: journal = try Journal(directory: dataDirectory, mode: .always, lastLSN: lastLSN, nextSegment: next)
        case .everysec: journal = try Journal(directory: dataDirectory, mode: .everysec, lastLSN: lastLSN, nextSegment: next)
        }
        Log.message("restored \(report.loaded) session(s) from \(sessionsDirectory), replayed \(report.replayed) journal record(s)"
            + (report.quarantined.isEmpty ? "" : ", quarantined \(report.quarantined.joined(separator: ", "))")
            + (report.truncatedBytes > 0 ? ", truncated a torn journal tail of \(report.truncatedBytes) bytes" : "")
            + (report.removedTemporaries > 0 ? ", removed \(report.removedTemporaries) unfinished temp file(s)" : ""))
    }

    func path(for id: String) -> String { "\(sessionsDirectory)/\(id).safetensors" }

    // MARK: Snapshots

    /// Writes `session`'s snapshot now; returns its step and the file's size. A session deleted
    /// or replaced while its file was being written never lands on disk.
    /// Nil when the session was deleted or replaced meanwhile (nothing written).
    @discardableResult
    func snapshot(_ session: Session) throws(PersistenceError) -> (step: Int, bytes: Int)? {
        try exclusive(session.id) { () throws(PersistenceError) -> (step: Int, bytes: Int)? in
            let capture = session.capture()
            let started = DispatchTime.now().uptimeNanoseconds
            let written: Int?
            do throws(PersistenceError) {
                written = try SnapshotWriter.write(SessionFile.file(capture), to: path(for: session.id),
                                                   directory: sessionsDirectory, commit: { !session.isDeleted })
            } catch {
                metrics.countSnapshotFailure()
                throw error
            }
            guard let bytes = written else { return nil }
            metrics.countSnapshot(nanoseconds: DispatchTime.now().uptimeNanoseconds - started)
            session.markSaved(capture.version)
            return (capture.step, bytes)
        }
    }

    /// Snapshots every changed session. With a journal, first starts a new segment and, once
    /// every snapshot is on disk, deletes the older segments (their records are all in files).
    func snapshotAll(_ store: SessionStore) {
        passLock.lock()
        defer { passLock.unlock() }
        var oldSegments: [String] = []
        if let journal {
            do throws(PersistenceError) { oldSegments = try journal.rotate() } catch {
                Log.message("snapshot pass: journal rotation failed: \(error)")
                return
            }
        }
        var failures = 0
        for session in store.all where session.isDirty {
            do throws(PersistenceError) { try snapshot(session) } catch {
                failures += 1
                Log.message("snapshot of \(session.id) failed: \(error); the previous snapshot is kept")
            }
        }
        guard failures == 0 else { return }
        for segment in oldSegments { try? FileIO.unlink(segment) }
        if !oldSegments.isEmpty { try? FileIO.fsyncDirectory(dataDirectory) }
    }

    /// DELETE: removes the session's file, durably. Call inside `exclusive(id)`.
    func remove(_ id: String) throws(PersistenceError) {
        try FileIO.unlink(path(for: id))
        try FileIO.fsyncDirectory(sessionsDirectory)
    }

    // MARK: Start-up

    private static func restore(into store: SessionStore, sessions: String, data: String, quarantine: String,
                                maxSize: Int, report: inout RestoreReport) -> UInt64 {
        for name in FileIO.list(sessions) {
            let path = "\(sessions)/\(name)"
            if name.contains(".tmp-") {
                // A snapshot write that a crash interrupted before its rename: never the truth.
                try? FileIO.unlink(path)
                report.removedTemporaries += 1
                continue
            }
            guard name.hasSuffix(".safetensors") else { continue }
            let id = String(name.dropLast(".safetensors".count))
            do {
                let bytes = try FileIO.read(path)
                let restored = try bytes.withUnsafeBytes { raw in try SessionFile.restore(raw, maxSize: maxSize) }
                guard restored.id == id else { throw SessionFile.Error.invalid("metadata id \"\(restored.id)\" does not match the file name") }
                try store.insert(Session(restored: restored, fromFile: true))
                report.loaded += 1
            } catch {
                let reason = (error as? SessionFile.Error)?.message ?? "\(error)"
                moveToQuarantine(path, name: name, quarantine: quarantine, reason: reason)
                report.quarantined.append(name)
            }
        }
        // Numbers must continue above every LSN a snapshot remembers, even if the journal
        // segments that issued them are gone.
        let snapshotLSN = store.all.map { $0.journalLSN }.max() ?? 0
        let journalLSN = replayJournal(into: store, sessions: sessions, data: data, quarantine: quarantine, maxSize: maxSize, report: &report)
        return max(snapshotLSN, journalLSN)
    }

    /// Replays every segment's records over the snapshots; returns the last LSN seen.
    private static func replayJournal(into store: SessionStore, sessions: String, data: String, quarantine: String,
                                      maxSize: Int, report: inout RestoreReport) -> UInt64 {
        var lastLSN: UInt64 = 0
        let segments = Journal.segments(in: data)
        for (index, segment) in segments.enumerated() {
            let path = Journal.path(data, segment)
            guard let bytes = try? FileIO.read(path) else { continue }
            let scan = bytes.withUnsafeBytes { JournalRecord.scan($0) }
            var records: [JournalRecord]
            var stop = false
            switch scan {
            case .complete(let all):
                records = all
            case let .tornTail(valid, validBytes):
                records = valid
                report.truncatedBytes += bytes.count - validBytes
                // Keep what is cut off, in case it was not a torn write after all.
                let tail = "\(quarantine)/\((path as NSString).lastPathComponent).tail-\(validBytes).\(Timestamp.now().milliseconds)"
                _ = FileManager.default.createFile(atPath: tail, contents: Data(bytes[validBytes...]), attributes: [.posixPermissions: 0o600])
                try? FileIO.truncate(path, to: validBytes)
                Log.message("journal \(path): torn tail of \(bytes.count - validBytes) bytes truncated (a write cut short by a crash)")
            case let .corrupt(valid, at):
                // Damage before the tail: replay what precedes it, then stop; later records may
                // depend on the lost ones. The damaged segment and any after it are kept aside.
                records = valid
                stop = true
                Log.message("journal \(path) is corrupt at byte \(at); replayed the \(valid.count) records before it, moving it and later segments to quarantine")
            }
            for record in records {
                lastLSN = max(lastLSN, record.lsn)
                if apply(record, to: store, sessions: sessions, maxSize: maxSize) { report.replayed += 1 }
            }
            if stop {
                for later in segments[index...] {
                    let laterPath = Journal.path(data, later)
                    moveToQuarantine(laterPath, name: (laterPath as NSString).lastPathComponent, quarantine: quarantine, reason: "corrupt journal")
                    report.quarantined.append((laterPath as NSString).lastPathComponent)
                }
                break
            }
        }
        return lastLSN
    }

    /// Applies one record; true if it changed something.
    private static func apply(_ record: JournalRecord, to store: SessionStore, sessions: String, maxSize: Int) -> Bool {
        let existing = try? store.get(record.id)
        switch record.kind {
        case .put:
            if let existing, existing.journalLSN >= record.lsn { return false }
            guard let restored = try? record.body.withUnsafeBytes({ raw in try SessionFile.restore(raw, maxSize: maxSize) }) else {
                Log.message("journal record \(record.lsn) for \(record.id) does not decode; skipped")
                return false
            }
            if existing != nil { _ = try? store.remove(record.id) }
            try? store.insert(Session(restored: restored, id: record.id, journalLSN: record.lsn, fromFile: false))
            return true
        case .delete:
            guard let existing, existing.journalLSN < record.lsn else { return false }
            _ = try? store.remove(record.id)
            try? FileIO.unlink("\(sessions)/\(record.id).safetensors")
            return true
        case .base:
            return false
        case .step, .sparse, .params, .patch:
            guard let existing else { return false }
            let before = existing.journalLSN
            do throws(ServiceError) { try existing.replay(record) } catch {
                Log.message("journal record \(record.lsn) for \(record.id) cannot be applied: \(error.problem.detail)")
                return false
            }
            return record.lsn > before
        }
    }

    private static func moveToQuarantine(_ path: String, name: String, quarantine: String, reason: String) {
        let target = "\(quarantine)/\(name).\(Timestamp.now().milliseconds)"
        do throws(PersistenceError) {
            try FileIO.rename(path, target)
            Log.message("quarantined \(path) -> \(target): \(reason)")
        } catch {
            Log.message("cannot quarantine \(path): \(error)")
        }
    }
}
