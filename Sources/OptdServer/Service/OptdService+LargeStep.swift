import HTTP1
import OptimizerCore

/// Steps on large sessions (vectors of 16 MiB and more), kept within a fixed memory overhead.
///
/// A session's state (parameters plus optimizer buffers) is most of optd's memory; a step's
/// gradient and answer are as large as the parameters, so sixteen clients uploading to a
/// 1e8-parameter Adam session (1.2 GB of state) at once would otherwise hold sixteen 400 MB
/// bodies. Instead:
/// - Requests that write a large session's parameters (steps, PUT params) take turns, the turn
///   taken BEFORE the body is read: waiting uploads stay in the kernel's socket buffers (and
///   take nothing from the in-flight body budget, which counts from the first read). Steps on
///   one session are serialised anyway, so this costs no throughput. At most 64 wait; more get
///   503 `server_busy`.
/// - A raw gradient is checked for NaN and infinity as it arrives, a 4 MB block at a time, and
///   parked in an unlinked file of the data directory (`GradientSpool`: page cache, not optd's
///   memory). Only once all of it is in and finite is it applied, block by block read back with
///   `pread` (`PiecewiseUpdate`): a step with a bad value anywhere changes nothing (SPEC §3).
/// - The answer is sent straight from the session's parameters, not a copy: nothing else can
///   change them while the turn is held. An `Idempotency-Key` retry is answered while the
///   session has not moved on, and refused with 409 `idempotency_answer_expired` after.
/// JSON bodies, Keras `clipnorm`/`global_clipnorm` (whose norm needs the whole gradient), and
/// `--wal` (a journal record holds the whole gradient) take turns too but read the gradient
/// into memory, as small sessions do.
extension OptdService {
    static let largeSessionBytes = 16 << 20
    static let spoolBlockFloats = 1 << 20
    static let maxWaitingForTurn = 64

    func isLarge(_ session: Session) -> Bool { session.size * 4 >= Self.largeSessionBytes }

    /// Runs `body` in `session`'s turn (503 `server_busy` when too many wait for it).
    func inTurn(_ session: Session, _ body: () throws -> Void) throws {
        guard try session.takingTurn(maxWaiting: Self.maxWaitingForTurn, body) != nil else {
            throw ServiceError.sessionBusy(session.id)
        }
    }

    func largeStep(_ session: Session, _ representation: VectorRepresentation, _ answerAs: VectorRepresentation,
                   _ key: String?, _ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let ifMatch = request.headers["If-Match"]
        let size = session.size
        // A wrong length is refused from the head, without waiting for a turn.
        if representation == .raw { try VectorBody.checkRawLength(request, size: size) }
        try inTurn(session) {
            if representation == .raw, journal == nil, PiecewiseUpdate.supports(session.metadata.config),
               let spool = spool() {
                let block = vectors.take(count: Self.spoolBlockFloats)
                defer { vectors.give(block) }
                try VectorBody.spoolRaw(request, body, size: size, into: spool, block: block)
                let read = { (offset: Int, into: UnsafeMutableBufferPointer<Float>) throws(PersistenceError) in
                    try spool.read(into: into, at: offset)
                }
                var started = Instant.now()
                if let answer = try session.streamedStep(block: block, read: read, ifMatch: ifMatch, idempotencyKey: key) {
                    return try answerStep(answer, started: started, as: answerAs, request, response)
                }
                // Not elementwise after all (the first torch SGD step with momentum creates its
                // buffer from the gradient): apply it whole.
                let gradient = FloatBuffer(count: size)
                do throws(PersistenceError) { try spool.read(into: gradient.buffer, at: 0) } catch {
                    throw ServiceError.storageFailed("the gradient could not be read back: \(error)")
                }
                started = Instant.now()
                let answer = try session.step(gradient: gradient, ifMatch: ifMatch, idempotencyKey: key, journal: journal,
                                              keepsAnswers: false)
                return try answerStep(answer, started: started, as: answerAs, request, response)
            }
            let gradient = FloatBuffer(count: size)
            let checked = try VectorBody.read(request, body, as: representation, into: gradient, objectKey: "gradient",
                                              maxBytes: options.limits.maxBodyBytes)
            let started = Instant.now()
            let answer = try session.step(gradient: gradient, checked: checked, ifMatch: ifMatch, idempotencyKey: key,
                                          journal: journal, keepsAnswers: false)
            try answerStep(answer, started: started, as: answerAs, request, response)
        }
    }

    /// A spool file in the data directory; nil (logged) if none can be made, and the step is
    /// read into memory instead.
    private func spool() -> GradientSpool? {
        do throws(PersistenceError) {
            return try GradientSpool(directory: options.dataDirectory)
        } catch {
            Log.message("large step read into memory: \(error)")
            return nil
        }
    }
}
