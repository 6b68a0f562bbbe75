/// The JSON type a hyperparameter takes, as listed by `GET /v1/optimizers`.
public enum HyperparameterType: String, Sendable {
    case number
    /// A number with an integral value (`3` or `3.0`).
    case integer
    case boolean
    /// A number, or a schedule object (`{"schedule": "exponential_decay", ...}`).
    case learningRate = "number_or_schedule"
}

/// The values a numeric hyperparameter accepts. Non-finite numbers are never accepted.
public enum ValueRange: Sendable, Equatable {
    /// `[lower, +inf)`
    case atLeast(Double)
    /// `(lower, +inf)`
    case above(Double)
    /// `[lower, upper]`
    case closed(Double, Double)
    /// `[lower, upper)`
    case closedOpen(Double, Double)

    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        switch self {
        case .atLeast(let lo): return x >= lo
        case .above(let lo): return x > lo
        case .closed(let lo, let hi): return x >= lo && x <= hi
        case .closedOpen(let lo, let hi): return x >= lo && x < hi
        }
    }

    /// Interval notation, e.g. `[0, 1)` or `(0, inf)`.
    public var notation: String {
        let f = ConfigValue.format
        switch self {
        case .atLeast(let lo): return "[\(f(lo)), inf)"
        case .above(let lo): return "(\(f(lo)), inf)"
        case .closed(let lo, let hi): return "[\(f(lo)), \(f(hi))]"
        case .closedOpen(let lo, let hi): return "[\(f(lo)), \(f(hi)))"
        }
    }
}

/// One row of the catalogue: a hyperparameter of one optimizer, its type, its default under each
/// convention that has it, and its valid range.
public struct Hyperparameter: Sendable {
    public let name: String
    public let type: HyperparameterType
    /// Default per convention. A convention that lacks the hyperparameter has no key; `.null`
    /// means "off" (e.g. `clipnorm`), and only then may a client send `null`.
    public let defaults: [Convention: ConfigValue]
    /// Numeric range; nil for booleans.
    public let range: ValueRange?

    public func isAvailable(in convention: Convention) -> Bool { defaults[convention] != nil }
}

/// Integer hyperparameters stay within Keras's int32 step counter.
let int32Max = Double(Int32.max)
