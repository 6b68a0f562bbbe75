/// Why a hyperparameter document was rejected. Every case names the offending field (dotted for
/// nested fields, e.g. `learning_rate.decay_steps`) so that the service can say which one.
public enum ConfigError: Error, Sendable, Equatable {
    case unknownField(field: String)
    case wrongType(field: String, expected: String, got: String)
    case outOfRange(field: String, value: String, range: String)
    case missingField(field: String)
    /// Valid on its own, but not together with another setting (e.g. two clipping options).
    case conflict(field: String, reason: String)
    case unknownOptimizer(name: String)

    /// The field the error is about.
    public var field: String {
        switch self {
        case .unknownField(let f), .wrongType(let f, _, _), .outOfRange(let f, _, _),
             .missingField(let f), .conflict(let f, _):
            f
        case .unknownOptimizer: "name"
        }
    }

    /// One sentence for a human, naming the field and the value.
    public var message: String {
        switch self {
        case .unknownField(let f):
            "unknown hyperparameter '\(f)'"
        case .wrongType(let f, let expected, let got):
            "'\(f)' must be \(expected), got \(got)"
        case .outOfRange(let f, let value, let range):
            "'\(f)' = \(value) is out of range \(range)"
        case .missingField(let f):
            "'\(f)' is required"
        case .conflict(let f, let reason):
            "'\(f)': \(reason)"
        case .unknownOptimizer(let name):
            "unknown optimizer '\(name)'; expected one of "
                + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")
        }
    }
}
