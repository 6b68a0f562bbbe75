import Dispatch
import Foundation
import OptimizerCore
import Synchronization

/// One named optimizer session. Steps on one session are serialised by its lock; different
/// sessions proceed in parallel. Request bodies are read before the lock is taken and answers
/// are encoded after it is released: the lock covers only the update, the journal append and a
/// copy. Each change is appended to the journal (when there is one) under the lock, so the
/// session's records are in the order its changes happened; the caller waits for durability
/// after releasing the lock.
final class Session: Sendable {
    let id: String
    let created: Timestamp
    /// Set for a session that averages K workers' gradients per step (fixed at creation).
    let aggregate: AggregateConfig?
    /// The open aggregation round, when `aggregate` is set.
    let rounds: AggregationRounds?
    /// Internal (not private) for Session+Scale.swift. Lock order: a round's lock may be held
    /// while taking this one, never the reverse.
    let state: Mutex<State>
    /// Large sessions' steps and parameter writes take turns here, for their whole request:
    /// body, update and answer (see `OptdService+LargeStep.swift`).
    private let turn = DispatchSemaphore(value: 1)
    private let waitingForTurn = Atomic<Int>(0)

    struct State: ~Copyable {
        var optimizer: Optimizer
        var updated: Timestamp
        var idempotency = IdempotencyCache()
        /// The last journal record applied to this session (0: none).
        var journalLSN: UInt64 = 0
        /// Bumped by every change, so the snapshotter can tell what changed since its last file.
        var changes: UInt64 = 1
        var savedChanges: UInt64 = 0
        /// Set by DELETE: a request that found the session before it went gets 404.
        var deleted = false
    }

    struct Version: Equatable { let changes: UInt64 }

    /// A consistent copy of everything a snapshot holds, taken under the lock.
    struct Capture {
        let id: String
        let config: OptimizerConfig
        let step: Int
        let created: Timestamp
        let updated: Timestamp
        let params: FloatBuffer
        let slots: [Slot]
        let journalLSN: UInt64
        let idempotencyKeys: [(key: String, step: Int)]
        let version: Version
        let aggregate: AggregateConfig?
    }

    /// What the service shows of a session (SPEC §3 `<session>`), taken under the lock.
    struct Metadata {
        let id: String
        let config: OptimizerConfig
        let size: Int
        let step: Int
        let created: Timestamp
        let updated: Timestamp
        let aggregate: AggregateConfig?
        /// The workers already in the open aggregation round (set by GET of one session).
        var waiting: [String]? = nil
    }

    /// A vector answer: the parameters at `step`, copied out of the session, and the journal
    /// record to wait for before sending it.
    struct VectorAnswer {
        let step: Int
        let values: FloatBuffer
        var lsn: UInt64? = nil
        /// An idempotent retry's first answer: nothing was applied now.
        var replayed = false
    }

    init(id: String, optimizer: consuming Optimizer, created: Timestamp = .now(), aggregate: AggregateConfig? = nil) {
        self.id = id
        self.created = created
        self.aggregate = aggregate
        rounds = aggregate.map(AggregationRounds.init(config:))
        state = Mutex(State(optimizer: optimizer, updated: created))
    }

    /// A session read back from its snapshot (or a journal `put`); clean when `fromFile`.
    init(restored r: SessionFile.Restored, id: String? = nil, journalLSN: UInt64? = nil, fromFile: Bool) {
        self.id = id ?? r.id
        created = r.created
        aggregate = r.aggregate
        rounds = r.aggregate.map(AggregationRounds.init(config:))
        let lsn = journalLSN ?? r.journalLSN
        var s = State(optimizer: r.optimizer(), updated: r.updated)
        s.journalLSN = lsn
        s.idempotency.restore(r.idempotencyKeys)
        if fromFile { s.savedChanges = s.changes }
        state = Mutex(s)
    }

    // MARK: Reading

    var metadata: Metadata {
        state.withLock { s in
            Metadata(id: id, config: s.optimizer.config, size: s.optimizer.size, step: s.optimizer.step,
                     created: created, updated: s.updated, aggregate: aggregate)
        }
    }

    var size: Int { state.withLock { $0.optimizer.size } }

    /// The last journal record applied to this session.
    var journalLSN: UInt64 { state.withLock { $0.journalLSN } }

    /// Set by DELETE or by a PUT checkpoint that replaced this session object.
    var isDeleted: Bool { state.withLock { $0.deleted } }

    /// Copies the state for a snapshot or a checkpoint download.
    func capture() -> Capture {
        state.withLock { s in capture(s, copyingBuffers: true) }
    }

    /// The capture of `s`; without copies only while the lock is held (the journal encodes it
    /// there).
    private func capture(_ s: borrowing State, copyingBuffers: Bool) -> Capture {
        let copy = { (b: FloatBuffer) in copyingBuffers ? b.copy() : b }
        return Capture(id: id, config: s.optimizer.config, step: s.optimizer.step, created: created, updated: s.updated,
                       params: copy(s.optimizer.params), slots: s.optimizer.slots.map { Slot(name: $0.name, buffer: copy($0.buffer)) },
                       journalLSN: s.journalLSN, idempotencyKeys: s.idempotency.keys, version: Version(changes: s.changes),
                       aggregate: aggregate)
    }

    /// True when the session changed since its last snapshot (or never had one).
    var isDirty: Bool { state.withLock { $0.changes != $0.savedChanges } }

    /// Records that a snapshot of `version` is on disk.
    func markSaved(_ version: Version) {
        state.withLock { $0.savedChanges = max($0.savedChanges, version.changes) }
    }

    /// The parameters, or their Keras EMA when `ema` (400 `ema_disabled` without `use_ema`).
    func params(ema: Bool) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            guard !s.deleted else { throw .sessionNotFound(id) }
            let source: FloatBuffer
            if ema {
                guard let average = s.optimizer.emaAverage else { throw .emaDisabled }
                source = average
            } else {
                source = s.optimizer.params
            }
            return VectorAnswer(step: s.optimizer.step, values: source.copy())
        }
    }

    // MARK: Changing

    /// Runs `body` once no other request holds this session's turn, holding it meanwhile; nil
    /// (nothing run) when `maxWaiting` requests are already waiting.
    func takingTurn<R>(maxWaiting: Int, _ body: () throws -> R) throws -> R? {
        guard waitingForTurn.add(1, ordering: .relaxed).newValue <= maxWaiting else {
            waitingForTurn.subtract(1, ordering: .relaxed)
            return nil
        }
        turn.wait()
        waitingForTurn.subtract(1, ordering: .relaxed)
        defer { turn.signal() }
        return try body()
    }

    /// Applies one gradient that is not in memory (a large session's step, under its turn):
    /// `read(offset, into)` delivers it in blocks of `block.count` floats, already checked to
    /// be finite and of the right length. The answer's `values` are the session's own
    /// parameters, not a copy: they stay as they are while the caller holds the turn. Nil, with
    /// nothing changed, when the update is not elementwise (`PiecewiseUpdate.supports`).
    func streamedStep(block: FloatBuffer, read: (Int, UnsafeMutableBufferPointer<Float>) throws(PersistenceError) -> Void,
                      ifMatch: String?, idempotencyKey: String?) throws(ServiceError) -> VectorAnswer? {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer? in
            guard !s.deleted else { throw .sessionNotFound(id) }
            if let key = idempotencyKey, let entry = s.idempotency.lookup(key) {
                if entry.step == s.optimizer.step { return VectorAnswer(step: entry.step, values: s.optimizer.params, replayed: true) }
                throw .idempotencyAnswerExpired(key: key, step: entry.step)
            }
            try Self.check(ifMatch, step: s.optimizer.step)
            do throws(PiecewiseUpdate.Failure) {
                try PiecewiseUpdate.apply(to: &s.optimizer, block: block, read: read)
            } catch {
                switch error {
                case .unsupported:
                    return nil
                case .readFailed(let failure, applied: false):
                    throw .storageFailed("the gradient could not be read back: \(failure)")
                case .readFailed(let failure, applied: true):
                    // Part of the gradient is applied and the rest is unreadable: the session is
                    // neither before nor after the step. Stop, as for a failed journal write; a
                    // restart loads the last snapshot (and journal).
                    Log.message("session \(id): reading a spooled gradient back failed midway (\(failure)); exiting")
                    exit(70)
                }
            }
            Self.changed(&s, lsn: nil)
            if let key = idempotencyKey { s.idempotency.record(key, step: s.optimizer.step, params: nil) }
            return VectorAnswer(step: s.optimizer.step, values: s.optimizer.params)
        }
    }

    /// Applies one gradient. `ifMatch` makes it conditional on the current ETag; a known
    /// `idempotencyKey` returns its first answer and applies nothing.
    ///
    /// `gradient` is used as scratch, and then holds the answer: the update writes the
    /// parameters after the step into it as it goes (no allocation, no separate copy under the
    /// lock), so the caller sends them from there. With an `idempotencyKey` the answer is a copy
    /// of its own, kept by the cache (unless `keepsAnswers` is false: large sessions' answers
    /// are never copied). `checked` is the finiteness scan made while the gradient was read.
    func step(gradient: FloatBuffer, checked: FiniteCheck? = nil, ifMatch: String?, idempotencyKey: String?,
              journal: Journal?, keepsAnswers: Bool = true) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            guard !s.deleted else { throw .sessionNotFound(id) }
            if let key = idempotencyKey, let replayed = try Self.replay(key, s) { return replayed }
            try Self.check(ifMatch, step: s.optimizer.step)
            let keeps = idempotencyKey != nil && keepsAnswers
            let lsn = try Self.applyJournalled(&s, gradient, checked: checked, answer: keeps ? nil : gradient,
                                               keyField: idempotencyKey ?? "", id: id, journal: journal)
            let values = keeps ? s.optimizer.params.copy() : gradient
            if let key = idempotencyKey {
                s.idempotency.record(key, step: s.optimizer.step, params: keeps ? values : nil)
            }
            return VectorAnswer(step: s.optimizer.step, values: values, lsn: lsn)
        }
    }

    /// Overwrites the parameters; optimizer state and step are kept.
    func replaceParams(with values: FloatBuffer, ifMatch: String?, journal: Journal?) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            guard !s.deleted else { throw .sessionNotFound(id) }
            try Self.check(ifMatch, step: s.optimizer.step)
            do throws(StepError) {
                try s.optimizer.replaceParams(with: UnsafeBufferPointer(values.buffer))
            } catch {
                throw ServiceError(error)
            }
            let lsn = journal?.append { lsn, out in
                JournalRecord.frame(kind: .params, lsn: lsn, id: id, vector: values, into: &out)
            }
            Self.changed(&s, lsn: lsn)
            return VectorAnswer(step: s.optimizer.step, values: values, lsn: lsn)
        }
    }

    /// Merges hyperparameters (PATCH); state that still applies is kept.
    func update(hyperparameters patch: [String: ConfigValue], journal: Journal?) throws(ServiceError) -> (Metadata, UInt64?) {
        try state.withLock { (s) throws(ServiceError) -> (Metadata, UInt64?) in
            guard !s.deleted else { throw .sessionNotFound(id) }
            try Self.reconfigure(&s, patch)
            let lsn = journal?.append { lsn, out in
                var writer = JSONWriter()
                writer.value(.object(patch))
                JournalRecord.frame(kind: .patch, lsn: lsn, id: id, body: writer.bytes, into: &out)
            }
            Self.changed(&s, lsn: lsn)
            return (Metadata(id: id, config: s.optimizer.config, size: s.optimizer.size, step: s.optimizer.step,
                             created: created, updated: s.updated, aggregate: aggregate), lsn)
        }
    }

    /// Journals this session's whole state as a `put` record (create, PUT checkpoint) and runs
    /// `publish` (adding it to the store) under the same lock, so no change can be journalled
    /// before the record that creates the session.
    func journalCreation(_ journal: Journal?, publish: () throws(ServiceError) -> Void) throws(ServiceError) -> UInt64? {
        try state.withLock { (s) throws(ServiceError) -> UInt64? in
            try publish()
            guard let journal else { return nil }
            let bytes = Safetensors.encode(SessionFile.file(capture(s, copyingBuffers: false)))
            let lsn = journal.append { lsn, out in JournalRecord.frame(kind: .put, lsn: lsn, id: id, body: bytes, into: &out) }
            s.journalLSN = lsn
            return lsn
        }
    }

    /// DELETE: marks the session gone and journals it, under its lock (`unpublish` removes it
    /// from the store), so no change of it is journalled after its deletion. `ifMatch` makes it
    /// conditional on the step (the fence of a move between servers, README "Scaling out").
    /// With `capturing`, also returns the state it had at that instant (a move's final copy).
    func journalDeletion(_ journal: Journal?, ifMatch: String? = nil, capturing: Bool = false,
                         unpublish: () throws(ServiceError) -> Void) throws(ServiceError) -> (lsn: UInt64?, final: Capture?) {
        try state.withLock { (s) throws(ServiceError) -> (lsn: UInt64?, final: Capture?) in
            guard !s.deleted else { throw .sessionNotFound(id) }
            try Self.check(ifMatch, step: s.optimizer.step)
            try unpublish()
            s.deleted = true
            let final = capturing ? capture(s, copyingBuffers: true) : nil
            return (journal?.append { lsn, out in JournalRecord.frame(kind: .delete, lsn: lsn, id: id, into: &out) }, final)
        }
    }

    /// PUT checkpoint replacing this session: refuses a stale `If-Match` (412), then marks this
    /// object deleted so requests still holding it get 404 and nothing more of it is journalled.
    func retire(ifMatch: String?) throws(ServiceError) {
        try state.withLock { (s) throws(ServiceError) in
            guard !s.deleted else { throw .sessionNotFound(id) }
            try Self.check(ifMatch, step: s.optimizer.step)
            s.deleted = true
        }
    }

    // MARK: Journal replay

    /// Re-applies a journalled change made after this session's snapshot; older ones are skipped.
    func replay(_ record: JournalRecord) throws(ServiceError) {
        try state.withLock { (s) throws(ServiceError) in
            guard record.lsn > s.journalLSN else { return }
            switch record.kind {
            case .step:
                guard let gradient = record.floats, gradient.count == s.optimizer.size else {
                    throw .invalidJSON("journal record \(record.lsn): gradient of the wrong size")
                }
                do throws(StepError) {
                    try s.optimizer.apply(gradient: gradient.buffer)
                } catch {
                    throw ServiceError(error)
                }
                Self.recordReplayedKeys(record.key, &s)
            case .sparse:
                guard let gradient = record.sparseGradient else { throw .invalidJSON("journal record \(record.lsn): bad sparse gradient") }
                do throws(SparseStepError) {
                    try s.optimizer.apply(sparse: gradient)
                } catch {
                    throw ServiceError(error)
                }
                Self.recordReplayedKeys(record.key, &s)
            case .params:
                guard let values = record.floats else { throw .invalidJSON("journal record \(record.lsn): bad vector") }
                do throws(StepError) {
                    try s.optimizer.replaceParams(with: UnsafeBufferPointer(values.buffer))
                } catch {
                    throw ServiceError(error)
                }
            case .patch:
                let patch: ConfigValue
                do throws(JSONDecodeError) { patch = try JSONReader.document(record.body) } catch { throw ServiceError(error) }
                guard case .object(let fields) = patch else { throw .invalidJSON("journal record \(record.lsn): bad patch") }
                try Self.reconfigure(&s, fields)
            case .put, .delete, .base:
                return  // handled by the store, or numbering only
            }
            Self.changed(&s, lsn: record.lsn)
        }
    }

    // MARK: Helpers

    private static func reconfigure(_ s: inout State, _ patch: [String: ConfigValue]) throws(ServiceError) {
        do throws(ConfigError) {
            let config = try s.optimizer.config.updating(patch)
            try s.optimizer.reconfigure(config)
        } catch {
            throw .invalidHyperparameter(error)
        }
    }

    /// Applies one dense gradient, journalling it as received (after validation, before it
    /// serves as scratch) under `keyField`, the request's key or a round's keys; returns the
    /// record's LSN. `checked` and `answer` are `Optimizer.apply`'s.
    static func applyJournalled(_ s: inout State, _ gradient: FloatBuffer, checked: FiniteCheck? = nil,
                                answer: FloatBuffer? = nil, keyField: String, id: String,
                                journal: Journal?) throws(ServiceError) -> UInt64? {
        var lsn: UInt64?
        do throws(StepError) {
            try s.optimizer.apply(gradient: gradient.buffer, checked: checked, answer: answer?.buffer) {
                lsn = journal?.append { lsn, out in
                    JournalRecord.frame(kind: .step, lsn: lsn, id: id, key: keyField, vector: gradient, into: &out)
                }
            }
        } catch {
            throw ServiceError(error)
        }
        changed(&s, lsn: lsn)
        return lsn
    }

    static func changed(_ s: inout State, lsn: UInt64?) {
        s.updated = .now()
        s.changes &+= 1
        if let lsn { s.journalLSN = lsn }
    }

    /// `If-Match` per RFC 9110 §13.1.1: `*` or a list of entity tags, compared strongly; ours is
    /// `"<step>"`.
    static func check(_ ifMatch: String?, step: Int) throws(ServiceError) {
        guard let ifMatch else { return }
        let tags = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: " \t") }
        if tags.contains("*") || tags.contains("\"\(step)\"") { return }
        throw .preconditionFailed(current: step, given: ifMatch)
    }
}
