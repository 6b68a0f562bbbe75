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
            throw Problem(status: .serviceUnavailable, code: "not_ready", detail: "restoring sessions", headers: ["Retry-After": "1"])
        case .shuttingDown:
            throw ServiceError.shuttingDown
        }
    }

    func metricsText(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                             body: metrics.render(sessions: store.count))
    }

    func optimizers(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try response.respond(.ok, headers: Self.json, body: Documents.catalogue)
    }

    func createSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        try VectorRepresentation.requireJSON(request.headers)
        let create = try CreateSessionRequest(json: try body.readAll(limit: options.limits.maxBodyBytes),
                                              maxSize: options.maxSessionSize)
        let id = create.id ?? SessionID.generate()
        let session = Session(id: id, optimizer: Optimizer(config: create.config, params: create.params))
        try store.insert(session)
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
        try response.respond(.ok, headers: Self.json, body: Documents.session(session.metadata))
    }

    func patchSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        try VectorRepresentation.requireJSON(request.headers)
        let patch = try PatchSessionRequest(json: try body.readAll(limit: 1 << 20), current: session.metadata.config)
        let metadata = try session.update(hyperparameters: patch.hyperparameters)
        try response.respond(.ok, headers: Self.json, body: Documents.session(metadata))
    }

    func deleteSession(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let id = try sessionID(request)
        try store.remove(id)
        try response.respond(.noContent)
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
        let values = try VectorBody.read(request, body, as: representation, size: session.size, objectKey: "params",
                                         maxBytes: options.limits.maxBodyBytes)
        try sendVector(try session.replaceParams(with: values, ifMatch: request.headers["If-Match"]), as: answerAs, response)
    }

    func step(_ request: HTTPRequest, _ body: RequestBody, _ response: ResponseWriter) throws {
        let session = try session(for: request)
        let representation = try VectorRepresentation.ofRequest(request.headers)
        let answerAs = try VectorRepresentation.ofAnswer(accept: request.headers["Accept"], request: representation)
        let key = try idempotencyKey(request)
        let gradient = try VectorBody.read(request, body, as: representation, size: session.size, objectKey: "gradient",
                                           maxBytes: options.limits.maxBodyBytes)
        let answer = try session.step(gradient: gradient, ifMatch: request.headers["If-Match"], idempotencyKey: key)
        metrics.countStep()
        if prefersMinimal(request) {
            try response.respond(.noContent, headers: ["ETag": "\"\(answer.step)\""])
        } else {
            try sendVector(answer, as: answerAs, response)
        }
    }

    // MARK: Helpers

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
