import HTTP1
import OptimizerCore

/// The problem+json answers of aggregation rounds and sparse steps (mapped here, called from
/// `ServiceError.problem`, the one place errors become answers).
extension ServiceError {
    init(_ error: SparseStepError) {
        switch error {
        case .unsupported(let reason): self = .sparseUnsupported(reason)
        case .countMismatch:
            self = .sparseCountMismatch(error.message)
        case .indexOutOfRange: self = .indexOutOfRange(error.message)
        case .nonFinite(let position): self = .nonFinite(index: position)
        }
    }

    var scaleProblem: Problem {
        switch self {
        case .invalidAggregate(let detail):
            Problem(status: .badRequest, code: "invalid_aggregate", detail: detail)
        case .invalidWorker(let detail):
            Problem(status: .badRequest, code: "invalid_worker", detail: detail)
        case let .duplicateWorker(worker, round, workers):
            Problem(status: .conflict, code: "duplicate_worker",
                    detail: "worker \"\(worker)\" already sent its gradient for round \(round) (which waits for \(workers) workers); "
                        + "this one was not counted. A retry of the same request must repeat its Idempotency-Key.")
        case let .roundTimeout(round, seconds, arrived, workers):
            Problem(status: HTTPStatus(504), code: "round_timeout",
                    detail: "round \(round) had \(arrived.count) of \(workers) gradients (\(arrived.joined(separator: ", "))) "
                        + "after \(ConfigValue.number(seconds).summary) s; nothing was applied. Send this gradient again for the next round.")
        case .aggregationBusy(let limit):
            Problem(status: .serviceUnavailable, code: "aggregation_busy",
                    detail: "\(limit) requests are already waiting in aggregation rounds on this server", headers: ["Retry-After": "1"])
        case .sparseUnsupported(let detail):
            Problem(status: .unprocessableContent, code: "sparse_unsupported", detail: detail + "; nothing was applied")
        case .invalidSparseBody(let detail):
            Problem(status: .badRequest, code: "invalid_sparse_body", detail: detail)
        case .sparseCountMismatch(let detail):
            Problem(status: .unprocessableContent, code: "length_mismatch", detail: detail + "; nothing was applied")
        case .indexOutOfRange(let detail):
            Problem(status: .unprocessableContent, code: "index_out_of_range", detail: detail + "; nothing was applied")
        default:
            problem
        }
    }
}
