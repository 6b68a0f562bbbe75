import HTTP1
import OptimizerCore

/// Everything the service refuses, as one typed error. `problem` is the single place where these
/// become RFC 9457 problem+json answers with their stable `code`s (SPEC §3, §7).
enum ServiceError: Error, Equatable {
    case invalidJSON(String)
    case invalidHyperparameter(ConfigError)
    case invalidSessionID(String)
    case invalidSize(String)
    case invalidConvention(String)
    case sessionNotFound(String)
    case sessionExists(String)
    /// `bytes`: the raw body's byte count, when it was a raw body.
    case lengthMismatch(expected: Int, got: Int, bytes: Int?)
    case nonFinite(index: Int)
    case unsupportedMediaType(String?)
    case notAcceptable(String)
    /// `current`: the session's step, nil when there is no session.
    case preconditionFailed(current: Int?, given: String)
    case emaDisabled
    case idempotencyAnswerExpired(key: String, step: Int)
    case invalidIdempotencyKey
    case invalidQuery(String)
    case unauthorized(String)
    case shuttingDown
    case notReady
    case invalidCheckpoint(String)
    case storageFailed(String)
    // Scale-out (Service/ServiceError+Scale.swift): aggregation rounds and sparse steps.
    case invalidAggregate(String)
    case invalidWorker(String)
    case duplicateWorker(worker: String, round: UInt64, workers: Int)
    case roundTimeout(round: UInt64, seconds: Double, arrived: [String], workers: Int)
    case aggregationBusy(limit: Int)
    case sparseUnsupported(String)
    case invalidSparseBody(String)
    case indexOutOfRange(String)
    case sparseCountMismatch(String)
    /// Too many requests already wait for their turn on one large session.
    case sessionBusy(String)

    init(_ error: JSONDecodeError) {
        switch error {
        case .syntax: self = .invalidJSON(error.message)
        case .nonFinite(let index): self = .nonFinite(index: index)
        }
    }

    init(_ error: StepError) {
        switch error {
        case let .lengthMismatch(expected, got): self = .lengthMismatch(expected: expected, got: got, bytes: nil)
        case let .nonFinite(index): self = .nonFinite(index: index)
        }
    }

    var problem: Problem {
        switch self {
        case .invalidJSON(let detail):
            Problem(status: .badRequest, code: "invalid_json", detail: detail)
        case .invalidHyperparameter(let error):
            Problem(status: .badRequest, code: "invalid_hyperparameter", detail: error.message)
        case .invalidSessionID(let detail):
            Problem(status: .badRequest, code: "invalid_session_id", detail: detail)
        case .invalidSize(let detail):
            Problem(status: .badRequest, code: "invalid_size", detail: detail)
        case .invalidConvention(let value):
            Problem(status: .badRequest, code: "invalid_convention",
                    detail: "convention must be \"keras\" or \"pytorch\", got \(value)")
        case .sessionNotFound(let id):
            Problem(status: .notFound, code: "session_not_found", detail: "no session \"\(id)\"")
        case .sessionExists(let id):
            Problem(status: .conflict, code: "session_exists", detail: "session \"\(id)\" already exists")
        case let .lengthMismatch(expected, got, bytes):
            Problem(status: .unprocessableContent, code: "length_mismatch",
                    detail: bytes.map { $0 % 4 != 0
                        ? "a raw body holds 4-byte float32s; \($0) bytes is not a multiple of 4 (the session has \(expected) parameters, \(expected * 4) bytes)"
                        : "the session has \(expected) parameters (\(expected * 4) bytes); the body has \($0) bytes" }
                        ?? "the session has \(expected) parameters; the vector has \(got)")
        case .nonFinite(let index):
            Problem(status: .unprocessableContent, code: "non_finite",
                    detail: "element \(index) is NaN, infinite or beyond float32's range; nothing was applied")
        case .unsupportedMediaType(let given):
            Problem(status: .unsupportedMediaType, code: "unsupported_media_type",
                    detail: "Content-Type must be application/json or application/octet-stream"
                        + (given.map { ", got \($0)" } ?? "; none was given"))
        case .notAcceptable(let accept):
            Problem(status: .notAcceptable, code: "not_acceptable",
                    detail: "Accept \"\(accept)\" allows neither application/json nor application/octet-stream")
        case let .preconditionFailed(current?, given):
            Problem(status: .preconditionFailed, code: "precondition_failed",
                    detail: "If-Match \(given) does not match the session's ETag \"\(current)\"",
                    headers: ["ETag": "\"\(current)\""])
        case let .preconditionFailed(nil, given):
            Problem(status: .preconditionFailed, code: "precondition_failed",
                    detail: "If-Match \(given): there is no session here")
        case .emaDisabled:
            Problem(status: .badRequest, code: "ema_disabled", detail: "the session was not created with use_ema")
        case let .idempotencyAnswerExpired(key, step):
            Problem(status: .conflict, code: "idempotency_answer_expired",
                    detail: "Idempotency-Key \"\(key)\" was applied as step \(step) and nothing was applied now; "
                        + "its answer is no longer held (the session has moved on): GET the params instead")
        case .invalidIdempotencyKey:
            Problem(status: .badRequest, code: "invalid_idempotency_key",
                    detail: "Idempotency-Key must be 1 to 255 visible ASCII characters")
        case .invalidQuery(let detail):
            Problem(status: .badRequest, code: "invalid_query", detail: detail)
        case .unauthorized(let detail):
            Problem(status: .unauthorized, code: "unauthorized", detail: detail, headers: ["WWW-Authenticate": "Bearer"])
        case .shuttingDown:
            Problem.shuttingDown(retryAfter: 1)
        case .notReady:
            Problem(status: .serviceUnavailable, code: "not_ready", detail: "restoring sessions from disk", headers: ["Retry-After": "1"])
        case .invalidCheckpoint(let detail):
            Problem(status: .badRequest, code: "invalid_checkpoint", detail: "not a valid optd-session/1 safetensors file: \(detail)")
        case .storageFailed(let detail):
            Problem(status: HTTPStatus(507), code: "storage_failed", detail: detail)
        case .invalidAggregate, .invalidWorker, .duplicateWorker, .roundTimeout, .aggregationBusy, .sparseUnsupported,
             .invalidSparseBody, .indexOutOfRange, .sparseCountMismatch:
            scaleProblem
        case .sessionBusy(let id):
            Problem(status: .serviceUnavailable, code: "server_busy",
                    detail: "too many uploads are waiting for their turn on session \(id)", headers: ["Retry-After": "1"])
        }
    }
}
