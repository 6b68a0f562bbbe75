import OptimizerCore
import Synchronization

/// One named optimizer session. Steps on one session are serialised by its lock; different
/// sessions proceed in parallel. Request bodies are read before the lock is taken and answers
/// are encoded after it is released: the lock covers only the update and a copy.
final class Session: Sendable {
    let id: String
    let created: Timestamp
    private let state: Mutex<State>

    struct State: ~Copyable {
        var optimizer: Optimizer
        var updated: Timestamp
        var idempotency = IdempotencyCache()
    }

    /// What the service shows of a session (SPEC §3 `<session>`), taken under the lock.
    struct Metadata {
        let id: String
        let config: OptimizerConfig
        let size: Int
        let step: Int
        let created: Timestamp
        let updated: Timestamp
    }

    /// A vector answer: the parameters at `step`, copied out of the session.
    struct VectorAnswer {
        let step: Int
        let values: FloatBuffer
    }

    init(id: String, optimizer: consuming Optimizer, created: Timestamp = .now()) {
        self.id = id
        self.created = created
        state = Mutex(State(optimizer: optimizer, updated: created))
    }

    var metadata: Metadata {
        state.withLock { s in
            Metadata(id: id, config: s.optimizer.config, size: s.optimizer.size, step: s.optimizer.step,
                     created: created, updated: s.updated)
        }
    }

    var size: Int { state.withLock { $0.optimizer.size } }

    /// Applies one gradient (`gradient` is used as scratch). `ifMatch` makes it conditional on the
    /// current ETag; a known `idempotencyKey` returns its first answer and applies nothing.
    func step(gradient: FloatBuffer, ifMatch: String?, idempotencyKey: String?) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            if let key = idempotencyKey, let entry = s.idempotency.lookup(key) {
                if let params = entry.params { return VectorAnswer(step: entry.step, values: params) }
                if entry.step == s.optimizer.step { return VectorAnswer(step: entry.step, values: s.optimizer.params.copy()) }
                throw .idempotencyAnswerExpired(key: key, step: entry.step)
            }
            try Self.check(ifMatch, step: s.optimizer.step)
            do throws(StepError) {
                try s.optimizer.apply(gradient: gradient.buffer)
            } catch {
                throw ServiceError(error)
            }
            s.updated = .now()
            let answer = VectorAnswer(step: s.optimizer.step, values: s.optimizer.params.copy())
            if let key = idempotencyKey { s.idempotency.record(key, step: answer.step, params: answer.values) }
            return answer
        }
    }

    /// The parameters, or their Keras EMA when `ema` (400 `ema_disabled` without `use_ema`).
    func params(ema: Bool) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
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

    /// Overwrites the parameters; optimizer state and step are kept.
    func replaceParams(with values: FloatBuffer, ifMatch: String?) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            try Self.check(ifMatch, step: s.optimizer.step)
            do throws(StepError) {
                try s.optimizer.replaceParams(with: UnsafeBufferPointer(values.buffer))
            } catch {
                throw ServiceError(error)
            }
            s.updated = .now()
            return VectorAnswer(step: s.optimizer.step, values: values)
        }
    }

    /// Merges hyperparameters (PATCH); state that still applies is kept.
    func update(hyperparameters patch: [String: ConfigValue]) throws(ServiceError) -> Metadata {
        try state.withLock { (s) throws(ServiceError) -> Metadata in
            let config: OptimizerConfig
            do throws(ConfigError) {
                config = try s.optimizer.config.updating(patch)
                try s.optimizer.reconfigure(config)
            } catch {
                throw .invalidHyperparameter(error)
            }
            s.updated = .now()
            return Metadata(id: id, config: config, size: s.optimizer.size, step: s.optimizer.step,
                            created: created, updated: s.updated)
        }
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

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let first = s.first, chars.contains(first) { s = s.dropFirst() }
        while let last = s.last, chars.contains(last) { s = s.dropLast() }
        return String(s)
    }
}
