import HTTP1
import OptimizerCore

/// The route handlers. Each decides everything it can from the head (session, media types,
/// lengths) before reading a body, so a refused upload is never read (`Expect: 100-continue`).
extension OptdService {
    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    func health(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: Self.json, body: #"{"status":"ok"}"#)
    }

    func ready(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        switch state {
        case .ready:
            try response.respond(.ok, headers: Self.json, body: #"{"status":"ready"}"#)
        case .starting:
            throw ServiceError.notReady
        case .shuttingDown:
            throw ServiceError.shuttingDown
        }
    }

    func metricsText(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: ["Content-Type": PrometheusText.contentType],
                             body: metrics.render(sessions: store.count))
    }

    func optimizers(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: Self.json, body: Documents.catalogue)
    }

    func createSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try VectorRepresentation.requireJSON(request.headers)
        let create = try CreateSessionRequest(json: try body.readAll(limit: options.limits.maxBodyBytes),
                                              maxSize: options.maxSessionSize)
        try insertSession(create, id: create.id ?? SessionID.generate(), response)
    }

    /// Creates the session `create` describes under `id`: 201 + Location, 409 if `id` is taken.
    func insertSession(_ create: CreateSessionRequest, id: String, _ response: ResponseWriter) throws {
        let session = Session(id: id, optimizer: Optimizer(config: create.config, params: create.params), aggregate: create.aggregate)
        let lsn = try exclusive(id) { () throws(ServiceError) -> UInt64? in
            try session.journalCreation(journal) { () throws(ServiceError) in try store.insert(session) }
        }
        waitDurable(lsn)
        metrics.countSessionCreated()
        var headers = Self.json
        headers.set("Location", "/v1/sessions/\(id)")
        try response.respond(.created, headers: headers, body: Documents.session(session.metadata))
    }

    func listSessions(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: Self.json, body: Documents.sessionList(store.all.map(\.metadata)))
    }

    func getSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        var metadata = session.metadata
        // Read after the metadata, never under its lock (rounds lock, then session lock).
        metadata.waiting = session.rounds?.pendingWorkers
        try response.respond(.ok, headers: Self.json, body: Documents.session(metadata))
    }

    func patchSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        try VectorRepresentation.requireJSON(request.headers)
        let patch = try PatchSessionRequest(json: try body.readAll(limit: 1 << 20), current: session.metadata.config)
        let (metadata, lsn) = try session.update(hyperparameters: patch.hyperparameters, journal: journal)
        waitDurable(lsn)
        try response.respond(.ok, headers: Self.json, body: Documents.session(metadata))
    }

    func deleteSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        let returnCheckpoint = Self.wantsCheckpoint(request)
        let final = try exclusive(session.id) { () throws(ServiceError) -> Session.Capture? in
            let (lsn, final) = try session.journalDeletion(journal, ifMatch: request.headers["If-Match"], capturing: returnCheckpoint) {
                () throws(ServiceError) in try store.remove(session.id)
            }
            waitDurable(lsn)
            do throws(PersistenceError) {
                try persistence?.remove(session.id)
            } catch {
                // The deletion stands (journalled and answered); with a journal the file is
                // removed at the next start, without one it may come back.
                Log.message("DELETE \(session.id): the snapshot file could not be removed: \(error)")
            }
            return final
        }
        // Workers waiting in its open round learn at once (404) instead of at the round's timeout.
        session.rounds?.abort(.sessionNotFound(session.id))
        if let final {
            try sendCheckpoint(final, response)
        } else {
            try response.respond(.noContent)
        }
    }

    func getParams(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: nil)
        let ema: Bool
        switch request.queryParameter("ema") {
        case nil, "false"?: ema = false
        case "true"?: ema = true
        case let other?: throw ServiceError.invalidQuery("ema must be true or false, got \"\(other)\"")
        }
        try sendVector(try session.params(ema: ema), as: answerAs, response)
    }

    func putParams(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        let representation = try VectorRepresentation.ofRequest(request.headers)
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: representation)
        if isLarge(session) {
            // Writes a large session's parameters, which a step's answer may be sending.
            return try inTurn(session) { try putParamsNow(session, representation, answerAs, request, body, response) }
        }
        try putParamsNow(session, representation, answerAs, request, body, response)
    }

    private func putParamsNow(_ session: Session, _ representation: VectorRepresentation, _ answerAs: VectorRepresentation,
                              _ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let values = FloatBuffer(count: session.size)
        try VectorBody.read(request, body, as: representation, into: values, objectKey: "params",
                            maxBytes: options.limits.maxBodyBytes)
        let answer = try session.replaceParams(with: values, ifMatch: request.headers["If-Match"], journal: journal)
        waitDurable(answer.lsn)
        try sendVector(answer, as: answerAs, response)
    }

    func step(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        if let format = SparseBody.format(of: request.headers) { return try sparseStep(session, format, request, body, response) }
        if session.aggregate != nil || request.headers["Optd-Worker"] != nil { return try aggregatedStep(session, request, body, response) }
        let representation = try VectorRepresentation.ofRequest(request.headers)
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: representation)
        let key = try idempotencyKey(request)
        if isLarge(session) {
            return try largeStep(session, representation, answerAs, key, request, body, response)
        }
        // The gradient's buffer comes from the pool and goes back once the answer is sent (it
        // holds the answer; see `Session.step`).
        let gradient = vectors.take(count: session.size)
        defer { vectors.give(gradient) }
        let checked = try VectorBody.read(request, body, as: representation, into: gradient, objectKey: "gradient",
                                          maxBytes: options.limits.maxBodyBytes)
        let started = Instant.now()
        let answer = try session.step(gradient: gradient, checked: checked, ifMatch: request.headers["If-Match"],
                                      idempotencyKey: key, journal: journal)
        try answerStep(answer, started: started, as: answerAs, request, response)
    }

    /// Waits for durability, counts the step (`started`: when it began to wait for the session)
    /// and answers it.
    func answerStep(_ answer: Session.VectorAnswer, started: Instant, as answerAs: VectorRepresentation,
                    _ request: HTTPRequest, _ response: ResponseWriter) throws {
        waitDurable(answer.lsn)
        if !answer.replayed { metrics.countStep(nanoseconds: Instant.now().nanoseconds - started.nanoseconds) }
        try sendStepAnswer(answer, as: answerAs, request, response)
    }

    /// A step's answer: the parameters, or only the ETag with `Prefer: return=minimal`.
    func sendStepAnswer(_ answer: Session.VectorAnswer, as answerAs: VectorRepresentation, _ request: HTTPRequest,
                        _ response: ResponseWriter) throws {
        if prefersMinimal(request) {
            try response.respond(.noContent, headers: ["ETag": "\"\(answer.step)\""])
        } else {
            try sendVector(answer, as: answerAs, response)
        }
    }

    func snapshot(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        guard let persistence else { throw ServiceError.notReady }
        let written: (step: Int, bytes: Int)?
        do throws(PersistenceError) {
            written = try persistence.snapshot(session)
        } catch {
            Log.message("snapshot of \(session.id) failed: \(error)")
            throw ServiceError.storageFailed("snapshot failed: \(error); the previous snapshot is kept")
        }
        guard let written else { throw ServiceError.sessionNotFound(session.id) }  // deleted meanwhile
        try response.respond(.ok, headers: Self.json, body: #"{"step":\#(written.step),"bytes":\#(written.bytes)}"#)
    }

    /// The full state as one safetensors file, streamed from the buffers of a consistent copy.
    func getCheckpoint(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        try sendCheckpoint(session.capture(), response)
    }

    /// A session file as the answer, ETag its step, streamed from the capture's buffers.
    func sendCheckpoint(_ capture: Session.Capture, _ response: ResponseWriter) throws {
        let file = SessionFile.file(capture)
        let header = Safetensors.header(metadata: file.metadata, tensors: file.tensors.map { ($0.name, $0.values.count) })
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream", "ETag": "\"\(capture.step)\""]
        headers.set("Content-Disposition", "attachment; filename=\"\(capture.id).safetensors\"")
        try response.writeHead(.ok, headers: headers, contentLength: Safetensors.size(header: header, tensors: file.tensors))
        try Safetensors.encode(file) { chunk in try response.writeBody(chunk) }
    }

    /// Creates or replaces the session at this path from a checkpoint file (its id is the path's).
    func putCheckpoint(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let id = try sessionID(request)
        guard let type = request.headers["Content-Type"], VectorRepresentation.mediaType(type) == "application/octet-stream" else {
            throw ServiceError.unsupportedMediaType(request.headers["Content-Type"])
        }
        let ifMatch = request.headers["If-Match"]
        // A fast check from the head, so a stale upload is refused before it is sent; checked
        // again, atomically, when the sessions are swapped.
        if let ifMatch {
            guard let existing = try? store.get(id) else { throw ServiceError.preconditionFailed(current: nil, given: ifMatch) }
            try Session.check(ifMatch, step: existing.metadata.step)
        }
        let bytes = try body.readAll(limit: options.limits.maxBodyBytes)
        let restored: SessionFile.Restored
        do throws(SessionFile.Error) {
            restored = try bytes.withBytesTyped { (raw) throws(SessionFile.Error) in try SessionFile.restore(raw, maxSize: options.maxSessionSize) }
        } catch {
            throw ServiceError.invalidCheckpoint(error.message)
        }
        let session = Session(restored: restored, id: id, journalLSN: 0, fromFile: false)
        // Under the id's lock no other create, replacement, deletion or snapshot of this id runs.
        let replaced = try exclusive(id) { () throws(ServiceError) -> Bool in
            let existing = try? store.get(id)
            let lsn = try session.journalCreation(journal) { () throws(ServiceError) in
                if let existing {
                    try existing.retire(ifMatch: ifMatch)
                } else if let ifMatch {
                    throw ServiceError.preconditionFailed(current: nil, given: ifMatch)
                }
                store.upsert(session)
            }
            waitDurable(lsn)
            return existing != nil
        }
        // An uploaded checkpoint is an explicit act: put it on disk now, whatever the WAL mode.
        do throws(PersistenceError) { try persistence?.snapshot(session) } catch {
            Log.message("snapshot of \(id) after PUT checkpoint failed: \(error)")
        }
        var headers = Self.json
        headers.set("Location", "/v1/sessions/\(id)")
        try response.respond(replaced ? .ok : .created, headers: headers, body: Documents.session(session.metadata))
    }

    // MARK: Helpers

    /// Runs `body` under the session id's lock (see `Persistence.exclusive`).
    func exclusive<R, E: Error>(_ id: String, _ body: () throws(E) -> R) throws(E) -> R {
        guard let persistence else { return try body() }
        return try persistence.exclusive(id, body)
    }

    /// Under `--wal`, the answer waits until the change's journal record is written (everysec)
    /// or fsynced (always).
    func waitDurable(_ lsn: UInt64?) {
        if let lsn { journal?.wait(for: lsn) }
    }

    func sessionID(_ request: HTTPRequest) throws(ServiceError) -> String {
        let id = request.pathParameters["id"] ?? ""
        try SessionID.validate(id)
        return id
    }

    func session(for request: HTTPRequest) throws(ServiceError) -> Session {
        try store.get(try sessionID(request))
    }

    /// A vector answer: `{"step", "params"}` or raw float32, with `ETag: "<step>"`.
    func sendVector(_ answer: Session.VectorAnswer, as representation: VectorRepresentation, _ response: ResponseWriter) throws {
        var headers: HTTPHeaders = ["Content-Type": representation.contentType, "ETag": "\"\(answer.step)\""]
        switch representation {
        case .json:
            try response.respond(.ok, headers: headers, body: Documents.vector(step: answer.step, values: answer.values))
        case .raw:
            headers.set("Optd-Step", String(answer.step))
            #if _endian(big)
            let values = answer.values.array.map { Float(bitPattern: $0.bitPattern.littleEndian) }
            try values.withUnsafeBytes { try response.respond(.ok, headers: headers, body: $0) }
            #else
            try response.respond(.ok, headers: headers, body: UnsafeRawBufferPointer(answer.values.buffer))
            #endif
        }
    }

    /// `Prefer: return=minimal` (RFC 7240).
    func prefersMinimal(_ request: HTTPRequest) -> Bool {
        request.headers.values(for: "Prefer").contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: " \t").lowercased() == "return=minimal" }
        }
    }

    func idempotencyKey(_ request: HTTPRequest) throws(ServiceError) -> String? {
        guard let key = request.headers["Idempotency-Key"] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidIdempotencyKey
        }
        return key
    }
}
