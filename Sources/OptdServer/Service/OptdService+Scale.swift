import HTTP1
import OptimizerCore

/// The step route's two other forms: a worker's gradient in an aggregating session's round
/// (`Optd-Worker`), and a sparse gradient (`application/vnd.optd.sparse[+json]`).
extension OptdService {
    /// One worker's part of a synchronous round: answered, like every other worker of the
    /// round, with the parameters after the round's single step (same ETag), or with the
    /// round's failure (504 `round_timeout`, ...).
    func aggregatedStep(_ session: Session, _ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        guard let rounds = session.rounds else {
            throw ServiceError.invalidWorker("session \"\(session.id)\" does not aggregate; send its steps without Optd-Worker")
        }
        guard let worker = request.headers["Optd-Worker"] else {
            throw ServiceError.invalidWorker("session \"\(session.id)\" averages \(rounds.config.workers) workers' gradients per step: name the worker in an Optd-Worker header")
        }
        try AggregateConfig.validateWorker(worker)
        let representation = try VectorRepresentation.ofRequest(request.headers)
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: representation)
        let key = try idempotencyKey(request).map { AggregateConfig.scopedKey(worker: worker, key: $0) }
        let gradient = FloatBuffer(count: session.size)
        try VectorBody.read(request, body, as: representation, into: gradient, objectKey: "gradient",
                            maxBytes: options.limits.maxBodyBytes)
        let ifMatch = request.headers["If-Match"]
        let answer = try rounds.contribute(
            worker: worker, key: key, gradient: gradient,
            admit: { () throws(ServiceError) -> Session.VectorAnswer? in
                if let key, let replayed = try session.replayAnswer(for: key) { return replayed }
                try session.check(ifMatch: ifMatch)
                try session.validate(gradient: gradient)
                return nil
            },
            apply: { (mean, keys) throws(ServiceError) in
                let started = Instant.now()
                let answer = try session.applyRound(mean: mean, keys: keys, journal: journal)
                metrics.countStep(nanoseconds: Instant.now().nanoseconds - started.nanoseconds)  // one step per round
                return answer
            })
        waitDurable(answer.lsn)
        try sendStepAnswer(answer, as: answerAs, request, response)
    }

    /// A sparse step: only the listed coordinates and their optimizer state move.
    func sparseStep(_ session: Session, _ format: SparseBody.Format, _ request: HTTPRequest, _ body: RequestBody,
                    _ response: ResponseWriter) throws {
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: format == .json ? .json : .raw)
        let key = try idempotencyKey(request)
        let gradient = try SparseBody.read(request, body, as: format, maxBytes: options.limits.maxBodyBytes)
        let apply = { () throws in
            let started = Instant.now()
            let answer = try session.step(sparse: gradient, ifMatch: request.headers["If-Match"], idempotencyKey: key,
                                          journal: self.journal)
            try self.answerStep(answer, started: started, as: answerAs, request, response)
        }
        // A large session's dense steps send their answer from the live parameters while they
        // hold its turn (OptdService+LargeStep.swift); a sparse step takes the turn too, so it
        // cannot change those parameters while they are being sent.
        if isLarge(session) { try inTurn(session, apply) } else { try apply() }
    }

    /// `PUT /v1/sessions/{id}`: creates the session at a URI the client chose, so a proxy that
    /// routes by the id in the path (consistent hashing) creates it where it will live. The body
    /// is a create body; its `id`, if given, must be the path's. 409 `session_exists` if the id
    /// is taken (an existing session is never replaced by this route).
    func putSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let id = try sessionID(request)
        try VectorRepresentation.requireJSON(request.headers)
        let create = try CreateSessionRequest(json: try body.readAll(limit: options.limits.maxBodyBytes),
                                              maxSize: options.maxSessionSize)
        if let given = create.id, given != id {
            throw ServiceError.invalidSessionID("the body's id \"\(given)\" differs from the path's \"\(id)\"")
        }
        try insertSession(create, id: id, response)
    }

    /// `DELETE` with `Accept: application/octet-stream` answers 200 with the session's checkpoint
    /// as it was at the instant it was deleted (taken under the same lock): the atomic last copy
    /// of a move between servers, which no step can slip past.
    static func wantsCheckpoint(_ request: HTTPRequest) -> Bool {
        guard let accept = request.headers["Accept"] else { return false }
        return VectorRepresentation.quality(of: "application/octet-stream", in: accept) > 0
            && VectorRepresentation.quality(of: "application/octet-stream", in: accept)
                > VectorRepresentation.quality(of: "application/json", in: accept)
    }

    /// Shutdown: workers waiting in open rounds get 503 at once instead of holding the
    /// graceful stop until their round's deadline.
    func abortOpenRounds() {
        for session in store.all { session.rounds?.abort(.shuttingDown) }
    }
}
