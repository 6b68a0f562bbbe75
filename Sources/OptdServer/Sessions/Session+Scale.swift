import OptimizerCore

/// Aggregated rounds and sparse steps: the session-side halves of `AggregationRounds` and of
/// the sparse step route. Same rules as `step(gradient:...)`: under the session's lock, journal
/// after validation, answer copied out.
extension Session {
    /// The answer of an already applied `key` (its first answer again, or the live parameters
    /// if the session has not moved since); nil when the key is new. 409
    /// `idempotency_answer_expired` when neither is available.
    func replayAnswer(for key: String) throws(ServiceError) -> VectorAnswer? {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer? in
            guard !s.deleted else { throw .sessionNotFound(id) }
            return try Self.replay(key, s)
        }
    }

    /// `If-Match` against the current step (412 when the session moved).
    func check(ifMatch: String?) throws(ServiceError) {
        try state.withLock { (s) throws(ServiceError) in
            guard !s.deleted else { throw .sessionNotFound(id) }
            try Self.check(ifMatch, step: s.optimizer.step)
        }
    }

    /// A worker's gradient is checked when it arrives (length, finite), so a bad one is refused
    /// at once and never spoils a round.
    func validate(gradient: FloatBuffer) throws(ServiceError) {
        try state.withLock { (s) throws(ServiceError) in
            do throws(StepError) {
                try s.optimizer.validate(UnsafeBufferPointer(gradient.buffer))
            } catch {
                throw ServiceError(error)
            }
        }
    }

    /// Applies a completed round's mean as ONE step, journalled as one step record whose key
    /// field holds the workers' scoped keys separated by spaces (keys hold no spaces). Every
    /// key then replays this answer. The mean of finite gradients can still overflow: then it
    /// is refused (422 `non_finite`) for the whole round and nothing is applied.
    func applyRound(mean: FloatBuffer, keys: [String], journal: Journal?) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            guard !s.deleted else { throw .sessionNotFound(id) }
            let lsn = try Self.applyJournalled(&s, mean, keyField: keys.joined(separator: " "), id: id, journal: journal)
            let answer = VectorAnswer(step: s.optimizer.step, values: s.optimizer.params.copy(), lsn: lsn)
            for key in keys { s.idempotency.record(key, step: answer.step, params: answer.values) }
            return answer
        }
    }

    /// Applies one sparse gradient (torch's sparse semantics, see `Optimizer.apply(sparse:)`),
    /// with the same If-Match and Idempotency-Key rules as a dense step.
    func step(sparse gradient: SparseGradient, ifMatch: String?, idempotencyKey: String?, journal: Journal?) throws(ServiceError) -> VectorAnswer {
        try state.withLock { (s) throws(ServiceError) -> VectorAnswer in
            guard !s.deleted else { throw .sessionNotFound(id) }
            if let key = idempotencyKey, let replayed = try Self.replay(key, s) { return replayed }
            if aggregate != nil {
                throw .sparseUnsupported("this session aggregates workers' dense gradients; sparse steps are for sessions without aggregate")
            }
            try Self.check(ifMatch, step: s.optimizer.step)
            var lsn: UInt64?
            do throws(SparseStepError) {
                try s.optimizer.apply(sparse: gradient) {
                    lsn = journal?.append { lsn, out in
                        JournalRecord.frame(kind: .sparse, lsn: lsn, id: id, key: idempotencyKey ?? "",
                                            body: JournalRecord.sparseBody(gradient), into: &out)
                    }
                }
            } catch {
                throw ServiceError(error)
            }
            Self.changed(&s, lsn: lsn)
            let answer = VectorAnswer(step: s.optimizer.step, values: s.optimizer.params.copy(), lsn: lsn)
            if let key = idempotencyKey { s.idempotency.record(key, step: answer.step, params: answer.values) }
            return answer
        }
    }

    /// Journal replay: a step record's key field holds one key, or a round's keys separated by
    /// spaces.
    static func recordReplayedKeys(_ field: String, _ s: inout State) {
        for key in field.split(separator: " ") {
            s.idempotency.record(String(key), step: s.optimizer.step, params: s.optimizer.params.copy())
        }
    }

    /// The first answer to `key`, if it is known (nothing is applied again). The answer's record
    /// is older than any this request could wait for; it waits for the session's latest, so a
    /// replay is never answered before it is durable.
    static func replay(_ key: String, _ s: borrowing State) throws(ServiceError) -> VectorAnswer? {
        guard let entry = s.idempotency.lookup(key) else { return nil }
        let lsn = s.journalLSN
        if let params = entry.params { return VectorAnswer(step: entry.step, values: params, lsn: lsn, replayed: true) }
        if entry.step == s.optimizer.step {
            return VectorAnswer(step: entry.step, values: s.optimizer.params.copy(), lsn: lsn, replayed: true)
        }
        throw .idempotencyAnswerExpired(key: key, step: entry.step)
    }
}
